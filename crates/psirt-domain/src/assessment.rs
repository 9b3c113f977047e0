//! CVSS assessments of a case (DESIGN.md §2 CvssAssessment) and how they suggest the case's
//! severity.
//!
//! The scoring itself lives in `psirt-cvss`; this module knows only its outcome, the qualitative
//! severity rating, spelled as `psirt-cvss` spells it (`NONE` … `CRITICAL`), so the domain stays
//! free of the scorer. What it decides:
//!
//! * which case severity a rating suggests (Critical → S1, High → S2, Medium → S3, Low → S4,
//!   None → no suggestion);
//! * what happens to the case severity when a suggestion arrives or an analyst sets one
//!   ([`SeverityState`]): a severity that was never set, or was last set by a suggestion,
//!   follows new suggestions; one the analyst chose against the suggestion is an override and
//!   stays until the analyst changes it.

use serde::{Deserialize, Serialize};

use crate::case::named_enum;
use crate::{DomainError, FieldError, Severity};

/// Where an assessment comes from. The PSIRT's own (`psirt`) is the authoritative one: a case
/// has at most one current authoritative assessment per CVSS version, and only it suggests the
/// case severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentSource {
    /// The PSIRT's own assessment (authoritative).
    #[default]
    Psirt,
    /// The reporter's claim.
    Reporter,
    /// NIST's National Vulnerability Database.
    Nvd,
    /// The vendor of an affected (third-party) component.
    Vendor,
    Other,
}
named_enum!(AssessmentSource, "assessment source" {
    Psirt => "psirt", Reporter => "reporter", Nvd => "nvd", Vendor => "vendor", Other => "other",
});

impl AssessmentSource {
    pub fn is_authoritative(self) -> bool {
        self == AssessmentSource::Psirt
    }

    /// The PSIRT assesses in the current CVSS versions (3.1, 4.0); other sources are recorded as
    /// they come, including the legacy versions public feeds still carry (2.0, 3.0).
    /// `version` is the version as `psirt-cvss` writes it (`"3.1"`).
    pub fn check_version(self, version: &str) -> Result<(), DomainError> {
        if self.is_authoritative() && !matches!(version, "3.1" | "4.0") {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "vector",
                format!("the PSIRT's own assessment must be CVSS 3.1 or 4.0, not {version}"),
            )]));
        }
        Ok(())
    }
}

/// The CVSS qualitative severity rating of a score (CVSS v3.1 §5, v4.0 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum CvssRating {
    None,
    Low,
    Medium,
    High,
    Critical,
}
named_enum!(CvssRating, "CVSS severity rating" {
    None => "NONE", Low => "LOW", Medium => "MEDIUM", High => "HIGH", Critical => "CRITICAL",
});

impl CvssRating {
    /// The case severity this rating suggests; `None` for a score of 0.0 (nothing to suggest).
    pub fn suggested_severity(self) -> Option<Severity> {
        match self {
            CvssRating::Critical => Some(Severity::S1),
            CvssRating::High => Some(Severity::S2),
            CvssRating::Medium => Some(Severity::S3),
            CvssRating::Low => Some(Severity::S4),
            CvssRating::None => None,
        }
    }
}

/// Who last set a case's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SeveritySource {
    /// Taken from the suggestion of an assessment (or an analyst chose what was suggested).
    Suggestion,
    /// Chosen by an analyst: without a suggestion, or overriding it.
    Analyst,
}
named_enum!(SeveritySource, "severity source" {
    Suggestion => "suggestion", Analyst => "analyst",
});

/// A case's severity with its provenance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityState {
    pub severity: Option<Severity>,
    /// `None` while the severity was never set (or was cleared).
    pub source: Option<SeveritySource>,
    /// The suggestion of the authoritative assessment set last (`None`: none, or a 0.0 score).
    pub suggested: Option<Severity>,
}

/// An analyst chose a severity other than the current suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Override {
    pub suggested: Severity,
    pub chosen: Severity,
}

impl SeverityState {
    /// Whether a new suggestion may replace the severity: when it was never set or came from a
    /// suggestion, yes; when an analyst chose it, no.
    pub fn follows_suggestions(&self) -> bool {
        self.severity.is_none() || self.source != Some(SeveritySource::Analyst)
    }

    /// A new authoritative assessment suggests `suggested`. The severity follows it when
    /// [`follows_suggestions`](Self::follows_suggestions); an analyst's choice is kept. A `None`
    /// suggestion (score 0.0) clears the suggestion but never the severity.
    pub fn suggest(self, suggested: Option<Severity>) -> SeverityState {
        match suggested {
            Some(s) if self.follows_suggestions() => SeverityState {
                severity: Some(s),
                source: Some(SeveritySource::Suggestion),
                suggested: Some(s),
            },
            _ => SeverityState { suggested, ..self },
        }
    }

    /// An analyst sets the severity to `chosen`. Choosing what is suggested accepts the
    /// suggestion (later suggestions are followed again); choosing anything else overrides it;
    /// clearing returns the case to "never set".
    pub fn choose(self, chosen: Option<Severity>) -> (SeverityState, Option<Override>) {
        let (source, overridden) = match (chosen, self.suggested) {
            (None, _) => (None, None),
            (Some(c), Some(s)) if c == s => (Some(SeveritySource::Suggestion), None),
            (Some(c), Some(s)) => (
                Some(SeveritySource::Analyst),
                Some(Override {
                    suggested: s,
                    chosen: c,
                }),
            ),
            (Some(_), None) => (Some(SeveritySource::Analyst), None),
        };
        (
            SeverityState {
                severity: chosen,
                source,
                suggested: self.suggested,
            },
            overridden,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::*;

    #[test]
    fn ratings_suggest_severities() {
        let got: Vec<_> = CvssRating::ALL
            .iter()
            .map(|r| (r.as_str(), r.suggested_severity()))
            .collect();
        assert_eq!(
            got,
            [
                ("NONE", None),
                ("LOW", Some(S4)),
                ("MEDIUM", Some(S3)),
                ("HIGH", Some(S2)),
                ("CRITICAL", Some(S1)),
            ]
        );
    }

    #[test]
    fn names_round_trip() {
        for &s in AssessmentSource::ALL {
            assert_eq!(s.as_str().parse::<AssessmentSource>(), Ok(s));
            let json = serde_json::to_value(s).unwrap_or_default();
            assert_eq!(json, s.as_str());
        }
        for &r in CvssRating::ALL {
            assert_eq!(r.as_str().parse::<CvssRating>(), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap_or_default(), r.as_str());
        }
        for &s in SeveritySource::ALL {
            assert_eq!(s.as_str().parse::<SeveritySource>(), Ok(s));
        }
        assert!("NVD".parse::<AssessmentSource>().is_err());
        assert_eq!(AssessmentSource::default(), AssessmentSource::Psirt);
        assert!(AssessmentSource::Psirt.is_authoritative());
        assert!(!AssessmentSource::Nvd.is_authoritative());
    }

    #[test]
    fn psirt_assesses_in_current_versions_only() {
        for v in ["3.1", "4.0"] {
            assert!(AssessmentSource::Psirt.check_version(v).is_ok());
        }
        for v in ["2.0", "3.0"] {
            assert!(matches!(
                AssessmentSource::Psirt.check_version(v),
                Err(DomainError::Invalid(e)) if e[0].field == "vector"
            ));
            assert!(AssessmentSource::Nvd.check_version(v).is_ok());
        }
    }

    #[test]
    fn unset_or_suggested_severity_follows_suggestions() {
        let s = SeverityState::default().suggest(Some(S2));
        assert_eq!(
            s,
            SeverityState {
                severity: Some(S2),
                source: Some(SeveritySource::Suggestion),
                suggested: Some(S2)
            }
        );
        let s = s.suggest(Some(S1));
        assert_eq!((s.severity, s.suggested), (Some(S1), Some(S1)));
        // A 0.0 score suggests nothing: the suggestion goes, the severity stays.
        let s = s.suggest(None);
        assert_eq!((s.severity, s.suggested), (Some(S1), None));
        assert!(s.follows_suggestions());
    }

    #[test]
    fn an_override_is_kept_and_only_the_suggestion_moves() {
        let s = SeverityState::default().suggest(Some(S2));
        let (s, o) = s.choose(Some(S3));
        assert_eq!(
            o,
            Some(Override {
                suggested: S2,
                chosen: S3
            })
        );
        assert_eq!(s.source, Some(SeveritySource::Analyst));
        let s = s.suggest(Some(S1));
        assert_eq!((s.severity, s.suggested), (Some(S3), Some(S1)));
        assert!(!s.follows_suggestions());
        // Choosing what is suggested accepts it: later suggestions are followed again.
        let (s, o) = s.choose(Some(S1));
        assert_eq!((o, s.source), (None, Some(SeveritySource::Suggestion)));
        assert_eq!(s.suggest(Some(S4)).severity, Some(S4));
    }

    #[test]
    fn a_choice_without_suggestion_is_the_analysts_and_clearing_resets() {
        let (s, o) = SeverityState::default().choose(Some(S2));
        assert_eq!((o, s.source), (None, Some(SeveritySource::Analyst)));
        assert_eq!(s.suggest(Some(S1)).severity, Some(S2));
        let (s, o) = s.suggest(Some(S1)).choose(None);
        assert_eq!((o, s.severity, s.source), (None, None, None));
        assert_eq!(s.suggested, Some(S1));
        assert_eq!(s.suggest(Some(S3)).severity, Some(S3));
    }
}
