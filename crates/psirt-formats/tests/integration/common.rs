//! Helpers shared by the test modules.
#![allow(dead_code)]

use std::path::PathBuf;

use psirt_formats::{parse_sbom_bytes, ParseOptions, Sbom, SbomError};

/// `/work/shared/data` as seen from this crate: `<crate>/../../../shared/data` (CI has shared/ beside the clone).
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = data_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// Files of a shared-data folder, sorted.
pub fn files(rel: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data_dir().join(rel))
        .unwrap_or_else(|e| panic!("listing {rel}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

pub fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
    parse_sbom_bytes(bytes, &ParseOptions::default(), &mut |_| {})
}

pub fn parse_json(v: &serde_json::Value) -> Result<Sbom, SbomError> {
    parse(&serde_json::to_vec(v).unwrap())
}

/// Expects a schema error and returns its (pointer, message).
pub fn schema_error(v: &serde_json::Value) -> (String, String) {
    match parse_json(v) {
        Err(SbomError::Schema { pointer, message }) => (pointer, message),
        other => panic!("expected a schema error, got {other:?}"),
    }
}

/// An empty scratch directory for one test (under cargo's per-target tmp dir).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("intel-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The lines of a shared `.jsonl.gz` file.
pub fn gz_lines(rel: &str) -> Vec<String> {
    use std::io::BufRead;
    let f = std::fs::File::open(data_dir().join(rel)).unwrap();
    std::io::BufReader::new(flate2::read::MultiGzDecoder::new(f))
        .lines()
        .map(|l| l.unwrap())
        .collect()
}

/// Reads a whole feed: the records and the per-record errors, plus the summary.
pub fn read_all(
    kind: psirt_formats::FeedKind,
    path: &std::path::Path,
) -> (
    Vec<psirt_formats::IntelRecord>,
    Vec<psirt_formats::RecordError>,
    psirt_formats::FeedSummary,
) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let summary = psirt_formats::read_feed(
        kind,
        path,
        &ParseOptions::default(),
        &mut |r| {
            match r {
                Ok(x) => ok.push(x),
                Err(e) => bad.push(e),
            }
            std::ops::ControlFlow::Continue(())
        },
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (ok, bad, summary)
}

/// Writes a zip of (name, bytes) entries, deflated.
pub fn write_zip(path: &std::path::Path, entries: &[(String, Vec<u8>)]) {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        if name.ends_with('/') {
            w.add_directory(name.as_str(), opts).unwrap();
        } else {
            w.start_file(name.as_str(), opts).unwrap();
            w.write_all(bytes).unwrap();
        }
    }
    w.finish().unwrap();
}

/// Gzips bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}
