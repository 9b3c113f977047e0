//! `psirt versions compare` and `psirt versions contains`, run as the built binary: stdout and exit status.

use std::process::Command;

/// Runs `psirt versions ARGS`: (exit status, stdout, stderr).
fn psirt_versions(args: &[&str]) -> (i32, String, String) {
    crate::run(
        Command::new(env!("CARGO_BIN_EXE_psirt"))
            .arg("versions")
            .args(args)
            // The command never opens the database; an unusable URL proves it.
            .env("DATABASE_URL", "postgres://nowhere.invalid/none"),
    )
}

fn assert_compare(ecosystem: &str, a: &str, b: &str, want: &str) {
    let (code, stdout, stderr) = psirt_versions(&["compare", ecosystem, a, b]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, format!("{want}\n").as_str()),
        "compare {ecosystem} {a} {b}; stderr: {stderr}"
    );
}

fn assert_contains(range: &str, version: &str, want: bool) {
    let (code, stdout, stderr) = psirt_versions(&["contains", range, version]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, format!("{want}\n").as_str()),
        "contains {range} {version}; stderr: {stderr}"
    );
}

fn assert_error(args: &[&str], stderr_has: &str) {
    let (code, stdout, stderr) = psirt_versions(args);
    assert_eq!(code, 2, "{args:?}: stdout {stdout:?}, stderr {stderr:?}");
    assert_eq!(stdout, "", "{args:?}");
    assert!(
        stderr.contains(stderr_has),
        "{args:?}: stderr {stderr:?} lacks {stderr_has:?}"
    );
}

#[test]
fn compare_semver() {
    assert_compare("npm", "1.0.0", "2.0.0", "<");
    assert_compare("semver", "1.0.0-alpha", "1.0.0-alpha.1", "<");
    assert_compare("crates.io", "1.2.3+build.5", "1.2.3", "=");
    assert_compare("Go", "v1.10.0", "v1.9.9", ">");
}

#[test]
fn compare_pypi() {
    assert_compare("PyPI", "1.0", "1.0.0", "=");
    assert_compare("pypi", "1.0rc1", "1.0", "<");
    assert_compare("pypi", "1.0.post1", "1.0", ">");
    assert_compare("pep440", "1!0.1", "2.0", ">");
}

#[test]
fn compare_debian() {
    assert_compare("Debian", "1.0~rc1-1", "1.0-1", "<");
    assert_compare("Debian:12", "1:0.9-1", "2.0-1", ">");
    assert_compare("deb", "2.4.47-2+b1", "2.4.47-2", ">");
}

#[test]
fn compare_rpm() {
    assert_compare("Red Hat", "1.0-1.el8", "1.0-1.el9", "<");
    assert_compare("rpm", "1.0~rc1", "1.0", "<");
    assert_compare("AlmaLinux:9", "1:1.0-1", "2.0-1", ">");
}

#[test]
fn compare_maven() {
    assert_compare("Maven", "1.0-SNAPSHOT", "1.0", "<");
    assert_compare("maven", "1.0", "1.0.0", "=");
    assert_compare("maven", "1.0-alpha-1", "1.0-beta", "<");
}

#[test]
fn contains() {
    assert_contains("vers:npm/>=1.0.0|<2.0.0", "1.5.0", true);
    assert_contains("vers:npm/>=1.0.0|<2.0.0", "2.0.0", false);
    assert_contains("vers:pypi/>=1.0|<2.0", "2.0rc1", true);
    assert_contains("vers:deb/>=1.0-1", "1.0~rc1-1", false);
    assert_contains("vers:rpm/<1:1.0", "2.0", true);
    assert_contains("vers:maven/1.0|2.0", "1.0.0", true);
}

#[test]
fn contains_notes_the_canonical_form() {
    let (code, stdout, stderr) =
        psirt_versions(&["contains", "vers:npm/<2.0.0 | >=1.0.0", "1.0.0"]);
    assert_eq!((code, stdout.as_str()), (0, "true\n"));
    assert!(
        stderr.contains("vers:npm/>=1.0.0|<2.0.0"),
        "stderr: {stderr:?}"
    );
}

#[test]
fn errors_exit_2() {
    assert_error(
        &["compare", "nosuch", "1", "2"],
        "unknown ecosystem \"nosuch\"",
    );
    // Versions parse as leniently as psirt-versions parses them for matching (PyPI falls back to LegacyVersion,
    // SemVer and Maven take any non-empty text): errors come from empty versions and the stricter schemes.
    assert_error(
        &["compare", "pypi", "1.0", ""],
        "invalid pep440 version \"\"",
    );
    assert_error(
        &["compare", "Debian", "x:1.0", "1.0"],
        "epoch must be a number",
    );
    assert_error(
        &["compare", "RubyGems", "1_0", "1.0"],
        "invalid gem version \"1_0\"",
    );
    assert_error(
        &["contains", "npm/>=1.0.0", "1.0.0"],
        "must start with 'vers:'",
    );
    assert_error(
        &["contains", "vers:nosuch/1.0", "1.0"],
        "unsupported versioning scheme",
    );
    assert_error(
        &["contains", "vers:gem/>=1.0", "1_0"],
        "invalid gem version",
    );
    assert_error(
        &["contains", "vers:npm/>=1.0.0", ""],
        "invalid semver version",
    );
    // Usage errors (clap) also exit 2.
    assert_error(&["compare", "npm", "1.0.0"], "Usage");
}
