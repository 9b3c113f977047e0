//! psirt-formats: the codecs layer. For now: SBOM import — CycloneDX 1.4/1.5/1.6 JSON and SPDX 2.3 JSON, validated
//! against the official schemas (vendored under `schemas/`, no network) and normalised into one model keyed by
//! Package URL. See [`sbom`] for the decisions (unsupported versions, components without purl, duplicates,
//! SPDX relationships) and [`parse_sbom`] for the entry point.

pub mod error;
pub mod sbom;

pub use error::SbomError;
pub use sbom::{
    parse_sbom, parse_sbom_bytes, warm_up, Component, ComponentHash, DependencyEdge, EdgeKind,
    ImportStats, ParseOptions, Progress, Sbom, SbomFormat, SbomWarning, Stage, MAX_WARNINGS,
};
