//! The one error type of the crate.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::CvssVersion;

/// Longest slice of user input echoed back in an error message: a hostile multi-megabyte
/// "vector" must not come back whole in every error.
const MAX_ECHO: usize = 64;

/// What is wrong with a CVSS vector string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    /// The input is empty (or only whitespace).
    #[error("empty CVSS vector")]
    Empty,
    /// A `CVSS:x.y/` prefix names a version this crate does not know.
    #[error(
        "unsupported CVSS prefix `{prefix}`: expected `CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/` \
         or a CVSS v2 vector without prefix"
    )]
    UnsupportedVersion {
        /// The prefix as written (clipped).
        prefix: String,
    },
    /// Looks like a CVSS v3/v4 vector but has no `CVSS:x.y/` prefix, so its version is unknown.
    #[error(
        "missing version prefix: metric `{metric}` is not a CVSS v2 metric; \
         CVSS v3 and v4 vectors must start with `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/`"
    )]
    MissingPrefix {
        /// The first metric that gave it away.
        metric: String,
    },
    /// An empty component: `//`, a leading or a trailing `/`.
    #[error("empty component in CVSS {version} vector (double, leading or trailing `/`)")]
    EmptyComponent {
        /// Version detected from the prefix.
        version: CvssVersion,
    },
    /// A component that is not `METRIC:VALUE`.
    #[error("malformed component `{component}` in CVSS {version} vector: expected METRIC:VALUE")]
    MalformedComponent {
        /// Version detected from the prefix.
        version: CvssVersion,
        /// The component as written (clipped).
        component: String,
    },
    /// A metric abbreviation the version does not define.
    #[error("unknown metric `{metric}` in CVSS {version} vector")]
    UnknownMetric {
        /// Version detected from the prefix.
        version: CvssVersion,
        /// The metric as written (clipped).
        metric: String,
    },
    /// The same metric given twice.
    #[error("duplicate metric `{metric}` in CVSS {version} vector")]
    DuplicateMetric {
        /// Version detected from the prefix.
        version: CvssVersion,
        /// The repeated metric.
        metric: String,
    },
    /// Mandatory (base) metrics absent.
    #[error("missing mandatory metric(s) {metrics} in CVSS {version} vector")]
    MissingMetric {
        /// Version detected from the prefix.
        version: CvssVersion,
        /// The absent metrics, comma separated, in vector order.
        metrics: String,
    },
    /// A value the metric does not allow.
    #[error(
        "invalid value `{value}` for metric {metric} in CVSS {version} vector (allowed: {allowed})"
    )]
    InvalidValue {
        /// Version detected from the prefix.
        version: CvssVersion,
        /// The metric.
        metric: String,
        /// The value as written (clipped).
        value: String,
        /// The allowed value abbreviations, comma separated.
        allowed: String,
    },
}

impl CvssError {
    /// A stable, machine-readable name of the error kind (for API clients).
    pub fn kind(&self) -> &'static str {
        match self {
            CvssError::Empty => "empty",
            CvssError::UnsupportedVersion { .. } => "unsupported_version",
            CvssError::MissingPrefix { .. } => "missing_prefix",
            CvssError::EmptyComponent { .. } => "empty_component",
            CvssError::MalformedComponent { .. } => "malformed_component",
            CvssError::UnknownMetric { .. } => "unknown_metric",
            CvssError::DuplicateMetric { .. } => "duplicate_metric",
            CvssError::MissingMetric { .. } => "missing_metric",
            CvssError::InvalidValue { .. } => "invalid_value",
        }
    }
}

/// Serialised as `{"kind": "...", "message": "..."}` so the REST API can return it as is.
impl Serialize for CvssError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CvssError", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// Copies at most [`MAX_ECHO`] characters of user input for an error message.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
