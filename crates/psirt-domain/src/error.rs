use thiserror::Error;

/// Why the domain refused something. Each variant carries what a user needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("unknown {kind} `{value}`")]
    UnknownValue { kind: &'static str, value: String },
    #[error("a case cannot go from `{from}` to `{to}`")]
    TransitionNotAllowed { from: String, to: String },
    #[error("a case cannot go to `{to}`: {reason}")]
    GuardFailed { to: String, reason: &'static str },
    /// Said with every field's reason (the API answers them as `errors`; a command line has only this text).
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// An operations step (bounty award, runbook item, RCA…) refused in its current state.
    #[error("cannot {action}: {reason}")]
    NotAllowed {
        action: &'static str,
        reason: &'static str,
    },
}

/// One rejected field of an input, named as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
