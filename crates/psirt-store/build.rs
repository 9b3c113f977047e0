//! Embeds the migration files: writes `$OUT_DIR/migrations.rs` with, per backend, every
//! `<VERSION>_<DESCRIPTION>.sql` as (version, description, `include_str!` of the file), read as
//! sqlx's migration source reads a folder (so versions, descriptions and checksums are the ones
//! `sqlx::migrate!` gave, and databases it migrated stay valid). Cargo watches the folders: a new
//! migration file is never left out of an incremental build.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut out = String::new();
    for backend in ["sqlite", "postgres"] {
        let dir = Path::new("migrations").join(backend);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<(i64, String, String)> = Vec::new();
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_else(|| panic!("{}: not a UTF-8 name", path.display()))
                .to_owned();
            let Some((version, rest)) = name.split_once('_') else {
                continue;
            };
            let Some(description) = rest.strip_suffix(".sql") else {
                continue;
            };
            assert!(
                !description.ends_with(".up") && !description.ends_with(".down"),
                "{name}: reversible migrations are not used"
            );
            let version: i64 = version
                .parse()
                .unwrap_or_else(|_| panic!("{name}: the version prefix is not an integer"));
            let absolute = std::fs::canonicalize(&path).unwrap_or_else(|e| panic!("{e}"));
            files.push((
                version,
                description.replace('_', " "),
                absolute.display().to_string(),
            ));
        }
        files.sort();
        writeln!(
            out,
            "pub(crate) const {}: &[(i64, &str, &str)] = &[",
            backend.to_uppercase()
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for (version, description, path) in files {
            writeln!(
                out,
                "    ({version}, {description:?}, include_str!({path:?})),"
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        out.push_str("];\n");
    }
    let target = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("{e}")))
        .join("migrations.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
