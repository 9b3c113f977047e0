//! The CSAF 2.0 provider directory under `/.well-known/csaf/` and `/.well-known/security.txt`.
//!
//! Everything is derived from the stored bytes of each advisory's latest published revision (its
//! title and TLP are read from the CSAF document itself, so unpublished edits never leak). TLP:CLEAR
//! documents are public; other labels are served to logged-in staff only (CSAF §7.1.5: access
//! protected). Hashes are computed from the stored bytes; `.asc` signatures are made with the
//! active OpenPGP key (see `keys.rs`) when one is configured.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use psirt_domain::Tlp;
use psirt_formats::publish::{
    changes_csv, index_txt, provider_metadata, rolie_feed, to_bytes, ProviderConfig,
    PublishedDocument,
};
use psirt_store::keys::OpenPgpKey;
use psirt_store::PublicationGeneration;
use sha2::{Digest, Sha256, Sha512};

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Path};
use crate::publish::{public_base, publisher};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/security.txt", get(security_txt))
        .route("/.well-known/csaf/{*path}", get(provider_file))
}

/// One published document: its distribution entry and the stored CSAF bytes.
pub struct Published {
    pub doc: PublishedDocument,
    /// The revision these bytes (and its other renderings) belong to.
    pub seq: i64,
    pub csaf: Bytes,
    /// SHA-256 and SHA-512 of `csaf`.
    pub sha256: [u8; 32],
    pub sha512: [u8; 64],
}

/// The published documents as last read, with the [`PublicationGeneration`] they were read under. The public pages
/// and the provider directory are what anyone may fetch, and aggregators poll them: each request checks the
/// generation (one small query) and reads every advisory and CSAF document again only when it differs. It holds the
/// latest CSAF document of every advisory (a few tens of kilobytes each) while the server runs. Several servers on
/// one database each keep their own, all checked against the database.
#[derive(Clone, Default)]
pub struct PublishedCache(Arc<PublishedSlot>);

#[derive(Default)]
struct PublishedSlot {
    current: Mutex<Option<(PublicationGeneration, Arc<[Published]>)>>,
    /// Held while reading: requests arriving meanwhile wait for this read instead of each making their own.
    reading: tokio::sync::Mutex<()>,
    reads: std::sync::atomic::AtomicU64,
}

impl PublishedCache {
    /// Reads of the whole set since start (`psirt_published_set_reads_total`).
    pub fn reads(&self) -> u64 {
        self.0.reads.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl PublishedSlot {
    /// The set read under exactly this generation. Equality, not "at least as new": a database restored to an
    /// earlier state (one way to take back a document published by mistake) has a lower count.
    fn get(&self, generation: PublicationGeneration) -> Option<Arc<[Published]>> {
        let current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        current
            .as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, docs)| Arc::clone(docs))
    }
}

/// Every advisory's latest published CSAF document.
pub async fn published(st: &AppState) -> ApiResult<Arc<[Published]>> {
    let slot = &st.published.0;
    if let Some(docs) = slot.get(st.store.publication_generation().await?) {
        return Ok(docs);
    }
    let _reading = slot.reading.lock().await;
    // Checked again under the lock (another request may have read the set meanwhile); what is read next is at least
    // as new as this generation, and a later change shows as a new generation on the next request.
    let now = st.store.publication_generation().await?;
    if let Some(docs) = slot.get(now) {
        return Ok(docs);
    }
    let docs: Arc<[Published]> = read_published(st).await?.into();
    slot.reads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    *slot
        .current
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((now, Arc::clone(&docs)));
    Ok(docs)
}

async fn read_published(st: &AppState) -> ApiResult<Vec<Published>> {
    let mut out = Vec::new();
    let mut documents = st.store.latest_csaf_documents().await?;
    for a in st.store.advisories().await? {
        let (Some(first), Some(last)) = (a.revisions.first(), a.revisions.last()) else {
            continue;
        };
        // Read in one query for all; a revision published in between is read on its own.
        let csaf = match documents.remove(&a.pk) {
            Some((seq, csaf)) if seq == last.seq => csaf,
            _ => st.store.rendering(&a.id, last.seq, "csaf", "").await?.1,
        };
        let v: serde_json::Value = serde_json::from_slice(&csaf)
            .map_err(|e| ApiError::Internal(format!("stored CSAF of {}: {e}", a.id)))?;
        let title = v["document"]["title"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let tlp: Tlp =
            serde_json::from_value(v["document"]["distribution"]["tlp"]["label"].clone())
                .map_err(|e| ApiError::Internal(format!("stored CSAF of {}: TLP {e}", a.id)))?;
        out.push(Published {
            doc: PublishedDocument {
                id: a.id.to_string(),
                title,
                tlp,
                initial_release_date: first.revision.date,
                current_release_date: last.revision.date,
            },
            seq: last.seq,
            sha256: Sha256::digest(&csaf).into(),
            sha512: Sha512::digest(&csaf).into(),
            csaf: csaf.into(),
        });
    }
    Ok(out)
}

pub fn csaf_base(st: &AppState) -> String {
    format!("{}/.well-known/csaf", public_base(st))
}

async fn provider_config(
    st: &AppState,
) -> ApiResult<(ProviderConfig, Option<psirt_store::keys::OpenPgpKey>)> {
    let key = st.store.active_openpgp_key().await?;
    let base = csaf_base(st);
    let openpgp_keys = key
        .iter()
        .map(|k| {
            (
                k.fingerprint.clone(),
                format!("{base}/openpgp/{}.asc", k.fingerprint),
            )
        })
        .collect();
    Ok((
        ProviderConfig {
            base_url: base,
            publisher: publisher(st),
            role: "csaf_provider".into(),
            list_on_aggregators: true,
            mirror_on_aggregators: true,
            openpgp_keys,
        },
        key,
    ))
}

fn body(media: &'static str, bytes: impl Into<axum::body::Body>) -> Response {
    ([(header::CONTENT_TYPE, media)], bytes.into()).into_response()
}

/// `tlp` may be served to this client: CLEAR to anyone, the rest to staff.
fn allowed(tlp: Tlp, staff: &Result<Staff, ApiError>) -> bool {
    tlp == Tlp::Clear || staff.is_ok()
}

/// The TLP of a feed file name (`feed-tlp-white.json`).
fn feed_tlp(name: &str) -> Option<Tlp> {
    let label = name.strip_prefix("feed-tlp-")?.strip_suffix(".json")?;
    serde_json::from_value(serde_json::Value::String(label.to_ascii_uppercase())).ok()
}

async fn provider_file(
    State(st): State<AppState>,
    staff: Result<Staff, ApiError>,
    Path(path): Path<String>,
) -> ApiResult<Response> {
    let (config, key) = provider_config(&st).await?;
    let docs = published(&st).await?;
    // What a client may list: public documents, or all of them for staff.
    let visible: Vec<PublishedDocument> = docs
        .iter()
        .filter(|d| allowed(d.doc.tlp, &staff))
        .map(|d| d.doc.clone())
        .collect();
    match path.as_str() {
        "provider-metadata.json" => {
            let mut tlps = vec![Tlp::Clear];
            for d in docs.iter() {
                if !tlps.contains(&d.doc.tlp) {
                    tlps.push(d.doc.tlp);
                }
            }
            let updated = docs
                .iter()
                .map(|d| d.doc.current_release_date)
                .chain(key.iter().map(|k| k.created_at))
                .max()
                .unwrap_or_else(|| st.store.now());
            let doc = provider_metadata(&config, &tlps, updated)?;
            return Ok(body("application/json", to_bytes(&doc)));
        }
        "index.txt" => return Ok(body("text/plain; charset=utf-8", index_txt(&visible))),
        "changes.csv" => return Ok(body("text/csv; charset=utf-8", changes_csv(&visible))),
        _ => {}
    }
    if let Some(tlp) = feed_tlp(&path) {
        if !allowed(tlp, &staff) {
            return Err(ApiError::Unauthorized("log in to read this feed"));
        }
        let feed = rolie_feed(&config, tlp, &visible);
        return Ok(body("application/json", to_bytes(&feed)));
    }
    if let Some(fp) = path
        .strip_prefix("openpgp/")
        .and_then(|f| f.strip_suffix(".asc"))
    {
        return match key {
            Some(k) if k.fingerprint == fp => {
                Ok(body("application/pgp-keys", k.public_key.clone()))
            }
            _ => Err(ApiError::NotFound("key")),
        };
    }
    // A document or one of its companions: `<path>.json`, `.sha256`, `.sha512`, `.asc`.
    let (doc_path, suffix) = ["", ".sha256", ".sha512", ".asc"]
        .iter()
        .rev()
        .find_map(|s| {
            path.strip_suffix(s)
                .filter(|p| p.ends_with(".json"))
                .map(|p| (p, *s))
        })
        .ok_or(ApiError::NotFound("file"))?;
    let d = docs
        .iter()
        .find(|d| d.doc.path() == doc_path)
        .ok_or(ApiError::NotFound("file"))?;
    if !allowed(d.doc.tlp, &staff) {
        return Err(ApiError::Unauthorized("log in to read this document"));
    }
    let file = doc_path.rsplit('/').next().unwrap_or(doc_path);
    match suffix {
        "" => Ok(body("application/json", d.csaf.clone())),
        // `sha256sum` format, as CSAF §7.1.18 asks: `<hex>  <file name>`.
        ".sha256" => Ok(body(
            "text/plain; charset=utf-8",
            format!("{}  {file}\n", hex::encode(d.sha256)),
        )),
        ".sha512" => Ok(body(
            "text/plain; charset=utf-8",
            format!("{}  {file}\n", hex::encode(d.sha512)),
        )),
        _ => {
            let key = key.ok_or(ApiError::NotFound("signature"))?;
            let sig = st.signatures.sign(key, &d.csaf).await?;
            Ok(body("application/pgp-signature", sig.to_string()))
        }
    }
}

/// Detached signatures already made: (key fingerprint, SHA-256 of the document) → armored signature. Anyone may
/// download `.asc` files: signing on every request (milliseconds of CPU with an RSA-3072 key) would let a client keep
/// the server busy, and a new signature each time (its creation time differs) would look like a changed file to
/// mirrors (while the server runs; a restart signs anew). A rotated key has another fingerprint, so its documents
/// are signed anew.
#[derive(Clone, Default)]
pub struct SignatureCache(Arc<Mutex<HashMap<SignedDocument, Arc<str>>>>);

/// (key fingerprint, SHA-256 of the document).
type SignedDocument = (String, [u8; 32]);

/// Entries kept before the cache is emptied (far more than a PSIRT publishes documents).
const CACHED_SIGNATURES: usize = 4096;

impl SignatureCache {
    async fn sign(&self, key: OpenPgpKey, data: &[u8]) -> ApiResult<Arc<str>> {
        let id = (key.fingerprint.clone(), Sha256::digest(data).into());
        // A panic elsewhere cannot leave the map half-changed: a poisoned lock is used as it is.
        let cache = || {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(sig) = cache().get(&id).cloned() {
            return Ok(sig);
        }
        let data = data.to_vec();
        // Off the async workers: signing is CPU work.
        let sig: Arc<str> = tokio::task::spawn_blocking(move || crate::keys::sign(&key, &data))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .into();
        let mut cache = cache();
        if cache.len() >= CACHED_SIGNATURES {
            cache.clear();
        }
        // Two first requests racing both sign; the first one stored is the answer to both.
        Ok(Arc::clone(cache.entry(id).or_insert(sig)))
    }
}

/// RFC 9116 `security.txt`, from the server configuration.
async fn security_txt(State(st): State<AppState>) -> ApiResult<Response> {
    let base = public_base(&st);
    let p = &st.config.publisher;
    let mut out = String::new();
    let contact = if p.contact.contains('@') && !p.contact.contains(':') {
        format!("mailto:{}", p.contact)
    } else if p.contact.is_empty() {
        format!("{base}/report")
    } else {
        p.contact.clone()
    };
    out.push_str(&format!("Contact: {contact}\n"));
    let expires = st.store.now() + time::Duration::days(p.security_txt_days.max(1));
    let expires = expires.replace_nanosecond(0).unwrap_or(expires);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    out.push_str(&format!("Expires: {expires}\n"));
    if let Some(k) = st.store.active_openpgp_key().await? {
        out.push_str(&format!(
            "Encryption: {}/openpgp/{}.asc\n",
            csaf_base(&st),
            k.fingerprint
        ));
    }
    let policy = if p.policy_url.is_empty() {
        format!("{base}/report")
    } else {
        p.policy_url.clone()
    };
    out.push_str(&format!("Policy: {policy}\n"));
    let acks = if p.acknowledgments_url.is_empty() {
        format!("{base}/hall-of-fame")
    } else {
        p.acknowledgments_url.clone()
    };
    out.push_str(&format!("Acknowledgments: {acks}\n"));
    out.push_str(&format!("Preferred-Languages: {}\n", p.preferred_languages));
    out.push_str(&format!("Canonical: {base}/.well-known/security.txt\n"));
    out.push_str(&format!(
        "CSAF: {}/provider-metadata.json\n",
        csaf_base(&st)
    ));
    Ok(body("text/plain; charset=utf-8", out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> OpenPgpKey {
        let (fingerprint, public_key, secret) =
            crate::keys::generate(crate::keys::KeyAlgorithm::Ed25519, "Test <t@example.com>")
                .unwrap_or_else(|e| panic!("{e}"));
        OpenPgpKey {
            id: 1,
            fingerprint,
            algorithm: "ed25519".into(),
            public_key,
            secret_key: Some(secret),
            secret_key_file: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn a_document_is_signed_once_per_key() {
        let (cache, k) = (SignatureCache::default(), key());
        let first = cache
            .sign(k.clone(), b"doc")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        crate::keys::verify(&k.public_key, &first, b"doc").unwrap_or_else(|e| panic!("{e}"));
        // A new signature would carry a later creation time (whole seconds): the cached one is served.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let again = cache
            .sign(k.clone(), b"doc")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first, again);
        let fresh = crate::keys::sign(&k, b"doc").unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(*first, *fresh, "signing anew gives other bytes");
        // Another document, another key: their own signatures.
        let other = cache
            .sign(k.clone(), b"doc2")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        crate::keys::verify(&k.public_key, &other, b"doc2").unwrap_or_else(|e| panic!("{e}"));
        let k2 = key();
        let by_k2 = cache
            .sign(k2.clone(), b"doc")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        crate::keys::verify(&k2.public_key, &by_k2, b"doc").unwrap_or_else(|e| panic!("{e}"));
    }
}
