//! The CSAF provider as a downloader sees it: security.txt → provider-metadata.json → ROLIE feeds
//! → documents, with hashes and OpenPGP signatures checked against the published key and every
//! document validated; TLP:GREEN only with a login; public pages and Atom for TLP:CLEAR only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_formats::publish::{validate, PublishSchema};
use psirt_server::keys;
use psirt_store::keys::SecretKeyLocation;
use psirt_store::testing::Backend;
use psirt_store::Actor;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

use crate::disclosure::{add_fixed_affect, draft, product_and_case};
use crate::harness::{Client, TestApp};

/// GET an absolute URL (as the feeds give them), with the client's credentials if any.
async fn fetch(c: &Client, url: &str) -> (StatusCode, Vec<u8>) {
    let mut r = c.http.get(url);
    if let Some(b) = &c.bearer {
        r = r.bearer_auth(b);
    }
    let resp = r.send().await.unwrap();
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

async fn fetch_ok(c: &Client, url: &str) -> Vec<u8> {
    let (s, b) = fetch(c, url).await;
    assert_eq!(s, StatusCode::OK, "{url}: {}", String::from_utf8_lossy(&b));
    b
}

async fn publish(c: &Client, id: &str) {
    let (s, b) = c
        .post(
            &format!("/api/v1/advisories/{id}/publish"),
            json!({"status": "final", "summary": "Initial release"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Runs csaf-validator-lib's mandatory tests (6.1.x) over `docs` in one Node process (the
/// psirt-formats oracle, crates/psirt-formats/tests/csaf-validator).
fn csaf_oracle(docs: &[(String, Vec<u8>)]) {
    if std::env::var("PSIRT_SKIP_NODE_ORACLE").as_deref() == Ok("1") {
        return;
    }
    let oracle = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../psirt-formats/tests/csaf-validator");
    assert!(
        oracle.join("node_modules/@secvisogram/csaf-validator-lib/package.json").exists(),
        "run `npm ci --prefix crates/psirt-formats/tests/csaf-validator` (or set PSIRT_SKIP_NODE_ORACLE=1)"
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in docs {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let out = std::process::Command::new("node")
        .arg(oracle.join("validate.mjs"))
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "csaf-validator-lib rejected psirt's documents:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("{n}/{n} documents pass", n = docs.len())),
        "{stdout}"
    );
}

/// What a CSAF downloader does with one feed: every document with its bytes, checked.
async fn download_feed_docs(
    c: &Client,
    feed_url: &str,
    public_key: &str,
) -> Vec<(String, Vec<u8>)> {
    let feed: Value = serde_json::from_slice(&fetch_ok(c, feed_url).await).unwrap();
    let mut got = Vec::new();
    for entry in feed["feed"]["entry"].as_array().unwrap() {
        let link = |rel: &str| {
            entry["link"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == rel)
                .and_then(|l| l["href"].as_str())
                .unwrap_or_else(|| panic!("no {rel} link in {entry}"))
                .to_owned()
        };
        let url = link("self");
        let doc = fetch_ok(c, &url).await;
        let file = url.rsplit('/').next().unwrap();
        let sha256 = String::from_utf8(fetch_ok(c, &link("hash")).await).unwrap();
        assert_eq!(
            sha256,
            format!("{}  {file}\n", hex::encode(Sha256::digest(&doc)))
        );
        let sha512 = String::from_utf8(fetch_ok(c, &format!("{url}.sha512")).await).unwrap();
        assert_eq!(
            sha512,
            format!("{}  {file}\n", hex::encode(Sha512::digest(&doc)))
        );
        let asc = String::from_utf8(fetch_ok(c, &link("signature")).await).unwrap();
        keys::verify(public_key, &asc, &doc).unwrap();
        // Signed once: every download gets the same signature.
        let again = String::from_utf8(fetch_ok(c, &link("signature")).await).unwrap();
        assert_eq!(again, asc);
        // A tampered document does not verify.
        let mut tampered = doc.clone();
        tampered.push(b' ');
        assert!(keys::verify(public_key, &asc, &tampered).is_err());
        let v: Value = serde_json::from_slice(&doc).unwrap();
        validate(PublishSchema::Csaf, &v).unwrap();
        assert_eq!(v["document"]["tracking"]["id"], entry["id"]);
        got.push((url, doc));
    }
    got
}

/// A new Ed25519 signing key stored in the database, which becomes the one in use: (fingerprint, public key).
async fn add_signing_key(app: &TestApp) -> (String, String) {
    let (fp, public, secret) = keys::generate(
        keys::KeyAlgorithm::Ed25519,
        "ACME PSIRT <psirt@acme.example>",
    )
    .unwrap();
    app.store
        .add_openpgp_key(
            &Actor::System("test"),
            &fp,
            "ed25519",
            &public,
            SecretKeyLocation::Database(secret),
        )
        .await
        .unwrap();
    (fp, public)
}

pub async fn csaf_downloader(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&analyst).await;
    let anon = app.anonymous();
    let (pv, case) = product_and_case(&ana, false).await;
    // CSAF carries a CWE with its official name (mandatory test 6.1.11); an id the CWE list
    // lacks is left out rather than published wrong.
    let (s, b) = ana
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/cases/{case}"),
            Some(json!({"cwe_ids": ["CWE-9999999", "CWE-79"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    add_fixed_affect(&ana, case, pv).await;
    let clear = draft(&ana, case, "CLEAR").await;
    publish(&ana, &clear).await;
    let (s, c2) = ana
        .post(
            "/api/v1/cases",
            json!({"title": "Info leak", "embargoed": false}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c2}");
    add_fixed_affect(&ana, c2["id"].as_i64().unwrap(), pv).await;
    let (s, green) = ana
        .post(
            "/api/v1/advisories",
            json!({"title": "Router OS: information leak", "summary": "Partners only.", "tlp": "GREEN",
                   "cases": [{"case_id": c2["id"], "cve_ids": ["CVE-2026-10002"]}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{green}");
    let green = green["id"].as_str().unwrap().to_owned();
    publish(&ana, &green).await;

    // Unsigned so far: no key in the metadata, no signatures.
    let meta_url = format!("{}/.well-known/csaf/provider-metadata.json", app.base);
    let meta: Value = serde_json::from_slice(&fetch_ok(&anon, &meta_url).await).unwrap();
    assert!(meta.get("public_openpgp_keys").is_none());

    // The admin generates the signing key (what `psirt keys generate` does).
    let (fp, public) = add_signing_key(&app).await;

    // security.txt (RFC 9116) points at the provider metadata.
    let txt =
        String::from_utf8(fetch_ok(&anon, &format!("{}/.well-known/security.txt", app.base)).await)
            .unwrap();
    for field in [
        "Contact: ",
        "Expires: ",
        "Encryption: ",
        "Policy: ",
        "Acknowledgments: ",
        "Preferred-Languages: en",
        "Canonical: ",
    ] {
        assert!(txt.contains(field), "{field} missing:\n{txt}");
    }
    // Acknowledgments point at the public hall of fame, which answers without a login.
    let acks = txt
        .lines()
        .find_map(|l| l.strip_prefix("Acknowledgments: "))
        .unwrap();
    assert_eq!(acks, format!("{}/hall-of-fame", app.base));
    assert_eq!(fetch(&anon, acks).await.0, StatusCode::OK);
    let csaf_line = txt.lines().find_map(|l| l.strip_prefix("CSAF: ")).unwrap();
    assert_eq!(csaf_line, meta_url);

    let meta: Value = serde_json::from_slice(&fetch_ok(&anon, csaf_line).await).unwrap();
    validate(PublishSchema::Provider, &meta).unwrap();
    let key = &meta["public_openpgp_keys"][0];
    assert_eq!(key["fingerprint"], fp.as_str());
    let served_key =
        String::from_utf8(fetch_ok(&anon, key["url"].as_str().unwrap()).await).unwrap();
    assert_eq!(served_key, public);

    let feeds: Vec<(String, String)> = meta["distributions"][0]["rolie"]["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["tlp_label"].as_str().unwrap().to_owned(),
                f["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        feeds.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["WHITE", "GREEN"]
    );
    let white_docs = download_feed_docs(&anon, &feeds[0].1, &served_key).await;
    let white: Vec<String> = white_docs.iter().map(|(u, _)| u.clone()).collect();
    assert_eq!(white.len(), 1);
    let doc: Value = serde_json::from_slice(&white_docs[0].1).unwrap();
    let cwe = &doc["vulnerabilities"][0]["cwe"];
    assert_eq!(cwe["id"], "CWE-79", "{doc}");
    assert_eq!(
        cwe["name"],
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    );
    assert!(white[0].contains(&clear.to_lowercase()), "{white:?}");
    // TLP:GREEN is for logged-in users only, documents included.
    assert_eq!(fetch(&anon, &feeds[1].1).await.0, StatusCode::UNAUTHORIZED);
    let green_with_bytes = download_feed_docs(&ana, &feeds[1].1, &served_key).await;
    let green_docs: Vec<String> = green_with_bytes.iter().map(|(u, _)| u.clone()).collect();
    assert_eq!(green_docs.len(), 1);
    // Every document psirt serves passes the CSAF mandatory tests.
    let all: Vec<(String, Vec<u8>)> = white_docs
        .iter()
        .chain(green_with_bytes.iter())
        .map(|(u, b)| (u.rsplit('/').next().unwrap().to_owned(), b.clone()))
        .collect();
    csaf_oracle(&all);
    assert_eq!(
        fetch(&anon, &green_docs[0]).await.0,
        StatusCode::UNAUTHORIZED
    );

    // index.txt and changes.csv list what the client may read.
    let base = format!("{}/.well-known/csaf", app.base);
    let index = String::from_utf8(fetch_ok(&anon, &format!("{base}/index.txt")).await).unwrap();
    assert_eq!(index.lines().count(), 1, "{index}");
    assert!(white[0].ends_with(index.trim()));
    let changes = String::from_utf8(fetch_ok(&ana, &format!("{base}/changes.csv")).await).unwrap();
    assert_eq!(changes.lines().count(), 2, "{changes}");

    // Public pages: the CLEAR advisory's published HTML and the Atom feed; GREEN is not there.
    let page = String::from_utf8(
        fetch_ok(&anon, &format!("{}/security/advisories/{clear}", app.base)).await,
    )
    .unwrap();
    assert!(page.contains(&clear) && page.contains("fixed"), "{page}");
    assert_eq!(
        fetch(&anon, &format!("{}/security/advisories/{green}", app.base))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let atom =
        String::from_utf8(fetch_ok(&anon, &format!("{}/security/advisories.atom", app.base)).await)
            .unwrap();
    assert!(atom.contains(&clear) && !atom.contains(&green), "{atom}");
    let list =
        String::from_utf8(fetch_ok(&anon, &format!("{}/security/advisories", app.base)).await)
            .unwrap();
    assert!(list.contains(&clear) && !list.contains(&green));

    // A new key (rotation): documents are signed with it, not served with the old key's cached signatures.
    let (_, public2) = add_signing_key(&app).await;
    let (doc_url, doc) = &white_docs[0];
    let asc = String::from_utf8(fetch_ok(&anon, &format!("{doc_url}.asc")).await).unwrap();
    keys::verify(&public2, &asc, doc).unwrap();
    assert!(keys::verify(&served_key, &asc, doc).is_err());
    app.finish().await;
}

pub async fn csaf_import_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let engineer = app.user("eng", Role::Engineer, false).await;
    let ana = app.bearer(&analyst).await;
    let eng = app.bearer(&engineer).await;
    let dir = format!(
        "{}/../../../shared/data/examples/csaf",
        env!("CARGO_MANIFEST_DIR")
    );
    let post = |c: &Client, body: Vec<u8>| {
        let r = c
            .request(reqwest::Method::POST, "/api/v1/intel/csaf")
            .header("content-type", "application/json")
            .body(body);
        async move {
            let resp = r.send().await.unwrap();
            (
                resp.status(),
                resp.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let doc = std::fs::read(format!("{dir}/bsi-2022-0001.json")).unwrap();
    assert_eq!(post(&eng, doc.clone()).await.0, StatusCode::FORBIDDEN);
    let (s, b) = post(&ana, doc.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["inserted"], 1);
    let id = b["record_id"].as_str().unwrap().to_owned();
    let (s, _) = ana.get(&format!("/api/v1/vulnerabilities/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(post(&ana, doc).await.1["unchanged"], 1);
    // Invalid: every violation with its pointer, nothing stored.
    let (s, b) = post(
        &ana,
        br#"{"document": {"category": "csaf_base", "csaf_version": "2.0", "title": "x"}}"#.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let errors = b["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["field"] == "/document"), "{b}");
    let counts = app.store.intel_counts().await.unwrap();
    assert_eq!(counts.iter().map(|(_, n)| *n).sum::<i64>(), 1, "{counts:?}");
    app.finish().await;
}

/// The public pages and the provider directory follow every publication at once, also on a second server over the
/// same database whose view was read before: a new title shows, and a document republished as TLP:GREEN leaves
/// every anonymous listing. Each server reads the published set once per publication, not once per request.
pub async fn published_pages_follow_each_publication(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&analyst).await;
    let anon = app.anonymous();
    let (pv, case) = product_and_case(&ana, false).await;
    add_fixed_affect(&ana, case, pv).await;
    let id = draft(&ana, case, "CLEAR").await;
    publish(&ana, &id).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = format!("http://{}", listener.local_addr().unwrap());
    let config = psirt_server::Config {
        public_url: second.clone(),
        ..Default::default()
    };
    let second_task = tokio::spawn(psirt_server::serve(listener, app.store.clone(), config));

    // What anyone sees on either server: the list, the page, index.txt and the Atom feed.
    let public_view = |base: String| {
        let (anon, id) = (&anon, id.as_str());
        async move {
            let list = fetch(anon, &format!("{base}/security/advisories")).await.1;
            let page = fetch(anon, &format!("{base}/security/advisories/{id}"))
                .await
                .0;
            let index = fetch(anon, &format!("{base}/.well-known/csaf/index.txt"))
                .await
                .1;
            let atom = fetch(anon, &format!("{base}/security/advisories.atom"))
                .await
                .1;
            (
                String::from_utf8(list).unwrap(),
                page,
                String::from_utf8(index).unwrap(),
                String::from_utf8(atom).unwrap(),
            )
        }
    };
    for base in [&app.base, &second] {
        let (list, page, index, atom) = public_view(base.clone()).await;
        assert!(list.contains("Router OS: remote code execution"), "{list}");
        assert_eq!(page, StatusCode::OK);
        assert_eq!(index.lines().count(), 1, "{index}");
        assert!(atom.contains(&id), "{atom}");
        // Four requests, one read of the published set.
        assert_eq!(published_set_reads(&anon, base).await, 1);
    }

    edit_advisory(&ana, &id, case, "Router OS: restricted", "GREEN").await;
    // An unpublished edit changes nothing public.
    let (list, page, _, _) = public_view(second.clone()).await;
    assert!(list.contains("Router OS: remote code execution") && page == StatusCode::OK);
    assert_eq!(published_set_reads(&anon, &second).await, 1);
    publish_change(&ana, &id).await;
    for base in [&app.base, &second] {
        let (list, page, index, atom) = public_view(base.clone()).await;
        assert!(!list.contains(&id), "{list}");
        assert_eq!(page, StatusCode::NOT_FOUND);
        assert_eq!(index, "", "{base}");
        assert!(!atom.contains(&id), "{atom}");
        // Staff still find it, as GREEN.
        let changes = fetch_ok(&ana, &format!("{base}/.well-known/csaf/changes.csv")).await;
        let changes = String::from_utf8(changes).unwrap();
        assert!(changes.contains("\"green/"), "{changes}");
        assert_eq!(published_set_reads(&anon, base).await, 2);
    }

    edit_advisory(
        &ana,
        &id,
        case,
        "Router OS: remote code execution, all fixed",
        "CLEAR",
    )
    .await;
    publish_change(&ana, &id).await;
    for base in [&app.base, &second] {
        let (list, page, index, _) = public_view(base.clone()).await;
        assert!(list.contains("all fixed"), "{list}");
        assert_eq!(page, StatusCode::OK);
        assert!(index.contains(&id.to_lowercase()), "{index}");
        assert_eq!(published_set_reads(&anon, base).await, 3);
    }
    second_task.abort();
    app.finish().await;
}

/// Changes the advisory's title and TLP (not published yet).
async fn edit_advisory(c: &Client, id: &str, case: i64, title: &str, tlp: &str) {
    let body = json!({"title": title, "summary": "Changed.", "tlp": tlp,
                      "cases": [{"case_id": case, "cve_ids": ["CVE-2026-10001"]}]});
    let (s, b) = c
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/advisories/{id}"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// Publishes the advisory's edits as a minor revision.
async fn publish_change(c: &Client, id: &str) {
    let (s, b) = c
        .post(
            &format!("/api/v1/advisories/{id}/publish"),
            json!({"status": "final", "change": "minor", "summary": "Changed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// `psirt_published_set_reads_total` of the server at `base` (`/metrics`, open to loopback clients by default).
async fn published_set_reads(c: &Client, base: &str) -> u64 {
    let text = String::from_utf8(fetch_ok(c, &format!("{base}/metrics")).await).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("psirt_published_set_reads_total "))
        .unwrap_or_else(|| panic!("no psirt_published_set_reads_total in {text}"))
        .parse()
        .unwrap()
}
