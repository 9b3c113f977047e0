//! Every real SBOM in shared/data parses and validates (except the CycloneDX 1.2 one, rejected by decision).

use psirt_formats::{parse_sbom, ParseOptions, SbomError, SbomFormat};

use crate::common::{files, parse, read};

#[test]
fn every_real_sbom_validates_and_imports() {
    let mut checked = 0;
    for dir in ["sboms/cyclonedx", "sboms/spdx", "examples/cyclonedx"] {
        for path in files(dir) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.contains(".bom.1.2.") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let sbom = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            eprintln!(
                "{name}: {:?} {} — {} components, {} edges, {} warnings, {:?}",
                sbom.format,
                sbom.spec_version,
                sbom.components.len(),
                sbom.dependencies.len(),
                sbom.warnings.len(),
                sbom.stats
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} documents found");
}

#[test]
fn cyclonedx_1_2_is_rejected_as_unsupported() {
    let bytes = read("sboms/cyclonedx/keycloak-10.0.2.bom.1.2.json");
    match parse(&bytes) {
        Err(SbomError::UnsupportedVersion {
            format, version, ..
        }) => {
            assert_eq!((format, version.as_str()), ("CycloneDX", "1.2"));
        }
        other => panic!("expected UnsupportedVersion, got {other:?}"),
    }
}

#[test]
fn reader_path_equals_bytes_path() {
    let bytes = read("sboms/cyclonedx/redis-commander-sbom-cdx.json");
    let a = parse(&bytes).unwrap();
    let b = parse_sbom(&bytes[..], &ParseOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(a, b);
    let c = parse_sbom(&bytes[..], &ParseOptions { validate: false }, &mut |_| {}).unwrap();
    assert_eq!(a, c);
    assert_eq!(a.format, SbomFormat::CycloneDx);
}
