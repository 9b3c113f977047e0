//! Errors of the intel codecs. A feed is read record by record: an [`IntelError`] rejects one record (wrapped in a
//! [`RecordError`] with its [`Locator`]) unless it concerns the container itself (the file cannot be opened, the zip
//! is corrupt), in which case the read stops.

use std::fmt;
use std::sync::Arc;

/// Why a record (or, for container errors, a whole feed) was rejected.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// Reading failed (a file that cannot be opened, a directory that cannot be listed). Not the error's source:
    /// the message holds it already, and a report of the chain said it twice.
    #[error("reading failed: {0}")]
    Io(std::io::Error),
    /// Reading stopped part-way (a gzip stream cut off or corrupt, a zip entry whose data does not inflate or check,
    /// a line past the size limit): the rest of the file or entry was not read.
    #[error("reading stopped part-way: {0}")]
    Cut(String),
    /// Not valid JSON (or not UTF-8); `line` and `column` are 1-based within the record, as serde_json reports them.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// The record violates its official JSON schema. `pointer` is the JSON Pointer (RFC 6901) of the first
    /// offending value ("" is the record root).
    #[error("schema violation at {pointer:?}: {message}")]
    Schema { pointer: String, message: String },
    /// A CSAF document violates the CSAF 2.0 schema: every violation, each with its JSON Pointer.
    #[error("{} schema violation(s): {}", .0.len(), .0.iter().map(|v| format!("{}: {}", v.pointer, v.message)).collect::<Vec<_>>().join("; "))]
    SchemaViolations(Vec<crate::publish::SchemaViolation>),
    /// The record passes (or skipped) the schema but does not fit the model, e.g. a timestamp that is not RFC 3339.
    /// `pointer` is as for [`IntelError::Schema`] ("" when serde could not say where).
    #[error("malformed record at {pointer:?}: {message}")]
    Model { pointer: String, message: String },
    /// An EPSS CSV line that is not `cve,epss,percentile` with numbers in [0, 1]; `line` is 1-based in the file.
    #[error("EPSS CSV line {line}: {message}")]
    Csv { line: u64, message: String },
    /// The zip archive itself is unreadable.
    #[error("zip archive: {0}")]
    Zip(String),
    /// A path or container this reader does not know (e.g. a `.tar.gz`).
    #[error("unsupported input: {0}")]
    Unsupported(String),
    /// A vendored schema failed to compile: a bug in this crate, not in the input.
    #[error("internal error: schema {schema} does not compile: {message}")]
    SchemaSetup {
        schema: &'static str,
        message: String,
    },
}

impl IntelError {
    /// Reading the input stopped part-way ([`IntelError::Cut`]): the rest of that file or entry was not read.
    /// Unlike a bad record (a file that cannot be opened, an entry psirt cannot open — a method it does not read —
    /// are one each), this says the feed was not read whole.
    pub fn is_input_failure(&self) -> bool {
        matches!(self, IntelError::Cut(_))
    }

    /// Maps a serde_json error: syntax/EOF errors carry a position; data errors (a JSON value of the wrong shape for
    /// the model) do not, and become [`IntelError::Model`] at `pointer`.
    pub(crate) fn from_json(e: &serde_json::Error, pointer: &str) -> IntelError {
        use serde_json::error::Category;
        match e.classify() {
            Category::Io | Category::Syntax | Category::Eof => IntelError::Json {
                line: e.line(),
                column: e.column(),
                message: strip_position(e),
            },
            Category::Data => IntelError::Model {
                pointer: pointer.to_string(),
                message: strip_position(e),
            },
        }
    }

    pub(crate) fn model(pointer: impl Into<String>, message: impl Into<String>) -> IntelError {
        IntelError::Model {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The JSON Pointer of the problem, for schema and model errors.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            IntelError::Schema { pointer, .. } | IntelError::Model { pointer, .. } => Some(pointer),
            IntelError::SchemaViolations(v) => v.first().map(|v| v.pointer.as_str()),
            _ => None,
        }
    }
}

/// Parses one JSON document into a `Value`. Through `Value`'s `FromStr` rather than `from_slice::<Value>`: that impl is
/// compiled (optimised) inside serde_json, while the generic `from_slice` would be instantiated here, unoptimised in
/// debug builds, where it made the test suite's OSV corpus pass ~2x slower. The UTF-8 check is needed anyway.
pub(crate) fn parse_value(bytes: &[u8]) -> Result<serde_json::Value, IntelError> {
    utf8(bytes)?
        .parse()
        .map_err(|e| IntelError::from_json(&e, ""))
}

/// `bytes` as UTF-8, else [`IntelError::Json`] at the bad byte.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, IntelError> {
    std::str::from_utf8(bytes).map_err(|e| {
        // Position of the bad byte as serde_json would give it: 1-based line and column.
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len()
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        IntelError::Json {
            line,
            column,
            message: "invalid UTF-8".into(),
        }
    })
}

/// serde_json's Display appends " at line L column C"; we carry those as fields.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Where a record came from: the file, and inside it the zip entry, the line (JSON Lines, CSV) or the index in the
/// KEV catalog's `vulnerabilities` array.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Locator {
    /// The path as given (or found while walking a directory); shared by the records of one file.
    #[serde(serialize_with = "ser_arc_str")]
    pub file: Arc<str>,
    /// Name of the zip entry, for zip archives. (`Box<str>`, not `String`: keeps `Result<IntelRecord, RecordError>`
    /// under clippy's large-error threshold; it is passed by value for every record.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<Box<str>>,
    /// 1-based line, for JSON Lines and CSV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 0-based index in the KEV catalog's `vulnerabilities`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

impl Locator {
    pub fn file(file: impl AsRef<str>) -> Locator {
        Locator {
            file: Arc::from(file.as_ref()),
            ..Locator::default()
        }
    }
}

/// serde's `Arc` impls need its `rc` feature; a string is all we write.
fn ser_arc_str<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

/// `file[!entry][:line][#/vulnerabilities/N]`, e.g. `osv.zip!GHSA-xxxx.json`, `PyPI.jsonl.gz:12`.
impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(e) = &self.entry {
            write!(f, "!{e}")?;
        }
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(i) = self.index {
            write!(f, "#/vulnerabilities/{i}")?;
        }
        Ok(())
    }
}

/// One rejected record: where, and why. The rest of the feed is still read.
#[derive(Debug, thiserror::Error)]
#[error("{locator}: {error}")]
pub struct RecordError {
    pub locator: Locator,
    #[source]
    pub error: IntelError,
}

impl From<std::io::Error> for IntelError {
    fn from(e: std::io::Error) -> Self {
        IntelError::Io(e)
    }
}
