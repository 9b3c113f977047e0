//! `psirt import csaf` with every shared CSAF example (advisories and VEX), a bad document refused
//! with its schema pointers, and `psirt keys generate|show`.

use crate::{psirt, shared};

#[test]
fn import_csaf_examples() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psirt.db");
    for (examples, n) in [("examples/csaf", 6), ("examples/csaf-vex", 13)] {
        let (code, out, err) = psirt(&db, &["import", "csaf", &shared(examples)]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains(&format!("{n} documents: {n} new")), "{out}");
        assert!(out.contains(" 0 rejected"), "{out}");
    }
    // Importing again changes nothing.
    let (code, out, _) = psirt(&db, &["import", "csaf", &shared("examples/csaf")]);
    assert_eq!(code, 0);
    assert!(out.contains("6 unchanged"), "{out}");

    // A document without its tracking data: refused with the JSON Pointer of the violation.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"document": {"category": "csaf_base", "csaf_version": "2.0", "title": "x",
            "publisher": {"category": "vendor", "name": "X", "namespace": "https://x.example"}}}"#,
    )
    .unwrap();
    let (code, out, _) = psirt(&db, &["import", "csaf", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("1 rejected"), "{out}");
    assert!(out.contains("/document"), "{out}");
}

#[test]
fn keys_generate_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psirt.db");
    let (code, out, err) = psirt(&db, &["keys", "show"]);
    assert_ne!(code, 0, "{out}{err}");
    let secret = dir.path().join("signing.asc");
    let (code, out, err) = psirt(
        &db,
        &[
            "keys",
            "generate",
            "--user-id",
            "ACME PSIRT <psirt@acme.example>",
            "--secret-file",
            secret.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("generated ed25519 key "), "{out}");
    let armored = std::fs::read_to_string(&secret).unwrap();
    assert!(armored.contains("PRIVATE KEY BLOCK"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (code, out, _) = psirt(&db, &["keys", "show"]);
    assert_eq!(code, 0);
    assert!(out.contains("PUBLIC KEY BLOCK"), "{out}");
}
