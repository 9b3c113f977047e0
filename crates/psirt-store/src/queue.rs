//! The upstream queue: undecided matches, one item per vulnerability. Records that describe the same vulnerability
//! (a PYSEC naming its GHSA, records naming the same single CVE: `psirt_domain::upstream`) are one item, and a
//! decision on the item (a dismissal here, an upstream case in `matches.rs`) covers every record of it: an analyst
//! who opened a case from the GHSA is not asked again about the PYSEC, nor tempted to dismiss it as not affected.

use std::collections::{BTreeMap, BTreeSet};

use psirt_domain::upstream::{same_vulnerability_groups, Named};
use psirt_domain::{DomainError, FieldError};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::matches::{Finding, QueueItem, QueueProductVersion, FINDING_SELECT, VEX_JUSTIFICATIONS};
use crate::{Actor, PageRequest, Result, Store, StoreError};

/// Every record with undecided matches, with each alias its records give (a record without any: one row, NULL).
pub(crate) const QUEUED_NAMES: &str = "SELECT q.record_id, a.alias FROM (SELECT DISTINCT record_id FROM matches WHERE active AND status = 'new') q \
     LEFT JOIN intel_records r ON r.record_id = q.record_id LEFT JOIN intel_aliases a ON a.record_pk = r.id";

/// The queued records in groups of the same vulnerability.
pub(crate) fn queue_groups(rows: &[(String, Option<String>)]) -> Vec<Vec<String>> {
    let mut names: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (id, alias) in rows {
        names.entry(id).or_default().extend(alias.clone());
    }
    let named: Vec<Named<'_>> = names
        .iter()
        .map(|(id, aliases)| Named { id, aliases })
        .collect();
    same_vulnerability_groups(&named)
}

/// The group of `record_id` among the queued records; itself alone when it is not queued.
pub(crate) fn group_of(groups: Vec<Vec<String>>, record_id: &str) -> Vec<String> {
    groups
        .into_iter()
        .find(|g| g.iter().any(|id| id == record_id))
        .unwrap_or_else(|| vec![record_id.to_owned()])
}

/// The names (id, and each alias, one row per alias) of the records cases are linked to: (case, record id, alias).
/// A queue item is covered by a case when one of its names is one of these ([`QueueItem::open_cases`],
/// [`crate::Store::add_upstream_to_case`]).
pub(crate) const CASE_LINK_NAMES: &str =
    "SELECT l.case_id, l.record_id, a.alias FROM case_intel_links l \
     JOIN cases c ON c.id = l.case_id LEFT JOIN intel_records r ON r.record_id = l.record_id \
     LEFT JOIN intel_aliases a ON a.record_pk = r.id";

/// What a queue item shows comes from its records and the records of their aliases (a KEV entry under the CVE a
/// GHSA names makes the GHSA "known exploited"): the ids whose records its revision covers.
pub(crate) fn item_names(group: &[String], rows: &[(String, Option<String>)]) -> Vec<String> {
    let mut names: BTreeSet<&str> = group.iter().map(String::as_str).collect();
    for (id, alias) in rows {
        if let (Some(alias), true) = (alias, group.contains(id)) {
            names.insert(alias);
        }
    }
    names.into_iter().map(str::to_owned).collect()
}

/// A queue item's revision: SHA-256 over its records (`(record id, source, content hash)`, sorted) and its undecided
/// matches' ids (sorted).
fn queue_revision<'a>(
    records: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    undecided: impl Iterator<Item = i64>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut records: Vec<_> = records.collect();
    records.sort_unstable();
    let mut ids: Vec<i64> = undecided.collect();
    ids.sort_unstable();
    let mut h = Sha256::new();
    for (record_id, source, sha) in records {
        h.update(format!("record {record_id} {source} {sha}\n"));
    }
    for id in ids {
        h.update(format!("match {id}\n"));
    }
    hex::encode(h.finalize())
}

/// The higher of two optional scores.
fn higher(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A page of the upstream queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Items in the whole queue.
    pub total: usize,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A place in the queue's order: last raised first, then by first record id. Written `NANOS:RECORD-ID` (the
/// raise time in Unix nanoseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
struct QueueCursor {
    raised_at: OffsetDateTime,
    record_id: String,
}

impl Ord for QueueCursor {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .raised_at
            .cmp(&self.raised_at)
            .then_with(|| self.record_id.cmp(&other.record_id))
    }
}

impl PartialOrd for QueueCursor {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for QueueCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}",
            self.raised_at.unix_timestamp_nanos(),
            self.record_id
        )
    }
}

impl QueueCursor {
    fn parse(text: &str) -> Result<QueueCursor> {
        let invalid = || {
            StoreError::from(DomainError::Invalid(vec![FieldError::new(
                "cursor",
                "is not a cursor of the upstream queue (use next_cursor as given)",
            )]))
        };
        let (nanos, record_id) = text.split_once(':').ok_or_else(invalid)?;
        let nanos: i128 = nanos.parse().map_err(|_| invalid())?;
        let raised_at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| invalid())?;
        if record_id.is_empty() {
            return Err(invalid());
        }
        Ok(QueueCursor {
            raised_at,
            record_id: record_id.to_owned(),
        })
    }
}

/// The page of `groups` (of queued record ids) after `after`, in the queue's order (last raised first, then by
/// first record id; `seen`: each record's first and last raise), at most `limit` of them; with the whole queue's
/// size and the next page's cursor.
fn page_of(
    groups: Vec<Vec<String>>,
    seen: &BTreeMap<String, (OffsetDateTime, OffsetDateTime)>,
    after: Option<&QueueCursor>,
    limit: usize,
) -> (Vec<Vec<String>>, usize, Option<String>) {
    let mut ordered: Vec<(QueueCursor, Vec<String>)> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            let raised = g
                .iter()
                .filter_map(|id| seen.get(id))
                .map(|&(_, r)| r)
                .max();
            let key = QueueCursor {
                raised_at: raised.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                record_id: g[0].clone(),
            };
            (key, g)
        })
        .collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    let total = ordered.len();
    let mut page: Vec<(QueueCursor, Vec<String>)> = ordered
        .into_iter()
        .filter(|(key, _)| after.is_none_or(|a| key > a))
        .take(limit.saturating_add(1))
        .collect();
    let next_cursor = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|(key, _)| key.to_string())
    } else {
        None
    };
    (
        page.into_iter().map(|(_, g)| g).collect(),
        total,
        next_cursor,
    )
}

/// An item being put together from its records' undecided matches.
#[derive(Default)]
struct Gathered {
    summary: Option<String>,
    cvss_score: Option<f64>,
    exploited: bool,
    epss: Option<f64>,
    /// (product, version, product version id) → purls.
    product_versions: BTreeMap<(String, String, i64), BTreeSet<String>>,
    match_ids: Vec<i64>,
}

impl Store {
    /// The records `record_id`'s queue item holds (itself alone when it is not in the queue), sorted.
    pub async fn upstream_group(&self, record_id: &str) -> Result<Vec<String>> {
        let rows: Vec<(String, Option<String>)> = with_pool!(self, p => {
            sqlx::query_as(QUEUED_NAMES).fetch_all(p).await?
        });
        Ok(group_of(queue_groups(&rows), record_id))
    }

    /// The whole upstream queue (tests, and callers that need every item): [`Store::upstream_queue_page`] unpaged.
    pub async fn upstream_queue(&self) -> Result<Vec<QueueItem>> {
        Ok(self.queue_page(None, usize::MAX).await?.items)
    }

    /// Active, undecided matches, one item per vulnerability, the most recently raised first: a page of them (its
    /// cursor the page before's [`QueuePage::next_cursor`]). A first OSV sync against a large inventory queues tens
    /// of thousands: only the page's items are read in full.
    pub async fn upstream_queue_page(&self, page: &PageRequest) -> Result<QueuePage> {
        let limit = usize::try_from(page.limit()).unwrap_or(1);
        self.queue_page(page.cursor.as_deref(), limit).await
    }

    async fn queue_page(&self, after: Option<&str>, limit: usize) -> Result<QueuePage> {
        let after = after.map(QueueCursor::parse).transpose()?;
        // The records' content before the matches shown: a record changed between the reads makes the revision
        // older than what is shown (a dismissal is refused, and the analyst looks again), never newer. A record
        // queued between the reads is an item of its own here, and makes its group's revision differ at dismissal.
        let names: Vec<(String, Option<String>)> = with_pool!(self, p => {
            sqlx::query_as(QUEUED_NAMES).fetch_all(p).await?
        });
        let seen: Vec<(String, OffsetDateTime, OffsetDateTime)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT record_id, MIN(first_seen_at), MAX(COALESCE(raised_at, first_seen_at)) FROM matches \
                 WHERE active AND status = 'new' GROUP BY record_id",
            )
            .fetch_all(p)
            .await?
        });
        let seen: BTreeMap<String, (OffsetDateTime, OffsetDateTime)> = seen
            .into_iter()
            .map(|(id, first, raised)| (id, (first, raised)))
            .collect();
        let (page, total, next_cursor) =
            page_of(queue_groups(&names), &seen, after.as_ref(), limit);
        let mut page_ids: Vec<&str> = page.iter().flatten().map(String::as_str).collect();
        page_ids.sort_unstable();
        // The page's records and the records of their aliases (what the revision covers).
        let mut watched: BTreeSet<&str> = page_ids.iter().copied().collect();
        for (id, alias) in &names {
            if let (Some(alias), Ok(_)) = (alias, page_ids.binary_search(&id.as_str())) {
                watched.insert(alias);
            }
        }
        let watched: Vec<&str> = watched.into_iter().collect();
        let mut records: Vec<(String, String, String)> = Vec::new();
        for chunk in watched.chunks(500) {
            let part: Vec<(String, String, String)> = with_pool!(self, p => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT record_id, source, content_sha256 FROM intel_records WHERE record_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await?
            });
            records.extend(part);
        }
        // By record id (sorted ids, chunk after chunk), then product, version and purl.
        let mut rows: Vec<Finding> = Vec::new();
        for chunk in page_ids.chunks(500) {
            let part: Vec<Finding> = with_pool!(self, p => {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "{FINDING_SELECT} WHERE m.active AND m.status = 'new' AND m.record_id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                // Byte order, as the ids were sorted: the first row's summary is the first record's.
                q.push(format!(
                    ") ORDER BY m.record_id{}, p.name, pv.version, m.purl",
                    self.bytewise()
                ));
                q.build_query_as().fetch_all(p).await?
            });
            rows.extend(part);
        }
        // The names (id and aliases) of the records open cases are linked to.
        let links: Vec<(i64, String, Option<String>)> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{CASE_LINK_NAMES} WHERE c.state NOT IN ('closed', 'rejected')"
            )))
            .fetch_all(p)
            .await?
        });
        let mut case_names: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for (case_id, record_id, alias) in links {
            let names = case_names.entry(case_id).or_default();
            names.insert(record_id);
            names.extend(alias);
        }
        let mut records_of: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for (id, source, sha) in &records {
            records_of.entry(id).or_default().push((source, sha));
        }
        let mut aliases_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (id, alias) in &names {
            aliases_of.entry(id).or_default().extend(alias.as_deref());
        }
        let groups = queue_groups(&names);
        let group_index: BTreeMap<&str, usize> = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.iter().map(move |id| (id.as_str(), i)))
            .collect();
        // Keyed by group (a record queued since the groups were read: by its own id).
        let mut gathered: BTreeMap<Result<usize, String>, (BTreeSet<String>, Gathered)> =
            BTreeMap::new();
        for f in rows {
            let key = group_index
                .get(f.record_id.as_str())
                .copied()
                .ok_or_else(|| f.record_id.clone());
            let (members, g) = gathered.entry(key).or_default();
            members.insert(f.record_id.clone());
            // Rows come by record id: the first record's summary, else the next one's.
            if g.summary.is_none() {
                g.summary = f.summary.clone();
            }
            g.cvss_score = higher(g.cvss_score, f.cvss_score);
            g.exploited |= f.exploited;
            g.epss = higher(g.epss, f.epss);
            g.product_versions
                .entry((f.product, f.version, f.product_version_id))
                .or_default()
                .insert(f.purl);
            g.match_ids.push(f.match_id);
        }
        let mut items: Vec<QueueItem> = gathered
            .into_values()
            .map(|(members, g)| {
                let record_ids: Vec<String> = members.into_iter().collect();
                let record_id = record_ids[0].clone();
                let times = record_ids.iter().filter_map(|id| seen.get(id));
                let first_seen_at = times.clone().map(|&(first, _)| first).min();
                let raised_at = times.map(|&(_, raised)| raised).max();
                let aliases: BTreeSet<&str> = record_ids
                    .iter()
                    .filter_map(|id| aliases_of.get(id.as_str()))
                    .flatten()
                    .copied()
                    .filter(|a| *a != record_id)
                    .collect();
                let watched: BTreeSet<&str> = record_ids
                    .iter()
                    .map(String::as_str)
                    .chain(aliases.iter().copied())
                    .collect();
                let open_cases = case_names
                    .iter()
                    .filter(|(_, names)| names.iter().any(|n| watched.contains(n.as_str())))
                    .map(|(&case_id, _)| case_id)
                    .collect();
                let revision = queue_revision(
                    watched.iter().flat_map(|id| {
                        let of_id = records_of.get(id).map_or(&[][..], Vec::as_slice);
                        of_id.iter().map(|&(source, sha)| (*id, source, sha))
                    }),
                    g.match_ids.into_iter(),
                );
                QueueItem {
                    aliases: aliases.into_iter().map(str::to_owned).collect(),
                    summary: g.summary,
                    cvss_score: g.cvss_score,
                    exploited: g.exploited,
                    epss: g.epss,
                    product_versions: g
                        .product_versions
                        .into_iter()
                        .map(|((product, version, product_version_id), purls)| {
                            QueueProductVersion {
                                product_version_id,
                                product,
                                version,
                                purls: purls.into_iter().collect(),
                            }
                        })
                        .collect(),
                    first_seen_at: first_seen_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    raised_at: raised_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    revision,
                    open_cases,
                    record_id,
                    record_ids,
                }
            })
            .collect();
        items.sort_by(|a, b| {
            b.raised_at
                .cmp(&a.raised_at)
                .then(a.record_id.cmp(&b.record_id))
        });
        Ok(QueuePage {
            items,
            total,
            next_cursor,
        })
    }

    /// Dismisses the undecided matches of `record_id`'s queue item — every record of the same vulnerability — (in
    /// one product version, or all) with a VEX justification. Returns how many were dismissed. Without a
    /// `revision` the caller has not seen the item: only `record_id`'s own matches are dismissed.
    ///
    /// `revision` is the [`QueueItem::revision`] the decision was made on: when given and the records' content or
    /// their undecided matches (a product version newly hit, a record of the same vulnerability newly queued) have
    /// changed since, nothing is dismissed (Conflict), so that no dismissal covers what the analyst never saw.
    pub async fn dismiss_matches(
        &self,
        actor: &Actor,
        record_id: &str,
        product_version_id: Option<i64>,
        justification: &str,
        note: &str,
        revision: Option<&str>,
    ) -> Result<usize> {
        if !VEX_JUSTIFICATIONS.contains(&justification) {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "justification",
                format!("must be one of {}", VEX_JUSTIFICATIONS.join(", ")),
            )])
            .into());
        }
        let mut errors = Vec::new();
        psirt_domain::report::check_text(&mut errors, "note", note, 10_000, false);
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors).into());
        }
        let now = self.now();
        let n = with_tx!(self, tx => {
            let names: Vec<(String, Option<String>)> =
                sqlx::query_as(QUEUED_NAMES).fetch_all(&mut *tx).await?;
            // Without a revision the caller has not seen the item: the dismissal covers the record it names only.
            let group = match revision {
                Some(_) => group_of(queue_groups(&names), record_id),
                None => vec![record_id.to_owned()],
            };
            let watched = item_names(&group, &names);
            // The records first (shared, PostgreSQL, in the (source, id) order an import takes them): the
            // dismissal holds for the content it reads, and an import changing a record meanwhile (which resets
            // dismissals of other content) must not commit unseen between that read and this commit. An import
            // takes a record, then its matches: the same order.
            // The content read before any lock is what the decision was made against (the analyst's request came
            // before any import still running); it is read again once every lock is held (below), and anything
            // changed in between — a record updated while this waited for its lock, a source inserted while it waited
            // for the match locks, which no record lock covers — is refused: review it again.
            const RECORDS: &str = "SELECT id, record_id, source, content_sha256 FROM intel_records WHERE record_id IN";
            // In byte order on every backend, as an import sorts the records it locks.
            let order = format!("ORDER BY source{c}, record_id{c}", c = self.bytewise());
            let mut seen: Vec<(i64, String, String, String)> =
                with_ids!(RECORDS, &watched, &order).build_query_as().fetch_all(&mut *tx).await?;
            let locked: Vec<(i64, String, String, String)> =
                with_ids!(RECORDS, &watched, format!("{order}{}", self.for_share()))
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await?;
            // Lock order: the match rows (in (record, component) order, as every writer of matches takes them),
            // then the audit head, as in `open_upstream_case`. Every undecided match of the item: the revision
            // covers them all.
            let undecided: Vec<(i64, String, i64)> = with_ids!(
                "SELECT id, record_id, product_version_id FROM matches WHERE status = 'new' AND active AND record_id IN",
                &group,
                format!("ORDER BY record_id{}, component_id{}", self.bytewise(), self.for_update())
            )
            .build_query_as()
            .fetch_all(&mut *tx)
            .await?;
            let mut now_records: Vec<(i64, String, String, String)> =
                with_ids!(RECORDS, &watched, &order).build_query_as().fetch_all(&mut *tx).await?;
            seen.sort_unstable();
            now_records.sort_unstable();
            if now_records != seen {
                return Err(StoreError::Conflict(format!(
                    "{record_id} changed while it was being dismissed: review it again"
                )));
            }
            // Exactly the rows read and locked: a match committed after that read (a new product version hit) is
            // not dismissed unseen.
            let mut in_scope: Vec<i64> = undecided
                .iter()
                .filter(|&&(_, _, pv)| product_version_id.is_none_or(|want| want == pv))
                .map(|&(id, _, _)| id)
                .collect();
            in_scope.sort_unstable();
            // Nothing undecided (another analyst decided first) is said as such, before any revision.
            if let (Some(expected), false) = (revision, in_scope.is_empty()) {
                let now_revision = queue_revision(
                    locked.iter().map(|(_, id, source, sha)| (id.as_str(), source.as_str(), sha.as_str())),
                    undecided.iter().map(|&(id, _, _)| id),
                );
                if !now_revision.eq_ignore_ascii_case(expected.trim()) {
                    return Err(StoreError::Conflict(format!(
                        "{record_id} changed since the queue was shown (its records or the product versions they hit): review it again"
                    )));
                }
            }
            // Per record, with the content hash read under lock (not a later read: a source inserted meanwhile is
            // not what was decided on), and audited in the record's own trail (where its re-raise is written too).
            let mut dismissed: Vec<(&str, Vec<i64>)> = Vec::new();
            for member in &group {
                let ids: Vec<String> = undecided
                    .iter()
                    .filter(|(id, record, _)| record == member && in_scope.binary_search(id).is_ok())
                    .map(|(id, _, _)| id.to_string())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let sha: Option<&str> = locked
                    .iter()
                    .filter(|(_, id, _, _)| id == member)
                    .map(|(_, _, _, sha)| sha.as_str())
                    .min();
                let list = ids.join(", ");
                let mut done: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "UPDATE matches SET status = 'dismissed', justification = $1, note = $2, decided_by = $3, decided_at = $4, updated_at = $4, \
                     record_sha256 = COALESCE($5, record_sha256) WHERE id IN ({list}) AND status = 'new' AND active RETURNING id"
                )))
                .bind(justification).bind(note).bind(actor.user_id()).bind(now).bind(sha)
                .fetch_all(&mut *tx)
                .await?;
                done.sort_unstable();
                if !done.is_empty() {
                    dismissed.push((member, done));
                }
            }
            for (record, ids) in &dismissed {
                audit!(tx, self, AuditDraft::new(actor, "intel_record", *record, "match.dismiss").after(json!({
                    "record_id": record, "decided_as": record_id, "records": group,
                    "product_version_id": product_version_id, "justification": justification, "note": note, "matches": ids,
                })));
            }
            dismissed.iter().map(|(_, ids)| ids.len()).sum::<usize>()
        });
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_does_not_depend_on_the_order_it_is_given_in_and_names_every_part() {
        let a = queue_revision(
            [("PYSEC-1", "osv", "aa"), ("GHSA-1", "osv", "bb")].into_iter(),
            [3, 1].into_iter(),
        );
        let b = queue_revision(
            [("GHSA-1", "osv", "bb"), ("PYSEC-1", "osv", "aa")].into_iter(),
            [1, 3].into_iter(),
        );
        assert_eq!(a, b);
        let other_content = queue_revision(
            [("GHSA-1", "osv", "bc"), ("PYSEC-1", "osv", "aa")].into_iter(),
            [1, 3].into_iter(),
        );
        let other_matches = queue_revision(
            [("GHSA-1", "osv", "bb"), ("PYSEC-1", "osv", "aa")].into_iter(),
            [1, 3, 4].into_iter(),
        );
        assert!(a != other_content && a != other_matches && other_content != other_matches);
    }

    #[test]
    fn a_record_outside_the_queue_is_its_own_group() {
        let rows = vec![
            ("GHSA-1".to_owned(), Some("CVE-1".to_owned())),
            ("PYSEC-1".to_owned(), Some("CVE-1".to_owned())),
            ("PYSEC-1".to_owned(), Some("GHSA-1".to_owned())),
            ("OSV-1".to_owned(), None),
        ];
        assert_eq!(
            group_of(queue_groups(&rows), "PYSEC-1"),
            ["GHSA-1", "PYSEC-1"]
        );
        assert_eq!(group_of(queue_groups(&rows), "OSV-1"), ["OSV-1"]);
        assert_eq!(group_of(queue_groups(&rows), "GO-1"), ["GO-1"]);
    }
}
