//! Affects: how a case touches each product version (VEX status), edited by the PSIRT and read by
//! the advisory renderers. Rows are validated through `psirt_domain::affect` on the way in and
//! again on the way out, so a hand-edited row cannot reach a published document unchecked.

use psirt_domain::{Affect, AffectDraft, Justification, Remediation, RemediationKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::{Actor, Result, Store, StoreError};

/// One affect with the product version it is about, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseAffect {
    pub id: i64,
    pub case_id: i64,
    pub product_version_id: i64,
    pub product_id: i64,
    pub vendor: String,
    pub product: String,
    pub version: String,
    /// CPE of the product (for the product tree of advisories).
    pub cpe: Option<String>,
    /// Package URL of the product, without version.
    pub purl: Option<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub affect: Affect,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A new affect: the product version and the VEX fields.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAffect {
    pub product_version_id: i64,
    #[serde(flatten)]
    pub draft: AffectDraft,
}

struct AffectRow {
    id: i64,
    case_id: i64,
    product_version_id: i64,
    product_id: i64,
    vendor: String,
    product: String,
    version: String,
    cpe: Option<String>,
    purl: Option<String>,
    status: String,
    justification: Option<String>,
    fixed_in: Option<String>,
    statement: String,
    remediation_kind: Option<String>,
    remediation_text: String,
    target_release: Option<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}
from_row!(AffectRow {
    id,
    case_id,
    product_version_id,
    product_id,
    vendor,
    product,
    version,
    cpe,
    purl,
    status,
    justification,
    fixed_in,
    statement,
    remediation_kind,
    remediation_text,
    target_release,
    created_at,
    updated_at
});

const SELECT: &str = "SELECT a.id, a.case_id, a.product_version_id, p.id AS product_id, p.vendor, p.name AS product, \
    v.version, p.cpe, p.purl, a.status, a.justification, a.fixed_in, a.statement, a.remediation_kind, a.remediation_text, \
    a.target_release, a.created_at, a.updated_at \
    FROM affects a JOIN product_versions v ON v.id = a.product_version_id JOIN products p ON p.id = v.product_id";

fn from_label<T: serde::de::DeserializeOwned>(v: &str, what: &str) -> Result<T> {
    serde_json::from_value(json!(v)).map_err(|_| StoreError::Corrupt(format!("{what} `{v}`")))
}

impl AffectRow {
    fn into_affect(self) -> Result<CaseAffect> {
        let justification: Option<Justification> = self
            .justification
            .as_deref()
            .map(|j| from_label(j, "justification"))
            .transpose()?;
        let remediation = match self.remediation_kind.as_deref() {
            Some(k) => Some(Remediation {
                kind: from_label::<RemediationKind>(k, "remediation kind")?,
                details: self.remediation_text,
            }),
            None => None,
        };
        let draft = AffectDraft {
            status: from_label(&self.status, "affect status")?,
            justification,
            fixed_in: self.fixed_in,
            statement: self.statement,
            remediation,
            target_release: self.target_release,
        };
        let affect = draft
            .validated()
            .map_err(|e| StoreError::Corrupt(format!("affect {}: {e}", self.id)))?;
        Ok(CaseAffect {
            id: self.id,
            case_id: self.case_id,
            product_version_id: self.product_version_id,
            product_id: self.product_id,
            vendor: self.vendor,
            product: self.product,
            version: self.version,
            cpe: self.cpe,
            purl: self.purl,
            affect,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The columns of a validated affect, in the order the INSERT/UPDATE bind them.
struct Columns {
    status: String,
    justification: Option<&'static str>,
    fixed_in: Option<String>,
    statement: String,
    remediation_kind: Option<&'static str>,
    remediation_text: String,
    target_release: Option<String>,
}

fn columns(a: &Affect) -> Columns {
    let status = match serde_json::to_value(a.status()) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    };
    let r = a.remediation();
    let (justification, fixed_in, target_release) = match a {
        Affect::NotAffected { justification, .. } => (Some(justification.label()), None, None),
        Affect::Fixed { fixed_in, .. } => (None, Some(fixed_in.clone()), None),
        Affect::Affected { target_release, .. }
        | Affect::UnderInvestigation { target_release, .. } => (None, None, target_release.clone()),
    };
    Columns {
        status,
        justification,
        fixed_in,
        statement: a.statement().to_owned(),
        remediation_kind: r.map(|r| r.kind.label()),
        remediation_text: r.map(|r| r.details.clone()).unwrap_or_default(),
        target_release,
    }
}

impl Store {
    /// A case's affects, by product and version.
    pub async fn case_affects(&self, case_id: i64) -> Result<Vec<CaseAffect>> {
        let rows: Vec<AffectRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT} WHERE a.case_id = $1 ORDER BY p.vendor, p.name, v.version, a.id"
            )))
            .bind(case_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(AffectRow::into_affect).collect()
    }

    pub async fn affect(&self, case_id: i64, id: i64) -> Result<CaseAffect> {
        let row: Option<AffectRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1 AND a.case_id = $2")))
                .bind(id)
                .bind(case_id)
                .fetch_optional(p)
                .await?
        });
        row.ok_or(StoreError::NotFound("affect"))?.into_affect()
    }

    /// Records how the case affects one product version (one affect per version).
    pub async fn add_affect(
        &self,
        actor: &Actor,
        case_id: i64,
        new: NewAffect,
    ) -> Result<CaseAffect> {
        let affect = new.draft.validated()?;
        self.case(case_id).await?;
        self.product_version(new.product_version_id).await?;
        let c = columns(&affect);
        let now = self.now();
        let id: i64 = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO affects (case_id, product_version_id, status, justification, fixed_in, statement, \
                 remediation_kind, remediation_text, target_release, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(case_id)
            .bind(new.product_version_id)
            .bind(&c.status)
            .bind(c.justification)
            .bind(&c.fixed_in)
            .bind(&c.statement)
            .bind(c.remediation_kind)
            .bind(&c.remediation_text)
            .bind(&c.target_release)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "an affect for this product version"))?;
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.affect_add")
                .after(json!({"affect_id": id, "product_version_id": new.product_version_id, "affect": affect})));
            id
        });
        self.affect(case_id, id).await
    }

    /// Replaces an affect's VEX fields (the product version stays).
    pub async fn update_affect(
        &self,
        actor: &Actor,
        case_id: i64,
        id: i64,
        draft: AffectDraft,
    ) -> Result<CaseAffect> {
        let affect = draft.validated()?;
        let before = self.affect(case_id, id).await?;
        let c = columns(&affect);
        let now = self.now();
        with_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE affects SET status = $1, justification = $2, fixed_in = $3, statement = $4, remediation_kind = $5, \
                 remediation_text = $6, target_release = $7, updated_at = $8 WHERE id = $9 AND case_id = $10",
            )
            .bind(&c.status)
            .bind(c.justification)
            .bind(&c.fixed_in)
            .bind(&c.statement)
            .bind(c.remediation_kind)
            .bind(&c.remediation_text)
            .bind(&c.target_release)
            .bind(now)
            .bind(id)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("affect"));
            }
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.affect_update")
                .before(json!({"affect_id": id, "affect": before.affect}))
                .after(json!({"affect_id": id, "affect": affect})));
        });
        self.affect(case_id, id).await
    }

    pub async fn delete_affect(&self, actor: &Actor, case_id: i64, id: i64) -> Result<()> {
        let before = self.affect(case_id, id).await?;
        with_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM affects WHERE id = $1 AND case_id = $2")
                .bind(id)
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("affect"));
            }
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.affect_delete")
                .before(json!({"affect_id": id, "product_version_id": before.product_version_id, "affect": before.affect})));
        });
        Ok(())
    }
}
