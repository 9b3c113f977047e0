//! The inventory over HTTP: products and versions by role, SBOM upload (real SBOMs from the
//! shared data), whole rejection of a malformed SBOM, the re-import diff, and the pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::testing::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::ui::{hidden, Browser};

fn sbom_file(rel: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../../shared/data/sboms/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Uploads an SBOM to a product version through the API: the status and the answer.
pub async fn upload(c: &Client, version_id: i64, body: Vec<u8>) -> (StatusCode, Value) {
    let resp = c
        .request(
            Method::POST,
            &format!("/api/v1/product-versions/{version_id}/sbom"),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn all_components(c: &Client, version_id: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, b) = c
            .get(&format!(
                "/api/v1/product-versions/{version_id}/components?limit=200{cursor}"
            ))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        out.extend(b["items"].as_array().unwrap().iter().cloned());
        match b["next_cursor"].as_str() {
            Some(k) => cursor = format!("&cursor={}", urlencode(k)),
            None => return out,
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Product `name` (vendor Acme) with one version `version`, created through the API: the version's id.
async fn new_version(ana: &Client, name: &str, version: &str) -> i64 {
    let (s, p) = ana
        .post("/api/v1/products", json!({"vendor": "Acme", "name": name}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, v) = ana
        .post(
            &format!("/api/v1/products/{}/versions", p["id"]),
            json!({"version": version}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

/// Uploads to several versions at once (they are parsed and imported one at a time, to bound memory): each
/// answers 200 with its own components, stored as answered.
pub async fn concurrent_sbom_uploads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let (s, p) = ana
        .post(
            "/api/v1/products",
            json!({"vendor": "Acme", "name": "Shop"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let files = [
        "cyclonedx/juice-shop-14.1.1-npm-flat.bom.1.6.json",
        "spdx/spdx-syft-bitnami_laravel-sha256-7aff7ad10ae5.spdx.json",
        "cyclonedx/harp-darwin-amd64.sbom.json",
    ];
    let mut versions = Vec::new();
    for (i, _) in files.iter().enumerate() {
        let (s, v) = ana
            .post(
                &format!("/api/v1/products/{}/versions", p["id"]),
                json!({"version": format!("{i}.0")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        versions.push(v["id"].as_i64().unwrap());
    }
    let (a, b, c) = tokio::join!(
        upload(&ana, versions[0], sbom_file(files[0])),
        upload(&ana, versions[1], sbom_file(files[1])),
        upload(&ana, versions[2], sbom_file(files[2])),
    );
    for ((s, b), &v) in [a, b, c].iter().zip(&versions) {
        assert_eq!(*s, StatusCode::OK, "{b}");
        let count = b["product_version"]["component_count"].as_u64().unwrap();
        assert!(count > 0, "{b}");
        assert_eq!(all_components(&ana, v).await.len() as u64, count);
    }
    app.finish().await;
}

/// A CycloneDX document listing one component.
fn left_pad_bom() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "library", "name": "left-pad", "version": "1.3.0",
            "purl": "pkg:npm/left-pad@1.3.0"}]
    }))
    .unwrap()
}

/// An SBOM upload sent by hand with half its body: the connection, and the rest to send.
async fn half_sent_upload(
    app: &TestApp,
    c: &Client,
    version: i64,
    bom: &[u8],
) -> (tokio::net::TcpStream, Vec<u8>) {
    use tokio::io::AsyncWriteExt;
    let host = app.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/product-versions/{version}/sbom HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        c.bearer.clone().unwrap_or_default(),
        bom.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let (part, rest) = bom.split_at(bom.len() / 2);
    conn.write_all(part).await.unwrap();
    (conn, rest.to_vec())
}

/// An upload whose body stalls ends with 408 and gives its turn up: the next upload goes ahead.
pub async fn a_stalled_sbom_upload_ends(backend: Backend) {
    use tokio::io::AsyncReadExt;
    let config = psirt_server::Config {
        sbom_bodies_held: 1,
        sbom_body_idle_timeout: std::time::Duration::from_millis(800),
        ..psirt_server::Config::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let v = new_version(&ana, "Pad", "1.0").await;
    let bom = left_pad_bom();
    let (mut stalled, _) = half_sent_upload(&app, &ana, v, &bom).await;
    let mut answer = String::new();
    stalled.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (s, b) = upload(&ana, v, bom).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    app.finish().await;
}

/// Uploads beyond `sbom_bodies_held` wait before reading their body: with one allowed, an upload whose body is still
/// arriving keeps a second waiting (which would otherwise be read, held, and imported first).
pub async fn sbom_bodies_wait_their_turn(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = psirt_server::Config {
        sbom_bodies_held: 1,
        ..psirt_server::Config::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let user = app.user("ana", Role::Analyst, false).await;
    let ana = app.bearer(&user).await;
    let first = new_version(&ana, "Pad", "1.0").await;
    let second = new_version(&ana, "Kit", "1.0").await;
    let bom = left_pad_bom();
    // The first upload by hand, its body half sent.
    let (mut slow, rest) = half_sent_upload(&app, &ana, first, &bom).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let other = app.bearer(&user).await;
    let bom2 = bom.clone();
    let waiting = tokio::spawn(async move { upload(&other, second, bom2).await });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "the second upload went ahead of the first's body"
    );
    slow.write_all(&rest).await.unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (s, b) = waiting.await.unwrap();
    assert_eq!(s, StatusCode::OK, "{b}");
    app.finish().await;
}

/// The SBOM upload's body limit is applied after the caller's role and the version are checked: a viewer is refused
/// (403) without the server reading its body, whatever its size; an importer is told when the body is too large.
pub async fn sbom_body_limit_after_checks(backend: Backend) {
    let config = psirt_server::Config {
        sbom_max_bytes: 64 * 1024,
        ..psirt_server::Config::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let vic = app
        .bearer(&app.user("vic", Role::Viewer, false).await)
        .await;
    let v = new_version(&ana, "Pad", "1.0").await;
    let bom = |description: &str| {
        serde_json::to_vec(&json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"type": "library", "name": "left-pad", "version": "1.3.0",
                "purl": "pkg:npm/left-pad@1.3.0", "description": description}]
        }))
        .unwrap()
    };
    let large = bom(&"x".repeat(80 * 1024));
    let (s, b) = upload(&vic, v, large.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let (s, b) = upload(&ana, v + 1000, large.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    let (s, b) = upload(&ana, v, large).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert!(b["detail"].as_str().unwrap().contains("65536 bytes"), "{b}");
    let (s, b) = upload(&ana, v, bom("pads strings")).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["product_version"]["component_count"], 1, "{b}");
    // An SBOM that lists no components does not empty a version unless asked to.
    let empty =
        serde_json::to_vec(&json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}))
            .unwrap();
    let (s, b) = upload(&ana, v, empty.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "components", "{b}");
    let resp = ana
        .request(
            Method::POST,
            &format!("/api/v1/product-versions/{v}/sbom?allow_empty=true"),
        )
        .header("content-type", "application/json")
        .body(empty)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["product_version"]["component_count"], 0, "{b}");
    app.finish().await;
}

/// An upgrade is paired in the diff also when the SBOM gives the version only in the purl, and for a component
/// without purl (keyed `nopurl:[group/]name@version`, an `@` in its group too); an empty group or version is absent
/// from the key, as a regenerated SBOM may leave it out.
pub async fn version_changes_of_purl_only_versions_and_components_without_purl(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let v = new_version(&ana, "Kit", "1.0").await;
    let bom = |lodash: &str, widget: &str| {
        serde_json::to_vec(&json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [
                {"type": "library", "name": "lodash", "purl": format!("pkg:npm/lodash@{lodash}")},
                {"type": "library", "group": "@acme", "name": "widget", "version": widget},
                {"type": "library", "group": "", "name": "xz", "version": ""}
            ]
        }))
        .unwrap()
    };
    let (s, first) = upload(&ana, v, bom("4.17.20", "1.0")).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let keys: Vec<&str> = first["diff"]["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "nopurl:@acme/widget@1.0",
            "nopurl:xz",
            "pkg:npm/lodash@4.17.20"
        ],
        "{first}"
    );
    let (s, second) = upload(&ana, v, bom("4.17.21", "1.1")).await;
    assert_eq!(s, StatusCode::OK, "{second}");
    assert_eq!(
        second["diff"]["version_changes"],
        json!([
            {"package": "nopurl:@acme/widget", "from": "1.0", "to": "1.1"},
            {"package": "pkg:npm/lodash", "from": "4.17.20", "to": "4.17.21"}
        ]),
        "{second}"
    );
    app.finish().await;
}

pub async fn inventory_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", Role::Analyst, false).await;
    let engineer = app.user("eng", Role::Engineer, false).await;
    let viewer = app.user("vic", Role::Viewer, false).await;
    let ana = app.bearer(&analyst).await;
    let eng = app.bearer(&engineer).await;
    let vic = app.bearer(&viewer).await;
    let anon = app.anonymous();

    let product = json!({"vendor": "Acme", "name": "Router OS", "cpe": "cpe:2.3:a:acme:router_os"});
    assert_eq!(
        anon.post("/api/v1/products", product.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        eng.post("/api/v1/products", product.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        vic.post("/api/v1/products", product.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, p) = ana.post("/api/v1/products", product.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let pid = p["id"].as_i64().unwrap();
    assert_eq!(
        ana.post("/api/v1/products", product).await.0,
        StatusCode::CONFLICT
    );
    let (s, b) = ana
        .post(
            "/api/v1/products",
            json!({"vendor": "Acme", "name": "x", "cpe": "acme"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["errors"][0]["field"], "cpe");

    let (s, v) = ana
        .post(
            &format!("/api/v1/products/{pid}/versions"),
            json!({"version": "7.12.0", "released_on": "2020-05-19", "support_ends_on": "2021-05-19"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["support_status"], "end_of_support");
    let vid = v["id"].as_i64().unwrap();
    assert_eq!(
        eng.post(
            &format!("/api/v1/products/{pid}/versions"),
            json!({"version": "8"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, b) = ana
        .send(
            Method::PUT,
            &format!("/api/v1/product-versions/{vid}"),
            Some(json!({"version": "7.12.0", "released_on": "2020-05-19"})),
        )
        .await;
    assert_eq!(
        (s, &b["support_status"]),
        (StatusCode::OK, &json!("supported")),
        "{b}"
    );

    // Everyone on the staff reads the inventory.
    for c in [&ana, &eng, &vic] {
        let (s, b) = c.get(&format!("/api/v1/products/{pid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["versions"][0]["version"], "7.12.0");
    }
    assert_eq!(
        anon.get("/api/v1/products").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, list) = vic.get("/api/v1/products?q=router").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // SBOM upload: an engineer may (release pipelines), a viewer may not.
    let laravel = sbom_file("cyclonedx/laravel-7.12.0.bom.1.4.json");
    assert_eq!(
        upload(&vic, vid, laravel.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&anon, vid, laravel.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (s, first) = upload(&eng, vid, laravel.clone()).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let count = first["product_version"]["component_count"]
        .as_i64()
        .unwrap();
    assert!(count > 50, "{first}");
    assert_eq!(first["product_version"]["sbom_format"], "cyclonedx");
    assert_eq!(first["product_version"]["sbom_spec_version"], "1.4");
    assert_eq!(
        first["diff"]["added"].as_array().unwrap().len() as i64,
        count
    );
    let comps = all_components(&vic, vid).await;
    assert_eq!(comps.len() as i64, count);
    assert!(comps.iter().any(|c| c["purl"]
        .as_str()
        .unwrap_or("")
        .starts_with("pkg:composer/")));

    // The same file again changes nothing.
    let (_, again) = upload(&ana, vid, laravel.clone()).await;
    assert_eq!(again["diff"]["added"], json!([]));
    assert_eq!(again["diff"]["removed"], json!([]));
    assert_eq!(again["diff"]["unchanged"].as_i64(), Some(count));

    // Drop one component and upgrade another: the diff and the timeline say so.
    let mut doc: Value = serde_json::from_slice(&laravel).unwrap();
    let list = doc["components"].as_array_mut().unwrap();
    list.remove(0);
    let bumped = list.iter_mut().find(|c| c["purl"].is_string()).unwrap();
    let old_purl = bumped["purl"].as_str().unwrap().to_owned();
    let old_version = bumped["version"].as_str().unwrap().to_owned();
    bumped["version"] = json!("99.0.0");
    bumped["purl"] = json!(old_purl.replace(&format!("@{old_version}"), "@99.0.0"));
    let (s, third) = upload(&ana, vid, serde_json::to_vec(&doc).unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{third}");
    assert_eq!(
        third["diff"]["removed"].as_array().unwrap().len(),
        2,
        "{third}"
    );
    assert_eq!(third["diff"]["added"].as_array().unwrap().len(), 1);
    assert_eq!(third["diff"]["version_changes"][0]["to"], "99.0.0");
    assert_eq!(
        third["product_version"]["component_count"].as_i64(),
        Some(count - 1)
    );
    let (s, trail) = vic
        .get(&format!("/api/v1/product-versions/{vid}/timeline"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let events = trail["items"].as_array().unwrap();
    let last = events.last().unwrap();
    assert_eq!(last["action"], "product_version.sbom_import");
    assert_eq!(last["after"]["removed"].as_array().unwrap().len(), 2);
    assert_eq!(
        events
            .iter()
            .filter(|e| e["action"] == "product_version.sbom_import")
            .count(),
        3
    );
    assert_eq!(trail["next_cursor"], Value::Null, "{trail}");
    // Paged, two at a time: the same events in the same order.
    let mut paged: Vec<Value> = Vec::new();
    let mut next = String::new();
    loop {
        let mut url = format!("/api/v1/product-versions/{vid}/timeline?limit=2");
        if !next.is_empty() {
            url.push_str(&format!("&cursor={next}"));
        }
        let (s, page) = vic.get(&url).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        paged.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => next = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(&paged, events);
    let (s, bad) = vic
        .get(&format!(
            "/api/v1/product-versions/{vid}/timeline?cursor=-3"
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    // A malformed SBOM is rejected whole with the JSON path of the error; nothing changes.
    let mut broken: Value = serde_json::from_slice(&laravel).unwrap();
    broken["components"][3]["type"] = json!(42);
    let (s, err) = upload(&ana, vid, serde_json::to_vec(&broken).unwrap()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("/components/3"),
        "{err}"
    );
    // So is a schema-valid component beyond what is stored (a 1,001-character name), at the component's pointer.
    let mut too_long: Value = serde_json::from_slice(&laravel).unwrap();
    too_long["components"][2]["name"] = json!("n".repeat(1_001));
    let (s, err) = upload(&ana, vid, serde_json::to_vec(&too_long).unwrap()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["errors"][0]["field"], "/components/2", "{err}");
    // A version the schemas would refuse (a number) or psirt does not read: at the version's own field.
    for (version, message) in [
        (json!(1.5), "is not of type"),
        (json!("1.7"), "unsupported"),
    ] {
        let mut other: Value = serde_json::from_slice(&laravel).unwrap();
        other["specVersion"] = version;
        let (s, err) = upload(&ana, vid, serde_json::to_vec(&other).unwrap()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["errors"][0]["field"], "/specVersion", "{err}");
        assert!(
            err["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{err}"
        );
    }
    let (s, err) = upload(&ana, vid, b"{\"bomFormat\": ".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (s, err) = upload(&ana, vid, b"{\"hello\": 1}".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (_, after) = ana.get(&format!("/api/v1/product-versions/{vid}")).await;
    assert_eq!(after["component_count"].as_i64(), Some(count - 1));

    // SPDX, and a CycloneDX file larger than the 1 MiB limit of other requests.
    let (s, v2) = ana
        .post(
            &format!("/api/v1/products/{pid}/versions"),
            json!({"version": "8.0"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let v2 = v2["id"].as_i64().unwrap();
    let spdx = sbom_file("spdx/spdx-syft-bitnami_laravel-sha256-7aff7ad10ae5.spdx.json");
    let (s, b) = upload(&ana, v2, spdx).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["product_version"]["sbom_format"], "spdx");
    let juice = sbom_file("cyclonedx/juice-shop-14.1.1-npm-flat.bom.1.6.json");
    assert!(juice.len() > 1024 * 1024);
    let (s, b) = upload(&ana, v2, juice).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // 1,101 entries, of which 117 repeat a purl and merge.
    assert_eq!(
        b["product_version"]["component_count"].as_i64(),
        Some(984),
        "{b}"
    );
    assert_eq!(upload(&ana, 9999, laravel).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}

pub async fn inventory_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    app.user("vic", Role::Viewer, false).await;
    let ana = Browser::login(&app, "ana").await;
    let vic = Browser::login(&app, "vic").await;

    let (s, page) = ana.get("/products").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"new-product\""));
    let (s, page) = vic.get("/products").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("id=\"new-product\""), "viewers get no form");
    let (s, _) = vic
        .post("/products", &[("vendor", "Acme"), ("name", "Nope")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A forged form without the session's token.
    let r = ana
        .post_raw(
            "/products",
            &[("csrf", "forged"), ("vendor", "Acme"), ("name", "X")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let (s, to) = ana
        .post(
            "/products",
            &[
                ("vendor", "Acme"),
                ("name", "Router OS"),
                ("cpe", ""),
                ("owner_team", "edge"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    assert!(
        to.starts_with("/products/") && to.ends_with("?notice=product_created"),
        "{to}"
    );
    let product_path = to.split('?').next().unwrap().to_owned();
    let (s, page) = ana
        .post(
            &format!("{product_path}/versions"),
            &[("version", "4.2"), ("released_on", "2026-13-01")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("released_on"), "{page}");
    let (s, to) = ana
        .post(
            &format!("{product_path}/versions"),
            &[
                ("version", "4.2"),
                ("released_on", "2026-01-10"),
                ("support_ends_on", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let version_path = to.split('?').next().unwrap().to_owned();
    let vid: i64 = version_path.rsplit('/').next().unwrap().parse().unwrap();

    let token = app
        .bearer(&app.user("eng", Role::Engineer, false).await)
        .await;
    let (s, b) = upload(
        &token,
        vid,
        sbom_file("cyclonedx/laravel-7.12.0.bom.1.4.json"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let (s, page) = vic.get(&product_path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(">4.2</a>") && page.contains("cyclonedx 1.4"),
        "{page}"
    );
    let (s, page) = vic.get(&version_path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("pkg:composer/"), "components listed");
    assert!(!page.contains("id=\"edit-version\""));
    let (s, page) = vic.get(&format!("{version_path}?q=symfony")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("symfony") && !page.contains("pkg:composer/laravel/framework@"),
        "search filters"
    );
    let (_, page) = ana.get(&version_path).await;
    let _ = hidden(&page, "csrf");
    let (s, to) = ana
        .post(
            &version_path,
            &[
                ("version", "4.2.0"),
                ("released_on", "2026-01-10"),
                ("support_ends_on", "2027-01-10"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let (_, page) = ana.get(&version_path).await;
    assert!(page.contains("2027-01-10"));
    // Not logged in: the login page, which returns here afterwards.
    let (s, to) = Browser::new(&app).get_location("/products").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(to, "/login?next=%2Fproducts");
    app.finish().await;
}

/// The SBOM's dependency edges over the API, the subject's (the product's direct dependencies) included: ordered,
/// paged, filtered by component (what it depends on, what pulls it in), for every staff role.
pub async fn dependency_edges_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app
        .bearer(&app.user("ana", Role::Analyst, false).await)
        .await;
    let vic = app
        .bearer(&app.user("vic", Role::Viewer, false).await)
        .await;
    let pv = new_version(&ana, "Web", "1").await;
    let lib = |name: &str, version: &str| {
        json!({"type": "library", "bom-ref": name, "name": name, "version": version,
               "purl": format!("pkg:npm/{name}@{version}")})
    };
    let sbom = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "web", "name": "web"}},
        "components": [lib("express", "4.18.2"), lib("body-parser", "1.20.1"), lib("qs", "6.11.0")],
        "dependencies": [
            {"ref": "web", "dependsOn": ["express"]},
            {"ref": "express", "dependsOn": ["body-parser", "qs"]},
            {"ref": "body-parser", "dependsOn": ["qs"]}
        ]
    });
    let (s, body) = upload(&ana, pv, sbom.to_string().into_bytes()).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let edges = |page: &Value| -> Vec<(Option<String>, String)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["from"].as_str().map(str::to_owned),
                    e["to"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (express, body_parser, qs) = (
        "pkg:npm/express@4.18.2",
        "pkg:npm/body-parser@1.20.1",
        "pkg:npm/qs@6.11.0",
    );
    // The product's own edge first (from: null, its direct dependency), then the components'.
    let all = vec![
        (None, express.to_owned()),
        (Some(body_parser.to_owned()), qs.to_owned()),
        (Some(express.to_owned()), body_parser.to_owned()),
        (Some(express.to_owned()), qs.to_owned()),
    ];
    let base = format!("/api/v1/product-versions/{pv}/dependencies");
    let (s, page) = vic.get(&base).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(edges(&page), all);
    assert_eq!(page["next_cursor"], Value::Null);

    // One edge a page, following the cursor: the same edges, in order, each once.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{base}?limit=1"),
            Some(c) => format!("{base}?limit=1&cursor={}", urlencode(c)),
        };
        let (s, page) = vic.get(&url).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        paged.extend(edges(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, all);

    // Who pulls in qs, and what express depends on.
    let (_, page) = vic
        .get(&format!("{base}?component={}", urlencode(qs)))
        .await;
    assert_eq!(edges(&page), [all[1].clone(), all[3].clone()]);
    let (_, page) = vic
        .get(&format!("{base}?component={}", urlencode(express)))
        .await;
    assert_eq!(
        edges(&page),
        all[..1]
            .iter()
            .chain(&all[2..])
            .cloned()
            .collect::<Vec<_>>()
    );

    // The filter pages too; an empty cursor is the first page.
    let (_, first) = vic
        .get(&format!(
            "{base}?component={}&limit=1&cursor=",
            urlencode(qs)
        ))
        .await;
    assert_eq!(edges(&first), [all[1].clone()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = vic
        .get(&format!(
            "{base}?component={}&limit=1&cursor={}",
            urlencode(qs),
            urlencode(cursor)
        ))
        .await;
    assert_eq!(edges(&second), [all[3].clone()]);
    assert_eq!(second["next_cursor"], Value::Null);

    // A cursor not made by this list, and an unknown version.
    assert_eq!(
        vic.get(&format!("{base}?cursor=nonsense")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        vic.get("/api/v1/product-versions/999999/dependencies")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
