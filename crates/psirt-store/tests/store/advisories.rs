//! Coordinated disclosure: affects, disclosure planning, advisories and their immutable revisions.

use psirt_domain::{
    AdvisoryContent, AdvisoryStatus, AffectDraft, AffectStatus, Change, CreditPreference,
    Justification, ProductDraft, ProductVersionDraft, Publish, ReportChannel, Role, Tlp,
};
use psirt_store::cases::{CasePatch, NewCase};
use psirt_store::reports::TriageDecision;
use psirt_store::{AdvisoryCase, AdvisoryInput, NewAffect, NewRendering, Pool, Store, StoreError};
use time::Duration;

use super::{admin, report, run, user};

both_backends!(
    affects_are_validated_and_audited,
    upcoming_disclosures_follow_access,
    advisory_numbering_and_acknowledgments,
    advisory_revisions_are_immutable,
);

fn draft(status: AffectStatus) -> AffectDraft {
    AffectDraft {
        status,
        justification: None,
        fixed_in: None,
        statement: String::new(),
        remediation: None,
        target_release: None,
    }
}

async fn product_version(store: &Store, version: &str) -> i64 {
    let p = match store
        .create_product(
            &admin(),
            ProductDraft {
                name: "Router OS".into(),
                vendor: "ACME".into(),
                cpe: None,
                purl: None,
                owner_team: "edge".into(),
                description: String::new(),
            },
        )
        .await
    {
        Ok(p) => p.id,
        Err(_) => {
            store
                .products(None, &Default::default())
                .await
                .unwrap()
                .items[0]
                .id
        }
    };
    store
        .create_product_version(
            &admin(),
            p,
            ProductVersionDraft {
                version: version.into(),
                released_on: None,
                support_ends_on: None,
            },
        )
        .await
        .unwrap()
        .id
}

async fn case(store: &Store, embargoed: bool) -> i64 {
    store
        .create_case(
            &admin(),
            NewCase {
                title: "RCE in the web UI".into(),
                description: String::new(),
                severity: None,
                priority: None,
                embargoed,
            },
        )
        .await
        .unwrap()
        .id
}

async fn affects_are_validated_and_audited(store: Store) {
    let pv = product_version(&store, "4.2.0").await;
    let case_id = case(&store, true).await;
    // not_affected without a justification: refused, nothing stored.
    let bad = store
        .add_affect(
            &admin(),
            case_id,
            NewAffect {
                product_version_id: pv,
                draft: draft(AffectStatus::NotAffected),
            },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Domain(_))), "{bad:?}");
    assert!(store.case_affects(case_id).await.unwrap().is_empty());
    let a = store
        .add_affect(
            &admin(),
            case_id,
            NewAffect {
                product_version_id: pv,
                draft: AffectDraft {
                    statement: " The web UI is enabled by default. ".into(),
                    ..draft(AffectStatus::Affected)
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(a.affect.statement(), "The web UI is enabled by default.");
    assert_eq!((a.vendor.as_str(), a.version.as_str()), ("ACME", "4.2.0"));
    // One affect per product version.
    let twice = store
        .add_affect(
            &admin(),
            case_id,
            NewAffect {
                product_version_id: pv,
                draft: draft(AffectStatus::Affected),
            },
        )
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let mut fixed = draft(AffectStatus::Fixed);
    fixed.fixed_in = Some("4.2.1".into());
    let u = store
        .update_affect(&admin(), case_id, a.id, fixed)
        .await
        .unwrap();
    assert_eq!(u.affect.status(), AffectStatus::Fixed);
    let mut na = draft(AffectStatus::NotAffected);
    na.justification = Some(Justification::ComponentNotPresent);
    na.fixed_in = Some("1".into());
    assert!(store
        .update_affect(&admin(), case_id, a.id, na)
        .await
        .is_err());
    assert_eq!(
        store.affect(case_id, a.id).await.unwrap().affect.status(),
        AffectStatus::Fixed
    );
    // Another case cannot reach this affect through its own id.
    let other = case(&store, false).await;
    assert!(matches!(
        store.delete_affect(&admin(), other, a.id).await,
        Err(StoreError::NotFound(_))
    ));
    store.delete_affect(&admin(), case_id, a.id).await.unwrap();
    assert!(store.case_affects(case_id).await.unwrap().is_empty());
    let actions: Vec<String> = store
        .audit_trail("case", &case_id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("case.affect"))
        .collect();
    assert_eq!(
        actions,
        [
            "case.affect_add",
            "case.affect_update",
            "case.affect_delete"
        ]
    );
}

async fn upcoming_disclosures_follow_access(store: Store) {
    let (_, analyst) = user(&store, "ana", Role::Analyst).await;
    let (_, engineer) = user(&store, "eng", Role::Engineer).await;
    let soon = case(&store, true).await;
    let public = case(&store, false).await;
    let later = case(&store, false).await;
    let now = store.now();
    for (id, days) in [(soon, 3), (public, 10), (later, 60)] {
        store
            .update_case(
                &admin(),
                id,
                CasePatch {
                    public_date: Some(Some(now + Duration::days(days))),
                    coordination_notes: Some(" CERT/CC coordinates; vendor B ships first. ".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store.case(soon).await.unwrap().coordination_notes,
        "CERT/CC coordinates; vendor B ships first."
    );
    let ids = |cases: Vec<psirt_store::Case>| cases.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store
            .dashboard(&analyst, 10)
            .await
            .unwrap()
            .upcoming_disclosures),
        [soon, public]
    );
    // The engineer is no member of the embargoed case.
    assert_eq!(
        ids(store.upcoming_disclosures(&engineer, 30, 10).await.unwrap()),
        [public]
    );
}

fn content(title: &str) -> AdvisoryContent {
    AdvisoryContent {
        title: title.into(),
        summary: "A remote attacker can run code.".into(),
        notes: String::new(),
        references: Vec::new(),
        acknowledgments: Vec::new(),
        tlp: Tlp::Clear,
    }
}

async fn advisory_numbering_and_acknowledgments(store: Store) {
    let (analyst, _) = user(&store, "ana", Role::Analyst).await;
    let mut case_ids = Vec::new();
    for (title, credit) in [
        ("named", CreditPreference::Named),
        ("anon", CreditPreference::Anonymous),
        ("none", CreditPreference::None),
    ] {
        let mut r = report(title);
        r.credit_preference = credit;
        let sub = store.submit_report(r, ReportChannel::Web).await.unwrap();
        let t = store
            .triage_report(
                &analyst,
                sub.report.id,
                TriageDecision::NewCase { title: None },
            )
            .await
            .unwrap();
        case_ids.push(t.case_id.unwrap());
    }
    let input = |cases: &[i64], cves: &[&str]| AdvisoryInput {
        content: content("Router OS: remote code execution"),
        cases: cases
            .iter()
            .map(|&case_id| AdvisoryCase {
                case_id,
                cve_ids: cves.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    };
    let a = store
        .create_advisory(&analyst, "ACME", input(&case_ids, &[]))
        .await
        .unwrap();
    let year = store.now().year();
    assert_eq!(a.id.to_string(), format!("ACME-SA-{year}-0001"));
    assert_eq!(a.status, AdvisoryStatus::Draft);
    let acks = &a.content.acknowledgments;
    assert_eq!(acks.len(), 2, "{acks:?}");
    assert_eq!(acks[0].names, ["Ada"]);
    assert!(acks[1].names.is_empty());
    let b = store
        .create_advisory(&analyst, "ACME", input(&case_ids[..1], &["cve-2026-1234"]))
        .await
        .unwrap();
    assert_eq!(b.id.to_string(), format!("ACME-SA-{year}-0002"));
    assert_eq!(b.cases[0].cve_ids, ["CVE-2026-1234"]);
    // Bad input stores nothing: a CVE in two cases, an unknown case, an empty case list.
    for bad in [
        input(&case_ids[..2], &["CVE-2026-1234"]),
        input(&[9999], &[]),
        input(&[], &[]),
    ] {
        assert!(store.create_advisory(&analyst, "ACME", bad).await.is_err());
    }
    assert_eq!(store.advisories().await.unwrap().len(), 2);
    assert_eq!(store.case_advisories(case_ids[0]).await.unwrap().len(), 2);
}

fn rendering(kind: &'static str, body: &str) -> NewRendering {
    NewRendering {
        kind,
        name: String::new(),
        media_type: "application/json",
        body: body.as_bytes().to_vec(),
    }
}

async fn advisory_revisions_are_immutable(store: Store) {
    let case_id = case(&store, false).await;
    let a = store
        .create_advisory(
            &admin(),
            "PSIRT",
            AdvisoryInput {
                content: content("first title"),
                cases: vec![AdvisoryCase {
                    case_id,
                    cve_ids: Vec::new(),
                }],
            },
        )
        .await
        .unwrap();
    let publish = |a: &psirt_store::AdvisoryRecord, status, change, secs: i64| {
        a.domain()
            .unwrap()
            .publish(&Publish {
                status,
                change,
                summary: "release".into(),
                at: time::macros::datetime!(2026-03-01 10:00 UTC) + Duration::seconds(secs),
            })
            .unwrap()
    };
    let r1 = publish(&a, AdvisoryStatus::Interim, Change::Major, 0);
    let a = store
        .publish_advisory(&admin(), &a.id, 0, &r1, vec![rendering("csaf", "one")])
        .await
        .unwrap();
    assert_eq!(a.status, AdvisoryStatus::Interim);
    let first = store.rendering(&a.id, 1, "csaf", "").await.unwrap();
    // A publisher who read the advisory before revision 1 loses the race: nothing is stored.
    let stale = store
        .publish_advisory(&admin(), &a.id, 0, &r1, vec![rendering("csaf", "x")])
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let mut edit = AdvisoryInput {
        content: content("second title"),
        cases: a.cases.clone(),
    };
    edit.content.notes = "Updated after the fix shipped.".into();
    let a = store.update_advisory(&admin(), &a.id, edit).await.unwrap();
    let r2 = publish(&a, AdvisoryStatus::Final, Change::Minor, 60);
    let a = store
        .publish_advisory(&admin(), &a.id, 1, &r2, vec![rendering("csaf", "two")])
        .await
        .unwrap();
    assert_eq!(a.revisions.len(), 2);
    assert_eq!(a.revisions[1].revision.number.to_string(), "1.1.0");
    assert_eq!(a.domain().unwrap().status(), AdvisoryStatus::Final);
    assert_eq!(store.rendering(&a.id, 1, "csaf", "").await.unwrap(), first);
    assert_eq!(first.1, b"one");
    assert_eq!(
        store.rendering(&a.id, 2, "csaf", "").await.unwrap().1,
        b"two"
    );
    // A second advisory, published once: the list reads every advisory at once, and each comes back as it does
    // alone (cases, revisions and renderings with their own advisory).
    let b = store
        .create_advisory(
            &admin(),
            "PSIRT",
            AdvisoryInput {
                content: content("other"),
                cases: vec![AdvisoryCase {
                    case_id,
                    cve_ids: vec!["CVE-2026-0002".into()],
                }],
            },
        )
        .await
        .unwrap();
    let rb = publish(&b, AdvisoryStatus::Final, Change::Major, 120);
    let b = store
        .publish_advisory(&admin(), &b.id, 0, &rb, vec![rendering("csaf", "b-one")])
        .await
        .unwrap();
    let all = store.advisories().await.unwrap();
    assert_eq!(all, [b.clone(), a.clone()], "newest first");
    assert_eq!(all[1], store.advisory(&a.id).await.unwrap());
    assert_eq!(all[1].revisions[0].renderings.len(), 1);
    assert_eq!(
        store.case_advisories(case_id).await.unwrap(),
        [a.clone(), b.clone()]
    );
    let latest = store.latest_csaf_documents().await.unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[&a.pk], (2, b"two".to_vec()));
    assert_eq!(latest[&b.pk], (1, b"b-one".to_vec()));
    // Even the database refuses to rewrite or delete published bytes.
    for sql in [
        "UPDATE advisory_renderings SET body = body",
        "DELETE FROM advisory_renderings",
        "UPDATE advisory_revisions SET summary = 'x'",
        "DELETE FROM advisory_revisions",
    ] {
        assert!(!try_exec(&store, sql).await, "{sql} succeeded");
    }
    assert_eq!(store.rendering(&a.id, 1, "csaf", "").await.unwrap(), first);
    // Every step is an audit event, and the chain holds.
    let actions: Vec<String> = store
        .audit_trail("advisory", &a.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "advisory.create",
            "advisory.publish",
            "advisory.update",
            "advisory.publish"
        ]
    );
    assert!(matches!(
        store.verify_audit_chain(|_| {}).await.unwrap(),
        psirt_store::audit::ChainReport::Intact { .. }
    ));
}

/// Runs `sql`; whether the database accepted it.
async fn try_exec(store: &Store, sql: &str) -> bool {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match store.pool() {
        Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.is_ok(),
        Pool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.is_ok(),
    }
}
