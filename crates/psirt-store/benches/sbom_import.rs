//! SBOM import, persisted: how fast `Store::import_sbom` writes a version's components, apart
//! from parsing (`cargo bench -p psirt-formats --bench sbom`). 100,000 components built from the
//! purls of the shared real SBOMs (repeated under new names until there are enough), imported
//! into a fresh product version; then the same set again (all unchanged) and a set with 10 %
//! upgraded. SQLite (a file, WAL) and PostgreSQL (127.0.0.1:5432, `PSIRT_TEST_PG_URL`) when it
//! answers. `PSIRT_BENCH_COMPONENTS` sets the size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use psirt_domain::{ProductDraft, ProductVersionDraft};
use psirt_store::testing::{Backend, TestDb};
use psirt_store::{Actor, NewComponent, SbomImport, Store};

fn real_purls() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sboms");
    let mut out = Vec::new();
    for sub in ["cyclonedx", "spdx"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            // Every "pkg:…" string value: purls of CycloneDX components and SPDX external refs.
            for part in text
                .split('"')
                .filter(|s| s.starts_with("pkg:") && s.contains('@'))
            {
                out.push(part.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn components(purls: &[String], n: usize, upgrade_every: usize) -> Vec<NewComponent> {
    (0..n)
        .map(|i| {
            let base = &purls[i % purls.len()];
            let (pkg, version) = base.split_once('@').unwrap_or((base, "1"));
            let round = i / purls.len();
            // New names beyond the first round keep keys unique; some versions move on.
            let pkg = if round == 0 {
                pkg.to_owned()
            } else {
                format!("{pkg}-r{round}")
            };
            let version = if upgrade_every > 0 && i % upgrade_every == 0 {
                format!("{version}.1")
            } else {
                version.to_owned()
            };
            let purl = format!("{pkg}@{version}");
            NewComponent {
                key: purl.clone(),
                name: pkg.rsplit('/').next().unwrap_or(&pkg).to_owned(),
                version,
                purl: Some(purl),
                cpe: None,
                hashes: Vec::new(),
                licenses: vec!["MIT".into()],
            }
        })
        .collect()
}

async fn run(store: &Store, label: &str, purls: &[String], n: usize) {
    let actor = Actor::System("bench");
    let p = store
        .create_product(
            &actor,
            ProductDraft {
                name: "Bench".into(),
                vendor: "psirt".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let v = store
        .create_product_version(
            &actor,
            p.id,
            ProductVersionDraft {
                version: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for (what, upgrade_every) in [
        ("first import", 0),
        ("same set again", 0),
        ("10 % upgraded", 10),
    ] {
        let sbom = SbomImport {
            format: "cyclonedx".into(),
            spec_version: "1.6".into(),
            sha256: what.to_string(),
            components: components(purls, n, upgrade_every),
            dependencies: Vec::new(),
            allow_empty: false,
        };
        let t = Instant::now();
        let done = store
            .import_sbom(&actor, v.id, sbom, &mut |_| {})
            .await
            .unwrap();
        let s = t.elapsed().as_secs_f64();
        // The figure counts only for an import that did what it should.
        let upgraded = if upgrade_every > 0 {
            n.div_ceil(upgrade_every)
        } else {
            0
        };
        let expected = match what {
            "first import" => (n, 0, 0),
            "same set again" => (0, 0, n),
            _ => (upgraded, upgraded, n - upgraded),
        };
        assert_eq!(
            (
                done.diff.added.len(),
                done.diff.removed.len(),
                done.diff.unchanged as usize
            ),
            expected,
            "{label} {what}: the import's diff"
        );
        assert_eq!(
            done.product_version.component_count as usize, n,
            "{label} {what}"
        );
        println!(
            "{label:<10} {what:<15} {n} components in {s:.2} s: {:>8.0} components/s (added {}, removed {}, unchanged {})",
            n as f64 / s,
            done.diff.added.len(),
            done.diff.removed.len(),
            done.diff.unchanged
        );
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("PSIRT_BENCH_COMPONENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let purls = real_purls();
    assert!(!purls.is_empty(), "no purls in ../shared/data/sboms");
    println!(
        "{} distinct real purls, {n} components per import",
        purls.len()
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let label = format!("{backend:?}").to_lowercase();
        let db = match TestDb::new(backend).await {
            Ok(db) => db,
            Err(e) => {
                println!("{label}: not available ({e}); skipped");
                continue;
            }
        };
        let store = db.store().await.unwrap();
        run(&store, &label, &purls, n).await;
        store.close().await;
        db.cleanup().await;
    }
}
