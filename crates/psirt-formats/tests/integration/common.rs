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
