//! Incoming reports: the shape of a submission and the limits every field must respect.

use serde::{Deserialize, Serialize};

use crate::case::named_enum;
use crate::error::FieldError;
use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportChannel {
    Web,
    Email,
    Api,
    BountyPlatform,
    Internal,
    Feed,
}
named_enum!(ReportChannel, "channel" {
    Web => "web", Email => "email", Api => "api", BountyPlatform => "bounty_platform",
    Internal => "internal", Feed => "feed",
});

/// How the reporter wants to be credited in an advisory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CreditPreference {
    /// Credit by the name given.
    #[default]
    Named,
    /// Credit as "an anonymous researcher".
    Anonymous,
    /// No acknowledgment at all.
    None,
}
named_enum!(CreditPreference, "credit preference" {
    Named => "named", Anonymous => "anonymous", None => "none",
});

/// Where a report stands. A report is evidence and never edited; only this status moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    New,
    /// Linked to a case (a new one, or an existing one it duplicates).
    Linked,
    Duplicate,
    Invalid,
    OutOfScope,
    Informative,
}
named_enum!(ReportStatus, "report status" {
    New => "new", Linked => "linked", Duplicate => "duplicate", Invalid => "invalid",
    OutOfScope => "out_of_scope", Informative => "informative",
});

/// Field limits, in characters. Generous enough for a real write-up, small enough that one
/// client cannot fill the database.
pub mod limits {
    pub const TITLE: usize = 200;
    pub const DESCRIPTION: usize = 50_000;
    pub const PRODUCT: usize = 200;
    pub const STEPS: usize = 50_000;
    pub const IMPACT: usize = 10_000;
    pub const NAME: usize = 200;
    pub const EMAIL: usize = 254;
    pub const MESSAGE: usize = 20_000;
}

/// A submission as the reporter typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReport {
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub steps_to_reproduce: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub reporter_name: String,
    #[serde(default)]
    pub reporter_email: String,
    #[serde(default)]
    pub credit_preference: CreditPreference,
}

/// Checks a text field against its limit; `required` fields must hold non-blank text.
pub fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) {
    let n = value.chars().count();
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "is required"));
    } else if n > max {
        errors.push(FieldError::new(
            field,
            format!("is {n} characters long; the limit is {max}"),
        ));
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(field, "contains control characters"));
    }
}

/// A deliberately plain check: one `@`, a non-empty local part, a dotted domain, no spaces.
/// Deliverability is the mail system's business; this catches typos and garbage.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

impl NewReport {
    /// Normalises whitespace at the ends and rejects the whole report if any field is bad.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        for f in [
            &mut self.title,
            &mut self.product,
            &mut self.reporter_name,
            &mut self.reporter_email,
        ] {
            *f = f.trim().to_owned();
        }
        let mut errors = Vec::new();
        check_text(&mut errors, "title", &self.title, limits::TITLE, true);
        check_text(
            &mut errors,
            "description",
            &self.description,
            limits::DESCRIPTION,
            true,
        );
        check_text(
            &mut errors,
            "product",
            &self.product,
            limits::PRODUCT,
            false,
        );
        check_text(
            &mut errors,
            "steps_to_reproduce",
            &self.steps_to_reproduce,
            limits::STEPS,
            false,
        );
        check_text(&mut errors, "impact", &self.impact, limits::IMPACT, false);
        check_text(
            &mut errors,
            "reporter_name",
            &self.reporter_name,
            limits::NAME,
            false,
        );
        check_text(
            &mut errors,
            "reporter_email",
            &self.reporter_email,
            limits::EMAIL,
            false,
        );
        if !self.reporter_email.is_empty() && !is_plausible_email(&self.reporter_email) {
            errors.push(FieldError::new(
                "reporter_email",
                "is not an e-mail address",
            ));
        }
        if self.credit_preference == CreditPreference::Named && self.reporter_name.is_empty() {
            errors.push(FieldError::new(
                "reporter_name",
                "is required to be credited by name",
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

/// Validates the text of a message or comment.
pub fn validate_message(field: &str, body: &str) -> Result<String, DomainError> {
    let mut errors = Vec::new();
    check_text(&mut errors, field, body, limits::MESSAGE, true);
    if errors.is_empty() {
        Ok(body.trim_end().to_owned())
    } else {
        Err(DomainError::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> NewReport {
        NewReport {
            title: " XSS in login ".into(),
            description: "Reflected XSS".into(),
            reporter_name: "Ada".into(),
            reporter_email: "ada@example.org".into(),
            ..Default::default()
        }
    }

    fn fields(r: NewReport) -> Vec<String> {
        match r.validate() {
            Err(DomainError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_good_report_is_trimmed_and_accepted() {
        assert_eq!(good().validate().unwrap().title, "XSS in login");
    }

    #[test]
    fn every_bad_field_is_named() {
        let r = NewReport {
            title: " ".into(),
            description: "x".repeat(limits::DESCRIPTION + 1),
            reporter_email: "not-an-email".into(),
            impact: "a\u{0}b".into(),
            ..Default::default()
        };
        assert_eq!(
            fields(r),
            [
                "title",
                "description",
                "impact",
                "reporter_email",
                "reporter_name"
            ]
        );
    }

    #[test]
    fn anonymous_reports_need_no_name() {
        let r = NewReport {
            reporter_name: String::new(),
            credit_preference: CreditPreference::Anonymous,
            ..good()
        };
        assert!(r.validate().is_ok());
    }

    #[test]
    fn emails() {
        for ok in ["a@b.c", "first.last+tag@sub.example.org"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.c", "a@@b.c", "a b@c.d", "a@.c", "a@c."] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}
