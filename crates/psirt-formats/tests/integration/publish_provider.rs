//! CSAF provider distribution files built from the fixtures' published documents.

use psirt_domain::Tlp;
use psirt_formats::publish::{
    atom_feed, changes_csv, index_txt, provider_metadata, rolie_feed, ProviderConfig,
    PublishedDocument, Publisher,
};
use serde_json::json;
use time::macros::datetime;

use crate::publish_fixtures::{libraries, router_and_web_updated};

fn config() -> ProviderConfig {
    ProviderConfig {
        base_url: "https://acme.example/.well-known/csaf".into(),
        publisher: Publisher {
            name: "ACME PSIRT".into(),
            namespace: "https://acme.example".into(),
            contact_details: None,
        },
        role: "csaf_trusted_provider".into(),
        list_on_aggregators: true,
        mirror_on_aggregators: false,
        openpgp_keys: vec![(
            "8F5F267907B2C4559DB360DB2294BA7D2B2298B1".into(),
            "https://acme.example/.well-known/csaf/openpgp/8F5F267907B2C4559DB360DB2294BA7D2B2298B1.asc".into(),
        )],
    }
}

fn documents() -> Vec<PublishedDocument> {
    let mut docs = vec![PublishedDocument::from_view(&libraries()).unwrap()];
    let router = router_and_web_updated();
    docs.push(PublishedDocument::from_view(router.last().unwrap()).unwrap());
    docs.push(PublishedDocument {
        id: "ACME-SA-2025-0099".into(),
        title: "Old <advisory> & friends".into(),
        tlp: Tlp::Clear,
        initial_release_date: datetime!(2025-12-30 10:00 UTC),
        current_release_date: datetime!(2026-01-05 10:00 UTC),
    });
    docs
}

#[test]
fn provider_metadata_validates_against_the_provider_schema() {
    let doc = provider_metadata(
        &config(),
        &[Tlp::Clear, Tlp::Amber],
        datetime!(2026-06-01 00:00 UTC),
    )
    .unwrap();
    assert_eq!(
        doc["canonical_url"],
        "https://acme.example/.well-known/csaf/provider-metadata.json"
    );
    let feeds = &doc["distributions"][0]["rolie"]["feeds"];
    assert_eq!(feeds[0]["tlp_label"], "WHITE");
    assert_eq!(
        feeds[1]["url"],
        "https://acme.example/.well-known/csaf/feed-tlp-amber.json"
    );
    // The official example validates with the same validator.
    let example: serde_json::Value = serde_json::from_slice(&crate::common::read(
        "examples/csaf-provider/example-01-provider-metadata.json",
    ))
    .unwrap();
    psirt_formats::publish::validate(psirt_formats::publish::PublishSchema::Provider, &example)
        .unwrap();
    let mut bad = config();
    bad.role = "csaf_overlord".into();
    assert!(provider_metadata(&bad, &[], datetime!(2026-06-01 00:00 UTC)).is_err());
}

#[test]
fn rolie_feeds_are_per_tlp_and_newest_first() {
    let docs = documents();
    let white = rolie_feed(&config(), Tlp::Clear, &docs);
    let entries = white["feed"]["entry"].as_array().unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ACME-SA-2026-0001", "ACME-SA-2025-0099"]);
    assert_eq!(white["feed"]["updated"], "2026-04-02T16:45:10Z");
    assert_eq!(white["feed"]["category"][0]["term"], "csaf");
    assert_eq!(
        entries[0]["link"],
        json!([
            { "rel": "self", "href": "https://acme.example/.well-known/csaf/2026/acme-sa-2026-0001.json" },
            { "rel": "hash", "href": "https://acme.example/.well-known/csaf/2026/acme-sa-2026-0001.json.sha256" },
            { "rel": "signature", "href": "https://acme.example/.well-known/csaf/2026/acme-sa-2026-0001.json.asc" },
        ])
    );
    let amber = rolie_feed(&config(), Tlp::Amber, &docs);
    assert_eq!(
        amber["feed"]["entry"][0]["content"]["src"],
        "https://acme.example/.well-known/csaf/amber/2026/x1-sa-2026-0042.json"
    );
    // Same shape as the official example feed.
    let example: serde_json::Value = serde_json::from_slice(&crate::common::read(
        "examples/csaf-provider/example-01-feed-tlp-white.json",
    ))
    .unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&white["feed"]), keys(&example["feed"]));
    assert_eq!(keys(&entries[0]), keys(&example["feed"]["entry"][0]));
}

#[test]
fn index_and_changes_list_relative_paths() {
    let docs = documents();
    assert_eq!(
        index_txt(&docs),
        "2025/acme-sa-2025-0099.json\n2026/acme-sa-2026-0001.json\namber/2026/x1-sa-2026-0042.json\n"
    );
    assert_eq!(
        changes_csv(&docs),
        "\"amber/2026/x1-sa-2026-0042.json\",\"2026-05-01T08:30:00Z\"\n\
         \"2026/acme-sa-2026-0001.json\",\"2026-04-02T16:45:10Z\"\n\
         \"2025/acme-sa-2025-0099.json\",\"2026-01-05T10:00:00Z\"\n"
    );
}

#[test]
fn atom_feed_escapes_and_orders_entries() {
    let atom = atom_feed(&config(), &documents());
    assert!(atom.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
    ));
    assert!(atom.contains("<title>ACME-SA-2025-0099: Old &lt;advisory&gt; &amp; friends</title>"));
    assert!(atom.contains("<updated>2026-05-01T08:30:00Z</updated>\n  <author>"));
    let first = atom.find("X1-SA-2026-0042").unwrap();
    let second = atom.find("ACME-SA-2026-0001").unwrap();
    assert!(first < second);
    assert!(atom.ends_with("</feed>\n"));
}
