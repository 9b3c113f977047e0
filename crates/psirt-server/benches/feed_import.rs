//! OSV feed import, persisted: the whole shared OSV corpus (every `feeds/osv/*.jsonl.gz`) through
//! `psirt_server::intel::import_feed` — read, validated, parsed and stored — into a fresh database, then the same
//! files again (every record unchanged). SQLite (a file, WAL) and PostgreSQL (127.0.0.1:5432, `PSIRT_TEST_PG_URL`)
//! when it answers. The parsing alone is `cargo bench -p psirt-formats --bench intel`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use psirt_formats::intel::FeedKind;
use psirt_store::testing::{Backend, TestDb};
use psirt_store::{Actor, Store};

/// The psirt binary's allocator: the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The OSV corpus in a directory of its own (the import reads a directory's `.jsonl.gz` files), and its size.
fn corpus() -> (tempfile::TempDir, u64) {
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/feeds/osv");
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = 0;
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let name = e.file_name();
        if name.to_string_lossy().ends_with(".jsonl.gz") {
            bytes += std::fs::copy(e.path(), dir.path().join(&name)).unwrap();
        }
    }
    (dir, bytes)
}

async fn run(store: &Store, label: &str, dir: &std::path::Path, bytes: u64) {
    for (what, fresh) in [("first import", true), ("same files again", false)] {
        let t = Instant::now();
        let out = psirt_server::intel::import_feed(
            store,
            &Actor::System("bench"),
            FeedKind::Osv,
            dir.to_path_buf(),
            "bench".into(),
            Box::new(|_| {}),
        )
        .await
        .unwrap();
        let s = t.elapsed().as_secs_f64();
        let log = &out.log;
        // The figure counts only for an import that did what it should: every record stored once, then unchanged;
        // only the corpus's 7 records that fail the schema rejected.
        assert_eq!(log.errors, 7, "{label} {what}: rejected");
        let stored = log.records - log.errors;
        match fresh {
            true => assert_eq!((log.inserted, log.updated), (stored, 0), "{label} {what}"),
            false => assert_eq!(log.unchanged, stored, "{label} {what}"),
        }
        println!(
            "{label:<10} {what:<17} {} records ({:.1} MB gzip) in {s:.2} s: {:>7.0} records/s, {:.2} MB/s gzip \
             ({} new, {} unchanged, {} rejected)",
            log.records,
            bytes as f64 / 1e6,
            log.records as f64 / s,
            bytes as f64 / 1e6 / s,
            log.inserted,
            log.unchanged,
            log.errors
        );
    }
}

#[tokio::main]
async fn main() {
    let (dir, bytes) = corpus();
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
        run(&store, &label, dir.path(), bytes).await;
        store.close().await;
        db.cleanup().await;
    }
}
