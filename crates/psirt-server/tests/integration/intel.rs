//! Intel and impact analysis over HTTP: real OSV records from the shared corpus imported through
//! the feed pipeline, an SBOM upload that matches them, findings, the merged vulnerability view,
//! purl search, the upstream queue (dismiss, open a case), an import behind the server's back
//! (the CLI's way) picked up on the next request, and the pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;

use psirt_domain::Role;
use psirt_formats::intel::FeedKind;
use psirt_store::testing::Backend;
use psirt_store::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::inventory::upload;
use crate::ui::{hidden, Browser};

/// A file of the shared data (`rel` below `shared/data/`).
fn shared_path(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// The lines of a gzipped JSON Lines file of the shared data.
fn shared_gz_lines(rel: &str) -> Vec<String> {
    let path = shared_path(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file))
        .lines()
        .map(Result::unwrap)
        .collect()
}

/// The named records of the shared PyPI OSV corpus, one JSON file each in a fresh directory.
pub fn osv_records(ids: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut found = 0;
    for line in shared_gz_lines("feeds/osv/PyPI.jsonl.gz") {
        let v: Value = serde_json::from_str(&line).unwrap();
        let id = v["id"].as_str().unwrap();
        if ids.contains(&id) {
            std::fs::write(dir.path().join(format!("{id}.json")), &line).unwrap();
            found += 1;
        }
    }
    assert_eq!(found, ids.len(), "records in the corpus");
    dir
}

pub async fn import(app: &TestApp, ids: &[&str]) -> psirt_server::intel::Imported {
    let dir = osv_records(ids);
    import_path(app, FeedKind::Osv, dir.path()).await
}

/// Imports `path` (a file or directory) as a `kind` feed, as the CLI does.
async fn import_path(
    app: &TestApp,
    kind: FeedKind,
    path: &std::path::Path,
) -> psirt_server::intel::Imported {
    psirt_server::intel::import_feed(
        &app.store,
        &Actor::System("test"),
        kind,
        path.to_path_buf(),
        "test".into(),
        Box::new(|_| {}),
    )
    .await
    .unwrap()
}

/// The product depends on requests, which (here) pulls in jinja2.
fn sbom() -> Vec<u8> {
    json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "application", "name": "portal", "bom-ref": "portal"}},
        "components": [
            {"type": "library", "name": "jinja2", "version": "2.10", "purl": "pkg:pypi/jinja2@2.10",
             "bom-ref": "jinja2"},
            {"type": "library", "name": "requests", "version": "2.31.0", "purl": "pkg:pypi/requests@2.31.0",
             "bom-ref": "requests"}
        ],
        "dependencies": [
            {"ref": "portal", "dependsOn": ["requests"]},
            {"ref": "requests", "dependsOn": ["jinja2"]}
        ]
    })
    .to_string()
    .into_bytes()
}

/// Product "Portal" 5.0 with [`sbom`] uploaded (jinja2 2.10, requests 2.31.0); returns the version's id.
async fn portal_with_sbom(ana: &Client) -> i64 {
    product_with_sbom(ana, "Portal").await.0
}

/// Product `name` 5.0 with [`sbom`] uploaded (asserting 200): the version's id and the upload's answer.
async fn product_with_sbom(ana: &Client, name: &str) -> (i64, Value) {
    let (s, p) = ana
        .post("/api/v1/products", json!({"vendor": "Acme", "name": name}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, pv) = ana
        .post(
            &format!("/api/v1/products/{}/versions", p["id"]),
            json!({"version": "5.0"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pv}");
    let pv = pv["id"].as_i64().unwrap();
    let (s, done) = upload(ana, pv, sbom()).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    (pv, done)
}

/// Product `name` `version` with [`sbom`] imported through the store (no HTTP, no engine run): the version's id.
async fn stored_product_with_sbom(app: &TestApp, name: &str, version: &str) -> i64 {
    let actor = Actor::System("test");
    let p = app
        .store
        .create_product(
            &actor,
            psirt_domain::ProductDraft {
                name: name.into(),
                vendor: "Acme".into(),
                cpe: None,
                purl: None,
                owner_team: String::new(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let pv = app
        .store
        .create_product_version(
            &actor,
            p.id,
            psirt_domain::ProductVersionDraft {
                version: version.into(),
                released_on: None,
                support_ends_on: None,
            },
        )
        .await
        .unwrap();
    let parsed = psirt_server::sbom::parse(&sbom()).unwrap();
    app.store
        .import_sbom(&actor, pv.id, parsed.import, &mut |_| {})
        .await
        .unwrap();
    pv.id
}

/// The records in the upstream queue, sorted.
async fn queued(store: &psirt_store::Store) -> Vec<String> {
    let queue = store.upstream_queue().await.unwrap();
    let mut ids: Vec<String> = queue.iter().map(|q| q.record_id.clone()).collect();
    ids.sort();
    ids
}

fn ids(items: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

pub async fn intel_api_and_queue(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let vic = app.bearer(&viewer).await;

    // PYSEC-2014-8 (fixed 2.7.2) does not hit jinja2 2.10; PYSEC-2019-217 (fixed 2.10.1) does.
    let first = import(&app, &["PYSEC-2014-8", "PYSEC-2019-217"]).await;
    assert_eq!((first.log.inserted, first.log.errors), (2, 0));
    // Idempotent: the same files again change nothing.
    let again = import(&app, &["PYSEC-2014-8", "PYSEC-2019-217"]).await;
    assert_eq!(
        (again.log.unchanged, again.log.inserted, again.log.updated),
        (2, 0, 0)
    );

    let pv = portal_with_sbom(&ana).await;

    let (s, f) = vic
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(ids(&f["items"], "record_id"), vec!["PYSEC-2019-217"]);
    assert_eq!(f["items"][0]["purl"], "pkg:pypi/jinja2@2.10");
    assert_eq!(f["items"][0]["fixed_versions"], json!(["2.10.1"]));
    // How it got in: through requests, a direct dependency of the product.
    assert_eq!(
        f["items"][0]["dependency_path"],
        json!(["pkg:pypi/requests@2.31.0", "pkg:pypi/jinja2@2.10"])
    );

    // The merged view, reached by an alias.
    let (s, v) = vic.get("/api/v1/vulnerabilities/CVE-2019-10906").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["vulnerability"]["ids"],
        json!(["CVE-2019-10906", "GHSA-462w-v97r-4m45", "PYSEC-2019-217"])
    );
    assert_eq!(v["findings"][0]["product_version_id"], pv);
    assert_eq!(v["findings"][0]["fixed_versions"], json!(["2.10.1"]));
    // Typed in lower case: the same vulnerability.
    let (s, lower) = vic.get("/api/v1/vulnerabilities/cve-2019-10906").await;
    assert_eq!(s, StatusCode::OK, "{lower}");
    assert_eq!(lower["vulnerability"]["ids"], v["vulnerability"]["ids"]);
    assert_eq!(lower["findings"], v["findings"]);
    assert_eq!(
        vic.get("/api/v1/vulnerabilities/CVE-1999-0001").await.0,
        StatusCode::NOT_FOUND
    );
    // A NUL in what is looked for: PostgreSQL cannot compare it (the request's fault, 400), SQLite finds nothing.
    let nul_answer = match backend {
        Backend::Postgres => StatusCode::BAD_REQUEST,
        _ => StatusCode::NOT_FOUND,
    };
    let (s, p) = vic.get("/api/v1/vulnerabilities/CVE-2019-%00").await;
    assert_eq!(s, nul_answer, "{p}");
    let (s, p) = vic.get("/api/v1/products?q=a%00b").await;
    assert!(
        s == StatusCode::OK || s == StatusCode::BAD_REQUEST,
        "{s} {p}"
    );
    assert_eq!(
        s == StatusCode::BAD_REQUEST,
        backend == Backend::Postgres,
        "{p}"
    );

    // purl search works for versions outside the inventory too.
    let (s, hits) = vic
        .get("/api/v1/purl-search?purl=pkg:pypi/jinja2@2.7.0")
        .await;
    assert_eq!(s, StatusCode::OK, "{hits}");
    assert_eq!(
        ids(&hits["advisories"], "id"),
        vec!["PYSEC-2014-8", "PYSEC-2019-217"]
    );
    let fixes: Vec<(&Value, &Value)> = hits["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (&a["id"], &a["fixed_versions"]))
        .collect();
    assert!(
        fixes.contains(&(&json!("PYSEC-2014-8"), &json!(["2.7.2"])))
            && fixes.contains(&(&json!("PYSEC-2019-217"), &json!(["2.10.1"]))),
        "{hits}"
    );
    assert_eq!(hits["notes"], json!([]), "{hits}");
    assert_eq!(
        vic.get("/api/v1/purl-search?purl=jinja2").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A distro package without its release: said, as nothing filed per release can match it.
    let (_, hits) = vic
        .get("/api/v1/purl-search?purl=pkg:deb/debian/curl@7.74.0-1")
        .await;
    assert!(
        hits["notes"][0]
            .as_str()
            .unwrap_or_default()
            .contains("distro"),
        "{hits}"
    );

    // A record imported behind the server's back (as `psirt feeds import` does) shows up.
    import(&app, &["PYSEC-2021-66"]).await;
    let (_, f) = vic
        .get(&format!("/api/v1/product-versions/{pv}/findings?sort=purl"))
        .await;
    assert_eq!(
        ids(&f["items"], "record_id"),
        vec!["PYSEC-2019-217", "PYSEC-2021-66"]
    );

    // The upstream queue is the PSIRT's.
    assert_eq!(
        vic.get("/api/v1/upstream-queue").await.0,
        StatusCode::FORBIDDEN
    );
    let (s, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(
        ids(&q["items"], "record_id"),
        vec!["PYSEC-2019-217", "PYSEC-2021-66"]
    );
    assert_eq!(
        (q["total"].clone(), q["next_cursor"].clone()),
        (json!(2), Value::Null)
    );
    // Paged: one item, then the next from its cursor.
    let (_, first) = ana.get("/api/v1/upstream-queue?limit=1").await;
    // The same order as the whole queue's (`ids` sorts: the order is read here).
    let order: Vec<&str> = q["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["record_id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(first["items"][0]["record_id"], order[0], "{first}");
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let (_, second) = ana
        .get(&format!("/api/v1/upstream-queue?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(second["items"][0]["record_id"], order[1], "{second}");
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["next_cursor"], Value::Null, "{second}");
    let (s, bad) = ana.get("/api/v1/upstream-queue?cursor=nonsense").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "cursor", "{bad}");
    let (s, e) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2021-66/dismiss",
            json!({"justification": "not a reason"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    // With the revision it was decided on: one that is not the item's now (another content) is refused.
    let item = q["items"].as_array().unwrap().iter();
    let revision = item
        .filter(|i| i["record_id"] == "PYSEC-2021-66")
        .map(|i| i["revision"].as_str().unwrap().to_owned())
        .next()
        .unwrap();
    assert_eq!(revision.len(), 64);
    let (s, e) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2021-66/dismiss",
            json!({"justification": "vulnerable_code_not_in_execute_path", "revision": "0".repeat(64)}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, d) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2021-66/dismiss",
            json!({"justification": "vulnerable_code_not_in_execute_path", "note": "no sandboxed templates",
                   "revision": revision}),
        )
        .await;
    assert_eq!((s, d["dismissed"].as_i64()), (StatusCode::OK, Some(1)));
    // A title the analyst wrote is not cut short silently: too long is refused, and nothing opens.
    let (s, refused) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"title": "x".repeat(201)}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (s, case) = ana
        .post("/api/v1/upstream-queue/PYSEC-2019-217/case", json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert!(case["title"]
        .as_str()
        .unwrap()
        .starts_with("PYSEC-2019-217"));
    assert_eq!(
        ana.post("/api/v1/upstream-queue/PYSEC-2019-217/case", json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(q["items"], json!([]));
    let (_, f) = vic
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    let decisions: Vec<(String, String)> = f["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["record_id"].as_str().unwrap().into(),
                i["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(decisions.contains(&("PYSEC-2019-217".into(), "case_opened".into())));
    assert!(decisions.contains(&("PYSEC-2021-66".into(), "dismissed".into())));

    // Once the case is embargoed, a viewer (not a member) must not learn it exists: no case id, the finding reads
    // as undecided; the analyst still sees it.
    let case_id = case["id"].as_i64().unwrap();
    let (s, patched) = ana
        .send(
            Method::PATCH,
            &format!("/api/v1/cases/{case_id}"),
            Some(json!({"embargoed": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{patched}");
    let decision_of = |items: &Value| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["record_id"] == "PYSEC-2019-217")
            .map(|i| (i["status"].clone(), i["case_id"].clone()))
            .unwrap()
    };
    let (_, f) = vic
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(decision_of(&f["items"]), (json!("new"), Value::Null));
    let (_, v) = vic.get("/api/v1/vulnerabilities/PYSEC-2019-217").await;
    assert_eq!(decision_of(&v["findings"]), (json!("new"), Value::Null));
    let vic_pages = Browser::login(&app, "vic").await;
    for page in [
        format!("/product-versions/{pv}"),
        "/vulnerabilities/PYSEC-2019-217".to_owned(),
    ] {
        let (s, html) = vic_pages.get(&page).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(html.contains("PYSEC-2019-217"), "{page}: {html}");
        assert!(
            !html.contains(&format!("/cases/{case_id}\"")),
            "{page}: {html}"
        );
    }
    let (_, f) = ana
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(
        decision_of(&f["items"]),
        (json!("case_opened"), json!(case_id))
    );
    // An engineer who is a member of the case sees it.
    let eng = app.user("eng", Role::Engineer, false).await;
    app.store
        .add_case_member(&Actor::System("test"), case_id, eng.id)
        .await
        .unwrap();
    let (_, f) = app
        .bearer(&eng)
        .await
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(
        decision_of(&f["items"]),
        (json!("case_opened"), json!(case_id))
    );

    // An upgrade through the API (the engine is loaded and current: only this version is
    // re-matched) retracts both findings.
    let upgraded = String::from_utf8(sbom()).unwrap().replace("2.10", "2.11.3");
    let (s, done) = upload(&ana, pv, upgraded.into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["matches"]["retracted"], 2, "{done}");
    let (_, f) = vic
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(f["items"], json!([]), "{f}");
    app.finish().await;
}

/// An engine refreshes only its own import's changes when nothing else moved the match generation in between; a
/// change another writer (a CLI import, another server) committed during that import makes it reload, so the
/// other change is matched too instead of being taken for seen.
pub async fn engine_reloads_for_changes_it_did_not_make(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    portal_with_sbom(&ana).await;

    // A second engine over the same database, as another server's.
    let engine = psirt_server::engine::SharedEngine::default();
    engine.ensure(&app.store).await.unwrap();

    // Alone: this import's own write, refreshed incrementally.
    let before = app.store.match_generation().await.unwrap();
    let own = import(&app, &["PYSEC-2014-8"]).await;
    let window = psirt_server::engine::ImportWindow {
        before,
        after: app.store.match_generation().await.unwrap(),
        own: own.match_writes,
    };
    assert!(window.alone(), "{window:?}");
    engine
        .records_changed(&app.store, &own.changed, window)
        .await
        .unwrap();
    assert!(
        queued(&app.store).await.is_empty(),
        "PYSEC-2014-8 does not hit jinja2 2.10"
    );

    // Another writer commits during the next import (PYSEC-2019-217 hits jinja2 2.10): not alone, so reloaded.
    let before = app.store.match_generation().await.unwrap();
    let own = import(&app, &["PYSEC-2015-8"]).await;
    let other = import(&app, &["PYSEC-2019-217"]).await;
    assert_eq!(other.match_writes, 1);
    let window = psirt_server::engine::ImportWindow {
        before,
        after: app.store.match_generation().await.unwrap(),
        own: own.match_writes,
    };
    assert!(!window.alone(), "{window:?}");
    engine
        .records_changed(&app.store, &own.changed, window)
        .await
        .unwrap();
    assert_eq!(queued(&app.store).await, ["PYSEC-2019-217"]);
    app.finish().await;
}

/// A full re-match by an engine loaded before another writer's change (a CLI's, another server's) applies nothing:
/// it would retract the matches of components it never saw, and nothing would set them right. Loaded again, it
/// finds the matches as the other writer left them.
pub async fn a_stale_full_rematch_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    import(&app, &["PYSEC-2019-217"]).await;
    let stale = psirt_server::engine::Engine::load(&app.store)
        .await
        .unwrap();
    // The server matches the new version's jinja2 2.10 as the SBOM is uploaded.
    portal_with_sbom(&ana).await;
    assert_eq!(queued(&app.store).await, ["PYSEC-2019-217"]);
    assert!(stale
        .reconcile_if_current(&app.store)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        queued(&app.store).await,
        ["PYSEC-2019-217"],
        "the stale engine retracted the match"
    );
    let (fresh, applied) = psirt_server::engine::Engine::load_reconciled(&app.store)
        .await
        .unwrap();
    let applied = applied.expect("nothing changes meanwhile: reconciled");
    assert_eq!((applied.raised, applied.retracted), (0, 0), "{applied:?}");
    assert_eq!(fresh.loaded_at, app.store.match_generation().await.unwrap());

    // A store that keeps changing while the engine loads (a writer committing all the time): after three loads it
    // gives up — said, not taken for "nothing changed" — and marks the matches behind, so that every engine reloads
    // at its next use. Reads still get an engine.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, stop) = (app.store.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                store.mark_matches_behind().await.unwrap();
            }
        })
    };
    // (How often the writer commits during a load is up to the scheduler: asked until it gives up, at most 30 times.)
    let mut gave_up = false;
    for _ in 0..30 {
        let (_, applied) = psirt_server::engine::Engine::load_reconciled(&app.store)
            .await
            .unwrap();
        if applied.is_none() {
            gave_up = true;
            break;
        }
    }
    assert!(gave_up, "a load never saw the writer commit");
    let shared = psirt_server::engine::SharedEngine::default();
    shared.ensure(&app.store).await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(queued(&app.store).await, ["PYSEC-2019-217"]);
    app.finish().await;
}

/// Imports `text` as one `kind` feed file (`name` in a fresh directory).
async fn import_text(
    app: &TestApp,
    kind: FeedKind,
    name: &str,
    text: &str,
) -> psirt_server::intel::Imported {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let out = import_path(app, kind, dir.path()).await;
    assert_eq!(out.log.errors, 0, "{:?}", out.log.error_report);
    out
}

/// Records of different sources share an id (an OSV `CVE-…` record, the KEV entry of that CVE): to the engine they
/// are one advisory. A change to the KEV entry, which has no packages, once retracted the OSV record's matches.
/// A record naming two CVEs (as DRUPAL-CORE-2020-013 does) does not join them: the view of one CVE's GHSA takes in
/// neither the other CVE's KEV entry nor the product versions the other's GHSA hits, and purl search says what the
/// findings say (the record's own summary, CVSS and KEV flag), with the fixed versions.
pub async fn views_stay_within_one_cve_and_purl_search_says_what_findings_say(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let pv = portal_with_sbom(&ana).await;
    let osv = |id: &str, aliases: &[&str], summary: &str, package: &str, fixed: &str| {
        json!({
            "id": id, "modified": "2099-01-01T00:00:00Z", "aliases": aliases, "summary": summary,
            "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]
        })
        .to_string()
    };
    for (file, text) in [
        (
            "a.json",
            osv(
                "GHSA-aaaa-0001-aaaa",
                &["CVE-2099-0001"],
                "Template injection",
                "jinja2",
                "2.11",
            ),
        ),
        (
            "x.json",
            osv(
                "OSV-2099-1",
                &["CVE-2099-0001", "CVE-2099-0002"],
                "Two at once",
                "flask",
                "9.0",
            ),
        ),
        (
            "b.json",
            osv(
                "GHSA-bbbb-0002-bbbb",
                &["CVE-2099-0002"],
                "Request smuggling",
                "requests",
                "2.32.0",
            ),
        ),
    ] {
        import_text(&app, FeedKind::Osv, file, &text).await;
    }
    // Another CVE's record naming CVE-1's GHSA (an "incomplete fix of" record), exploited and scored 9.8.
    let mut incomplete: Value = serde_json::from_str(&osv(
        "CVE-2099-0003",
        &["GHSA-aaaa-0001-aaaa"],
        "Incomplete fix",
        "requests",
        "9.0",
    ))
    .unwrap();
    incomplete["severity"] =
        json!([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]);
    import_text(&app, FeedKind::Osv, "c.json", &incomplete.to_string()).await;
    let listed = |cve: &str| {
        json!({
            "cveID": cve, "vendorProject": "PSF", "product": "Requests", "vulnerabilityName": "Requests",
            "dateAdded": "2099-01-02", "shortDescription": "Exploited.", "requiredAction": "Update.",
            "dueDate": "2099-01-23", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []
        })
    };
    let kev = json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2099.01.02",
        "dateReleased": "2099-01-02T00:00:00.000Z", "count": 2,
        "vulnerabilities": [listed("CVE-2099-0002"), listed("CVE-2099-0003")]
    });
    import_text(&app, FeedKind::Kev, "kev.json", &kev.to_string()).await;

    let (s, f) = ana
        .get(&format!("/api/v1/product-versions/{pv}/findings?sort=purl"))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(
        ids(&f["items"], "record_id"),
        [
            "CVE-2099-0003",
            "GHSA-aaaa-0001-aaaa",
            "GHSA-bbbb-0002-bbbb"
        ]
    );
    // By package, then record id: jinja2's GHSA; requests' CVE-3 and GHSA-B.
    let exploited: Vec<&Value> = f["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["exploited"])
        .collect();
    assert_eq!(
        exploited,
        [&json!(false), &json!(true), &json!(true)],
        "{f}"
    );
    assert_eq!(f["items"][2]["fixed_versions"], json!(["2.32.0"]));

    // The GHSA of CVE-1, and CVE-1: their views list the two-CVE record and CVE-3's record as sources, but take in
    // neither CVE-2 nor CVE-3, their KEV entries, CVE-3's score, or requests (which only they hit). Whatever the
    // order the walk meets the records in, the GHSA's own record comes first: it settles the walk on CVE-1.
    for asked in ["GHSA-aaaa-0001-aaaa", "CVE-2099-0001"] {
        let (s, v) = ana.get(&format!("/api/v1/vulnerabilities/{asked}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["vulnerability"]["ids"],
            json!(["CVE-2099-0001", "GHSA-aaaa-0001-aaaa", "OSV-2099-1"]),
            "{asked}"
        );
        assert_eq!(
            ids(&v["vulnerability"]["records"], "record_id"),
            ["CVE-2099-0003", "GHSA-aaaa-0001-aaaa", "OSV-2099-1"],
            "{asked}"
        );
        assert_eq!(v["vulnerability"]["exploited"], false, "{asked}: {v}");
        assert_eq!(
            v["vulnerability"]["cvss_score"],
            Value::Null,
            "{asked}: {v}"
        );
        assert_eq!(
            ids(&v["findings"], "purl"),
            ["pkg:pypi/jinja2@2.10"],
            "{asked}"
        );
    }
    // The two-CVE record itself is about both.
    let (_, x) = ana.get("/api/v1/vulnerabilities/OSV-2099-1").await;
    assert_eq!(x["vulnerability"]["exploited"], true, "{x}");
    assert_eq!(
        ids(&x["findings"], "purl"),
        ["pkg:pypi/jinja2@2.10", "pkg:pypi/requests@2.31.0"]
    );

    // Purl search: the record's own facts, as its finding has them.
    let (s, hits) = ana
        .get("/api/v1/purl-search?purl=pkg:pypi/jinja2@2.10")
        .await;
    assert_eq!(s, StatusCode::OK, "{hits}");
    let hit = hits["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "GHSA-aaaa-0001-aaaa")
        .cloned()
        .unwrap_or_else(|| panic!("{hits}"));
    assert_eq!(
        (&hit["summary"], &hit["exploited"], &hit["fixed_versions"]),
        (
            &json!("Template injection"),
            &json!(false),
            &json!(["2.11"])
        ),
        "{hit}"
    );
    let (_, hits) = ana
        .get("/api/v1/purl-search?purl=pkg:pypi/requests@2.31.0")
        .await;
    let said: Vec<(&Value, &Value, &Value)> = hits["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (&h["id"], &h["summary"], &h["exploited"]))
        .collect();
    // A record's own summary, not its KEV entry's name.
    assert_eq!(
        said,
        [
            (
                &json!("CVE-2099-0003"),
                &json!("Incomplete fix"),
                &json!(true)
            ),
            (
                &json!("GHSA-bbbb-0002-bbbb"),
                &json!("Request smuggling"),
                &json!(true)
            )
        ],
        "{hits}"
    );

    // CVE-3's own view: its record names GHSA-A, but GHSA-A's own record says it is CVE-1's, so neither GHSA-A nor
    // the jinja2 version only CVE-1 hits is shown under CVE-3.
    let (_, v3) = ana.get("/api/v1/vulnerabilities/CVE-2099-0003").await;
    assert_eq!(v3["vulnerability"]["ids"], json!(["CVE-2099-0003"]), "{v3}");
    assert_eq!(
        ids(&v3["findings"], "purl"),
        ["pkg:pypi/requests@2.31.0"],
        "{v3}"
    );
    // A record naming only GHSA-A is CVE-1's, as GHSA-A's own record says, not CVE-3's (whose record also names
    // GHSA-A, and whose id sorts before it).
    import_text(
        &app,
        FeedKind::Osv,
        "p.json",
        &osv(
            "PYSEC-2099-1",
            &["GHSA-aaaa-0001-aaaa"],
            "Template injection",
            "not-in-any-sbom",
            "1.0",
        ),
    )
    .await;
    let (_, p) = ana.get("/api/v1/vulnerabilities/PYSEC-2099-1").await;
    assert_eq!(
        p["vulnerability"]["ids"],
        json!([
            "CVE-2099-0001",
            "GHSA-aaaa-0001-aaaa",
            "OSV-2099-1",
            "PYSEC-2099-1"
        ]),
        "{p}"
    );
    assert_eq!(p["vulnerability"]["exploited"], false, "{p}");
}

/// A product version hit after the upstream case was opened comes back to the queue naming that case, and is added
/// to it (its affect under investigation, the versions already in the case left as they are) instead of opening a
/// second case or dismissing it untruthfully.
pub async fn a_vulnerability_with_an_open_case_is_added_to_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    import(&app, &["PYSEC-2019-217"]).await;
    let portal = portal_with_sbom(&ana).await;
    let (s, case) = ana
        .post("/api/v1/upstream-queue/PYSEC-2019-217/case", json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_i64().unwrap();
    // The analysis of Portal went on: its affect is no longer under investigation.
    let (_, affects) = ana.get(&format!("/api/v1/cases/{case_id}/affects")).await;
    let portal_affect = affects[0]["id"].as_i64().unwrap();
    let (s, a) = ana
        .send(
            Method::PUT,
            &format!("/api/v1/cases/{case_id}/affects/{portal_affect}"),
            Some(json!({"status": "affected"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");

    // Kiosk ships the same jinja2: back in the queue, naming the open case.
    let (kiosk, _) = product_with_sbom(&ana, "Kiosk").await;
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(q["items"][0]["record_id"], "PYSEC-2019-217", "{q}");
    assert_eq!(q["items"][0]["open_cases"], json!([case_id]), "{q}");
    let page = Browser::login(&app, "ana").await;
    let (_, html) = page.get("/upstream").await;
    assert!(html.contains(&format!("Add to case #{case_id}")), "{html}");

    let (s, refused) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"case_id": case_id, "title": "another"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    // Not into a case that does not cover the vulnerability, nor into a closed one.
    let (_, unrelated) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Unrelated", "description": "x"}),
        )
        .await;
    let (s, refused) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"case_id": unrelated["id"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (_, other) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Something else", "description": "x"}),
        )
        .await;
    let other = other["id"].as_i64().unwrap();
    let (s, t) = ana
        .post(
            &format!("/api/v1/cases/{other}/transition"),
            json!({"to": "rejected", "resolution": "invalid"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let (s, refused) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"case_id": other}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");

    // Through the page's button.
    let (s, to) = page
        .post(
            "/upstream/PYSEC-2019-217/add",
            &[("case_id", case_id.to_string().as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    assert_eq!(to, format!("/cases/{case_id}?notice=upstream_added"));
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(q["items"], json!([]));
    let (_, affects) = ana.get(&format!("/api/v1/cases/{case_id}/affects")).await;
    let mut statuses: Vec<(i64, String)> = affects
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["product_version_id"].as_i64().unwrap(),
                a["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [
            (portal, "affected".to_owned()),
            (kiosk, "under_investigation".to_owned())
        ]
    );
    let (_, f) = ana
        .get(&format!("/api/v1/product-versions/{kiosk}/findings"))
        .await;
    assert_eq!(
        (&f["items"][0]["status"], &f["items"][0]["case_id"]),
        (&json!("case_opened"), &json!(case_id))
    );
    let (_, timeline) = ana.get(&format!("/api/v1/cases/{case_id}/timeline")).await;
    assert!(
        timeline.to_string().contains("case.upstream_add"),
        "{timeline}"
    );
    // Nothing left to add.
    assert_eq!(
        ana.post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"case_id": case_id})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );

    // Kiosk was found not affected; then its SBOM brings in a second, vendored copy of the vulnerable jinja2. Added to
    // the case, Kiosk is under investigation again ("not affected" was said without that component).
    let kiosk_affect = affects
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["product_version_id"] == kiosk)
        .map(|a| a["id"].as_i64().unwrap())
        .unwrap();
    let (s, a) = ana
        .send(
            Method::PUT,
            &format!("/api/v1/cases/{case_id}/affects/{kiosk_affect}"),
            Some(json!({"status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let mut vendored: Value = serde_json::from_slice(&sbom()).unwrap();
    vendored["components"].as_array_mut().unwrap().push(json!(
        {"type": "library", "name": "jinja2", "version": "2.9", "purl": "pkg:pypi/jinja2@2.9", "bom-ref": "vendored"}
    ));
    let (s, done) = upload(&ana, kiosk, vendored.to_string().into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (s, added) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"case_id": case_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{added}");
    let (_, a) = ana
        .get(&format!("/api/v1/cases/{case_id}/affects/{kiosk_affect}"))
        .await;
    assert_eq!(a["status"], "under_investigation", "{a}");
    let (_, timeline) = ana.get(&format!("/api/v1/cases/{case_id}/timeline")).await;
    assert!(
        timeline.to_string().contains("not_affected_reopened"),
        "{timeline}"
    );

    // Found not affected again; then SBOM re-imports drop the vendored copy and bring it back (a new component row,
    // a new undecided match): added to the case, it changes nothing — the case had that package for Kiosk.
    let (s, a) = ana
        .send(
            Method::PUT,
            &format!("/api/v1/cases/{case_id}/affects/{kiosk_affect}"),
            Some(json!({"status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    for body in [sbom(), vendored.to_string().into_bytes()] {
        let (s, done) = upload(&ana, kiosk, body).await;
        assert_eq!(s, StatusCode::OK, "{done}");
    }
    let (s, added) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/case",
            json!({"case_id": case_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{added}");
    let (_, a) = ana
        .get(&format!("/api/v1/cases/{case_id}/affects/{kiosk_affect}"))
        .await;
    assert_eq!(a["status"], "not_affected", "{a}");

    // Another record of the vulnerability (its GHSA) now matches the same jinja2 of Kiosk. Added to the case, it
    // changes nothing either: the case has that package for Kiosk through PYSEC-2019-217, whose matches are active.
    let ghsa = json!({
        "id": "GHSA-462w-v97r-4m45", "modified": "2099-01-01T00:00:00Z",
        "aliases": ["CVE-2019-10906", "PYSEC-2019-217"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}]}]
    });
    import_text(&app, FeedKind::Osv, "ghsa.json", &ghsa.to_string()).await;
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert!(
        q.to_string().contains("GHSA-462w-v97r-4m45"),
        "the GHSA's matches are undecided: {q}"
    );
    let (s, added) = ana
        .post(
            "/api/v1/upstream-queue/GHSA-462w-v97r-4m45/case",
            json!({"case_id": case_id}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{added}");
    let (_, a) = ana
        .get(&format!("/api/v1/cases/{case_id}/affects/{kiosk_affect}"))
        .await;
    assert_eq!(
        (&a["status"], &a["justification"]),
        (
            &json!("not_affected"),
            &json!("vulnerable_code_not_in_execute_path")
        ),
        "{a}"
    );
    app.finish().await;
}

/// A dismissal is of the package in the product version, not of a component row: an SBOM re-import that drops the
/// package and one that brings it back (new component rows) keep it dismissed, as long as the record is unchanged;
/// a change to the record raises it again.
pub async fn a_dismissal_survives_the_component_being_dropped_and_brought_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    import(&app, &["PYSEC-2019-217"]).await;
    let pv = portal_with_sbom(&ana).await;
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    let revision = q["items"][0]["revision"].as_str().unwrap().to_owned();
    let (s, d) = ana
        .post(
            "/api/v1/upstream-queue/PYSEC-2019-217/dismiss",
            json!({"justification": "vulnerable_code_not_in_execute_path", "note": "templates are ours", "revision": revision}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let reimport = |sbom: String| {
        let ana = &ana;
        async move {
            let (s, done) = upload(ana, pv, sbom.into_bytes()).await;
            assert_eq!(s, StatusCode::OK, "{done}");
            done
        }
    };
    let full = String::from_utf8(sbom()).unwrap();
    let mut without: Value = serde_json::from_str(&full).unwrap();
    without["components"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["name"] != "jinja2");
    without["dependencies"] = json!([{"ref": "portal", "dependsOn": ["requests"]}]);
    let done = reimport(without.to_string()).await;
    assert_eq!(done["matches"]["retracted"], 1, "{done}");
    let done = reimport(full.clone()).await;
    assert_eq!(done["matches"]["kept_dismissed"], 1, "{done}");
    assert_eq!(done["matches"]["raised"], 0, "{done}");
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(q["items"], json!([]), "back in the queue: {q}");
    let (_, f) = ana
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(
        (&f["items"][0]["status"], &f["items"][0]["justification"]),
        (
            &json!("dismissed"),
            &json!("vulnerable_code_not_in_execute_path")
        ),
        "{f}"
    );

    // The record changes: raised again.
    let dir = osv_records(&["PYSEC-2019-217"]);
    let path = dir.path().join("PYSEC-2019-217.json");
    let mut changed: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    changed["modified"] = json!("2099-01-01T00:00:00Z");
    changed["details"] = json!("Updated details.");
    import_text(
        &app,
        FeedKind::Osv,
        "PYSEC-2019-217.json",
        &changed.to_string(),
    )
    .await;
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(q["items"][0]["record_id"], "PYSEC-2019-217", "{q}");
    app.finish().await;
}

/// The KEV catalog is the whole list: an entry a newer catalog no longer lists is withdrawn (its CVE no longer known
/// exploited) and stored again when listed again; an older catalog (a lagging mirror, an old file) is skipped whole
/// instead of reverting entries; a catalog with a bad entry withdraws nothing (that entry's id is unknown).
pub async fn kev_catalogs_delist_and_older_ones_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let entry = |cve: &str, notes: &str| {
        json!({
            "cveID": cve, "vendorProject": "Acme", "product": "Widget", "vulnerabilityName": "Widget flaw",
            "dateAdded": "2099-01-02", "shortDescription": "Exploited.", "requiredAction": "Update.",
            "dueDate": "2099-01-23", "knownRansomwareCampaignUse": "Unknown", "notes": notes, "cwes": []
        })
    };
    let catalog = |released: &str, entries: Vec<Value>| {
        json!({
            "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": released,
            "dateReleased": format!("{released}T00:00:00.000Z"), "count": entries.len(),
            "vulnerabilities": entries
        })
        .to_string()
    };
    let exploited = |id: &'static str| {
        let ana = &ana;
        async move {
            let (_, v) = ana.get(&format!("/api/v1/vulnerabilities/{id}")).await;
            v["vulnerability"]["exploited"].clone()
        }
    };
    let kev = |text: String| {
        let app = &app;
        async move {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("kev.json"), text).unwrap();
            psirt_server::intel::import_feed(
                &app.store,
                &Actor::System("test"),
                FeedKind::Kev,
                dir.path().to_path_buf(),
                "test".into(),
                Box::new(|_| {}),
            )
            .await
            .unwrap()
        }
    };
    kev(catalog(
        "2099-01-02",
        vec![entry("CVE-2099-0001", ""), entry("CVE-2099-0002", "")],
    ))
    .await;
    assert_eq!(exploited("CVE-2099-0002").await, true);

    // Delisted by a newer catalog.
    let out = kev(catalog("2099-01-03", vec![entry("CVE-2099-0001", "")])).await;
    assert!(
        out.changed
            .contains(&("kev".to_owned(), "CVE-2099-0002".to_owned())),
        "{:?}",
        out.changed
    );
    assert_eq!(exploited("CVE-2099-0002").await, false);
    assert_eq!(exploited("CVE-2099-0001").await, true);

    // An older catalog: nothing stored, nothing withdrawn or listed again.
    let out = kev(catalog(
        "2099-01-01",
        vec![
            entry("CVE-2099-0001", "old notes"),
            entry("CVE-2099-0002", ""),
            entry("CVE-2099-0003", ""),
        ],
    ))
    .await;
    assert_eq!(
        (out.log.stale, out.log.inserted, out.log.updated),
        (3, 0, 0),
        "{:?}",
        out.log
    );
    assert_eq!(exploited("CVE-2099-0002").await, false);
    assert_eq!(
        ana.get("/api/v1/vulnerabilities/CVE-2099-0003").await.0,
        StatusCode::NOT_FOUND
    );

    // Listed again.
    kev(catalog(
        "2099-01-04",
        vec![entry("CVE-2099-0001", ""), entry("CVE-2099-0002", "")],
    ))
    .await;
    assert_eq!(exploited("CVE-2099-0002").await, true);

    // A bad entry: its id is unknown, so nothing is withdrawn; the catalog is still the newest imported, so an
    // older one (01-04b, released before it) that no longer lists CVE-2 is skipped.
    let mut bad = entry("CVE-2099-0009", "");
    bad["dueDate"] = json!("soon");
    let out = kev(catalog("2099-01-05", vec![entry("CVE-2099-0001", ""), bad])).await;
    assert_eq!(out.log.errors, 1);
    assert_eq!(exploited("CVE-2099-0002").await, true);
    let out = kev(catalog("2099-01-04", vec![entry("CVE-2099-0001", "")])).await;
    assert_eq!(out.log.stale, 1, "{:?}", out.log);
    assert_eq!(exploited("CVE-2099-0002").await, true);

    // Fewer entries than the catalog's own count says: not the whole list, nothing withdrawn.
    let mut partial: Value =
        serde_json::from_str(&catalog("2099-01-06", vec![entry("CVE-2099-0001", "")])).unwrap();
    partial["count"] = json!(2);
    kev(partial.to_string()).await;
    assert_eq!(exploited("CVE-2099-0002").await, true);

    // Two catalogs in one run: the older one (read second) is skipped whole, and the newer one is what counts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        catalog(
            "2099-01-08",
            vec![entry("CVE-2099-0001", ""), entry("CVE-2099-0002", "")],
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        catalog("2099-01-07", vec![entry("CVE-2099-0001", "older")]),
    )
    .unwrap();
    let out = psirt_server::intel::import_feed(
        &app.store,
        &Actor::System("test"),
        FeedKind::Kev,
        dir.path().to_path_buf(),
        "test".into(),
        Box::new(|_| {}),
    )
    .await
    .unwrap();
    assert_eq!(out.log.stale, 1, "{:?}", out.log);
    assert_eq!(exploited("CVE-2099-0002").await, true);
    let released = app.store.kev_catalog_released().await.unwrap();
    assert_eq!(
        released,
        Some(time::macros::datetime!(2099-01-08 00:00 UTC))
    );
    app.finish().await;
}

pub async fn a_kev_entry_leaves_the_matches_of_its_cve_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    portal_with_sbom(&ana).await;
    let engine = psirt_server::engine::SharedEngine::default();
    engine.ensure(&app.store).await.unwrap();
    let changed = |imported: psirt_server::intel::Imported| {
        let (store, engine) = (&app.store, &engine);
        async move {
            let after = store.match_generation().await.unwrap();
            let window = psirt_server::engine::ImportWindow {
                before: after - imported.match_writes,
                after,
                own: imported.match_writes,
            };
            engine
                .records_changed(store, &imported.changed, window)
                .await
                .unwrap();
        }
    };

    let osv = json!({
        "id": "CVE-2099-0001", "modified": "2099-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11"}]}]}]
    });
    changed(import_text(&app, FeedKind::Osv, "CVE-2099-0001.json", &osv.to_string()).await).await;
    assert_eq!(queued(&app.store).await, ["CVE-2099-0001"]);

    let kev = |added: &str| {
        json!({
            "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2099.01.02",
            "dateReleased": "2099-01-02T00:00:00.000Z", "count": 1,
            "vulnerabilities": [{
                "cveID": "CVE-2099-0001", "vendorProject": "Pallets", "product": "Jinja", "vulnerabilityName": "Jinja",
                "dateAdded": added, "shortDescription": "Exploited.", "requiredAction": "Update.",
                "dueDate": "2099-01-23", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []
            }]
        })
        .to_string()
    };
    // The entry, then a change to it: each time the KEV record (no packages) is the changed one.
    for added in ["2099-01-02", "2099-01-03"] {
        let imported = import_text(&app, FeedKind::Kev, "kev.json", &kev(added)).await;
        assert_eq!(
            imported.changed,
            [("kev".to_owned(), "CVE-2099-0001".to_owned())]
        );
        changed(imported).await;
        assert_eq!(
            queued(&app.store).await,
            ["CVE-2099-0001"],
            "after the KEV entry of {added}"
        );
    }
    // A fresh engine (the full load) agrees.
    let fresh = psirt_server::engine::SharedEngine::default();
    fresh.ensure(&app.store).await.unwrap();
    assert_eq!(queued(&app.store).await, ["CVE-2099-0001"]);

    // A GHSA record of the same CVE hits the same component. Both findings are known exploited (the KEV entry names
    // the id, or an alias of the record), whichever record of the id was stored first; the CVSS is the record's.
    let ghsa = json!({
        "id": "GHSA-2099-0001-abcd", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
        "summary": "Template injection",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11"}]}]}]
    });
    changed(import_text(&app, FeedKind::Osv, "GHSA.json", &ghsa.to_string()).await).await;
    let pv = app.store.upstream_queue().await.unwrap()[0].product_versions[0].product_version_id;
    let (_, f) = ana
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    let by_id = |id: &str| {
        f["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["record_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {f}"))
    };
    let (cve, ghsa) = (by_id("CVE-2099-0001"), by_id("GHSA-2099-0001-abcd"));
    assert_eq!(
        (&cve["exploited"], &ghsa["exploited"]),
        (&json!(true), &json!(true)),
        "{f}"
    );
    assert_eq!(
        (&ghsa["cvss_score"], &ghsa["summary"]),
        (&json!(9.8), &json!("Template injection"))
    );
    // One vulnerability under two records: one queue item, and a case opened from either takes and links both.
    let (_, q) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(q["items"].as_array().unwrap().len(), 1, "{q}");
    assert_eq!(
        q["items"][0]["record_ids"],
        json!(["CVE-2099-0001", "GHSA-2099-0001-abcd"])
    );
    let (s, case) = ana
        .post("/api/v1/upstream-queue/GHSA-2099-0001-abcd/case", json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert!(app.store.upstream_queue().await.unwrap().is_empty());
    assert_eq!(
        app.store
            .case_intel_links(case["id"].as_i64().unwrap())
            .await
            .unwrap(),
        ["CVE-2099-0001", "GHSA-2099-0001-abcd"]
    );
    app.finish().await;
}

/// An SBOM upload whose import committed but whose re-matching failed answers 200 with the import and the matching
/// error (before: 500, as if nothing had been stored); the next use of the engine catches up.
pub async fn sbom_upload_answers_its_import_when_matching_fails(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    import(&app, &["PYSEC-2019-217"]).await;
    let (refuse, allow) = match backend {
        Backend::Sqlite => (
            "CREATE TRIGGER no_matches BEFORE INSERT ON matches BEGIN SELECT RAISE(ABORT, 'no matches'); END",
            "DROP TRIGGER no_matches",
        ),
        Backend::Postgres => (
            "CREATE OR REPLACE FUNCTION no_matches() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no matches'; END $$ \
             LANGUAGE plpgsql; CREATE TRIGGER no_matches BEFORE INSERT ON matches FOR EACH ROW EXECUTE FUNCTION \
             no_matches()",
            "DROP TRIGGER no_matches ON matches",
        ),
    };
    app.exec(refuse).await;
    // Before the engine is loaded (the upload loads it, and persisting its matches fails). The helper asserts 200.
    let pv = portal_with_sbom(&ana).await;
    let (s, version) = ana.get(&format!("/api/v1/product-versions/{pv}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(version["component_count"], 2, "{version}");
    assert!(app.store.upstream_queue().await.unwrap().is_empty());
    app.exec(allow).await;
    let (s, queue) = ana.get("/api/v1/upstream-queue").await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    assert_eq!(
        ids(&queue["items"], "record_id"),
        ["PYSEC-2019-217"],
        "{queue}"
    );

    // With the engine loaded: the upload's own change is applied incrementally, and that fails.
    app.exec(refuse).await;
    let (pv, body) = product_with_sbom(&ana, "Shop").await;
    assert_eq!(body["matches"], Value::Null, "{body}");
    let told = body["matching_error"].as_str().unwrap();
    assert!(
        told.contains("is stored") && !told.contains("no matches"),
        "{told}"
    );
    assert_eq!(body["product_version"]["component_count"], 2, "{body}");
    app.exec(allow).await;
    let (s, findings) = ana
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert_eq!(s, StatusCode::OK, "{findings}");
    assert!(
        findings.to_string().contains("PYSEC-2019-217"),
        "{findings}"
    );
    app.finish().await;
}

/// A running sync keeps its claim past the lease by renewing it, and when stopped hands back the newest token, with
/// which its attempt ends the claim. Without renewal the same lease runs out (the control).
pub async fn feed_claims_are_renewed_while_a_sync_runs(backend: Backend) {
    use psirt_server::feed_sync::Heartbeat;
    use std::time::Duration;
    // No feed worker: it would claim the new source itself.
    let config = psirt_server::Config {
        feed_sync_tick: None,
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let store = &app.store;
    let s = store
        .create_feed_source(
            &Actor::System("test"),
            "kev",
            "https://example.org/kev.json",
            3600,
        )
        .await
        .unwrap();
    let lease = time::Duration::seconds(1);
    let claimed = store
        .claim_feed_sync(s.id, lease, None)
        .await
        .unwrap()
        .unwrap();
    let beat = Heartbeat::start(
        store.clone(),
        s.id,
        claimed.sync_lease_until,
        lease,
        Duration::from_millis(100),
    );
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert!(
        store
            .claim_feed_sync(s.id, lease, None)
            .await
            .unwrap()
            .is_none(),
        "renewed: still held past the first lease"
    );
    let token = beat.stop().await;
    assert!(token > claimed.sync_lease_until, "{token:?}");
    assert_eq!(
        store.feed_source(s.id).await.unwrap().sync_lease_until,
        token
    );
    let attempt = psirt_store::FeedAttempt {
        status: "not_modified",
        etag: None,
        last_modified: None,
        error: None,
        lease: token,
    };
    store.record_feed_attempt(s.id, &attempt).await.unwrap();
    assert_eq!(
        store.feed_source(s.id).await.unwrap().sync_lease_until,
        None
    );

    store
        .claim_feed_sync(s.id, lease, None)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert!(
        store
            .claim_feed_sync(s.id, lease, None)
            .await
            .unwrap()
            .is_some(),
        "not renewed: the lease ran out"
    );
    app.finish().await;
}

pub async fn intel_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    app.user("vic", Role::Viewer, false).await;
    import(&app, &["PYSEC-2019-217"]).await;
    let pv = stored_product_with_sbom(&app, "Portal", "5.0").await;
    let ana = Browser::login(&app, "ana").await;
    let (s, page) = ana.get(&format!("/product-versions/{pv}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("PYSEC-2019-217") && page.contains("id=\"findings\""),
        "{page}"
    );
    assert!(
        page.contains("<code>pkg:pypi/requests@2.31.0</code> → this"),
        "{page}"
    );
    let fixed_in = "<td class=\"fixed-in\">2.10.1</td>";
    assert!(page.contains(fixed_in), "{page}");
    // The upload example runs as shown: the server's public URL, not a path alone.
    assert!(
        page.contains(&format!("{}/api/v1/product-versions/{pv}/sbom", app.base)),
        "{page}"
    );
    // The product's page sums up each version's open vulnerabilities.
    let product_link = page
        .split("href=\"/products/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a product link in {page}"))
        .to_owned();
    let (s, product_page) = ana.get(&format!("/products/{product_link}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        product_page.contains("<td class=\"vulnerabilities\">1</td>"),
        "{product_page}"
    );
    let (s, page) = ana.get("/vulnerabilities/GHSA-462w-v97r-4m45").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("CVE-2019-10906") && page.contains("/product-versions/"),
        "{page}"
    );
    assert!(page.contains(fixed_in), "{page}");
    let (s, page) = ana
        .get("/purl-search?purl=pkg%3Apypi%2Fjinja2%402.10")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("PYSEC-2019-217"), "{page}");
    assert!(page.contains(fixed_in), "{page}");
    let (s, page) = ana.get("/upstream").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("upstream-PYSEC-2019-217"), "{page}");
    assert!(!hidden(&page, "csrf").is_empty());
    let seen = hidden(&page, "revision");
    // A page from a cursor shows what comes after it, with the whole queue's count: nothing is raised before the
    // epoch, so after `0:~` comes nothing.
    let (s, later) = ana.get("/upstream?cursor=0%3A~").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!later.contains("upstream-PYSEC-2019-217"), "{later}");
    assert!(later.contains("<span class=\"count\">1</span>"), "{later}");
    assert!(later.contains("No more items"), "{later}");
    let (s, _) = ana.get("/upstream?cursor=nonsense").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A garbled product version does not widen the dismissal to every version: refused, nothing dismissed.
    let (s, _) = ana
        .post(
            "/upstream/PYSEC-2019-217/dismiss",
            &[
                ("product_version_id", "5.0"),
                ("justification", "component_not_present"),
                ("note", ""),
                ("revision", seen.as_str()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page) = ana.get("/upstream").await;
    assert!(page.contains("upstream-PYSEC-2019-217"), "{page}");
    // A form without the revision it was shown with is refused: nothing is dismissed blind.
    let (s, _) = ana
        .post(
            "/upstream/PYSEC-2019-217/dismiss",
            &[("justification", "component_not_present"), ("note", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Between the page and the click the record hits another product version: the click is refused (the analyst
    // never saw that version), and the page shown again names both.
    let kiosk = stored_product_with_sbom(&app, "Kiosk", "1.0").await;
    let (_, page) = ana.get("/upstream").await;
    assert!(page.contains("Kiosk 1.0"), "{page}");
    let (s, location) = ana
        .post(
            "/upstream/PYSEC-2019-217/dismiss",
            &[
                ("justification", "component_not_present"),
                ("note", ""),
                ("revision", seen.as_str()),
            ],
        )
        .await;
    assert_eq!(
        (s, location.as_str()),
        (StatusCode::SEE_OTHER, "/upstream?notice=match_changed")
    );
    let (_, page) = ana.get("/upstream?notice=match_changed").await;
    assert!(
        page.contains("upstream-PYSEC-2019-217") && page.contains("Not dismissed"),
        "{page}"
    );
    let now = hidden(&page, "revision");
    assert_ne!(now, seen);
    let dismiss = [
        ("justification", "component_not_present"),
        ("note", ""),
        ("revision", now.as_str()),
    ];
    let (s, location) = ana.post("/upstream/PYSEC-2019-217/dismiss", &dismiss).await;
    assert_eq!(
        (s, location.as_str()),
        (StatusCode::SEE_OTHER, "/upstream?notice=match_dismissed")
    );
    let decided = app
        .store
        .record_findings(&["PYSEC-2019-217".to_owned()])
        .await
        .unwrap();
    let dismissed: Vec<i64> = decided
        .iter()
        .filter(|f| f.status == "dismissed")
        .map(|f| f.product_version_id)
        .collect();
    assert_eq!(dismissed.len(), 2, "{decided:?}");
    assert!(dismissed.contains(&kiosk) && dismissed.contains(&pv));
    let (_, page) = ana.get("/upstream").await;
    assert!(page.contains("upstream-empty"), "{page}");
    // Dismissed already (another analyst's click first): said so, not "dismissed".
    let (s, _) = ana.post("/upstream/PYSEC-2019-217/dismiss", &dismiss).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let vic = Browser::login(&app, "vic").await;
    assert_eq!(vic.get("/upstream").await.0, StatusCode::FORBIDDEN);
    app.finish().await;
}

/// A feed server that honours `If-None-Match`, serving `body` with `etag`.
#[derive(Clone, Default)]
struct Feed {
    body: std::sync::Arc<std::sync::Mutex<(Vec<u8>, String)>>,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
    /// `If-None-Match` of each request for the cut-off feed.
    cut_requests: std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
}

async fn serve_feed(feed: Feed) -> String {
    use axum::http::{header, HeaderMap, StatusCode as S};
    use axum::response::IntoResponse;
    let app = axum::Router::new()
        .route(
            "/kev/known_exploited_vulnerabilities.json",
            axum::routing::get(
                |axum::extract::State(f): axum::extract::State<Feed>, h: HeaderMap| async move {
                    let inm = h
                        .get(header::IF_NONE_MATCH)
                        .map(|v| v.to_str().unwrap().to_owned());
                    f.requests.lock().unwrap().push(inm.clone());
                    let (body, etag) = f.body.lock().unwrap().clone();
                    if inm.as_deref() == Some(etag.as_str()) {
                        return S::NOT_MODIFIED.into_response();
                    }
                    ([(header::ETAG, etag)], body).into_response()
                },
            ),
        )
        .route(
            "/broken.json",
            axum::routing::get(|| async { S::INTERNAL_SERVER_ERROR }),
        )
        // A feed that takes its time: two syncs of it overlap.
        .route(
            "/slow/known_exploited_vulnerabilities.json",
            axum::routing::get(
                |axum::extract::State(f): axum::extract::State<Feed>| async move {
                    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
                    let (body, _) = f.body.lock().unwrap().clone();
                    body.into_response()
                },
            ),
        )
        // A catalog with no entries: nothing of the kind in the download.
        .route(
            "/empty/kev.json",
            axum::routing::get(|| async {
                r#"{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2099.01.01",
                    "dateReleased": "2099-01-01T00:00:00.000Z", "count": 0, "vulnerabilities": []}"#
            }),
        )
        // The first half of a real gzipped feed, with an ETag: a download cut off (as a close-delimited body can be).
        .route(
            "/cut/PyPI.jsonl.gz",
            axum::routing::get(
                |axum::extract::State(f): axum::extract::State<Feed>, h: HeaderMap| async move {
                    let inm = h
                        .get(header::IF_NONE_MATCH)
                        .map(|v| v.to_str().unwrap().to_owned());
                    f.cut_requests.lock().unwrap().push(inm.clone());
                    if inm.as_deref() == Some("\"cut\"") {
                        return S::NOT_MODIFIED.into_response();
                    }
                    let path = format!(
                        "{}/../../../shared/data/feeds/osv/PyPI.jsonl.gz",
                        env!("CARGO_MANIFEST_DIR")
                    );
                    let mut gz = std::fs::read(path).unwrap();
                    gz.truncate(gz.len() / 2);
                    ([(header::ETAG, "\"cut\"")], gz).into_response()
                },
            ),
        )
        // A redirect to itself, for ever.
        .route(
            "/loop/kev.json",
            axum::routing::get(|| async {
                (S::FOUND, [(header::LOCATION, "/loop/kev.json")]).into_response()
            }),
        )
        // A login page served with 200 where a feed was expected.
        .route(
            "/login/feed.json",
            axum::routing::get(|| async { "<html><body>Please log in</body></html>" }),
        )
        .with_state(feed);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// A synced feed's bad records can be read back (the sync's answer and the source's import runs say which and why),
/// a download with nothing of its kind fails the sync instead of keeping the feed looking fresh, and sources are
/// changed (URL, interval, disabled) and removed by an admin.
pub async fn feed_sources_are_managed_and_report_bad_records(backend: Backend) {
    let kev_path = format!(
        "{}/../../../shared/data/feeds/kev/known_exploited_vulnerabilities.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut catalog: Value = serde_json::from_slice(&std::fs::read(&kev_path).unwrap()).unwrap();
    catalog["vulnerabilities"][7]["dueDate"] = json!("soon");
    let feed = Feed::default();
    *feed.body.lock().unwrap() = (serde_json::to_vec(&catalog).unwrap(), "\"v1\"".into());
    let base = serve_feed(feed.clone()).await;
    // No worker: only the syncs below run.
    let config = psirt_server::Config {
        feed_sync_tick: None,
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let adm = app
        .bearer(&app.user("root", Role::Admin, false).await)
        .await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let (s, source) = adm
        .post(
            "/api/v1/feed-sources",
            json!({"kind": "kev", "url": format!("{base}/kev/known_exploited_vulnerabilities.json")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{source}");
    let id = source["id"].as_i64().unwrap();
    let (s, o) = adm
        .post(&format!("/api/v1/feed-sources/{id}/sync"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(
        (&o["status"], &o["errors"]),
        (&json!("imported"), &json!(1)),
        "{o}"
    );
    let bad = o["error_report"][0].to_string();
    assert!(
        bad.contains("vulnerabilities/7") && bad.contains("dueDate"),
        "{o}"
    );
    let (s, runs) = adm.get(&format!("/api/v1/feed-sources/{id}/imports")).await;
    assert_eq!(s, StatusCode::OK, "{runs}");
    assert_eq!(runs["items"][0]["errors"], 1, "{runs}");
    assert_eq!(
        runs["items"][0]["error_report"], o["error_report"],
        "{runs}"
    );
    assert_eq!(
        ana.get(&format!("/api/v1/feed-sources/{id}/imports"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Another source of the same file (a query of its own) logs under the same redacted origin, but its runs are
    // its own: none yet.
    let (_, copy) = adm
        .post(
            "/api/v1/feed-sources",
            json!({"kind": "kev", "url": format!("{base}/kev/known_exploited_vulnerabilities.json?copy=1")}),
        )
        .await;
    let copy = copy["id"].as_i64().unwrap();
    let (_, runs) = adm
        .get(&format!("/api/v1/feed-sources/{copy}/imports"))
        .await;
    assert_eq!(runs["items"], json!([]), "{runs}");
    // Never synced, it is due; disabled, it is not.
    let due = |store: &psirt_store::Store| {
        let store = store.clone();
        async move {
            store
                .due_feed_sources()
                .await
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect::<Vec<i64>>()
        }
    };
    assert_eq!(due(&app.store).await, [copy]);
    let (s, _) = adm
        .send(
            Method::PATCH,
            &format!("/api/v1/feed-sources/{copy}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(due(&app.store).await, Vec::<i64>::new());

    // Disabled and slower: the worker would no longer pick it.
    let (s, changed) = adm
        .send(
            Method::PATCH,
            &format!("/api/v1/feed-sources/{id}"),
            Some(json!({"enabled": false, "interval_secs": 120})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(
        (&changed["enabled"], &changed["interval_secs"]),
        (&json!(false), &json!(120))
    );
    assert_eq!(
        changed["etag"], "\"v1\"",
        "the URL did not change: {changed}"
    );
    for (body, why) in [
        (json!({"interval_secs": 1}), "interval"),
        (json!({"url": "ftp://x"}), "url"),
        (json!({"paused": true}), "unknown field"),
    ] {
        let (s, e) = adm
            .send(
                Method::PATCH,
                &format!("/api/v1/feed-sources/{id}"),
                Some(body),
            )
            .await;
        assert!(s.is_client_error(), "{why}: {s} {e}");
    }
    assert_eq!(
        ana.send(
            Method::PATCH,
            &format!("/api/v1/feed-sources/{id}"),
            Some(json!({"enabled": true}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // Not another URL while a sync holds the source (it would store the old URL's validators on the new one).
    let claim = app
        .store
        .claim_feed_sync(id, time::Duration::minutes(10), None)
        .await
        .unwrap()
        .unwrap();
    let (s, e) = adm
        .send(
            Method::PATCH,
            &format!("/api/v1/feed-sources/{id}"),
            Some(json!({"url": format!("{base}/empty/kev.json")})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    app.store
        .record_feed_attempt(
            id,
            &psirt_store::FeedAttempt {
                status: "not_modified",
                etag: None,
                last_modified: None,
                error: None,
                lease: claim.sync_lease_until,
            },
        )
        .await
        .unwrap();
    // Another URL forgets the old one's validators; a download without a single entry fails.
    let (_, changed) = adm
        .send(
            Method::PATCH,
            &format!("/api/v1/feed-sources/{id}"),
            Some(json!({"url": format!("{base}/empty/kev.json")})),
        )
        .await;
    assert!(changed["etag"].is_null(), "{changed}");
    let (_, o) = adm
        .post(&format!("/api/v1/feed-sources/{id}/sync"), json!({}))
        .await;
    assert_eq!(o["status"], "failed", "{o}");
    assert!(
        o["error"]
            .as_str()
            .unwrap()
            .contains("holds no kev records"),
        "{o}"
    );
    let (_, list) = adm.get("/api/v1/feed-sources").await;
    assert_eq!(
        (&list["items"][0]["last_status"], &list["items"][0]["etag"]),
        (&json!("failed"), &Value::Null),
        "{list}"
    );

    assert_eq!(
        ana.send(Method::DELETE, &format!("/api/v1/feed-sources/{id}"), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, _) = adm
        .send(Method::DELETE, &format!("/api/v1/feed-sources/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = adm.get("/api/v1/feed-sources").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["id"], copy, "{list}");
    assert_eq!(
        adm.post(&format!("/api/v1/feed-sources/{id}/sync"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}

pub async fn feed_sync_over_http(backend: Backend) {
    let kev_path = format!(
        "{}/../../../shared/data/feeds/kev/known_exploited_vulnerabilities.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let kev = std::fs::read(&kev_path).unwrap();
    let feed = Feed::default();
    *feed.body.lock().unwrap() = (kev.clone(), "\"v1\"".into());
    let base = serve_feed(feed.clone()).await;

    let config = psirt_server::Config {
        feed_sync_tick: Some(std::time::Duration::from_millis(200)),
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let admin = app.user("root", Role::Admin, false).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let adm = app.bearer(&admin).await;
    let ana = app.bearer(&analyst).await;
    let url = format!("{base}/kev/known_exploited_vulnerabilities.json");
    let body = json!({"kind": "kev", "url": url, "interval_secs": 3600});
    assert_eq!(
        ana.post("/api/v1/feed-sources", body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, e) = adm
        .post(
            "/api/v1/feed-sources",
            json!({"kind": "nvd", "url": "ftp://x", "interval_secs": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"].as_array().unwrap().len(), 3, "{e}");
    // A field it does not take (`enabled` is set by PATCH) is refused, not ignored: no source is made enabled
    // when the admin asked for it disabled.
    let mut disabled = body.clone();
    disabled["enabled"] = json!(false);
    let (s, e) = adm.post("/api/v1/feed-sources", disabled).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(adm.get("/api/v1/feed-sources").await.1["items"], json!([]));
    let (s, source) = adm.post("/api/v1/feed-sources", body).await;
    assert_eq!(s, StatusCode::CREATED, "{source}");
    let id = source["id"].as_i64().unwrap();

    // The worker picks the new source up on its own.
    let mut synced = Value::Null;
    for _ in 0..150 {
        let (_, list) = adm.get("/api/v1/feed-sources").await;
        synced = list["items"][0].clone();
        if synced["last_status"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if synced["last_status"].is_null() {
        let o = adm
            .post(&format!("/api/v1/feed-sources/{id}/sync"), json!({}))
            .await;
        panic!("worker did not sync: manual sync says {o:?}");
    }
    assert_eq!(synced["last_status"], "imported", "{synced}");
    assert_eq!(synced["etag"], "\"v1\"");
    let (_, v) = ana.get("/api/v1/vulnerabilities/CVE-2021-44228").await;
    assert_eq!(v["vulnerability"]["exploited"], true, "{v}");

    // Unchanged: a conditional request answered 304.
    let (s, o) = adm
        .post(&format!("/api/v1/feed-sources/{id}/sync"), json!({}))
        .await;
    assert_eq!(
        (s, o["status"].as_str()),
        (StatusCode::OK, Some("not_modified")),
        "{o}"
    );
    assert_eq!(
        feed.requests.lock().unwrap().last().unwrap().as_deref(),
        Some("\"v1\"")
    );
    // The sync the admin asked for is in the trail, theirs, though it imported nothing.
    let trail = app
        .store
        .audit_trail("feed_source", &id.to_string())
        .await
        .unwrap();
    let asked = trail.last().unwrap();
    assert_eq!(asked.action, "feed_source.sync", "{asked:?}");
    assert!(asked.actor.ends_with(":root"), "{asked:?}");
    assert_eq!(asked.after.as_ref().unwrap()["status"], "not_modified");

    // Changed: one entry edited → one record updated, the rest unchanged.
    let mut catalog: Value = serde_json::from_slice(&kev).unwrap();
    catalog["vulnerabilities"][0]["notes"] = json!("edited upstream");
    *feed.body.lock().unwrap() = (serde_json::to_vec(&catalog).unwrap(), "\"v2\"".into());
    let (_, o) = adm
        .post(&format!("/api/v1/feed-sources/{id}/sync"), json!({}))
        .await;
    assert_eq!(
        (
            o["status"].as_str(),
            o["changed"].as_u64(),
            o["records"].as_u64()
        ),
        (Some("imported"), Some(1), Some(1404)),
        "{o}"
    );

    // A failing source records the error and keeps its last success.
    let (o, b) = synced_new_source(&adm, "osv", &format!("{base}/broken.json")).await;
    assert_eq!(o["status"], "failed", "{o}");
    assert!(o["error"].as_str().unwrap().contains("500"), "{o}");
    assert_eq!(
        (b["last_status"].as_str(), b["last_success_at"].is_null()),
        (Some("failed"), true),
        "{b}"
    );

    // A page that is no feed (200, HTML) fails the sync instead of passing for a fresh, empty feed; the token in
    // its URL is in neither the error nor the import log.
    let (o, p) =
        synced_new_source(&adm, "kev", &format!("{base}/login/feed.json?token=s3cr3t")).await;
    assert_eq!(o["status"], "failed", "{o}");
    let error = o["error"].as_str().unwrap();
    assert!(error.contains("no record could be read"), "{o}");
    assert!(!error.contains("s3cr3t"), "{o}");
    assert_eq!(
        (
            p["last_status"].as_str(),
            p["etag"].is_null(),
            p["last_success_at"].is_null()
        ),
        (Some("failed"), true, true),
        "{p}"
    );
    // A redirect loop fails the sync, and the error says why (not only "error following redirect").
    let (o, _) = synced_new_source(&adm, "kev", &format!("{base}/loop/kev.json")).await;
    assert_eq!(o["status"], "failed", "{o}");
    assert!(
        o["error"].as_str().unwrap().contains("too many redirects"),
        "{o}"
    );
    // A download cut off halfway: what it held is stored, but the sync fails and its ETag is not kept, so the next
    // sync downloads the feed again instead of being answered 304 with the rest never read.
    let (o, c) = synced_new_source(&adm, "osv", &format!("{base}/cut/PyPI.jsonl.gz")).await;
    assert_eq!(o["status"], "failed", "{o}");
    assert!(
        o["error"]
            .as_str()
            .unwrap()
            .contains("could not be read to its end"),
        "{o}"
    );
    assert!(
        o["records"].as_u64().unwrap() > 1000,
        "what was read is told: {o}"
    );
    assert_eq!(
        (c["last_status"].as_str(), c["etag"].is_null()),
        (Some("failed"), true),
        "{c}"
    );
    assert_eq!(*feed.cut_requests.lock().unwrap(), [None, None]);
    let (_, v) = ana.get("/api/v1/vulnerabilities/PYSEC-2019-217").await;
    assert!(
        v["vulnerability"].is_object(),
        "records before the cut are stored: {v}"
    );
    // Two syncs of one feed at once (a manual one during the worker's, or two servers): one runs, the other is
    // told so (409) and does nothing; the feed is free again afterwards.
    let (_, slow) = adm
        .post(
            "/api/v1/feed-sources",
            json!({"kind": "kev", "url": format!("{base}/slow/known_exploited_vulnerabilities.json"), "interval_secs": 86400}),
        )
        .await;
    // The worker syncs a new source on its own: let it finish, so that the syncs below are the only ones.
    settled(&adm, &slow["id"]).await;
    let sync = format!("/api/v1/feed-sources/{}/sync", slow["id"]);
    let (one, two) = tokio::join!(adm.post(&sync, json!({})), adm.post(&sync, json!({})));
    let mut statuses = [one.0, two.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{one:?} {two:?}"
    );
    let (s, o) = adm.post(&sync, json!({})).await;
    assert_eq!(
        (s, o["status"].as_str()),
        (StatusCode::OK, Some("imported")),
        "{o}"
    );

    let origins = "SELECT origin FROM feed_imports";
    let origins: Vec<String> = match app.store.pool() {
        psirt_store::Pool::Sqlite(p) => sqlx::query_scalar(origins).fetch_all(p).await,
        psirt_store::Pool::Postgres(p) => sqlx::query_scalar(origins).fetch_all(p).await,
    }
    .unwrap();
    assert!(
        origins.iter().any(|o| o.contains("/login/feed.json?")),
        "{origins:?}"
    );
    assert!(!origins.iter().any(|o| o.contains("s3cr3t")), "{origins:?}");
    app.finish().await;
}

/// Adds a feed source (`kind`, `url`, synced daily), lets the worker's first sync of it finish, and syncs it by hand:
/// the manual sync's answer and the source as listed after it.
async fn synced_new_source(adm: &Client, kind: &str, url: &str) -> (Value, Value) {
    let (s, source) = adm
        .post(
            "/api/v1/feed-sources",
            json!({"kind": kind, "url": url, "interval_secs": 86400}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{source}");
    // The worker syncs a new source on its own: let it finish, so that the sync below is the only one.
    settled(adm, &source["id"]).await;
    let (_, outcome) = adm
        .post(
            &format!("/api/v1/feed-sources/{}/sync", source["id"]),
            json!({}),
        )
        .await;
    let (_, list) = adm.get("/api/v1/feed-sources").await;
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == source["id"])
        .unwrap()
        .clone();
    (outcome, row)
}

/// Waits until the worker has synced feed source `id` and let it go.
async fn settled(adm: &Client, id: &Value) {
    for _ in 0..200 {
        let (_, list) = adm.get("/api/v1/feed-sources").await;
        let source = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| &s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("feed source {id} in {list}"));
        if source["last_status"].is_string() && source["sync_lease_until"].is_null() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the worker did not sync feed source {id}");
}

/// The stored raw text and `content_sha256` of OSV records are what they were when `raw` was a `serde_json::Value`
/// (compact, keys sorted), with and without validation, although records now keep their text as received: an
/// unchanged re-import after an upgrade changes nothing (and re-raises no dismissed match).
#[test]
fn stored_raw_and_hash_are_those_of_earlier_versions() {
    use sha2::{Digest, Sha256};
    use std::ops::ControlFlow;
    let path = shared_path("feeds/osv/Go.jsonl.gz");
    let lines = shared_gz_lines("feeds/osv/Go.jsonl.gz");
    for validate in [false, true] {
        let mut n = 0;
        psirt_formats::read_feed(
            FeedKind::Osv,
            std::path::Path::new(&path),
            &psirt_formats::ParseOptions { validate },
            &mut |r| {
                let r = r.unwrap();
                // Earlier versions: `normalized` is the record's JSON without `raw`, `raw` the Value's text.
                let mut normalized = serde_json::to_value(&r).unwrap();
                normalized.as_object_mut().unwrap().remove("raw");
                let normalized = normalized.to_string();
                let raw = serde_json::from_str::<Value>(&lines[n])
                    .unwrap()
                    .to_string();
                let mut hash = Sha256::new();
                hash.update(normalized.as_bytes());
                hash.update([0]);
                hash.update(raw.as_bytes());
                let stored = psirt_server::intel::new_record(r).unwrap();
                assert_eq!(stored.raw, raw);
                assert_eq!(stored.normalized, normalized);
                assert_eq!(stored.content_sha256, hex::encode(hash.finalize()));
                n += 1;
                ControlFlow::Continue(())
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(n, lines.len());
    }
}

/// The `content_sha256` of every record of three OSV feeds, validated and not, digested in order: the values
/// computed by the code of e767862 (when `raw` was a `serde_json::Value`), so any change to the stored form —
/// which would make every record look changed once after an upgrade and re-raise dismissed matches — fails here.
#[test]
fn content_hashes_equal_those_before_raw_text() {
    use sha2::{Digest, Sha256};
    use std::ops::ControlFlow;
    let expected = [
        (
            "Go",
            true,
            4076,
            "80aac680c67e293f1dfb29fdcbfd39f45adc7e772b0b989a2383aeb5a1c6b661",
        ),
        (
            "Go",
            false,
            4076,
            "80aac680c67e293f1dfb29fdcbfd39f45adc7e772b0b989a2383aeb5a1c6b661",
        ),
        (
            "PyPI",
            true,
            2528,
            "d4f5e7db0ac9153433b5c2fd6201a033f65a5a80ee0099d1fcd35d4dabd56d4b",
        ),
        (
            "PyPI",
            false,
            2535,
            "e4f137bc0306b05a1f0ea089b947ce2f93bc4101bd3093026614655fcbab9e92",
        ),
        (
            "crates.io",
            true,
            1146,
            "b198b25ba5d4d882b5e14db59c2ca3eef4f5bdef302c3347c7d45369445b6170",
        ),
        (
            "crates.io",
            false,
            1146,
            "b198b25ba5d4d882b5e14db59c2ca3eef4f5bdef302c3347c7d45369445b6170",
        ),
    ];
    for (file, validate, records, digest) in expected {
        let path = format!(
            "{}/../../../shared/data/feeds/osv/{file}.jsonl.gz",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut all = Sha256::new();
        let mut n = 0;
        psirt_formats::read_feed(
            FeedKind::Osv,
            std::path::Path::new(&path),
            &psirt_formats::ParseOptions { validate },
            &mut |r| {
                if let Ok(r) = r {
                    let stored = psirt_server::intel::new_record(r).unwrap();
                    all.update(stored.content_sha256.as_bytes());
                    all.update(b"\n");
                    n += 1;
                }
                ControlFlow::Continue(())
            },
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(
            (n, hex::encode(all.finalize())),
            (records, digest.to_string()),
            "{file}, validate: {validate}"
        );
    }
}

/// Text PostgreSQL's columns refuse (a NUL) or its indexes cannot hold (an id of kilobytes) is never sent to the
/// database: such a record once failed its whole batch and ended the import. A NUL in a summary is replaced; an id
/// or alias that cannot be stored makes its record an error, and the import goes on.
pub async fn records_the_database_cannot_hold_are_their_own_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let record = |id: &str, alias: &str, summary: &str| {
        json!({"id": id, "modified": "2024-01-01T00:00:00Z", "aliases": [alias], "summary": summary}).to_string()
    };
    let lines = [
        record("GHSA-2222-3333-4444", "CVE-2024-0001", "before\u{0}after"),
        record("GHSA-3333-4444-5555", &"X".repeat(3000), "long alias"),
        record("GHSA-4444-5555-6666", "CVE-2024-\u{0}2", "NUL alias"),
        record("GHSA-5555-6666-7777", "CVE-2024-0003", "fine"),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feed.jsonl"), lines.join("\n")).unwrap();
    let out = psirt_server::intel::import_feed(
        &app.store,
        &Actor::System("test"),
        FeedKind::Osv,
        dir.path().to_path_buf(),
        "test".into(),
        Box::new(|_| {}),
    )
    .await
    .unwrap();
    assert_eq!((out.log.inserted, out.log.errors), (2, 2), "{:?}", out.log);
    let reported: Vec<&str> = out
        .log
        .error_report
        .iter()
        .map(|(at, _)| at.as_str())
        .collect();
    assert_eq!(reported, ["GHSA-3333-4444-5555", "GHSA-4444-5555-6666"]);
    // An id that cannot be stored is not quoted raw either (control characters, kilobytes).
    let weird = record(
        &format!("GHSA-\u{1b}[31m{}", "Y".repeat(5000)),
        "CVE-2024-0009",
        "escape",
    );
    std::fs::write(dir.path().join("feed.jsonl"), weird).unwrap();
    let again = psirt_server::intel::import_feed(
        &app.store,
        &Actor::System("test"),
        FeedKind::Osv,
        dir.path().to_path_buf(),
        "test".into(),
        Box::new(|_| {}),
    )
    .await
    .unwrap();
    let (at, _) = &again.log.error_report[0];
    assert!(
        at.starts_with("\"GHSA-\\u{1b}[31mYYY") && at.len() < 200,
        "{at}"
    );
    let v = app
        .store
        .vulnerability("CVE-2024-0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.records[0].summary.as_deref(), Some("before\u{FFFD}after"));
    let raw = app
        .store
        .intel_record_raw("osv", "GHSA-2222-3333-4444")
        .await
        .unwrap();
    assert!(raw.contains("before\\u0000after"), "{raw}");
    assert!(app
        .store
        .vulnerability("CVE-2024-0003")
        .await
        .unwrap()
        .is_some());
    app.finish().await;
}

/// A CVE record's score is its preferred CVSS version's (v3.1, v3.0, v4.0, then v2), the CNA's before an ADP's —
/// not the highest score of any version; its CWE is read from the problem type's text when the CNA gave no id; and
/// CISA's SSVC "Active" (as written in Vulnrichment) marks the record exploited. Real records of the shared sample.
#[test]
fn cve_records_take_the_preferred_cvss_version_and_cwes_from_text() {
    let lines = shared_gz_lines("feeds/cve5/vulnrichment-sample.jsonl.gz");
    let stored = |id: &str| {
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("\"cveId\":\"{id}\"")))
            .unwrap_or_else(|| panic!("{id} in the sample"));
        let r = psirt_formats::parse_cve5(line.as_bytes(), &psirt_formats::ParseOptions::default())
            .unwrap();
        (
            r.cwe_ids.clone(),
            psirt_server::intel::new_record(r).unwrap(),
        )
    };
    // v3.1 3.5 and v2 4.0 given: the v3.1 score.
    let (_, r) = stored("CVE-2014-125034");
    assert_eq!(r.cvss_score, Some(3.5));
    assert!(
        r.cvss_vector.as_deref().unwrap().starts_with("CVSS:3.1/"),
        "{r:?}"
    );
    // v4.0 7.3 and v3.1 7.8: the v3.1 score.
    let (_, r) = stored("CVE-2024-33653");
    assert!(
        r.cvss_vector.as_deref().unwrap().starts_with("CVSS:3.1/"),
        "{r:?}"
    );
    let (cwes, _) = stored("CVE-2021-4411");
    assert_eq!(cwes, ["CWE-352"]);
    // SSVC exploitation "Active" alone (the record's KEV mark taken out) marks it exploited.
    let line = lines
        .iter()
        .find(|l| l.contains("\"cveId\":\"CVE-2024-3400\""))
        .unwrap();
    let mut doc: Value = serde_json::from_str(line).unwrap();
    for adp in doc["containers"]["adp"].as_array_mut().unwrap() {
        if let Some(metrics) = adp.get_mut("metrics").and_then(Value::as_array_mut) {
            metrics.retain(|m| m["other"]["type"] != "kev");
        }
    }
    let text = doc.to_string();
    assert!(text.contains("\"Active\""), "the sample writes Active");
    let r = psirt_formats::parse_cve5(text.as_bytes(), &psirt_formats::ParseOptions::default())
        .unwrap();
    assert!(r.exploited.is_none(), "no KEV mark left");
    assert!(psirt_server::intel::new_record(r).unwrap().exploited);
}

/// A feed's summary with control characters (an escape sequence) and a record whose own summary is not the first
/// of the view: the upstream case still opens, titled from the record's own summary, the control characters shown
/// as U+FFFD.
pub async fn an_upstream_case_opens_from_a_summary_with_control_characters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let pv = portal_with_sbom(&ana).await;
    let osv = |id: &str, aliases: &[&str], summary: &str| {
        json!({
            "id": id, "modified": "2099-01-01T00:00:00Z", "aliases": aliases, "summary": summary,
            "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11"}]}]}]
        })
        .to_string()
    };
    // `DRUPAL-…` sorts before `GHSA-…`: the view's first summary is not the GHSA's.
    import_text(
        &app,
        FeedKind::Osv,
        "a.json",
        &osv("DRUPAL-2099-1", &["CVE-2099-0001"], "Another record"),
    )
    .await;
    import_text(
        &app,
        FeedKind::Osv,
        "b.json",
        &osv(
            "GHSA-aaaa-0001-aaaa",
            &["CVE-2099-0001"],
            "RCE \u{1b}[31min\u{85} templates",
        ),
    )
    .await;
    let (_, f) = ana
        .get(&format!("/api/v1/product-versions/{pv}/findings"))
        .await;
    assert!(f["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["record_id"] == "GHSA-aaaa-0001-aaaa"));
    let (s, case) = ana
        .post("/api/v1/upstream-queue/GHSA-aaaa-0001-aaaa/case", json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(
        case["title"],
        "GHSA-aaaa-0001-aaaa: RCE \u{fffd}[31min\u{fffd} templates"
    );
    assert!(case["description"]
        .as_str()
        .unwrap()
        .ends_with("RCE \u{fffd}[31min\u{fffd} templates"));
    app.finish().await;
}

/// Two copies of one record in one input, as recent as each other and different (a mirror's record file beside an
/// export with another text of it): the first is stored, the second reported; the same input again changes
/// nothing (stored both, each import replaced one with the other). A newer copy is the store's to take.
pub async fn a_second_different_copy_in_one_import_is_reported_not_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let record = |summary: &str, modified: &str| {
        json!({
            "id": "GHSA-dupe-0001-dupe", "modified": modified, "summary": summary,
            "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.11"}]}]}]
        })
        .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        record("First text", "2099-01-01T00:00:00Z"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        record("Second text", "2099-01-01T00:00:00Z"),
    )
    .unwrap();
    let run = || import_path(&app, FeedKind::Osv, dir.path());
    let first = run().await;
    assert_eq!(
        (first.log.inserted, first.log.updated, first.log.errors),
        (1, 0, 1),
        "{:?}",
        first.log.error_report
    );
    assert!(
        first.log.error_report[0].1.contains("a second copy"),
        "{:?}",
        first.log.error_report
    );
    let again = run().await;
    assert_eq!(
        (again.log.unchanged, again.log.updated, again.log.errors),
        (1, 0, 1)
    );
    let v = app
        .store
        .vulnerability("GHSA-dupe-0001-dupe")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.records[0].summary.as_deref(), Some("First text"));
    // A newer copy in the same input is taken.
    std::fs::write(
        dir.path().join("b.json"),
        record("Newer text", "2099-02-01T00:00:00Z"),
    )
    .unwrap();
    let newer = run().await;
    assert_eq!((newer.log.updated, newer.log.errors), (1, 0));
    app.finish().await;
}
