//! The crate's one error type.

/// Errors of purl parsing, version parsing and range evaluation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A Package URL that does not follow ECMA-427.
    #[error("invalid purl: {0}")]
    InvalidPurl(String),
    /// A version string the ecosystem's scheme cannot parse.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    InvalidVersion {
        scheme: &'static str,
        version: String,
        reason: &'static str,
    },
    /// Two versions of different schemes were compared.
    #[error("cannot compare a {0} version with a {1} version")]
    SchemeMismatch(&'static str, &'static str),
    /// An unknown ecosystem or purl type.
    #[error("unknown ecosystem {0:?}")]
    UnknownEcosystem(String),
    /// A malformed `vers:` range.
    #[error("invalid vers range: {0}")]
    InvalidVers(String),
    /// A range that cannot be evaluated (e.g. a GIT range: commits, not versions).
    #[error("range not evaluable: {0}")]
    NotEvaluable(String),
}

/// Alias kept for the API sketch's names.
pub type PurlError = Error;
/// Alias kept for the API sketch's names.
pub type VersionError = Error;

impl Error {
    pub(crate) fn version(scheme: &'static str, version: &str, reason: &'static str) -> Error {
        Error::InvalidVersion {
            scheme,
            version: version.to_string(),
            reason,
        }
    }
}
