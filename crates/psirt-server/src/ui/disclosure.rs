//! The case page's disclosure sections: affects (VEX status per product version, edited by the
//! PSIRT) and the advisories covering the case.

use axum::extract::State;
use psirt_domain::{
    AffectDraft, AffectStatus, CaseAction, Justification, Remediation, RemediationKind,
};
use psirt_store::{Case, NewAffect, PageRequest};
use serde::Deserialize;

use super::{see_other, CsrfForm, UiResult};
use crate::api::load_case;
use crate::error::{ApiError, Path};
use crate::{AppState, Staff};

pub struct AffectRowView {
    pub id: i64,
    pub product: String,
    pub status: &'static str,
    pub detail: String,
}

pub struct VersionChoice {
    pub id: i64,
    pub label: String,
}

pub struct AdvisoryLink {
    pub id: String,
    pub title: String,
    pub status: &'static str,
}

/// What the case page shows about disclosure.
pub struct CaseDisclosure {
    pub affects: Vec<AffectRowView>,
    /// Product versions without an affect yet (for the add form; PSIRT only).
    pub versions: Vec<VersionChoice>,
    pub advisories: Vec<AdvisoryLink>,
    pub can_edit: bool,
    pub statuses: Vec<&'static str>,
    pub justifications: Vec<&'static str>,
    pub remediations: Vec<&'static str>,
}

pub async fn case_disclosure(st: &AppState, staff: &Staff, c: &Case) -> UiResult<CaseDisclosure> {
    let affects = st.store.case_affects(c.id).await?;
    let can_edit = staff.viewer().can_triage();
    let mut versions = Vec::new();
    if can_edit {
        let products = st
            .store
            .products(
                None,
                &PageRequest {
                    cursor: None,
                    limit: Some(200),
                },
            )
            .await?;
        for p in products.items {
            for v in st.store.product_versions(p.id).await? {
                if !affects.iter().any(|a| a.product_version_id == v.id) {
                    versions.push(VersionChoice {
                        id: v.id,
                        label: format!("{} {} {}", p.vendor, p.name, v.version),
                    });
                }
            }
        }
    }
    let advisories = st
        .store
        .case_advisories(c.id)
        .await?
        .into_iter()
        .map(|a| AdvisoryLink {
            id: a.id.to_string(),
            title: a.content.title,
            status: a.status.as_str(),
        })
        .collect();
    Ok(CaseDisclosure {
        affects: affects
            .iter()
            .map(|a| AffectRowView {
                id: a.id,
                product: format!("{} {} {}", a.vendor, a.product, a.version),
                status: crate::publish::status_label(&a.affect),
                detail: affect_detail(&a.affect),
            })
            .collect(),
        versions,
        advisories,
        can_edit,
        statuses: vec!["under_investigation", "affected", "not_affected", "fixed"],
        justifications: vec![
            "component_not_present",
            "vulnerable_code_not_present",
            "vulnerable_code_not_in_execute_path",
            "vulnerable_code_cannot_be_controlled_by_adversary",
            "inline_mitigations_already_exist",
        ],
        remediations: vec![
            "vendor_fix",
            "workaround",
            "mitigation",
            "none_available",
            "no_fix_planned",
        ],
    })
}

fn affect_detail(a: &psirt_domain::Affect) -> String {
    use psirt_domain::Affect::*;
    let mut parts = Vec::new();
    match a {
        Fixed { fixed_in, .. } => parts.push(format!("fixed in {fixed_in}")),
        NotAffected { justification, .. } => parts.push(justification.label().replace('_', " ")),
        Affected {
            target_release: Some(t),
            ..
        }
        | UnderInvestigation {
            target_release: Some(t),
            ..
        } => parts.push(format!("fix planned in {t}")),
        _ => {}
    }
    if !a.statement().is_empty() {
        parts.push(a.statement().to_owned());
    }
    if let Some(r) = a.remediation() {
        parts.push(format!(
            "{}: {}",
            r.kind.label().replace('_', " "),
            r.details
        ));
    }
    parts.join(" · ")
}

/// The affect form: every field a text box or select; empty means absent.
#[derive(Deserialize)]
pub struct AffectForm {
    #[serde(default)]
    product_version_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    fixed_in: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    remediation_kind: String,
    #[serde(default)]
    remediation_details: String,
    #[serde(default)]
    target_release: String,
}

fn label<T: serde::de::DeserializeOwned>(field: &str, v: &str) -> Result<Option<T>, ApiError> {
    match v.trim() {
        "" => Ok(None),
        v => serde_json::from_value(serde_json::Value::String(v.to_owned()))
            .map(Some)
            .map_err(|_| invalid(field, "is not a known value")),
    }
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Domain(psirt_domain::DomainError::Invalid(vec![
        psirt_domain::FieldError::new(field, message),
    ]))
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl AffectForm {
    fn draft(&self) -> Result<AffectDraft, ApiError> {
        let status: AffectStatus =
            label("status", &self.status)?.ok_or_else(|| invalid("status", "is required"))?;
        let remediation = label::<RemediationKind>("remediation_kind", &self.remediation_kind)?
            .map(|kind| Remediation {
                kind,
                details: self.remediation_details.clone(),
            });
        Ok(AffectDraft {
            status,
            justification: label::<Justification>("justification", &self.justification)?,
            fixed_in: some(&self.fixed_in),
            statement: self.statement.clone(),
            remediation,
            target_release: some(&self.target_release),
        })
    }
}

async fn editable(st: &AppState, staff: &Staff, id: i64) -> Result<(), ApiError> {
    load_case(st, staff, id, CaseAction::View).await?;
    if staff.viewer().can_triage() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only the PSIRT edits affects"))
    }
}

pub async fn add_affect(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<AffectForm>,
) -> UiResult {
    editable(&st, &f.staff, id).await?;
    let product_version_id = f
        .form
        .product_version_id
        .trim()
        .parse()
        .map_err(|_| invalid("product_version_id", "choose a product version"))?;
    let draft = f.form.draft()?;
    st.store
        .add_affect(
            &f.staff.actor(),
            id,
            NewAffect {
                product_version_id,
                draft,
            },
        )
        .await?;
    see_other(&format!("/cases/{id}?notice=affect_saved#affects"))
}

pub async fn update_affect(
    State(st): State<AppState>,
    Path((id, affect_id)): Path<(i64, i64)>,
    f: CsrfForm<AffectForm>,
) -> UiResult {
    editable(&st, &f.staff, id).await?;
    let draft = f.form.draft()?;
    st.store
        .update_affect(&f.staff.actor(), id, affect_id, draft)
        .await?;
    see_other(&format!("/cases/{id}?notice=affect_saved#affects"))
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn delete_affect(
    State(st): State<AppState>,
    Path((id, affect_id)): Path<(i64, i64)>,
    f: CsrfForm<EmptyForm>,
) -> UiResult {
    editable(&st, &f.staff, id).await?;
    st.store
        .delete_affect(&f.staff.actor(), id, affect_id)
        .await?;
    see_other(&format!("/cases/{id}?notice=affect_deleted#affects"))
}
