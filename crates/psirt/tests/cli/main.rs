//! The `psirt` binary run as a user runs it: stdout, stderr and exit status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disclosure;
mod feeds;
mod inventory;
mod serve;
mod versions;

use std::path::Path;
use std::process::Command;

/// Runs `psirt ARGS` against the SQLite file `db`: (exit status, stdout, stderr).
fn psirt(db: &Path, args: &[&str]) -> (i32, String, String) {
    run(Command::new(env!("CARGO_BIN_EXE_psirt"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite:{}", db.display())))
}

/// Runs `cmd` (`PSIRT_LOG` unset) to completion: (exit status, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.env_remove("PSIRT_LOG").output().expect("running psirt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A path under the shared reference data.
fn shared(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}
