//! Intel records (idempotent, incremental, alias merge, EPSS) and matches (raise, retract,
//! dismiss until the record changes, open an upstream case).

use psirt_domain::deadline::cra::{AwarenessSource, CraTrack};
use psirt_domain::{ProductDraft, ProductVersionDraft};
use psirt_store::cases::NewCase;
use psirt_store::{
    KevEntry, MatchKey, NewComponent, NewEpss, NewIntelRecord, SbomImport, Store, StoreError,
    Upserted,
};
use time::macros::{date, datetime};

use super::{admin, run};

both_backends!(
    intel_import_is_idempotent_and_incremental,
    aliases_merge_into_one_vulnerability,
    matches_raise_retract_dismiss_and_open_case,
    queue_items_join_the_records_of_one_vulnerability,
    feed_sources_record_attempts,
    feed_syncs_claim_their_source,
    concurrent_imports_of_the_same_records,
    concurrent_upstream_opens_make_one_case,
    upstream_open_races_dismiss,
    dismissal_waits_for_a_change_of_its_record,
    a_dismissal_is_kept_only_while_no_import_changes_its_record,
    kev_upstream_case_starts_cra_with_the_case,
    uncovered_cases_are_named_by_record_and_aliases,
    match_generation_counts_each_committed_import,
);

/// Two imports of the same new records at once, in opposite orders (two feeds or two servers): both succeed, each
/// record is inserted once (by one of them; the other finds it unchanged), nothing deadlocks. On PostgreSQL the
/// second insert of a record failed on its unique key before.
async fn concurrent_imports_of_the_same_records(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    for round in 0..5 {
        let batch: Vec<NewIntelRecord> = (0..60)
            .map(|i| record("osv", &format!("GHSA-cc{round}-{i:03}"), &[], t, "v1"))
            .collect();
        let reversed: Vec<NewIntelRecord> = batch.iter().rev().cloned().collect();
        let (a, b) = {
            let (s1, s2) = (store.clone(), store.clone());
            tokio::join!(
                tokio::spawn(async move { s1.upsert_intel_records(&batch).await }),
                tokio::spawn(async move { s2.upsert_intel_records(&reversed).await })
            )
        };
        let a = a
            .unwrap()
            .unwrap_or_else(|e| panic!("round {round}: first import: {e:?}"));
        let mut b = b
            .unwrap()
            .unwrap_or_else(|e| panic!("round {round}: second import: {e:?}"));
        b.reverse();
        for (x, y) in a.iter().zip(&b) {
            let mut pair = [*x, *y];
            pair.sort_by_key(|o| *o != Upserted::Inserted);
            assert_eq!(
                pair,
                [Upserted::Inserted, Upserted::Unchanged],
                "round {round}"
            );
        }
    }
}

/// One sync at a time per source: a claim holds it (not due, not claimable) until its attempt is recorded or the
/// lease runs out.
async fn feed_syncs_claim_their_source(store: Store) {
    let s = store
        .create_feed_source(&admin(), "kev", "https://example.org/kev.json", 3600)
        .await
        .unwrap();
    let hour = time::Duration::hours(1);
    let claim = |lease, seen| store.claim_feed_sync(s.id, lease, seen);
    let first = claim(hour, Some(None))
        .await
        .unwrap()
        .expect("free and due");
    assert!(first.sync_lease_until.is_some());
    assert!(claim(hour, None).await.unwrap().is_none(), "held");
    assert!(
        store.due_feed_sources().await.unwrap().is_empty(),
        "held: not due"
    );
    let attempt = |lease| psirt_store::FeedAttempt {
        status: "failed",
        etag: None,
        last_modified: None,
        error: Some("HTTP 500".into()),
        lease,
    };
    store
        .record_feed_attempt(s.id, &attempt(first.sync_lease_until))
        .await
        .unwrap();
    let after = store.feed_source(s.id).await.unwrap();
    assert!(after.sync_lease_until.is_none() && after.last_attempt_at.is_some());
    // The worker found it due before that attempt: synced since, so not claimed again.
    assert!(claim(hour, Some(None)).await.unwrap().is_none());
    // A lease that ran out (a sync that died, or one that ran past it) is claimed by the next sync; the late one
    // recording its attempt does not end the new claim.
    let dead = claim(-time::Duration::SECOND, None).await.unwrap().unwrap();
    let next = claim(hour, Some(after.last_attempt_at))
        .await
        .unwrap()
        .expect("the lease ran out");
    let late = psirt_store::FeedAttempt {
        status: "imported",
        etag: Some("\"late\"".into()),
        ..attempt(dead.sync_lease_until)
    };
    assert!(!store.record_feed_attempt(s.id, &late).await.unwrap());
    let now = store.feed_source(s.id).await.unwrap();
    assert_eq!(now.sync_lease_until, next.sync_lease_until);
    // Nothing of the late sync is recorded: its validators would stand for what the newer sync downloads.
    assert_eq!(
        (now.etag, now.last_status, now.last_attempt_at),
        (None, after.last_status.clone(), after.last_attempt_at)
    );
    assert!(claim(hour, None).await.unwrap().is_none());

    // A running sync renews its claim with the claim's current token; a stale token renews nothing.
    let held = next.sync_lease_until.unwrap();
    let renewed = store
        .renew_feed_sync(s.id, held, 2 * hour)
        .await
        .unwrap()
        .expect("still held");
    assert!(renewed > held);
    assert_eq!(
        store.feed_source(s.id).await.unwrap().sync_lease_until,
        Some(renewed)
    );
    assert_eq!(
        store.renew_feed_sync(s.id, held, 2 * hour).await.unwrap(),
        None
    );
    // Its attempt, recorded with the renewed token, ends the claim; nothing is renewed after that.
    store
        .record_feed_attempt(s.id, &attempt(Some(renewed)))
        .await
        .unwrap();
    assert!(store
        .feed_source(s.id)
        .await
        .unwrap()
        .sync_lease_until
        .is_none());
    assert_eq!(
        store.renew_feed_sync(s.id, renewed, hour).await.unwrap(),
        None
    );

    // A claim run out and the URL changed meanwhile: the claim ends with the change, and its sync, still running,
    // records nothing (its validators are the old URL's).
    let lapsed = claim(-time::Duration::SECOND, None).await.unwrap().unwrap();
    store
        .update_feed_source(
            &admin(),
            s.id,
            &psirt_store::FeedSourceChange {
                url: Some("https://example.org/v2/kev.json".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let stale = psirt_store::FeedAttempt {
        status: "imported",
        etag: Some("\"old-url\"".into()),
        ..attempt(lapsed.sync_lease_until)
    };
    assert!(!store.record_feed_attempt(s.id, &stale).await.unwrap());
    assert_eq!(store.feed_source(s.id).await.unwrap().etag, None);
}

async fn feed_sources_record_attempts(store: Store) {
    let s = store
        .create_feed_source(&admin(), "kev", "https://example.org/kev.json", 3600)
        .await
        .unwrap();
    assert_eq!(store.due_feed_sources().await.unwrap().len(), 1);
    let ok = psirt_store::FeedAttempt {
        status: "imported",
        etag: Some("\"e1\"".into()),
        last_modified: None,
        error: None,
        lease: None,
    };
    store.record_feed_attempt(s.id, &ok).await.unwrap();
    let failed = psirt_store::FeedAttempt {
        status: "failed",
        etag: None,
        last_modified: None,
        error: Some("HTTP 500".into()),
        lease: None,
    };
    store.record_feed_attempt(s.id, &failed).await.unwrap();
    let not_modified = psirt_store::FeedAttempt {
        status: "not_modified",
        error: None,
        ..failed.clone()
    };
    store
        .record_feed_attempt(s.id, &not_modified)
        .await
        .unwrap();
    let got = store.feed_source(s.id).await.unwrap();
    // A failure and a 304 keep the validators.
    assert_eq!(
        (got.etag.as_deref(), got.last_status.as_deref()),
        (Some("\"e1\""), Some("not_modified"))
    );
    store.record_feed_attempt(s.id, &failed).await.unwrap();
    let got = store.feed_source(s.id).await.unwrap();
    assert_eq!(
        (
            got.etag.as_deref(),
            got.last_status.as_deref(),
            got.last_error.as_deref()
        ),
        (Some("\"e1\""), Some("failed"), Some("HTTP 500"))
    );
    assert!(got.last_success_at.is_some());
    // A new download without an ETag drops the old one (sent again, it would be answered with the full feed
    // every time, the Last-Modified left unused).
    let renewed = psirt_store::FeedAttempt {
        etag: None,
        last_modified: Some("Wed, 02 Dec 2026 10:00:00 GMT".into()),
        ..ok.clone()
    };
    store.record_feed_attempt(s.id, &renewed).await.unwrap();
    let got = store.feed_source(s.id).await.unwrap();
    assert_eq!(
        (got.etag.as_deref(), got.last_modified.as_deref()),
        (None, Some("Wed, 02 Dec 2026 10:00:00 GMT"))
    );
    assert!(
        store.due_feed_sources().await.unwrap().is_empty(),
        "tried just now"
    );
    assert!(matches!(
        store
            .create_feed_source(&admin(), "kev", "https://example.org/kev.json", 3600)
            .await,
        Err(StoreError::Conflict(_))
    ));
}

fn record(
    source: &str,
    id: &str,
    aliases: &[&str],
    modified: time::OffsetDateTime,
    body: &str,
) -> NewIntelRecord {
    NewIntelRecord {
        source: source.into(),
        record_id: id.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        modified: Some(modified),
        published: None,
        withdrawn: None,
        summary: Some(format!("{id} summary")),
        cvss_score: Some(7.5),
        cvss_vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N".into()),
        exploited: source == "kev",
        normalized: format!("{{\"id\":\"{id}\",\"body\":\"{body}\"}}"),
        match_input: None,
        raw: format!("{{\"id\":\"{id}\"}}"),
        content_sha256: format!("{id}-{body}"),
    }
}

/// The upstream queue shows a vulnerability once: its records (a PYSEC naming the GHSA, records naming the same single
/// CVE) are one item, and a decision covers them all; a record naming two CVEs stays an item of its own.
async fn queue_items_join_the_records_of_one_vulnerability(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    let (pv, comps) = inventory(&store).await;
    store
        .upsert_intel_records(&[
            record("osv", "GHSA-aa", &["CVE-2026-1"], t, "v1"),
            record("osv", "PYSEC-aa", &["CVE-2026-1", "GHSA-aa"], t, "v1"),
            record("osv", "DRUPAL-x", &["CVE-2026-1", "CVE-2026-2"], t, "v1"),
            record("osv", "GHSA-bb", &["CVE-2026-3"], t, "v1"),
            record("osv", "PYSEC-bb", &["CVE-2026-3"], t, "v1"),
            record("osv", "GHSA-cc", &["CVE-2026-4"], t, "v1"),
            record("osv", "PYSEC-cc", &["CVE-2026-4", "GHSA-cc"], t, "v1"),
        ])
        .await
        .unwrap();
    let m = |rec: &str, c: i64| MatchKey {
        record_id: rec.into(),
        component_id: c,
        product_version_id: pv,
    };
    let all = vec![
        m("GHSA-aa", comps[0]),
        m("PYSEC-aa", comps[0]),
        m("DRUPAL-x", comps[1]),
        m("GHSA-bb", comps[1]),
        m("PYSEC-bb", comps[1]),
        m("GHSA-cc", comps[0]),
        m("PYSEC-cc", comps[0]),
    ];
    store.reconcile_matches(&all).await.unwrap();
    let queue = store.upstream_queue().await.unwrap();
    let mut items: Vec<Vec<String>> = queue.iter().map(|q| q.record_ids.clone()).collect();
    items.sort();
    assert_eq!(
        items,
        vec![
            vec!["DRUPAL-x".to_owned()],
            vec!["GHSA-aa".to_owned(), "PYSEC-aa".to_owned()],
            vec!["GHSA-bb".to_owned(), "PYSEC-bb".to_owned()],
            vec!["GHSA-cc".to_owned(), "PYSEC-cc".to_owned()],
        ]
    );
    // Paged, one item at a time: the same items in the same order, each item whole, then no cursor.
    let mut paged = Vec::new();
    let mut cursor = None;
    for _ in 0..10 {
        let page = store
            .upstream_queue_page(&psirt_store::PageRequest {
                cursor: cursor.clone(),
                limit: Some(1),
            })
            .await
            .unwrap();
        assert_eq!(page.total, 4);
        assert!(page.items.len() <= 1);
        paged.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, queue);
    let two = store
        .upstream_queue_page(&psirt_store::PageRequest {
            cursor: None,
            limit: Some(2),
        })
        .await
        .unwrap();
    assert_eq!(two.items, queue[..2]);
    for bad in ["", "x", "12", "1:", "99999999999999999999999999999:GHSA-aa"] {
        let refused = store
            .upstream_queue_page(&psirt_store::PageRequest {
                cursor: Some(bad.into()),
                limit: None,
            })
            .await;
        assert!(
            matches!(refused, Err(StoreError::Domain(_))),
            "{bad:?}: {refused:?}"
        );
    }
    let item = |queue: &[psirt_store::matches::QueueItem], id: &str| {
        queue
            .iter()
            .find(|q| q.record_ids.iter().any(|r| r == id))
            .unwrap()
            .clone()
    };
    // One component hit by both records: listed once.
    let aa = item(&queue, "PYSEC-aa");
    assert_eq!(aa.record_id, "GHSA-aa");
    assert_eq!(aa.product_versions.len(), 1);
    assert_eq!(aa.product_versions[0].purls.len(), 1);

    // An upstream case opened from either record takes both, and links both.
    let case = store
        .open_upstream_case(&admin(), "PYSEC-aa", upstream_case("Django"), None)
        .await
        .unwrap();
    assert_eq!(
        store.case_intel_links(case.id).await.unwrap(),
        vec!["GHSA-aa", "PYSEC-aa"]
    );

    // A KEV entry under the CVE both bb records name changes what the item shows (known exploited): a dismissal
    // decided before is refused.
    let shown = item(&store.upstream_queue().await.unwrap(), "GHSA-bb").revision;
    store
        .upsert_intel_records(&[record("kev", "CVE-2026-3", &[], t, "v1")])
        .await
        .unwrap();
    let queue = store.upstream_queue().await.unwrap();
    let bb = item(&queue, "GHSA-bb");
    assert!(bb.exploited);
    assert_ne!(bb.revision, shown);
    let stale = store
        .dismiss_matches(
            &admin(),
            "PYSEC-bb",
            None,
            "component_not_present",
            "",
            Some(&shown),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    // Decided on what is shown: both records' matches, each in its own record's trail.
    let n = store
        .dismiss_matches(
            &admin(),
            "PYSEC-bb",
            None,
            "component_not_present",
            "",
            Some(&bb.revision.to_uppercase()),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Without a revision (a caller who did not see the item) only the named record's matches go.
    let n = store
        .dismiss_matches(
            &admin(),
            "PYSEC-cc",
            None,
            "component_not_present",
            "",
            None,
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let queue = store.upstream_queue().await.unwrap();
    let cc = item(&queue, "GHSA-cc");
    assert_eq!(cc.record_ids, vec!["GHSA-cc"]);
    store
        .dismiss_matches(
            &admin(),
            "GHSA-cc",
            None,
            "component_not_present",
            "",
            Some(&cc.revision),
        )
        .await
        .unwrap();
    let queue = store.upstream_queue().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].record_ids, vec!["DRUPAL-x"]);
    for id in ["GHSA-bb", "PYSEC-bb"] {
        let trail = store.audit_trail("intel_record", id).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["match.dismiss"], "{id}");
    }

    // A new source of one of them (a CVE 5 record under the GHSA's id) is a change of that record: raised again,
    // audited; the other stays dismissed.
    store
        .upsert_intel_records(&[record("cve5", "GHSA-bb", &[], t, "cve")])
        .await
        .unwrap();
    let queue = store.upstream_queue().await.unwrap();
    let raised = item(&queue, "GHSA-bb");
    assert_eq!(raised.record_ids, vec!["GHSA-bb"]);
    let trail = store.audit_trail("intel_record", "GHSA-bb").await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["match.dismiss", "match.reraise"]);
    let findings = store.product_version_findings(pv).await.unwrap();
    let status = |id: &str| {
        findings
            .iter()
            .find(|f| f.record_id == id)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(
        (status("GHSA-bb"), status("PYSEC-bb"), status("DRUPAL-x")),
        ("new".to_owned(), "dismissed".to_owned(), "new".to_owned())
    );
}

async fn intel_import_is_idempotent_and_incremental(store: Store) {
    let t1 = datetime!(2026-01-01 00:00 UTC);
    let t2 = datetime!(2026-02-01 00:00 UTC);
    let batch = vec![
        record("osv", "GHSA-aaaa-bbbb-cccc", &["CVE-2026-0001"], t1, "v1"),
        record("osv", "PYSEC-2026-1", &["CVE-2026-0001"], t1, "v1"),
    ];
    assert_eq!(
        store.upsert_intel_records(&batch).await.unwrap(),
        vec![Upserted::Inserted, Upserted::Inserted]
    );
    // The same data again changes nothing, the match generation included (every engine would reload).
    let generation = store.match_generation().await.unwrap();
    assert_eq!(
        store.upsert_intel_records(&batch).await.unwrap(),
        vec![Upserted::Unchanged, Upserted::Unchanged]
    );
    assert_eq!(store.match_generation().await.unwrap(), generation);
    // A newer version updates; an older one than stored is skipped.
    let newer = record(
        "osv",
        "GHSA-aaaa-bbbb-cccc",
        &["CVE-2026-0001", "CVE-2026-0002"],
        t2,
        "v2",
    );
    assert_eq!(
        store.upsert_intel_records(&[newer]).await.unwrap(),
        vec![Upserted::Updated]
    );
    let older = record("osv", "GHSA-aaaa-bbbb-cccc", &[], t1, "v0");
    assert_eq!(
        store.upsert_intel_records(&[older]).await.unwrap(),
        vec![Upserted::Stale]
    );
    let v = store
        .vulnerability("GHSA-aaaa-bbbb-cccc")
        .await
        .unwrap()
        .unwrap();
    let ghsa = v
        .records
        .iter()
        .find(|r| r.record_id == "GHSA-aaaa-bbbb-cccc")
        .unwrap();
    assert_eq!(ghsa.modified, Some(t2));
    assert_eq!(ghsa.aliases, vec!["CVE-2026-0001", "CVE-2026-0002"]);
    // golang/vulndb writes Go's zero time as every record's `modified`. Over a copy with a real time (osv.dev's, which
    // mirrors vulndb) such a copy is older: skipped, so that syncing both feeds does not make the record change on
    // every sync (and re-raise its dismissed matches each time). With vulndb alone, the times are equal and the
    // content decides.
    let zero = datetime!(0001-01-01 00:00 UTC);
    let aliases = ["CVE-2026-0001", "CVE-2026-0002"];
    let vulndb = |body| record("osv", "GHSA-aaaa-bbbb-cccc", &aliases, zero, body);
    assert_eq!(
        store.upsert_intel_records(&[vulndb("v3")]).await.unwrap(),
        vec![Upserted::Stale]
    );
    let only = |body| record("osv", "GO-2026-0001", &[], zero, body);
    assert_eq!(
        store.upsert_intel_records(&[only("v1")]).await.unwrap(),
        vec![Upserted::Inserted]
    );
    assert_eq!(
        store.upsert_intel_records(&[only("v2")]).await.unwrap(),
        vec![Upserted::Updated]
    );

    let epss = |score: f64, day| NewEpss {
        cve: "CVE-2026-0001".into(),
        score,
        percentile: 0.9,
        score_date: Some(day),
        model_version: Some("v2025.03.14".into()),
    };
    assert_eq!(
        store
            .upsert_epss(&[epss(0.5, date!(2026 - 02 - 01))])
            .await
            .unwrap(),
        vec![Upserted::Inserted]
    );
    assert_eq!(
        store
            .upsert_epss(&[epss(0.5, date!(2026 - 02 - 01))])
            .await
            .unwrap(),
        vec![Upserted::Unchanged]
    );
    assert_eq!(
        store
            .upsert_epss(&[epss(0.4, date!(2026 - 01 - 01))])
            .await
            .unwrap(),
        vec![Upserted::Stale]
    );
    assert_eq!(
        store
            .upsert_epss(&[epss(0.7, date!(2026 - 02 - 02))])
            .await
            .unwrap(),
        vec![Upserted::Updated]
    );
    assert_eq!(
        store.epss("CVE-2026-0001").await.unwrap().unwrap().score,
        0.7
    );
    // An undated row replaces a dated score: a file whose date line changed form must not freeze every score.
    let undated = NewEpss {
        score_date: None,
        ..epss(0.2, date!(2026 - 01 - 01))
    };
    assert_eq!(
        store
            .upsert_epss(std::slice::from_ref(&undated))
            .await
            .unwrap(),
        vec![Upserted::Updated]
    );
}

async fn aliases_merge_into_one_vulnerability(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    store
        .upsert_intel_records(&[
            record(
                "osv",
                "GHSA-1111-2222-3333",
                &["CVE-2026-1000", "CVE-2026-1001"],
                t,
                "a",
            ),
            // Names the GHSA id only (written in upper case, as in a URL): reached through the CVE's alias chain.
            record(
                "osv",
                "PYSEC-2026-9",
                &["GHSA-1111-2222-3333".to_uppercase().as_str()],
                t,
                "b",
            ),
            record("cve5", "CVE-2026-1000", &[], t, "c"),
            record("kev", "CVE-2026-1000", &[], t, "d"),
            record("osv", "GHSA-9999-9999-9999", &["CVE-2026-9999"], t, "e"),
        ])
        .await
        .unwrap();
    store
        .upsert_epss(&[
            NewEpss {
                cve: "CVE-2026-1001".into(),
                score: 0.5,
                percentile: 0.99,
                score_date: None,
                model_version: None,
            },
            NewEpss {
                cve: "CVE-2026-1000".into(),
                score: 0.25,
                percentile: 0.97,
                score_date: None,
                model_version: None,
            },
        ])
        .await
        .unwrap();
    // From the CVE the GHSA naming a second CVE is listed and its id followed (to the PYSEC naming it), but the
    // walk does not cross to the other CVE: a record naming two may bundle two vulnerabilities.
    let v = store.vulnerability("CVE-2026-1000").await.unwrap().unwrap();
    assert_eq!(
        v.ids,
        ["CVE-2026-1000", "GHSA-1111-2222-3333", "PYSEC-2026-9"]
    );
    // Asked in another case: the same view, keyed by what was asked.
    let asked = [
        "cve-2026-1000".to_owned(),
        " Ghsa-1111-2222-3333".to_owned(),
    ];
    let views = store.vulnerabilities(&asked).await.unwrap();
    assert_eq!(views["cve-2026-1000"].ids, v.ids);
    assert!(views["Ghsa-1111-2222-3333"]
        .ids
        .contains(&"CVE-2026-1001".to_owned()));
    assert_eq!(v.records.len(), 4, "{:?}", v.records);
    assert!(v.exploited);
    let epss: Vec<(&str, f64)> = v.epss.iter().map(|e| (e.cve.as_str(), e.score)).collect();
    assert_eq!(epss, [("CVE-2026-1000", 0.25)]);
    for id in ["PYSEC-2026-9", "GHSA-1111-2222-3333"] {
        let v = store.vulnerability(id).await.unwrap().unwrap();
        assert_eq!(
            v.ids,
            vec![
                "CVE-2026-1000",
                "CVE-2026-1001",
                "GHSA-1111-2222-3333",
                "PYSEC-2026-9"
            ],
            "from {id}"
        );
        let mut sources: Vec<(&str, &str)> = v
            .records
            .iter()
            .map(|r| (r.source.as_str(), r.record_id.as_str()))
            .collect();
        sources.sort();
        assert_eq!(
            sources,
            vec![
                ("cve5", "CVE-2026-1000"),
                ("kev", "CVE-2026-1000"),
                ("osv", "GHSA-1111-2222-3333"),
                ("osv", "PYSEC-2026-9")
            ]
        );
        assert!(v.exploited, "the KEV record flags it");
        // Every CVE's EPSS, in id order.
        let epss: Vec<(&str, f64)> = v.epss.iter().map(|e| (e.cve.as_str(), e.score)).collect();
        assert_eq!(epss, [("CVE-2026-1000", 0.25), ("CVE-2026-1001", 0.5)]);
    }
    assert!(store
        .vulnerability("CVE-2000-0000")
        .await
        .unwrap()
        .is_none());
    // Several at once (a purl search): each view as it is alone, two groups kept apart, unknown ids left out.
    let asked = [
        "CVE-2026-1000",
        " PYSEC-2026-9 ",
        "GHSA-9999-9999-9999",
        "CVE-2000-0000",
    ]
    .map(String::from);
    let views = store.vulnerabilities(&asked).await.unwrap();
    assert_eq!(
        views.keys().collect::<Vec<_>>(),
        ["CVE-2026-1000", "GHSA-9999-9999-9999", "PYSEC-2026-9"]
    );
    for (id, view) in &views {
        assert_eq!(
            Some(view),
            store.vulnerability(id).await.unwrap().as_ref(),
            "{id}"
        );
    }
    assert_eq!(
        views["GHSA-9999-9999-9999"].ids,
        ["CVE-2026-9999", "GHSA-9999-9999-9999"]
    );
    assert!(views["GHSA-9999-9999-9999"].epss.is_empty());

    // A chain longer than the walk: X-0 → X-1 → … → X-6 (each record's alias is the next id). Asked for together,
    // each end still sees only what four rounds reach from it.
    let chain: Vec<String> = (0..7).map(|i| format!("X-{i}")).collect();
    let records: Vec<_> = (0..7)
        .map(|i| {
            let next: Vec<&str> = chain.get(i + 1).map(String::as_str).into_iter().collect();
            record("osv", &chain[i], &next, t, "chain")
        })
        .collect();
    store.upsert_intel_records(&records).await.unwrap();
    let views = store
        .vulnerabilities(&["X-0".into(), "X-6".into()])
        .await
        .unwrap();
    let walked = |id: &str| {
        let v = &views[id];
        let records: Vec<&str> = v.records.iter().map(|r| r.record_id.as_str()).collect();
        (v.ids.clone(), records)
    };
    assert_eq!(
        walked("X-0"),
        (chain[0..5].to_vec(), vec!["X-0", "X-1", "X-2", "X-3"])
    );
    assert_eq!(
        walked("X-6"),
        (
            chain[2..7].to_vec(),
            vec!["X-2", "X-3", "X-4", "X-5", "X-6"]
        )
    );
    assert_eq!(
        Some(&views["X-6"]),
        store.vulnerability("X-6").await.unwrap().as_ref()
    );
    // More ids than a statement may bind one by one (SQLite 32,766 values): one bound array.
    let many: Vec<String> = (0..40_000)
        .map(|i| format!("NONE-{i}"))
        .chain(["X-0".into()])
        .collect();
    let views = store.vulnerabilities(&many).await.unwrap();
    assert_eq!(views.keys().collect::<Vec<_>>(), ["X-0"]);
}

async fn inventory(store: &Store) -> (i64, Vec<i64>) {
    let p = store
        .create_product(
            &admin(),
            ProductDraft {
                name: "Router".into(),
                vendor: "Acme".into(),
                cpe: None,
                purl: None,
                owner_team: String::new(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
    let pv = store
        .create_product_version(
            &admin(),
            p.id,
            ProductVersionDraft {
                version: "1.0".into(),
                released_on: None,
                support_ends_on: None,
            },
        )
        .await
        .unwrap();
    let comp = |purl: &str| NewComponent {
        key: purl.into(),
        purl: Some(purl.into()),
        name: "x".into(),
        version: "1".into(),
        cpe: None,
        hashes: vec![],
        licenses: vec![],
    };
    store
        .import_sbom(
            &admin(),
            pv.id,
            SbomImport {
                format: "cyclonedx".into(),
                spec_version: "1.6".into(),
                sha256: "00".into(),
                components: vec![
                    comp("pkg:pypi/django@3.2.0"),
                    comp("pkg:npm/lodash@4.17.20"),
                ],
                dependencies: vec![],
                allow_empty: false,
            },
            &mut |_| {},
        )
        .await
        .unwrap();
    let ids = store
        .component_inputs_of(pv.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (pv.id, ids)
}

async fn matches_raise_retract_dismiss_and_open_case(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    let (pv, comps) = inventory(&store).await;
    store
        .upsert_intel_records(&[
            record(
                "osv",
                "GHSA-dj",
                &["PYSEC-2026-1", "CVE-2026-2000"],
                t,
                "v1",
            ),
            record("osv", "GHSA-lo", &[], t, "v1"),
        ])
        .await
        .unwrap();
    let m = |rec: &str, c: i64| MatchKey {
        record_id: rec.into(),
        component_id: c,
        product_version_id: pv,
    };
    let all = vec![m("GHSA-dj", comps[0]), m("GHSA-lo", comps[1])];
    let applied = store.reconcile_matches(&all).await.unwrap();
    assert_eq!(
        (applied.raised, applied.reactivated, applied.retracted),
        (2, 0, 0)
    );
    // Reconciling the same set again changes nothing.
    assert_eq!(
        store.reconcile_matches(&all).await.unwrap(),
        Default::default()
    );
    let queue = store.upstream_queue().await.unwrap();
    assert_eq!(queue.len(), 2);
    let aliases = |id: &str| {
        queue
            .iter()
            .find(|q| q.record_id == id)
            .unwrap()
            .aliases
            .clone()
    };
    // Every queued record's aliases, sorted, from one query.
    assert_eq!(aliases("GHSA-dj"), vec!["CVE-2026-2000", "PYSEC-2026-1"]);
    assert!(aliases("GHSA-lo").is_empty());

    // A bad justification is refused; a good one dismisses and leaves the queue.
    assert!(matches!(
        store
            .dismiss_matches(&admin(), "GHSA-lo", None, "because", "", None)
            .await,
        Err(StoreError::Domain(_))
    ));
    assert_eq!(
        store
            .dismiss_matches(
                &admin(),
                "GHSA-lo",
                Some(pv),
                "vulnerable_code_not_in_execute_path",
                "we never call merge",
                None
            )
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.upstream_queue().await.unwrap().len(), 1);
    // The same record re-imported unchanged keeps it dismissed; a changed record raises it again.
    store
        .upsert_intel_records(&[record("osv", "GHSA-lo", &[], t, "v1")])
        .await
        .unwrap();
    assert_eq!(store.upstream_queue().await.unwrap().len(), 1);
    store
        .upsert_intel_records(&[record(
            "osv",
            "GHSA-lo",
            &[],
            datetime!(2026-03-01 00:00 UTC),
            "v2",
        )])
        .await
        .unwrap();
    let queue = store.upstream_queue().await.unwrap();
    assert_eq!(queue.len(), 2);
    // Raised again now: first in the queue (both were first seen together, GHSA-dj sorting first by id then),
    // first seen when it was.
    assert_eq!(queue[0].record_id, "GHSA-lo");
    assert!(queue[0].raised_at > queue[0].first_seen_at);
    assert_eq!(queue[0].first_seen_at, queue[1].first_seen_at);
    // Raised again undecided, and both steps are in the record's audit trail (the decision it had kept there).
    let findings = store.product_version_findings(pv).await.unwrap();
    let lo = findings.iter().find(|f| f.record_id == "GHSA-lo").unwrap();
    assert_eq!((lo.status.as_str(), &lo.justification), ("new", &None));
    let trail = store.audit_trail("intel_record", "GHSA-lo").await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["match.dismiss", "match.reraise"]);
    assert_eq!(
        trail[1].after.as_ref().unwrap()["dismissed_as"],
        serde_json::json!(["vulnerable_code_not_in_execute_path"])
    );
    // A dismissal decided on the queue as shown is refused once the record changed since: nobody saw v3.
    let revision = |queue: &[psirt_store::matches::QueueItem]| {
        queue
            .iter()
            .find(|q| q.record_id == "GHSA-lo")
            .unwrap()
            .revision
            .clone()
    };
    let shown = revision(&store.upstream_queue().await.unwrap());
    store
        .upsert_intel_records(&[record(
            "osv",
            "GHSA-lo",
            &[],
            datetime!(2026-04-01 00:00 UTC),
            "v3",
        )])
        .await
        .unwrap();
    let stale = store
        .dismiss_matches(
            &admin(),
            "GHSA-lo",
            None,
            "component_not_present",
            "",
            Some(&shown),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let queue = store.upstream_queue().await.unwrap();
    assert_eq!(queue.len(), 2);
    assert_ne!(revision(&queue), shown);

    // Retraction: the engine no longer reports GHSA-lo; it leaves the queue but the row stays.
    let raised = |queue: &[psirt_store::matches::QueueItem]| {
        queue
            .iter()
            .find(|q| q.record_id == "GHSA-lo")
            .unwrap()
            .raised_at
    };
    let before = raised(&store.upstream_queue().await.unwrap());
    let applied = store.reconcile_matches(&all[..1]).await.unwrap();
    assert_eq!(applied.retracted, 1);
    assert_eq!(store.upstream_queue().await.unwrap().len(), 1);
    assert_eq!(store.reconcile_matches(&all).await.unwrap().reactivated, 1);
    // Back in the queue undecided: raised now.
    assert!(raised(&store.upstream_queue().await.unwrap()) > before);

    // Opening an upstream case links the record and puts the version under investigation.
    let case = store
        .open_upstream_case(&admin(), "GHSA-dj", upstream_case("Django"), None)
        .await
        .unwrap();
    assert_eq!(
        store.case_intel_links(case.id).await.unwrap(),
        vec!["GHSA-dj"]
    );
    let findings = store.product_version_findings(pv).await.unwrap();
    let dj = findings.iter().find(|f| f.record_id == "GHSA-dj").unwrap();
    assert_eq!(
        (dj.status.as_str(), dj.case_id),
        ("case_opened", Some(case.id))
    );
    let affects: Vec<(i64, String)> = super::query_pairs(
        &store,
        "SELECT product_version_id, status FROM affects WHERE case_id = $1",
        case.id,
    )
    .await;
    assert_eq!(affects, vec![(pv, "under_investigation".to_owned())]);
    // A second case for the same record has nothing left to take.
    assert!(matches!(
        store
            .open_upstream_case(
                &admin(),
                "GHSA-dj",
                NewCase {
                    title: "again".into(),
                    description: String::new(),
                    severity: None,
                    priority: None,
                    embargoed: false
                },
                None,
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let trail = store
        .audit_trail("case", &case.id.to_string())
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "case.upstream_open"));
}

fn upstream_case(title: &str) -> NewCase {
    NewCase {
        title: title.into(),
        description: String::new(),
        severity: None,
        priority: None,
        embargoed: false,
    }
}

/// Rows of `table` (cases, affects, case_intel_links, case_cra).
async fn rows(store: &Store, table: &str) -> i64 {
    let n: Vec<(i64, String)> = super::query_pairs(
        store,
        &format!("SELECT COUNT(*), 'rows' FROM {table} WHERE $1 = $1"),
        0,
    )
    .await;
    n[0].0
}

/// Raises one match of `record_id` on the test product version (both components).
async fn raise(store: &Store, record_id: &str) -> i64 {
    let (pv, comps) = inventory(store).await;
    store
        .apply_match_changes(&match_keys(record_id, pv, &comps), &[])
        .await
        .unwrap();
    pv
}

/// `record_id` matching each of `components` of product version `pv`.
fn match_keys(record_id: &str, pv: i64, components: &[i64]) -> Vec<MatchKey> {
    components
        .iter()
        .map(|&c| MatchKey {
            record_id: record_id.into(),
            component_id: c,
            product_version_id: pv,
        })
        .collect()
}

/// Two analysts open a case from the same queued record at once: one case, one Conflict, and
/// nothing of the loser's left behind (its case rolled back with its claim).
async fn concurrent_upstream_opens_make_one_case(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    store
        .upsert_intel_records(&[record("osv", "GHSA-race", &["CVE-2026-4000"], t, "v1")])
        .await
        .unwrap();
    let pv = raise(&store, "GHSA-race").await;
    let (cases, affects, links) = (
        rows(&store, "cases").await,
        rows(&store, "affects").await,
        rows(&store, "case_intel_links").await,
    );
    let open = |title: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .open_upstream_case(&admin(), "GHSA-race", upstream_case(title), None)
                .await
        })
    };
    let (a, b) = tokio::join!(open("first"), open("second"));
    let (case, lost) = match (a.unwrap(), b.unwrap()) {
        (Ok(case), Err(e)) | (Err(e), Ok(case)) => (case, e),
        other => panic!("exactly one opening must win: {other:?}"),
    };
    assert!(matches!(lost, StoreError::Conflict(_)), "{lost:?}");
    assert_eq!(rows(&store, "cases").await, cases + 1, "one case, not two");
    assert_eq!(rows(&store, "affects").await, affects + 1);
    assert_eq!(rows(&store, "case_intel_links").await, links + 1);
    assert_eq!(
        store.case_intel_links(case.id).await.unwrap(),
        vec!["GHSA-race"]
    );
    // Both matches went to the winner's case.
    let findings = store.product_version_findings(pv).await.unwrap();
    assert_eq!(findings.len(), 2);
    assert!(findings
        .iter()
        .all(|f| f.status == "case_opened" && f.case_id == Some(case.id)));
    assert!(store.upstream_queue().await.unwrap().is_empty());
    let trail = store
        .audit_trail("case", &case.id.to_string())
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "case.create").count(),
        1,
        "{actions:?}"
    );
    assert!(actions.contains(&"case.upstream_open"), "{actions:?}");
    assert!(matches!(
        store.verify_audit_chain(|_| {}).await.unwrap(),
        psirt_store::audit::ChainReport::Intact { .. }
    ));
}

/// A dismissal holds for the record's content it was made against. An import changing the record while the
/// dismissal runs (its update not committed yet) must not leave the match dismissed against the old content. On
/// PostgreSQL the dismissal used to read the old content unlocked and keep it; now it waits for the change and is
/// refused (Conflict), as it was decided on content that is no longer current.
async fn dismissal_waits_for_a_change_of_its_record(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    let (pv, comps) = inventory(&store).await;
    store
        .upsert_intel_records(&[record("osv", "GHSA-lo", &[], t, "v1")])
        .await
        .unwrap();
    let key = MatchKey {
        record_id: "GHSA-lo".into(),
        component_id: comps[1],
        product_version_id: pv,
    };
    store.reconcile_matches(&[key]).await.unwrap();

    // The import's update of the record, held open.
    const CHANGE: &str =
        "UPDATE intel_records SET content_sha256 = 'GHSA-lo-v2' WHERE record_id = 'GHSA-lo'";
    const HASH: &str = "SELECT record_sha256 FROM matches WHERE record_id = 'GHSA-lo'";
    let dismiss = |store: Store| async move {
        store
            .dismiss_matches(&admin(), "GHSA-lo", None, "component_not_present", "", None)
            .await
    };
    let hash: String = match store.pool() {
        psirt_store::Pool::Sqlite(p) => {
            let mut tx = p.begin_with("BEGIN IMMEDIATE").await.unwrap();
            sqlx::query(CHANGE).execute(&mut *tx).await.unwrap();
            let dismissal = tokio::spawn(dismiss(store.clone()));
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            tx.commit().await.unwrap();
            // SQLite's write transactions run one after the other: the dismissal reads the record once the change
            // is committed, and holds for that content.
            assert_eq!(dismissal.await.unwrap().unwrap(), 1);
            sqlx::query_scalar(HASH).fetch_one(p).await.unwrap()
        }
        psirt_store::Pool::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            sqlx::query(CHANGE).execute(&mut *tx).await.unwrap();
            let dismissal = tokio::spawn(dismiss(store.clone()));
            // Commit only once the dismissal waits for the record's lock (it has read the content before).
            assert!(
                a_transaction_waits_for_a_lock(p).await,
                "the dismissal never waited for the record"
            );
            tx.commit().await.unwrap();
            // The dismissal began against the content before the change: refused, the match stays undecided.
            assert!(matches!(
                dismissal.await.unwrap(),
                Err(StoreError::Conflict(_))
            ));
            let status: String =
                sqlx::query_scalar("SELECT status FROM matches WHERE record_id = 'GHSA-lo'")
                    .fetch_one(p)
                    .await
                    .unwrap();
            assert_eq!(status, "new");
            // Made again, it holds for the current content.
            assert_eq!(dismiss(store.clone()).await.unwrap(), 1);
            sqlx::query_scalar(HASH).fetch_one(p).await.unwrap()
        }
    };
    assert_eq!(hash, "GHSA-lo-v2");
}

/// An analyst opens a case from a record while another dismisses it: both take the match rows
/// before the audit head, so neither deadlocks (PostgreSQL); exactly one wins, the other gets
/// Conflict (opening) or dismisses nothing.
async fn upstream_open_races_dismiss(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    let (pv, comps) = inventory(&store).await;
    for round in 0..5 {
        let record_id = format!("GHSA-rd{round}");
        store
            .upsert_intel_records(&[record(
                "osv",
                &record_id,
                &[&format!("CVE-2026-410{round}")],
                t,
                "v1",
            )])
            .await
            .unwrap();
        store
            .apply_match_changes(&match_keys(&record_id, pv, &comps), &[])
            .await
            .unwrap();
        let cases = rows(&store, "cases").await;
        let open = {
            let (store, record_id) = (store.clone(), record_id.clone());
            tokio::spawn(async move {
                store
                    .open_upstream_case(&admin(), &record_id, upstream_case("race"), None)
                    .await
            })
        };
        let dismiss = {
            let (store, record_id) = (store.clone(), record_id.clone());
            tokio::spawn(async move {
                store
                    .dismiss_matches(
                        &admin(),
                        &record_id,
                        None,
                        "component_not_present",
                        "",
                        None,
                    )
                    .await
            })
        };
        let (opened, dismissed) = tokio::join!(open, dismiss);
        let (opened, dismissed) = (opened.unwrap(), dismissed.unwrap());
        let dismissed = dismissed.unwrap_or_else(|e| panic!("dismissal failed: {e:?}"));
        match opened {
            Ok(_) => {
                assert_eq!(dismissed, 0, "the opening took every match");
                assert_eq!(rows(&store, "cases").await, cases + 1);
            }
            Err(StoreError::Conflict(_)) => {
                assert_eq!(dismissed, comps.len(), "the dismissal took every match");
                assert_eq!(rows(&store, "cases").await, cases, "no case left behind");
            }
            Err(e) => panic!("opening failed: {e:?}"),
        }
    }
    assert!(store.upstream_queue().await.unwrap().is_empty());
    assert!(matches!(
        store.verify_audit_chain(|_| {}).await.unwrap(),
        psirt_store::audit::ChainReport::Intact { .. }
    ));
}

/// A record whose CVE is in CISA's KEV catalog opens an actively exploited case: its CRA
/// reporting starts in the same call, by the KEV. A bad KEV entry opens nothing.
async fn kev_upstream_case_starts_cra_with_the_case(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    store
        .upsert_intel_records(&[
            record("osv", "GHSA-kev", &["CVE-2026-5000"], t, "v1"),
            record("kev", "CVE-2026-5000", &[], t, "v1"),
        ])
        .await
        .unwrap();
    raise(&store, "GHSA-kev").await;
    let (cases, cra) = (rows(&store, "cases").await, rows(&store, "case_cra").await);

    // A KEV entry the CRA clocks refuse fails the whole opening: no case, the matches stay queued.
    let bad = KevEntry {
        cve_id: "GHSA-kev".into(),
        date_added: date!(2026 - 02 - 01),
    };
    assert!(matches!(
        store
            .open_upstream_case(&admin(), "GHSA-kev", upstream_case("bad"), Some(bad))
            .await,
        Err(StoreError::Domain(_))
    ));
    assert_eq!(rows(&store, "cases").await, cases);
    assert_eq!(store.upstream_queue().await.unwrap().len(), 1);

    let kev = KevEntry {
        cve_id: "CVE-2026-5000".into(),
        date_added: date!(2026 - 02 - 01),
    };
    let case = store
        .open_upstream_case(&admin(), "GHSA-kev", upstream_case("KEV"), Some(kev))
        .await
        .unwrap();
    assert_eq!(rows(&store, "cases").await, cases + 1);
    assert_eq!(rows(&store, "case_cra").await, cra + 1);
    let reporting = store
        .case_cra(case.id)
        .await
        .unwrap()
        .expect("CRA reporting started with the case")
        .reporting;
    assert_eq!(reporting.track(), CraTrack::ExploitedVulnerability);
    assert_eq!(
        reporting.source(),
        &AwarenessSource::Kev {
            cve_id: "CVE-2026-5000".into(),
            date_added: date!(2026 - 02 - 01),
        }
    );
    assert_eq!(reporting.aware_at(), case.created_at);
    let trail = store
        .audit_trail("case", &case.id.to_string())
        .await
        .unwrap();
    let start = trail
        .iter()
        .find(|e| e.action == "case.cra_start")
        .expect("case.cra_start audited");
    assert_eq!(start.actor, "system:kev");
    assert_eq!(
        start.after.as_ref().unwrap()["source"]["cve_id"],
        "CVE-2026-5000"
    );
    // Started once: the KEV sync finds nothing left to start for this case.
    assert!(store.uncovered_case_ids().await.unwrap().is_empty());
}

/// What a KEV import matches its catalog against: each open case without CRA reporting, named by its linked
/// record's id and that record's aliases; a case whose reporting started is no longer listed.
async fn uncovered_cases_are_named_by_record_and_aliases(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    store
        .upsert_intel_records(&[record(
            "osv",
            "GHSA-unc",
            &["CVE-2026-6001", "PYSEC-2026-9"],
            t,
            "v1",
        )])
        .await
        .unwrap();
    raise(&store, "GHSA-unc").await;
    let case = store
        .open_upstream_case(&admin(), "GHSA-unc", upstream_case("uncovered"), None)
        .await
        .unwrap();
    let ids: Vec<(i64, String)> = store.uncovered_case_ids().await.unwrap();
    let want: Vec<(i64, String)> = ["CVE-2026-6001", "GHSA-unc", "PYSEC-2026-9"]
        .iter()
        .map(|id| (case.id, id.to_string()))
        .collect();
    assert_eq!(ids, want);
    store
        .start_cra(
            &admin(),
            case.id,
            CraTrack::ExploitedVulnerability,
            t,
            AwarenessSource::Kev {
                cve_id: "CVE-2026-6001".into(),
                date_added: date!(2026 - 02 - 01),
            },
        )
        .await
        .unwrap();
    assert!(store.uncovered_case_ids().await.unwrap().is_empty());
}

/// The match generation moves by one for every committed `upsert_intel_records` call that inserted or updated a
/// record and every committed `import_sbom` call, and not for one that failed: what a server's engine counts its
/// own imports by. A batch that changed nothing leaves it (every engine would reload for it).
async fn match_generation_counts_each_committed_import(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    let g0 = store.match_generation().await.unwrap();
    let batch = [record("osv", "GHSA-gen", &[], t, "v1")];
    store.upsert_intel_records(&batch).await.unwrap();
    assert_eq!(store.match_generation().await.unwrap(), g0 + 1);
    store.upsert_intel_records(&batch).await.unwrap();
    assert_eq!(
        store.match_generation().await.unwrap(),
        g0 + 1,
        "unchanged: not counted"
    );
    let (pv, _) = inventory(&store).await;
    assert_eq!(store.match_generation().await.unwrap(), g0 + 2);
    let refused = store
        .import_sbom(
            &admin(),
            pv + 1000,
            SbomImport {
                format: "cyclonedx".into(),
                spec_version: "1.6".into(),
                sha256: "00".into(),
                components: vec![],
                dependencies: vec![],
                allow_empty: false,
            },
            &mut |_| {},
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(
        store.match_generation().await.unwrap(),
        g0 + 2,
        "nothing committed"
    );
}

/// A match raised again for a re-created component (an SBOM re-import that dropped the package and one that brought it
/// back) keeps the dismissal of the retracted row; on PostgreSQL, never past an import resetting the record's
/// dismissals (a changed record, a new source of its id): one holding them gets the match raised, without waiting for
/// it, and one coming after the dismissal was kept waits for it and resets the kept row too.
async fn a_dismissal_is_kept_only_while_no_import_changes_its_record(store: Store) {
    let t = datetime!(2026-01-01 00:00 UTC);
    let (pv, comps) = inventory(&store).await;
    store
        .upsert_intel_records(&[record("osv", "GHSA-keep", &[], t, "v1")])
        .await
        .unwrap();
    let key = |component_id| MatchKey {
        record_id: "GHSA-keep".into(),
        component_id,
        product_version_id: pv,
    };
    store.reconcile_matches(&[key(comps[0])]).await.unwrap();
    assert_eq!(
        store
            .dismiss_matches(
                &admin(),
                "GHSA-keep",
                None,
                "component_not_present",
                "",
                None
            )
            .await
            .unwrap(),
        1
    );
    // The same package on a new component row (as an SBOM re-import would make it) keeps the dismissal, also when
    // one change retracts the old row and raises the new one (a re-match catching up on both).
    let again = recreated(&store, comps[0], "again").await;
    let applied = store
        .apply_match_changes(&[key(again)], &[key(comps[0])])
        .await
        .unwrap();
    assert_eq!(
        (applied.kept_dismissed, applied.raised, applied.retracted),
        (1, 0, 1)
    );
    let psirt_store::Pool::Postgres(p) = store.pool() else {
        // SQLite's write transactions take turns: no import can run meanwhile.
        return;
    };
    store.apply_match_changes(&[], &[key(again)]).await.unwrap();

    // An import that gains a source for the id (no existing record row changes) holds the dismissed rows it
    // resets: nothing is kept from them meanwhile.
    let mut import = p.begin().await.unwrap();
    sqlx::query(
        "SELECT id FROM matches WHERE record_id = 'GHSA-keep' AND status = 'dismissed' FOR UPDATE",
    )
    .fetch_all(&mut *import)
    .await
    .unwrap();
    let third = recreated(&store, comps[0], "third").await;
    let applied = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        store.apply_match_changes(&[key(third)], &[]),
    )
    .await
    .expect("raising a match waited for the import")
    .unwrap();
    import.rollback().await.unwrap();
    assert_eq!((applied.kept_dismissed, applied.raised), (0, 1));

    // The other way round: a dismissal being kept (its source row held, the new row written) while an import
    // gains a source for the id. The import waits for it, then resets the kept row too.
    let fourth = recreated(&store, comps[0], "fourth").await;
    let mut keeping = p.begin().await.unwrap();
    sqlx::query(
        "SELECT id FROM matches WHERE record_id = 'GHSA-keep' AND component_id = $1 FOR UPDATE",
    )
    .bind(again)
    .fetch_all(&mut *keeping)
    .await
    .unwrap();
    let kept: i64 = sqlx::query_scalar(
        "INSERT INTO matches (record_id, component_id, product_version_id, purl, record_sha256, status, justification, note, \
         first_seen_at, updated_at) SELECT record_id, $1, product_version_id, purl, record_sha256, 'dismissed', justification, note, \
         first_seen_at, updated_at FROM matches WHERE record_id = 'GHSA-keep' AND component_id = $2 RETURNING id",
    )
    .bind(fourth)
    .bind(again)
    .fetch_one(&mut *keeping)
    .await
    .unwrap();
    let import = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .upsert_intel_records(&[record("kev", "GHSA-keep", &[], t, "listed")])
                .await
        }
    });
    assert!(
        a_transaction_waits_for_a_lock(p).await,
        "the import never waited for the kept row's source"
    );
    keeping.commit().await.unwrap();
    import.await.unwrap().unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM matches WHERE id = $1")
        .bind(kept)
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!(
        status, "new",
        "the new source raises the kept dismissal too"
    );
}

/// A copy of `component` on a new row of its product version (as an SBOM re-import that dropped the package and
/// brought it back makes it): the same purl, another key.
async fn recreated(store: &Store, component: i64, suffix: &str) -> i64 {
    let sql = format!(
        "INSERT INTO components (product_version_id, component_key, purl, name, version, hashes, licenses) \
         SELECT product_version_id, component_key || '#{suffix}', purl, name, version, hashes, licenses \
         FROM components WHERE id = $1 RETURNING id"
    );
    macro_rules! on {
        ($p:expr) => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(component)
                .fetch_one($p)
                .await
                .unwrap()
        };
    }
    match store.pool() {
        psirt_store::Pool::Sqlite(p) => on!(p),
        psirt_store::Pool::Postgres(p) => on!(p),
    }
}

/// Whether, within 5 s, some transaction of this database waits for a lock (PostgreSQL).
async fn a_transaction_waits_for_a_lock(p: &sqlx::PgPool) -> bool {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(p)
        .await
        .unwrap();
        if waiting > 0 {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}
