//! The crate's one error type. Every variant rejects the whole document: an SBOM is imported completely or not at
//! all. Recoverable oddities (an unparsable purl, a dangling dependency reference) are not errors but
//! [`SbomWarning`](crate::SbomWarning)s on the imported [`Sbom`](crate::Sbom).

/// Why a document was rejected.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// Reading the input failed.
    #[error("reading the SBOM failed: {0}")]
    Io(#[from] std::io::Error),
    /// The input is not JSON (or not UTF-8); `line` and `column` are 1-based, as serde_json reports them.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but neither CycloneDX (`bomFormat` + `specVersion`) nor SPDX (`spdxVersion`).
    #[error("not an SBOM this importer knows: {0}")]
    UnknownFormat(String),
    /// A recognised format in a version without a vendored schema (e.g. CycloneDX 1.2, SPDX 2.2).
    #[error("unsupported {format} version {version:?} (supported: {supported})")]
    UnsupportedVersion {
        format: &'static str,
        version: String,
        supported: &'static str,
    },
    /// The document violates its official JSON schema. `pointer` is the JSON Pointer (RFC 6901) of the first
    /// offending value ("" is the document root).
    #[error("schema violation at {pointer:?}: {message}")]
    Schema { pointer: String, message: String },
    /// A schema-valid component beyond what psirt stores ([`crate::Sbom::unstorable`]): importing refuses the whole
    /// SBOM ([`crate::Sbom::into_storable`]). `pointer` is the component's.
    #[error("refused at {pointer:?}: the component cannot be stored: {message}")]
    Refused { pointer: String, message: String },
    /// The document does not fit the importer's model. Only reachable with validation switched off (a
    /// schema-valid document always fits); the message is serde's.
    #[error("malformed SBOM: {0}")]
    Model(String),
    /// A vendored schema failed to compile: a bug in this crate, not in the input.
    #[error("internal error: schema {schema} does not compile: {message}")]
    SchemaSetup {
        schema: &'static str,
        message: String,
    },
}

impl SbomError {
    /// Maps a serde_json error: syntax/EOF errors carry a position, data errors (wrong shape for our types) do not.
    pub(crate) fn from_json(e: &serde_json::Error) -> SbomError {
        use serde_json::error::Category;
        match e.classify() {
            Category::Io | Category::Syntax | Category::Eof => SbomError::Json {
                line: e.line(),
                column: e.column(),
                message: strip_position(e),
            },
            Category::Data => SbomError::Model(e.to_string()),
        }
    }
}

/// serde_json's Display appends " at line L column C"; we carry those as fields.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
