//! SBOM components of product versions. An import replaces a version's component set in one
//! transaction and records the difference (added, removed, changed) in the audit trail.
//!
//! Rows are updated in place rather than deleted and re-inserted, so a component that stays
//! keeps its id (matches and findings refer to it).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use psirt_domain::report::check_text;
use psirt_domain::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditDraft;
use crate::{to_json, Actor, Page, PageRequest, ProductVersion, Result, Store, StoreError};

/// Rows per multi-row statement: 9 binds a row stays far below SQLite's 32,766 and
/// PostgreSQL's 65,535 bind limits.
const BATCH: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComponentHash {
    /// Algorithm as the SBOM names it, e.g. `SHA-256`.
    pub alg: String,
    /// Lower-case hex.
    pub value: String,
}

/// One component as an importer hands it to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComponent {
    /// Identity within the product version: the normalised purl, or a synthetic key for a
    /// component without one.
    pub key: String,
    pub purl: Option<String>,
    pub name: String,
    pub version: String,
    pub cpe: Option<String>,
    pub hashes: Vec<ComponentHash>,
    pub licenses: Vec<String>,
}

/// A whole SBOM, ready to store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SbomImport {
    /// `cyclonedx` or `spdx`.
    pub format: String,
    pub spec_version: String,
    /// SHA-256 of the file as received.
    pub sha256: String,
    pub components: Vec<NewComponent>,
    /// Dependency edges by component key (`from` depends on `to`); an empty `from` is the SBOM's subject (the product
    /// itself): the edges of its direct dependencies.
    pub dependencies: Vec<(String, String)>,
    /// Whether an SBOM that lists no components may empty a version that has some. Refused otherwise: a generator
    /// that failed half-way writes such documents, and the import would remove every component and retract every
    /// match.
    pub allow_empty: bool,
}

/// A dependency edge of a product version's SBOM: `from` depends on (or contains) `to`, both component keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dependency {
    /// `None`: the SBOM's subject, the product itself (`to` is a direct dependency).
    pub from: Option<String>,
    pub to: String,
}

/// Between the two keys of a [`Store::dependencies`] cursor.
const EDGE_CURSOR_SEPARATOR: char = '\u{1f}';

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Component {
    pub id: i64,
    pub product_version_id: i64,
    pub key: String,
    pub purl: Option<String>,
    pub name: String,
    pub version: String,
    pub cpe: Option<String>,
    pub hashes: Vec<ComponentHash>,
    pub licenses: Vec<String>,
}

struct ComponentRow {
    id: i64,
    product_version_id: i64,
    component_key: String,
    purl: Option<String>,
    name: String,
    version: String,
    cpe: Option<String>,
    hashes: String,
    licenses: String,
}
from_row!(ComponentRow {
    id,
    product_version_id,
    component_key,
    purl,
    name,
    version,
    cpe,
    hashes,
    licenses
});

impl ComponentRow {
    fn into_component(self) -> Result<Component> {
        let corrupt = |what: &str, e: serde_json::Error| {
            StoreError::Corrupt(format!("component {} {what}: {e}", self.id))
        };
        Ok(Component {
            hashes: serde_json::from_str(&self.hashes).map_err(|e| corrupt("hashes", e))?,
            licenses: serde_json::from_str(&self.licenses).map_err(|e| corrupt("licenses", e))?,
            id: self.id,
            product_version_id: self.product_version_id,
            key: self.component_key,
            purl: self.purl,
            name: self.name,
            version: self.version,
            cpe: self.cpe,
        })
    }
}

const COMPONENT_COLUMNS: &str =
    "id, product_version_id, component_key, purl, name, version, cpe, hashes, licenses";

/// What an import changed, as recorded in the audit event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SbomDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Keys whose name, CPE, hashes or licenses changed (same purl, so same version).
    pub changed: Vec<String>,
    /// A package that went from one version to another: one removed and one added key for
    /// the same package (purl without version). Also listed in `removed` and `added`.
    pub version_changes: Vec<VersionChange>,
    pub unchanged: usize,
    /// Dependency edges the import added and removed (the audit event lists them: an import that changed only
    /// how components depend on each other is no unchanged import).
    pub dependencies_added: usize,
    pub dependencies_removed: usize,
}

/// Dependency edges (from key, `""` for the product itself; to key) in the new set and not the old, and the other
/// way round, sorted.
struct EdgeChanges<'a> {
    added: Vec<(&'a str, &'a str)>,
    removed: Vec<(&'a str, &'a str)>,
}

/// Edges listed in an audit event; the counts are in the import's diff.
const EDGES_SHOWN: usize = 1_000;

impl<'a> EdgeChanges<'a> {
    fn between(old: &'a [(String, String)], new: &[&'a (String, String)]) -> EdgeChanges<'a> {
        let as_str = |(a, b): &'a (String, String)| (a.as_str(), b.as_str());
        let old: std::collections::BTreeSet<(&str, &str)> = old.iter().map(as_str).collect();
        let new: std::collections::BTreeSet<(&str, &str)> = new.iter().map(|e| as_str(e)).collect();
        EdgeChanges {
            added: new.difference(&old).copied().collect(),
            removed: old.difference(&new).copied().collect(),
        }
    }
}

/// `from → to` (the product written `(product)`), at most [`EDGES_SHOWN`], then how many more.
fn shown_edges(edges: &[(&str, &str)]) -> serde_json::Value {
    let mut list: Vec<String> = edges
        .iter()
        .take(EDGES_SHOWN)
        .map(|(from, to)| {
            let from = if from.is_empty() { "(product)" } else { from };
            format!("{from} → {to}")
        })
        .collect();
    if edges.len() > EDGES_SHOWN {
        list.push(format!("… and {} more", edges.len() - EDGES_SHOWN));
    }
    json!(list)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionChange {
    /// The package URL without its version.
    pub package: String,
    pub from: String,
    pub to: String,
}

/// Longest component version stored, in characters.
pub const MAX_COMPONENT_VERSION_CHARS: usize = 500;

/// Qualifiers that carry the version too (syft writes the source package with its version into `upstream`:
/// `bash-4.4-150400.25.22.src.rpm`, `coreutils@8.32-4`; rpm's `epoch`): an upgrade changes them with the version.
const VERSION_QUALIFIERS: [&str; 2] = ["epoch", "upstream"];

/// The purl without its `@version`, qualifiers and subpath kept (`pkg:rpm/x@1?arch=x86_64` and
/// `?arch=aarch64` are two packages) but for those that carry the version ([`VERSION_QUALIFIERS`]). In a purl
/// a raw `@` only separates the version (a literal one in a name is percent-encoded), and the version ends at `?`
/// or `#`.
fn versionless(key: &str) -> Option<Cow<'_, str>> {
    let at = key.find('@')?;
    if !key.starts_with("pkg:") {
        return None;
    }
    let Some(end) = key[at..].find(['?', '#']).map(|e| at + e) else {
        return Some(Cow::Borrowed(&key[..at]));
    };
    let rest = &key[end..];
    let (qualifiers, subpath) = match rest.strip_prefix('?') {
        Some(q) => match q.find('#') {
            Some(h) => (&q[..h], &q[h..]),
            None => (q, ""),
        },
        None => ("", rest),
    };
    let kept: Vec<&str> = qualifiers
        .split('&')
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(k, _)| k);
            !pair.is_empty() && !VERSION_QUALIFIERS.contains(&name)
        })
        .collect();
    let mut out = key[..at].to_owned();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out.push_str(subpath);
    Some(Cow::Owned(out))
}

/// Pairs removed and added keys of the same package when each side has exactly one.
fn version_changes(
    removed: &[String],
    added: &[String],
    old: &HashMap<String, Component>,
    new: &BTreeMap<String, NewComponent>,
) -> Vec<VersionChange> {
    // A component without purl is keyed `nopurl:[group/]name@version`: its package is the key without the
    // component's own version (a group or name may hold an `@` too: `@angular/core`).
    fn package<'k>(key: &'k str, version: Option<&str>) -> Option<Cow<'k, str>> {
        if key.starts_with("nopurl:") {
            let version = version.filter(|v| !v.is_empty())?;
            let package = key.strip_suffix(version)?.strip_suffix('@')?;
            return Some(Cow::Borrowed(package));
        }
        versionless(key)
    }
    let mut by_package: BTreeMap<Cow<'_, str>, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for k in removed {
        if let Some(p) = package(k, old.get(k).map(|c| c.version.as_str())) {
            by_package.entry(p).or_default().0.push(k);
        }
    }
    for k in added {
        if let Some(p) = package(k, new.get(k).map(|c| c.version.as_str())) {
            by_package.entry(p).or_default().1.push(k);
        }
    }
    by_package
        .into_iter()
        .filter_map(|(package, (r, a))| match (r.as_slice(), a.as_slice()) {
            ([r], [a]) => Some(VersionChange {
                package: package.into_owned(),
                from: old.get(*r).map(|c| c.version.clone()).unwrap_or_default(),
                to: new.get(*a).map(|c| c.version.clone()).unwrap_or_default(),
            }),
            _ => None,
        })
        // Only a qualifier that carries the version changed (`upstream`), not the version: no version change.
        .filter(|c| c.from != c.to)
        .collect()
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SbomImported {
    pub product_version: ProductVersion,
    pub diff: SbomDiff,
}

/// Merges duplicate keys (the last one wins, hashes and licenses are united) so the
/// (product version, key) rule holds whatever the SBOM repeats.
fn dedup(components: Vec<NewComponent>) -> BTreeMap<String, NewComponent> {
    let mut by_key: BTreeMap<String, NewComponent> = BTreeMap::new();
    for mut c in components {
        if let Some(prev) = by_key.remove(&c.key) {
            c.hashes.extend(prev.hashes);
            c.licenses.extend(prev.licenses);
        }
        // Sorted, so that the same SBOM imported twice compares equal.
        c.hashes
            .sort_by(|a, b| (&a.alg, &a.value).cmp(&(&b.alg, &b.value)));
        c.hashes.dedup();
        c.licenses.sort();
        c.licenses.dedup();
        by_key.insert(c.key.clone(), c);
    }
    by_key
}

/// The longest component key (and purl, also indexed) stored, in bytes.
const MAX_KEY_BYTES: usize = 1_000;

/// Refuses the whole SBOM when a component cannot be stored as given; reports at most the
/// first 20 problems.
fn check(components: &[NewComponent]) -> Result<()> {
    let mut errors = Vec::new();
    for (i, c) in components.iter().enumerate() {
        if errors.len() >= 20 {
            break;
        }
        let field = |f: &str| format!("components[{i}].{f}");
        if c.key.trim().is_empty() {
            errors.push(FieldError::new(field("key"), "is required"));
        }
        // Bytes, not characters: the key is indexed, alone and two to an edge, and PostgreSQL's b-tree entries end
        // near 2,700 bytes (psirt-formats refuses such SBOMs first, with the component's JSON Pointer).
        for (name, text) in [("key", Some(&c.key)), ("purl", c.purl.as_ref())] {
            let Some(text) = text else { continue };
            if text.len() > MAX_KEY_BYTES {
                let n = text.len();
                errors.push(FieldError::new(
                    field(name),
                    format!("is {n} bytes long; the limit is {MAX_KEY_BYTES}"),
                ));
            } else {
                // Control characters (the length is checked above).
                check_text(&mut errors, &field(name), text, MAX_KEY_BYTES, false);
            }
        }
        check_text(&mut errors, &field("name"), &c.name, 1_000, false);
        check_text(
            &mut errors,
            &field("version"),
            &c.version,
            MAX_COMPONENT_VERSION_CHARS,
            false,
        );
        for text in c.cpe.iter().chain(c.licenses.iter()) {
            check_text(&mut errors, &field("text"), text, 4_000, false);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors).into())
    }
}

fn same(old: &Component, new: &NewComponent) -> bool {
    old.purl == new.purl
        && old.name == new.name
        && old.version == new.version
        && old.cpe == new.cpe
        && old.hashes == new.hashes
        && old.licenses == new.licenses
}

/// Where [`Store::import_sbom`] writes: an existing version, or one it creates (product, normalised draft).
enum SbomTarget {
    Version(i64),
    New(i64, psirt_domain::ProductVersionDraft),
}

impl Store {
    /// Replaces the component set of a product version with `sbom`'s, in one transaction,
    /// calling `progress` with the number of components written so far. Counts once in
    /// [`Store::match_generation`] when it commits.
    pub async fn import_sbom(
        &self,
        actor: &Actor,
        product_version_id: i64,
        sbom: SbomImport,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<SbomImported> {
        self.import_sbom_into(
            actor,
            SbomTarget::Version(product_version_id),
            sbom,
            progress,
        )
        .await
    }

    /// [`Store::import_sbom`] into a version of `product_id` created in the same transaction: an import that fails
    /// leaves no empty version behind.
    pub async fn import_sbom_into_new_version(
        &self,
        actor: &Actor,
        product_id: i64,
        draft: psirt_domain::ProductVersionDraft,
        sbom: SbomImport,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<SbomImported> {
        let draft = draft.normalised()?;
        self.import_sbom_into(actor, SbomTarget::New(product_id, draft), sbom, progress)
            .await
    }

    async fn import_sbom_into(
        &self,
        actor: &Actor,
        target: SbomTarget,
        sbom: SbomImport,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<SbomImported> {
        check(&sbom.components)?;
        let new = dedup(sbom.components);
        let now = self.now();
        let mut diff = SbomDiff::default();
        let product_version = with_tx!(self, tx => {
            let product_version_id = match &target {
                SbomTarget::Version(id) => {
                    // Locks the version row: concurrent imports of one version take turns.
                    let locked: Option<i64> = sqlx::query_scalar(
                        "UPDATE product_versions SET updated_at = $1 WHERE id = $2 RETURNING id",
                    )
                    .bind(now)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    locked.ok_or(StoreError::NotFound("product version"))?
                }
                SbomTarget::New(product_id, v) => insert_product_version!(tx, *product_id, v, now),
            };
            let rows: Vec<ComponentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COMPONENT_COLUMNS} FROM components WHERE product_version_id = $1"
            )))
            .bind(product_version_id)
            .fetch_all(&mut *tx)
            .await?;
            // Checked here, with the version locked: a check before the import could not see one that committed
            // meanwhile.
            if new.is_empty() && !rows.is_empty() && !sbom.allow_empty {
                let n = rows.len();
                return Err(DomainError::Invalid(vec![FieldError::new(
                    "components",
                    format!(
                        "the SBOM lists no components: importing it would remove all {n} components of this version \
                         (an SBOM from a failed or partial generator?); ask for it explicitly to empty the version"
                    ),
                )])
                .into());
            }
            let mut old: HashMap<String, Component> = HashMap::with_capacity(rows.len());
            for row in rows {
                let c = row.into_component()?;
                old.insert(c.key.clone(), c);
            }
            let mut inserts = Vec::new();
            let mut updates = Vec::new();
            for (key, c) in &new {
                match old.remove(key) {
                    None => {
                        diff.added.push(key.clone());
                        inserts.push(c);
                    }
                    Some(prev) if !same(&prev, c) => {
                        diff.changed.push(key.clone());
                        updates.push((prev.id, c));
                    }
                    Some(_) => diff.unchanged += 1,
                }
            }
            diff.removed = old.keys().cloned().collect();
            diff.removed.sort();
            diff.version_changes = version_changes(&diff.removed, &diff.added, &old, &new);
            let mut written = diff.unchanged;
            for keys in diff.removed.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::new("DELETE FROM components WHERE product_version_id = ");
                q.push_bind(product_version_id).push(" AND component_key IN (");
                let mut list = q.separated(", ");
                for k in keys {
                    list.push_bind(k);
                }
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }
            for (id, c) in &updates {
                sqlx::query(
                    "UPDATE components SET purl = $1, name = $2, version = $3, cpe = $4, hashes = $5, licenses = $6 WHERE id = $7",
                )
                .bind(&c.purl)
                .bind(&c.name)
                .bind(&c.version)
                .bind(&c.cpe)
                .bind(to_json(&c.hashes)?)
                .bind(to_json(&c.licenses)?)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                written += 1;
                if written % BATCH == 0 {
                    progress(written);
                }
            }
            for chunk in inserts.chunks(BATCH) {
                let mut encoded = Vec::with_capacity(chunk.len());
                for c in chunk {
                    encoded.push((*c, to_json(&c.hashes)?, to_json(&c.licenses)?));
                }
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO components (product_version_id, component_key, purl, name, version, cpe, hashes, licenses) ",
                );
                q.push_values(&encoded, |mut b, (c, hashes, licenses)| {
                    b.push_bind(product_version_id)
                        .push_bind(&c.key)
                        .push_bind(&c.purl)
                        .push_bind(&c.name)
                        .push_bind(&c.version)
                        .push_bind(&c.cpe)
                        .push_bind(hashes)
                        .push_bind(licenses);
                });
                q.build().execute(&mut *tx).await?;
                written += chunk.len();
                progress(written);
            }
            let old_edges: Vec<(String, String)> = sqlx::query_as(
                "SELECT from_key, to_key FROM component_dependencies WHERE product_version_id = $1",
            )
            .bind(product_version_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM component_dependencies WHERE product_version_id = $1")
                .bind(product_version_id)
                .execute(&mut *tx)
                .await?;
            let mut edges: Vec<&(String, String)> = sbom
                .dependencies
                .iter()
                .filter(|(a, b)| (a.is_empty() || new.contains_key(a)) && new.contains_key(b))
                .collect();
            edges.sort();
            edges.dedup();
            let edge_changes = EdgeChanges::between(&old_edges, &edges);
            diff.dependencies_added = edge_changes.added.len();
            diff.dependencies_removed = edge_changes.removed.len();
            for chunk in edges.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO component_dependencies (product_version_id, from_key, to_key) ",
                );
                q.push_values(chunk, |mut b, (from, to)| {
                    b.push_bind(product_version_id).push_bind(from).push_bind(to);
                });
                q.build().execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE product_versions SET sbom_format = $1, sbom_spec_version = $2, sbom_sha256 = $3, sbom_imported_at = $4, component_count = $5 WHERE id = $6",
            )
            .bind(&sbom.format)
            .bind(&sbom.spec_version)
            .bind(&sbom.sha256)
            .bind(now)
            .bind(i64::try_from(new.len()).unwrap_or(i64::MAX))
            .bind(product_version_id)
            .execute(&mut *tx)
            .await?;
            // The version created with the import is audited here, next to the import: the audit head is locked
            // until commit, and taken before the components were written it would hold every other audited write
            // back for the whole import (PostgreSQL).
            if let SbomTarget::New(product_id, v) = &target {
                let mut after = crate::inventory::version_json(v);
                after["product_id"] = json!(product_id);
                audit!(tx, self, AuditDraft::new(actor, "product_version", product_version_id, "product_version.create").after(after));
            }
            audit!(tx, self, AuditDraft::new(actor, "product_version", product_version_id, "product_version.sbom_import")
                .after(json!({
                    "format": sbom.format, "spec_version": sbom.spec_version, "sha256": sbom.sha256,
                    "components": new.len(), "dependencies": edges.len(),
                    "added": diff.added, "removed": diff.removed, "changed": diff.changed,
                    "version_changes": diff.version_changes,
                    "dependencies_added": shown_edges(&edge_changes.added),
                    "dependencies_removed": shown_edges(&edge_changes.removed),
                })));
            bump_match_generation!(tx);
            // Read before the commit: a read failing after it would report a stored import as failed.
            let version: ProductVersion = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM product_versions WHERE id = $1",
                crate::inventory::VERSION_COLUMNS
            )))
            .bind(product_version_id)
            .fetch_one(&mut *tx)
            .await?;
            version
        });
        progress(new.len());
        Ok(SbomImported {
            product_version,
            diff,
        })
    }

    /// A product version's components, ordered by key, optionally those whose key or name
    /// contains `q`. The cursor is the last key of the previous page.
    pub async fn components(
        &self,
        product_version_id: i64,
        q: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Component>> {
        let after = page.cursor.clone().unwrap_or_default();
        let pattern = crate::like_pattern(q);
        let rows: Vec<ComponentRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COMPONENT_COLUMNS} FROM components WHERE product_version_id = $1 AND component_key > $2 \
                 AND ($3 IS NULL OR LOWER(component_key) LIKE $3 ESCAPE '\\' OR LOWER(name) LIKE $3 ESCAPE '\\') \
                 ORDER BY component_key LIMIT $4"
            )))
            .bind(product_version_id)
            .bind(&after)
            .bind(pattern.as_deref())
            .bind(page.limit() + 1)
            .fetch_all(p)
            .await?
        });
        let limit = usize::try_from(page.limit()).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        let mut items = rows
            .into_iter()
            .map(ComponentRow::into_component)
            .collect::<Result<Vec<_>>>()?;
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|c| c.key.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// A product version's dependency edges ordered by (from, to), with cursor paging; with `component`, only those
    /// from or to it (what it depends on, what pulls it in). The cursor is the last edge's keys joined by a unit
    /// separator (keys never hold control characters: the importer refuses them).
    pub async fn dependencies(
        &self,
        product_version_id: i64,
        component: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Dependency>> {
        let (after_from, after_to) = match page.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => (String::new(), String::new()),
            Some(c) => match c.split_once(EDGE_CURSOR_SEPARATOR) {
                Some((f, t)) => (f.to_owned(), t.to_owned()),
                None => {
                    return Err(StoreError::Domain(DomainError::Invalid(vec![
                        FieldError::new("cursor", "not a cursor of this list"),
                    ])))
                }
            },
        };
        // A row comparison, so that the cursor is an index bound (PostgreSQL), not a filter over every earlier edge;
        // and a statement of its own for one component, so that both indexes serve it (SQLite scans every edge of
        // the version for `$x IS NULL OR …`). The first page starts after ('', ''): no edge is that.
        let sql = match component {
            None => {
                "SELECT from_key, to_key FROM component_dependencies WHERE product_version_id = $1 \
                 AND (from_key, to_key) > ($2, $3) ORDER BY from_key, to_key LIMIT $4"
            }
            Some(_) => {
                "SELECT from_key, to_key FROM component_dependencies WHERE product_version_id = $1 \
                 AND (from_key, to_key) > ($2, $3) AND (from_key = $5 OR to_key = $5) ORDER BY from_key, to_key LIMIT $4"
            }
        };
        let rows: Vec<(String, String)> = with_pool!(self, p => {
            let q = sqlx::query_as(sql)
                .bind(product_version_id)
                .bind(&after_from)
                .bind(&after_to)
                .bind(page.limit() + 1);
            match component {
                Some(c) => q.bind(c),
                None => q,
            }
            .fetch_all(p)
            .await?
        });
        let limit = usize::try_from(page.limit()).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        let mut items: Vec<Dependency> = rows
            .into_iter()
            .map(|(from, to)| Dependency {
                from: (!from.is_empty()).then_some(from),
                to,
            })
            .collect();
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|d| {
                let from = d.from.as_deref().unwrap_or_default();
                format!("{from}{EDGE_CURSOR_SEPARATOR}{}", d.to)
            })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Dependency edges of a product version, by component key.
    pub async fn component_dependencies(
        &self,
        product_version_id: i64,
    ) -> Result<Vec<(String, String)>> {
        let rows = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT from_key, to_key FROM component_dependencies WHERE product_version_id = $1 ORDER BY from_key, to_key",
            )
            .bind(product_version_id)
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::versionless;

    #[test]
    fn a_package_keeps_its_qualifiers_and_subpath() {
        let cases = [
            ("pkg:npm/lodash@4.17.21", Some("pkg:npm/lodash")),
            (
                "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
                Some("pkg:rpm/fedora/curl?arch=i386&distro=fedora-25"),
            ),
            (
                "pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations",
                Some("pkg:golang/google.golang.org/genproto#googleapis/api/annotations"),
            ),
            ("pkg:npm/lodash", None),
            ("cpe:2.3:a:x:y@1", None),
            // Qualifiers that carry the version go with it (syft's rpm and deb purls).
            (
                "pkg:rpm/sles/bash@4.4-150400.25.22?arch=s390x&distro=sles-15.4&upstream=bash-4.4-150400.25.22.src.rpm",
                Some("pkg:rpm/sles/bash?arch=s390x&distro=sles-15.4"),
            ),
            (
                "pkg:deb/debian/coreutils@8.32-4%2Bb1?arch=amd64&distro=debian-11&upstream=coreutils%408.32-4",
                Some("pkg:deb/debian/coreutils?arch=amd64&distro=debian-11"),
            ),
            (
                "pkg:rpm/redhat/openssl@1.1.1k-7.el8?epoch=1",
                Some("pkg:rpm/redhat/openssl"),
            ),
        ];
        for (key, package) in cases {
            assert_eq!(versionless(key).as_deref(), package, "{key}");
        }
    }
}
