//! A CSAF provider's distribution files (CSAF 2.0 §7.1), as pure builders over the list of
//! published documents: `provider-metadata.json` (schema-checked), one ROLIE feed per TLP,
//! `index.txt`, `changes.csv`, and an Atom feed (RFC 4287) for people's feed readers.
//!
//! Layout under the provider's base URL (`…/.well-known/csaf`): see [`csaf_path`]. Every document has a `.sha256` beside it and,
//! when the provider signs, an `.asc`.

use std::fmt::Write as _;

use psirt_domain::Tlp;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::model::{AdvisoryView, Publisher};
use super::schema::{validate, PublishSchema};
use super::{csaf_file_name, csaf_path, date_time, PublishError};

const CSAF_SCHEMA: &str = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";

/// How the provider presents itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The directory all paths are relative to, without trailing `/`, e.g.
    /// `https://acme.example/.well-known/csaf`.
    pub base_url: String,
    pub publisher: Publisher,
    /// `csaf_publisher`, `csaf_provider` or `csaf_trusted_provider`.
    pub role: String,
    pub list_on_aggregators: bool,
    pub mirror_on_aggregators: bool,
    /// (fingerprint, URL) of the OpenPGP keys documents are signed with; none: unsigned.
    pub openpgp_keys: Vec<(String, String)>,
}

/// One published CSAF document, as the distribution files list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedDocument {
    /// `tracking.id`
    pub id: String,
    pub title: String,
    pub tlp: Tlp,
    pub initial_release_date: OffsetDateTime,
    pub current_release_date: OffsetDateTime,
}

impl PublishedDocument {
    /// The entry for the current revision of `view`.
    pub fn from_view(view: &AdvisoryView) -> Result<Self, PublishError> {
        let (first, current) = view.revisions()?;
        Ok(Self {
            id: view.advisory.id.to_string(),
            title: view.advisory.content.title.clone(),
            tlp: view.advisory.content.tlp,
            initial_release_date: first.date,
            current_release_date: current.date,
        })
    }

    /// The document's path relative to the base URL ([`csaf_path`]).
    pub fn path(&self) -> String {
        csaf_path(&self.id, self.tlp, self.initial_release_date)
    }
}

fn feed_url(config: &ProviderConfig, tlp: Tlp) -> String {
    let label = tlp.csaf_label().to_ascii_lowercase();
    format!("{}/feed-tlp-{label}.json", config.base_url)
}

/// `provider-metadata.json` listing one ROLIE feed per label in `tlps`, schema-checked.
pub fn provider_metadata(
    config: &ProviderConfig,
    tlps: &[Tlp],
    last_updated: OffsetDateTime,
) -> Result<Value, PublishError> {
    let feeds: Vec<Value> = tlps
        .iter()
        .map(|&tlp| {
            json!({
                "summary": format!("{} advisories of {}", tlp.csaf_label(), config.publisher.name),
                "tlp_label": tlp.csaf_label(),
                "url": feed_url(config, tlp),
            })
        })
        .collect();
    let mut doc = json!({
        "canonical_url": format!("{}/provider-metadata.json", config.base_url),
        "last_updated": date_time(last_updated),
        "list_on_CSAF_aggregators": config.list_on_aggregators,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": config.mirror_on_aggregators,
        "publisher": {
            "category": "vendor",
            "name": config.publisher.name,
            "namespace": config.publisher.namespace,
        },
        "role": config.role,
    });
    if let Some(obj) = doc.as_object_mut() {
        if !feeds.is_empty() {
            obj.insert(
                "distributions".into(),
                json!([{ "rolie": { "feeds": feeds } }]),
            );
        }
        if !config.openpgp_keys.is_empty() {
            let keys: Vec<Value> = config
                .openpgp_keys
                .iter()
                .map(|(fingerprint, url)| json!({ "fingerprint": fingerprint, "url": url }))
                .collect();
            obj.insert("public_openpgp_keys".into(), Value::Array(keys));
        }
    }
    validate(PublishSchema::Provider, &doc)?;
    Ok(doc)
}

/// Newest first (by current release, then id): the order of `changes.csv` and of the feeds.
fn newest_first(docs: &[PublishedDocument]) -> Vec<&PublishedDocument> {
    let mut sorted: Vec<&PublishedDocument> = docs.iter().collect();
    sorted.sort_by(|a, b| {
        b.current_release_date
            .cmp(&a.current_release_date)
            .then_with(|| a.id.cmp(&b.id))
    });
    sorted
}

/// The ROLIE feed (RFC 8322, JSON) of the documents labelled `tlp`; `updated` is the newest
/// document's date, so the feed changes only when a document does.
pub fn rolie_feed(config: &ProviderConfig, tlp: Tlp, docs: &[PublishedDocument]) -> Value {
    let docs: Vec<&PublishedDocument> = newest_first(docs)
        .into_iter()
        .filter(|d| d.tlp == tlp)
        .collect();
    let label = tlp.csaf_label();
    let entries: Vec<Value> = docs
        .iter()
        .map(|d| {
            let url = format!("{}/{}", config.base_url, d.path());
            let mut links = vec![
                json!({ "rel": "self", "href": url }),
                json!({ "rel": "hash", "href": format!("{url}.sha256") }),
            ];
            if !config.openpgp_keys.is_empty() {
                links.push(json!({ "rel": "signature", "href": format!("{url}.asc") }));
            }
            json!({
                "id": d.id,
                "title": d.title,
                "link": links,
                "published": date_time(d.initial_release_date),
                "updated": date_time(d.current_release_date),
                "summary": { "content": d.title },
                "content": { "type": "application/json", "src": url },
                "format": { "schema": CSAF_SCHEMA, "version": "2.0" },
            })
        })
        .collect();
    let updated = docs.first().map_or_else(
        || "1970-01-01T00:00:00Z".to_owned(),
        |d| date_time(d.current_release_date),
    );
    json!({
        "feed": {
            "id": format!("{}-csaf-feed-tlp-{}", slug(&config.publisher.name), label.to_ascii_lowercase()),
            "title": format!("{} CSAF feed (TLP:{label})", config.publisher.name),
            "link": [{ "rel": "self", "href": feed_url(config, tlp) }],
            "category": [{ "scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf" }],
            "updated": updated,
            "entry": entries,
        }
    })
}

fn slug(s: &str) -> String {
    let lower = csaf_file_name(s);
    lower.trim_end_matches(".json").trim_matches('_').to_owned()
}

/// `index.txt` (§7.1.12): one relative path per line, sorted.
pub fn index_txt(docs: &[PublishedDocument]) -> String {
    let mut paths: Vec<String> = docs.iter().map(PublishedDocument::path).collect();
    paths.sort();
    paths.iter().map(|p| format!("{p}\n")).collect()
}

/// `changes.csv` (§7.1.13): `"path","current_release_date"`, no header, newest first.
pub fn changes_csv(docs: &[PublishedDocument]) -> String {
    newest_first(docs)
        .into_iter()
        .map(|d| {
            format!(
                "\"{}\",\"{}\"\n",
                d.path(),
                date_time(d.current_release_date)
            )
        })
        .collect()
}

/// An Atom feed (RFC 4287) of `docs`, newest first, linking each document.
pub fn atom_feed(config: &ProviderConfig, docs: &[PublishedDocument]) -> String {
    let docs = newest_first(docs);
    let updated = docs.first().map_or_else(
        || "1970-01-01T00:00:00Z".to_owned(),
        |d| date_time(d.current_release_date),
    );
    let name = xml(&config.publisher.name);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    // Writing to a String cannot fail.
    let _ = writeln!(out, "  <id>{}/feed.atom</id>", xml(&config.base_url));
    let _ = writeln!(out, "  <title>{name} security advisories</title>");
    let _ = writeln!(out, "  <updated>{updated}</updated>");
    let _ = writeln!(
        out,
        "  <author><name>{name}</name><uri>{}</uri></author>",
        xml(&config.publisher.namespace)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"self\" href=\"{}/feed.atom\"/>",
        xml(&config.base_url)
    );
    for d in docs {
        let url = xml(&format!("{}/{}", config.base_url, d.path()));
        out.push_str("  <entry>\n");
        let _ = writeln!(out, "    <id>{url}</id>");
        let _ = writeln!(out, "    <title>{}: {}</title>", xml(&d.id), xml(&d.title));
        let _ = writeln!(
            out,
            "    <published>{}</published>",
            date_time(d.initial_release_date)
        );
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            date_time(d.current_release_date)
        );
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{url}\"/>"
        );
        let _ = writeln!(out, "    <category term=\"TLP:{}\"/>", d.tlp.csaf_label());
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
