//! The impact-analysis engine wired to the store: psirt-match's in-memory index over the stored
//! intel records and SBOM components, kept current incrementally (an SBOM import re-matches its
//! product version, a changed record re-matches that record) and persisted as matches.

use std::collections::HashMap;

use psirt_match::{AdvisoryInput, ComponentInput, Index, Match};
use psirt_store::{MatchKey, MatchesApplied, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Match(#[from] psirt_match::Error),
    /// A full re-match gave up on a store that kept changing while it loaded (see [`Engine::load_reconciled`]).
    #[error("the intel or inventory kept changing while matching; the matches are brought in line at a later use")]
    Behind,
}

/// The index plus what loading it skipped.
pub struct Engine {
    index: Index,
    /// Advisories (ids) with `affected` entries the index left out (ranges that do not compile, e.g. a version
    /// its ecosystem cannot parse; their other entries are matched); each once.
    pub skipped_records: Vec<String>,
    /// Components whose purl does not parse.
    pub skipped_components: usize,
    /// The match generation read before the inputs were: a change committed while loading shows as a newer one.
    pub loaded_at: i64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("stats", &self.index.stats())
            .field("skipped_records", &self.skipped_records.len())
            .finish()
    }
}

fn key(m: &Match) -> MatchKey {
    MatchKey {
        record_id: m.advisory_id.to_string(),
        component_id: m.component_id,
        product_version_id: m.product_version_id,
    }
}

fn keys(ms: &[Match]) -> Vec<MatchKey> {
    ms.iter().map(key).collect()
}

fn parse_input(text: &str) -> Result<AdvisoryInput, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("match input: {e}")))
}

/// The records of one id as one advisory. Records of different sources may share an id (a CVE's CVE 5 record and
/// an OSV `CVE-…` record); to the index, which keys advisories by id as the stored matches do, they are one advisory
/// with the packages of all, its aliases the union, its `modified` the latest. (The index leaves out an entry that
/// does not compile, not the advisory.)
fn merged(group: Vec<AdvisoryInput>) -> Option<AdvisoryInput> {
    let mut out: Option<AdvisoryInput> = None;
    for input in group {
        match &mut out {
            Some(into) => {
                for alias in input.aliases {
                    if !into.aliases.contains(&alias) {
                        into.aliases.push(alias);
                    }
                }
                into.affected.extend(input.affected);
                if input.modified > into.modified {
                    into.modified = input.modified;
                }
            }
            None => out = Some(input),
        }
    }
    out
}

/// The advisory the engine holds for `id`: the match inputs of every record of that id, merged (see [`merged`]).
pub async fn advisory_input_of(
    store: &Store,
    id: &str,
) -> Result<Option<AdvisoryInput>, EngineError> {
    let inputs = store
        .advisory_inputs_of(id)
        .await?
        .iter()
        .map(|text| parse_input(text))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(merged(inputs))
}

/// [`advisory_input_of`] of several ids, read in one batch.
pub async fn advisory_inputs_for(
    store: &Store,
    ids: &[String],
) -> Result<std::collections::HashMap<String, AdvisoryInput>, EngineError> {
    let mut out = std::collections::HashMap::new();
    for (id, texts) in store.advisory_inputs_of_ids(ids).await? {
        let inputs = texts
            .iter()
            .map(|text| parse_input(text))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(input) = merged(inputs) {
            out.insert(id, input);
        }
    }
    Ok(out)
}

impl Engine {
    /// Only the advisories (no inventory): for scanning an SBOM that is not stored.
    pub async fn load_advisories(store: &Store) -> Result<Engine, EngineError> {
        let mut engine = Engine {
            index: Index::new(),
            skipped_records: Vec::new(),
            skipped_components: 0,
            loaded_at: store.match_generation().await?,
        };
        // The records of an id come together: merged and indexed group by group, not all parsed first.
        let mut group: Vec<AdvisoryInput> = Vec::new();
        let texts = store.advisory_inputs().await?;
        for text in &texts {
            let input = parse_input(text)?;
            if group.last().is_some_and(|g| g.id != input.id) {
                engine.index_group(std::mem::take(&mut group));
            }
            group.push(input);
        }
        engine.index_group(group);
        Ok(engine)
    }

    /// Notes an advisory (id) whose entries the index left out, wholly or in part, once.
    fn skip(&mut self, id: String, why: &[psirt_match::Error]) {
        if !self.skipped_records.contains(&id) {
            let first = why.first().map(ToString::to_string).unwrap_or_default();
            tracing::warn!(advisory = %id, entries = why.len(), "affected entries whose ranges do not compile match nothing: {first}");
            self.skipped_records.push(id);
        }
    }

    /// Upserts an advisory, noting the entries left out; `None` when the index refused it whole (an empty id).
    fn upsert(&mut self, input: AdvisoryInput) -> Option<psirt_match::Changes> {
        let id = input.id.clone();
        match self.index.upsert_advisory(input) {
            Ok(changes) => {
                if !changes.skipped.is_empty() {
                    self.skip(id, &changes.skipped);
                }
                Some(changes)
            }
            Err(e) => {
                self.skip(id, &[e]);
                None
            }
        }
    }

    /// Indexes the inputs of one id (merged), recording what was left out.
    fn index_group(&mut self, group: Vec<AdvisoryInput>) {
        if let Some(input) = merged(group) {
            self.upsert(input);
        }
    }

    /// Advisories and every stored product version's components.
    pub async fn load(store: &Store) -> Result<Engine, EngineError> {
        let mut engine = Engine::load_advisories(store).await?;
        let mut by_pv: HashMap<i64, Vec<ComponentInput>> = HashMap::new();
        for (component_id, product_version_id, purl) in store.component_inputs().await? {
            by_pv
                .entry(product_version_id)
                .or_default()
                .push(ComponentInput {
                    component_id,
                    product_version_id,
                    purl,
                });
        }
        for (pv, comps) in by_pv {
            // No match changes: `reconcile` brings the stored matches in line with the whole index afterwards.
            let ok = engine.parsable(comps);
            // Only parsable purls are left, each component once per product version: nothing to refuse — but
            // should the index refuse anyway, its components are counted as skipped rather than lost unseen.
            if engine
                .index
                .load_product_version_components(pv, &ok)
                .is_err()
            {
                engine.skipped_components += ok.len();
            }
        }
        Ok(engine)
    }

    /// The components whose purl parses (the others are counted as skipped).
    fn parsable(&mut self, comps: Vec<ComponentInput>) -> Vec<ComponentInput> {
        let (ok, bad): (Vec<_>, Vec<_>) = comps
            .into_iter()
            // A canonical purl (what the importer stores) parses by definition: checked in one pass, not parsed.
            .partition(|c| {
                psirt_versions::Purl::is_canonical(&c.purl)
                    || psirt_versions::Purl::parse(&c.purl).is_ok()
            });
        self.skipped_components += bad.len();
        ok
    }

    /// Sets a product version's components, skipping those whose purl does not parse.
    fn set_components(&mut self, pv: i64, comps: Vec<ComponentInput>) -> psirt_match::Changes {
        let ok = self.parsable(comps);
        self.index
            .set_product_version_components(pv, &ok)
            .unwrap_or_default()
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Recomputes every match and brings the stored ones in line, if nothing that matching reads changed since the
    /// engine was loaded: `None` when it had (load again). A stale engine (a CLI's, another server's) would retract
    /// the matches of components it never saw and revive those of components since removed, and nothing would set
    /// them right (the generation does not move for it). A change committed while the changes are applied is seen
    /// only afterwards: `None` too, when part of them may be stale — the next load's reconcile sets them right.
    pub async fn reconcile_if_current(
        &self,
        store: &Store,
    ) -> Result<Option<MatchesApplied>, EngineError> {
        if store.match_generation().await? != self.loaded_at {
            return Ok(None);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let all = keys(&self.index.rematch_all(threads));
        if store.match_generation().await? != self.loaded_at {
            return Ok(None);
        }
        let applied = store.reconcile_matches(&all).await?;
        Ok((store.match_generation().await? == self.loaded_at).then_some(applied))
    }

    /// Loads everything and brings the stored matches in line (CLI imports, start-up, a reload), loading again while
    /// other writers commit meanwhile. After [`RECONCILE_TRIES`] it gives up (`None` beside the loaded engine): the
    /// matches may lag behind writers that keep committing (a long import), and the generation is moved, so that
    /// every engine reloads and reconciles at its next use, after them.
    pub async fn load_reconciled(
        store: &Store,
    ) -> Result<(Engine, Option<MatchesApplied>), EngineError> {
        let mut tries = 0;
        loop {
            let engine = Engine::load(store).await?;
            if let Some(applied) = engine.reconcile_if_current(store).await? {
                return Ok((engine, Some(applied)));
            }
            tries += 1;
            if tries == RECONCILE_TRIES {
                store.mark_matches_behind().await?;
                return Ok((engine, None));
            }
        }
    }

    /// Re-reads the given records from the store into the index and persists what changed.
    pub async fn refresh_records(
        &mut self,
        store: &Store,
        records: &[(String, String)],
    ) -> Result<MatchesApplied, EngineError> {
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        // By id, not (source, id): the index and the matches know an advisory by its id, and a changed record's
        // advisory is what every record of that id says (a KEV entry, which has no packages, changing must not
        // retract the matches of the CVE 5 record of the same id).
        let mut ids: Vec<&str> = records.iter().map(|(_, id)| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let changes = match advisory_input_of(store, id).await? {
                Some(input) => match self.upsert(input) {
                    Some(c) => c,
                    None => self.index.remove_advisory(id),
                },
                None => self.index.remove_advisory(id),
            };
            added.extend(keys(&changes.added));
            removed.extend(keys(&changes.removed));
        }
        Ok(store.apply_match_changes(&added, &removed).await?)
    }

    /// Re-reads one product version's components and persists what changed.
    pub async fn refresh_product_version(
        &mut self,
        store: &Store,
        product_version_id: i64,
    ) -> Result<MatchesApplied, EngineError> {
        let comps = store
            .component_inputs_of(product_version_id)
            .await?
            .into_iter()
            .map(|(component_id, purl)| ComponentInput {
                component_id,
                product_version_id,
                purl,
            })
            .collect();
        let changes = self.set_components(product_version_id, comps);
        Ok(store
            .apply_match_changes(&keys(&changes.added), &keys(&changes.removed))
            .await?)
    }

    /// The advisories affecting `purl@version`.
    pub fn advisories_for(&self, purl: &str) -> Result<Vec<String>, EngineError> {
        Ok(self
            .index
            .advisories_for(purl)?
            .iter()
            .map(|a| a.to_string())
            .collect())
    }
}

/// Loads of [`Engine::load_reconciled`] before it gives up on a moving store.
const RECONCILE_TRIES: usize = 3;

/// The server's engine: loaded on first use, reloaded (and the stored matches reconciled) when
/// the intel or inventory changed behind its back (a CLI import into the same database).
#[derive(Clone, Default)]
pub struct SharedEngine(std::sync::Arc<tokio::sync::Mutex<Slot>>);

#[derive(Default)]
struct Slot {
    engine: Option<Engine>,
    /// The match generation (`Store::match_generation`) the engine holds.
    generation: i64,
    /// When a reload last gave up on a store that kept changing: reads use the engine loaded then, without loading
    /// again for [`GIVE_UP_BACKOFF`] (three full loads per request would not catch up either).
    gave_up_at: Option<std::time::Instant>,
}

const GIVE_UP_BACKOFF: std::time::Duration = std::time::Duration::from_secs(30);

/// What an import saw of the match generation: before it began, after it ended, and how many of the writes that
/// count (one per committed `import_sbom` or `upsert_intel_records` call) were its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportWindow {
    pub before: i64,
    pub after: i64,
    pub own: i64,
}

impl ImportWindow {
    /// No other writer committed between `before` and `after`: every write that counts moves the generation by one.
    pub fn alone(&self) -> bool {
        self.after - self.before == self.own
    }
}

impl SharedEngine {
    /// The loaded, current engine (loading or reloading it first if needed).
    async fn current<'a>(slot: &'a mut Slot, store: &Store) -> Result<&'a mut Engine, EngineError> {
        let generation = store.match_generation().await?;
        let backing_off = slot.engine.is_some()
            && slot
                .gave_up_at
                .is_some_and(|at| at.elapsed() < GIVE_UP_BACKOFF);
        if (slot.engine.is_none() || slot.generation != generation) && !backing_off {
            // A reload that gives up still leaves an engine to read (see `reload`).
            match Self::reload(slot, store).await {
                Ok(_) | Err(EngineError::Behind) => {}
                Err(e) => return Err(e),
            }
        }
        slot.engine
            .as_mut()
            .ok_or(EngineError::Store(StoreError::NotFound("engine")))
    }

    /// Brings the engine and the stored matches up to date.
    pub async fn ensure(&self, store: &Store) -> Result<(), EngineError> {
        let mut slot = self.0.lock().await;
        Self::current(&mut slot, store).await.map(|_| ())
    }

    /// After an SBOM import into `product_version_id`. If the engine held the generation the import started from
    /// and nothing but the import moved it, only this version is re-matched; otherwise (a CLI import or another
    /// server meanwhile, or not loaded yet) everything is reloaded, so a change made by another writer in between
    /// is never taken for seen.
    pub async fn product_version_changed(
        &self,
        store: &Store,
        product_version_id: i64,
        window: ImportWindow,
    ) -> Result<MatchesApplied, EngineError> {
        let mut slot = self.0.lock().await;
        let own_change_only = slot.generation == window.before && window.alone();
        match slot.engine.as_mut() {
            Some(engine) if own_change_only => {
                let applied = engine
                    .refresh_product_version(store, product_version_id)
                    .await?;
                slot.generation = window.after;
                Ok(applied)
            }
            _ => Self::reload(&mut slot, store).await,
        }
    }

    /// After a feed import changed `records` ((source, id) pairs); `window` as above.
    pub async fn records_changed(
        &self,
        store: &Store,
        records: &[(String, String)],
        window: ImportWindow,
    ) -> Result<MatchesApplied, EngineError> {
        let mut slot = self.0.lock().await;
        let own_change_only = slot.generation == window.before && window.alone();
        match slot.engine.as_mut() {
            Some(engine) if own_change_only => {
                let applied = engine.refresh_records(store, records).await?;
                slot.generation = window.after;
                Ok(applied)
            }
            _ => Self::reload(&mut slot, store).await,
        }
    }

    /// Reloads everything, holding the generation read before loading: a change committed while loading shows as
    /// a newer generation and makes the next use reload again. A reload that gave up keeps the engine it loaded for
    /// reads and says [`EngineError::Behind`].
    async fn reload(slot: &mut Slot, store: &Store) -> Result<MatchesApplied, EngineError> {
        let (engine, applied) = Engine::load_reconciled(store).await?;
        slot.generation = engine.loaded_at;
        slot.engine = Some(engine);
        slot.gave_up_at = applied.is_none().then(std::time::Instant::now);
        applied.ok_or(EngineError::Behind)
    }

    /// The advisories affecting `purl@version`.
    pub async fn advisories_for(
        &self,
        store: &Store,
        purl: &str,
    ) -> Result<Vec<String>, EngineError> {
        let mut slot = self.0.lock().await;
        Self::current(&mut slot, store).await?.advisories_for(purl)
    }
}

#[cfg(test)]
mod tests {
    use super::merged;
    use psirt_match::AdvisoryInput;

    fn input(id: &str, aliases: &[&str], modified: &str, packages: &[&str]) -> AdvisoryInput {
        serde_json::from_value(serde_json::json!({
            "id": id, "aliases": aliases, "modified": modified,
            "affected": packages.iter().map(|p| serde_json::json!({
                "ecosystem": "PyPI", "name": p,
                "ranges": {"ecosystem": "PyPI", "ranges": [], "versions": ["1.0"]},
            })).collect::<Vec<_>>(),
        }))
        .unwrap()
    }

    #[test]
    fn records_of_one_id_are_one_advisory_with_the_packages_of_all() {
        let one = merged(vec![
            input("CVE-1", &["GHSA-a"], "2024-01-01T00:00:00Z", &["jinja2"]),
            input(
                "CVE-1",
                &["GHSA-a", "PYSEC-1"],
                "2025-01-01T00:00:00Z",
                &["requests"],
            ),
        ])
        .unwrap();
        let names: Vec<&str> = one.affected.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["jinja2", "requests"]);
        assert_eq!(one.aliases, ["GHSA-a", "PYSEC-1"]);
        assert_eq!(one.modified, "2025-01-01T00:00:00Z");
        assert_eq!(merged(Vec::new()), None);
    }
}
