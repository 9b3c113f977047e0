//! Affect: how one case touches one product version, in the VEX vocabulary (CSAF 2.0 product
//! status, flags and remediation categories), so that advisories render without translation.

use serde::{Deserialize, Serialize};

use crate::report::check_text;
use crate::{DomainError, FieldError};

const MAX_VERSION: usize = 100;
const MAX_TEXT: usize = 5_000;

/// The VEX status of a product version for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AffectStatus {
    UnderInvestigation,
    Affected,
    NotAffected,
    Fixed,
}

/// Why a product version is not affected: the CSAF 2.0 flag labels (= CISA's VEX justifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl Justification {
    /// The CSAF flag label (identical to the serde form).
    pub fn label(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// A sentence for the human reader (CSAF VEX requires an impact statement for each
    /// known_not_affected product; this is the default when the analyst wrote none).
    pub fn statement(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "The vulnerable component is not present.",
            Justification::VulnerableCodeNotPresent => "The vulnerable code is not present.",
            Justification::VulnerableCodeNotInExecutePath => {
                "The vulnerable code is present but cannot be executed."
            }
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "The vulnerable code cannot be controlled by an attacker."
            }
            Justification::InlineMitigationsAlreadyExist => {
                "Built-in protections prevent exploitation."
            }
        }
    }
}

/// The CSAF 2.0 remediation categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RemediationKind {
    VendorFix,
    Workaround,
    Mitigation,
    NoneAvailable,
    NoFixPlanned,
}

impl RemediationKind {
    pub fn label(self) -> &'static str {
        match self {
            RemediationKind::VendorFix => "vendor_fix",
            RemediationKind::Workaround => "workaround",
            RemediationKind::Mitigation => "mitigation",
            RemediationKind::NoneAvailable => "none_available",
            RemediationKind::NoFixPlanned => "no_fix_planned",
        }
    }
}

/// What the vendor tells users to do; `details` is required (CSAF requires it too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Remediation {
    pub kind: RemediationKind,
    pub details: String,
}

/// An affect as a user gives it; [`AffectDraft::validated`] turns it into an [`Affect`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AffectDraft {
    pub status: AffectStatus,
    #[serde(default)]
    pub justification: Option<Justification>,
    /// The version that fixes it; only (and always) with `fixed`.
    #[serde(default)]
    pub fixed_in: Option<String>,
    /// Analyst's statement (impact statement for not_affected, description otherwise).
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    pub remediation: Option<Remediation>,
    /// The planned release that will carry the fix.
    #[serde(default)]
    pub target_release: Option<String>,
}

/// A validated affect: the combination of fields is consistent with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Affect {
    UnderInvestigation {
        statement: String,
        target_release: Option<String>,
    },
    Affected {
        statement: String,
        remediation: Option<Remediation>,
        target_release: Option<String>,
    },
    NotAffected {
        justification: Justification,
        statement: String,
    },
    Fixed {
        fixed_in: String,
        statement: String,
        remediation: Option<Remediation>,
    },
}

impl Affect {
    pub fn status(&self) -> AffectStatus {
        match self {
            Affect::UnderInvestigation { .. } => AffectStatus::UnderInvestigation,
            Affect::Affected { .. } => AffectStatus::Affected,
            Affect::NotAffected { .. } => AffectStatus::NotAffected,
            Affect::Fixed { .. } => AffectStatus::Fixed,
        }
    }

    pub fn statement(&self) -> &str {
        match self {
            Affect::UnderInvestigation { statement, .. }
            | Affect::Affected { statement, .. }
            | Affect::NotAffected { statement, .. }
            | Affect::Fixed { statement, .. } => statement,
        }
    }

    pub fn remediation(&self) -> Option<&Remediation> {
        match self {
            Affect::Affected { remediation, .. } | Affect::Fixed { remediation, .. } => {
                remediation.as_ref()
            }
            _ => None,
        }
    }
}

impl AffectDraft {
    /// Trims and checks the draft; every inconsistent field is reported at once.
    pub fn validated(self) -> Result<Affect, DomainError> {
        let mut errors = Vec::new();
        let statement = self.statement.trim().to_owned();
        check_text(&mut errors, "statement", &statement, MAX_TEXT, false);
        let fixed_in = trimmed(self.fixed_in);
        let target_release = trimmed(self.target_release);
        for (field, value) in [("fixed_in", &fixed_in), ("target_release", &target_release)] {
            if let Some(v) = value {
                check_text(&mut errors, field, v, MAX_VERSION, true);
                if v.contains(char::is_whitespace) {
                    errors.push(FieldError::new(field, "must not contain spaces"));
                }
            }
        }
        let remediation = self.remediation.map(|r| Remediation {
            kind: r.kind,
            details: r.details.trim().to_owned(),
        });
        if let Some(r) = &remediation {
            check_text(
                &mut errors,
                "remediation.details",
                &r.details,
                MAX_TEXT,
                true,
            );
        }
        let status = self.status;
        let only = |errors: &mut Vec<FieldError>, field: &str, present: bool, allowed: &str| {
            if present {
                errors.push(FieldError::new(field, format!("is only allowed {allowed}")));
            }
        };
        only(
            &mut errors,
            "justification",
            self.justification.is_some() && status != AffectStatus::NotAffected,
            "with status not_affected",
        );
        only(
            &mut errors,
            "fixed_in",
            fixed_in.is_some() && status != AffectStatus::Fixed,
            "with status fixed",
        );
        // A remediation is advice for users of an affected (or fixed) version; a version that was
        // never vulnerable or is still being analysed has none.
        only(
            &mut errors,
            "remediation",
            remediation.is_some()
                && matches!(
                    status,
                    AffectStatus::NotAffected | AffectStatus::UnderInvestigation
                ),
            "with status affected or fixed",
        );
        only(
            &mut errors,
            "target_release",
            target_release.is_some()
                && matches!(status, AffectStatus::NotAffected | AffectStatus::Fixed),
            "with status affected or under_investigation",
        );
        if status == AffectStatus::NotAffected && self.justification.is_none() {
            errors.push(FieldError::new(
                "justification",
                "is required with status not_affected",
            ));
        }
        if status == AffectStatus::Fixed && fixed_in.is_none() {
            errors.push(FieldError::new("fixed_in", "is required with status fixed"));
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        Ok(match (status, self.justification, fixed_in) {
            (AffectStatus::NotAffected, Some(justification), _) => Affect::NotAffected {
                justification,
                statement,
            },
            (AffectStatus::Fixed, _, Some(fixed_in)) => Affect::Fixed {
                fixed_in,
                statement,
                remediation,
            },
            (AffectStatus::Affected, ..) => Affect::Affected {
                statement,
                remediation,
                target_release,
            },
            // The checks above leave under_investigation as the only remaining status.
            _ => Affect::UnderInvestigation {
                statement,
                target_release,
            },
        })
    }
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn draft(status: AffectStatus) -> AffectDraft {
        AffectDraft {
            status,
            justification: None,
            fixed_in: None,
            statement: String::new(),
            remediation: None,
            target_release: None,
        }
    }

    fn fields(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_affected_requires_a_justification_and_nothing_else_allows_one() {
        let e = draft(AffectStatus::NotAffected).validated().unwrap_err();
        assert_eq!(fields(e), ["justification"]);
        let mut d = draft(AffectStatus::NotAffected);
        d.justification = Some(Justification::VulnerableCodeNotInExecutePath);
        assert_eq!(d.validated().unwrap().status(), AffectStatus::NotAffected);
        for s in [
            AffectStatus::Affected,
            AffectStatus::Fixed,
            AffectStatus::UnderInvestigation,
        ] {
            let mut d = draft(s);
            d.justification = Some(Justification::ComponentNotPresent);
            d.fixed_in = Some("1.2.3".into());
            assert!(fields(d.validated().unwrap_err()).contains(&"justification".to_string()));
        }
    }

    #[test]
    fn fixed_requires_fixed_in_and_only_fixed_allows_it() {
        assert_eq!(
            fields(draft(AffectStatus::Fixed).validated().unwrap_err()),
            ["fixed_in"]
        );
        let mut d = draft(AffectStatus::Fixed);
        d.fixed_in = Some(" 4.2.1 ".into());
        let a = d.validated().unwrap();
        assert!(matches!(a, Affect::Fixed { ref fixed_in, .. } if fixed_in == "4.2.1"));
        let mut d = draft(AffectStatus::Affected);
        d.fixed_in = Some("4.2.1".into());
        assert_eq!(fields(d.validated().unwrap_err()), ["fixed_in"]);
        let mut d = draft(AffectStatus::Fixed);
        d.fixed_in = Some("4 2".into());
        assert_eq!(fields(d.validated().unwrap_err()), ["fixed_in"]);
    }

    #[test]
    fn remediation_and_target_release_follow_the_status() {
        let remediation = Some(Remediation {
            kind: RemediationKind::Workaround,
            details: "Disable the web UI.".into(),
        });
        let mut d = draft(AffectStatus::Affected);
        d.remediation = remediation.clone();
        d.target_release = Some("4.3.0".into());
        let a = d.validated().unwrap();
        assert_eq!(a.remediation().unwrap().kind, RemediationKind::Workaround);
        let mut d = draft(AffectStatus::NotAffected);
        d.justification = Some(Justification::ComponentNotPresent);
        d.remediation = remediation;
        d.target_release = Some("4.3.0".into());
        assert_eq!(
            fields(d.validated().unwrap_err()),
            ["remediation", "target_release"]
        );
        let mut d = draft(AffectStatus::Affected);
        d.remediation = Some(Remediation {
            kind: RemediationKind::NoneAvailable,
            details: "  ".into(),
        });
        assert_eq!(fields(d.validated().unwrap_err()), ["remediation.details"]);
    }

    #[test]
    fn serde_is_snake_case() {
        let d: AffectDraft = serde_json::from_str(
            r#"{"status":"not_affected","justification":"vulnerable_code_cannot_be_controlled_by_adversary"}"#,
        )
        .unwrap();
        let a = d.validated().unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["status"], "not_affected");
        assert_eq!(
            v["justification"],
            Justification::VulnerableCodeCannotBeControlledByAdversary.label()
        );
        assert_eq!(
            serde_json::to_value(RemediationKind::NoFixPlanned).unwrap(),
            RemediationKind::NoFixPlanned.label()
        );
        let back: Affect = serde_json::from_value(v).unwrap();
        assert_eq!(back, a);
    }
}
