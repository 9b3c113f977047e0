//! `psirt products ...` and `psirt sbom import` against a SQLite file.

use crate::{psirt, shared};

fn sbom(rel: &str) -> String {
    shared(&format!("sboms/{rel}"))
}

#[test]
fn products_versions_and_sbom_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psirt.db");
    let (code, out, err) = psirt(
        &db,
        &[
            "products",
            "create",
            "--vendor",
            "Acme",
            "--name",
            "Shop",
            "--cpe",
            "cpe:2.3:a:acme:shop",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("created product 1 (Acme Shop)"), "{out}");
    let (code, _, err) = psirt(
        &db,
        &["products", "create", "--vendor", "acme", "--name", "shop"],
    );
    assert_ne!(code, 0);
    assert!(err.contains("already exists"), "{err}");
    // A product named by a number that is no product's id is found by its name, trimmed.
    let (code, _, err) = psirt(
        &db,
        &["products", "create", "--vendor", "Acme", "--name", "2024"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = psirt(&db, &["products", "add-version", " 2024 ", "1.0"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created version"), "{out}");

    let (code, out, err) = psirt(
        &db,
        &[
            "products",
            "add-version",
            "shop",
            "14.1.1",
            "--released-on",
            "2022-06-01",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created version"), "{out}");
    let (code, _, err) = psirt(
        &db,
        &[
            "products",
            "add-version",
            "Shop",
            "15",
            "--released-on",
            "June",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("not a date"), "{err}");

    let juice = sbom("cyclonedx/juice-shop-14.1.1-npm-flat.bom.1.6.json");
    let (code, out, err) = psirt(
        &db,
        &[
            "sbom",
            "import",
            "--product",
            "Shop",
            "--version",
            "14.1.1",
            &juice,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("imported cyclonedx 1.6 into 14.1.1"),
        "{out}"
    );
    let added: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("changes: "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(added > 900, "{out}");
    // The same file again: nothing changes.
    let (_, out, _) = psirt(
        &db,
        &[
            "sbom",
            "import",
            "--product",
            "1",
            "--version",
            "14.1.1",
            &juice,
        ],
    );
    assert!(
        out.contains("changes: 0 added, 0 removed, 0 changed"),
        "{out}"
    );
    // An SBOM listing no components (a generator that failed half-way) does not empty the version unless asked to.
    let empty = dir.path().join("empty.json");
    std::fs::write(
        &empty,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#,
    )
    .unwrap();
    let empty = empty.to_str().unwrap();
    let import_empty = |extra: Option<&str>| {
        let mut args = vec!["sbom", "import", "--product", "Shop", "--version", "14.1.1"];
        args.extend(extra);
        args.push(empty);
        psirt(&db, &args)
    };
    let (code, _, err) = import_empty(None);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("lists no components") && err.contains("--allow-empty"),
        "{err}"
    );
    // Nothing was removed: the same components again change nothing.
    let (_, out, _) = psirt(
        &db,
        &[
            "sbom",
            "import",
            "--product",
            "Shop",
            "--version",
            "14.1.1",
            &juice,
        ],
    );
    assert!(out.contains("changes: 0 added, 0 removed"), "{out}");
    let (code, out, err) = import_empty(Some("--allow-empty"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(": 0 components"), "{out}");
    let (code, _, err) = psirt(
        &db,
        &[
            "sbom",
            "import",
            "--product",
            "Shop",
            "--version",
            "14.1.1",
            &juice,
        ],
    );
    assert_eq!(code, 0, "{err}");

    // A version that does not exist: refused unless asked to create it.
    let spdx = sbom("spdx/spdx-syft-bitnami_laravel-sha256-7aff7ad10ae5.spdx.json");
    let (code, _, err) = psirt(
        &db,
        &[
            "sbom",
            "import",
            "--product",
            "Shop",
            "--version",
            "16",
            &spdx,
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--create-version"), "{err}");
    let (code, out, err) = psirt(
        &db,
        &[
            "sbom",
            "import",
            "--product",
            "Shop",
            "--version",
            "16",
            "--create-version",
            &spdx,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("imported spdx 2.3 into 16"), "{out}");

    // Not an SBOM we can check: rejected, nothing stored; with --create-version not even the version.
    let keycloak = sbom("cyclonedx/keycloak-10.0.2.bom.1.2.json");
    for (version, create) in [("16", None), ("17", Some("--create-version"))] {
        let mut args = vec!["sbom", "import", "--product", "Shop", "--version", version];
        args.extend(create);
        args.push(&keycloak);
        let (code, _, err) = psirt(&db, &args);
        assert_ne!(code, 0);
        assert!(err.contains("unsupported"), "{err}");
    }
    let (_, out, _) = psirt(&db, &["products", "versions", "Shop"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("14.1.1\treleased 2022-06-01\tsupport ends -\t")
            && lines[0].ends_with("\tsupported"),
        "{out}"
    );
    assert!(!lines[1].contains("\t0 components\t"), "{out}");
    // A support end date set, then cleared; what is not given stays.
    let support_ends = |product: &str, day: &str| {
        psirt(
            &db,
            &[
                "products",
                "update-version",
                product,
                "14.1.1",
                "--support-ends-on",
                day,
            ],
        )
    };
    let (code, out, err) = support_ends("Shop", "2023-01-31");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("released 2022-06-01, support ends 2023-01-31, end_of_support"),
        "{out}"
    );
    let (_, out, _) = psirt(&db, &["products", "versions", "Shop"]);
    assert!(
        out.lines().next().unwrap().ends_with("\tend_of_support"),
        "{out}"
    );
    let (code, out, err) = support_ends("1", "none");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("support ends -, supported"), "{out}");
    let (code, _, err) = support_ends("Shop", "soon");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a date"), "{err}");
    let (_, out, _) = psirt(&db, &["audit", "verify"]);
    assert!(out.starts_with("audit chain intact"), "{out}");
}

/// A report read by something that stops early (`psirt products list | head -1`) ends quietly: `println!` panicked
/// on the closed pipe (exit 101). The pipe here is closed before psirt writes, so every write fails.
#[test]
fn a_closed_standard_output_is_no_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("psirt.db");
    let (code, _, err) = psirt(
        &db,
        &["products", "create", "--vendor", "Acme", "--name", "Shop"],
    );
    assert_eq!(code, 0, "{err}");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_psirt"))
        .args(["products", "list"])
        .env("DATABASE_URL", format!("sqlite:{}", db.display()))
        .env_remove("PSIRT_LOG")
        .stdout(writer)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Any other failure to write (a full disk: /dev/full) is no success: what was reported is lost.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_psirt"))
            .args(["products", "list"])
            .env("DATABASE_URL", format!("sqlite:{}", db.display()))
            .env_remove("PSIRT_LOG")
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("error: writing to standard output"), "{err}");
    }
}
