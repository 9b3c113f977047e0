//! The crate's one error type. Every error rejects the whole call: the index is left as it was.

/// Errors of index updates and queries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A component's or a query's Package URL does not parse.
    #[error("invalid purl {purl:?}: {source}")]
    Purl {
        purl: String,
        source: psirt_versions::Error,
    },
    /// A query purl without a version (`advisories_for` needs `purl@version`).
    #[error("purl {0:?} has no version")]
    NoVersion(String),
    /// An advisory without an id.
    #[error("advisory without an id")]
    EmptyAdvisoryId,
    /// An `affected[]` entry whose ecosystem is empty or whose package name is empty.
    #[error("advisory {advisory}: affected entry {index}: {reason}")]
    Affected {
        advisory: String,
        index: usize,
        reason: String,
    },
    /// An `affected[]` entry whose range events do not parse under the ecosystem's version scheme.
    #[error("advisory {advisory}: affected package {package:?}: {source}")]
    Range {
        advisory: String,
        package: String,
        source: psirt_versions::Error,
    },
    /// A component handed to `set_product_version_components` names another product version.
    #[error("component {component_id} belongs to product version {got}, not {expected}")]
    ProductVersionMismatch {
        component_id: i64,
        expected: i64,
        got: i64,
    },
    /// The same component id twice in one product version's set.
    #[error("component {0} appears twice in one product version")]
    DuplicateComponent(i64),
}
