//! The CSAF mandatory tests (6.1.x) of BSI's csaf-validator-lib, run by Node over every CSAF document
//! the fixtures render, in one process (tests/csaf-validator/README.md). Missing Node or a missing
//! `npm ci` fails the test unless PSIRT_SKIP_NODE_ORACLE=1.

use std::path::PathBuf;
use std::process::Command;

use crate::publish::all_csaf_documents;

#[test]
fn generated_csaf_passes_the_mandatory_tests() {
    if std::env::var("PSIRT_SKIP_NODE_ORACLE").as_deref() == Ok("1") {
        eprintln!("PSIRT_SKIP_NODE_ORACLE=1: CSAF mandatory tests skipped");
        return;
    }
    let oracle = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/csaf-validator");
    assert!(
        oracle.join("node_modules/@secvisogram/csaf-validator-lib/package.json").exists(),
        "csaf-validator-lib is not installed: run `npm ci --prefix crates/psirt-formats/tests/csaf-validator` \
         (or set PSIRT_SKIP_NODE_ORACLE=1)"
    );
    let dir = std::env::temp_dir().join(format!("psirt-csaf-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let docs = all_csaf_documents();
    for (name, bytes) in &docs {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let output = Command::new("node")
        .arg(oracle.join("validate.mjs"))
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("running node failed ({e}); install Node >= 18 or set PSIRT_SKIP_NODE_ORACLE=1")
        });
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "csaf-validator-lib rejected generated documents:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("{n}/{n} documents pass", n = docs.len())),
        "{stdout}"
    );
}
