//! Storage conformance: every test runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::{
    AssessmentSource, CaseState, CvssRating, NewReport, ReportChannel, Resolution, Role, Severity,
    SeveritySource, Viewer,
};
use psirt_store::audit::ChainReport;
use psirt_store::cases::{CaseFilter, CasePatch, NewCase};
use psirt_store::cvss::NewAssessment;
use psirt_store::reports::{RejectReason, TriageDecision};
use psirt_store::testing::{Backend, TestDb};
use psirt_store::users::NewUser;
use psirt_store::{Actor, PageRequest, Pool, Store, StoreError};

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::run(psirt_store::testing::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::run(psirt_store::testing::Backend::Postgres, super::$name).await } )* }
    };
}

both_backends!(
    audit_chain_detects_tampering,
    triage_and_case_lifecycle,
    case_visibility_follows_embargo,
    pagination,
    concurrent_writes_keep_one_chain,
    schemas_match,
    cvss_assessments_supersede_and_suggest,
    severity_override_is_kept_and_recorded,
    bad_assessments_store_nothing,
    runbook_edits_race_case_updates,
);

#[path = "store/advisories.rs"]
mod advisories;
#[path = "store/clocks.rs"]
mod clocks;
#[path = "store/intel.rs"]
mod intel;
#[path = "store/inventory.rs"]
mod inventory;
#[path = "store/outbox.rs"]
mod outbox;

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::new(backend).await.expect("test database");
    let store = db.store().await.expect("store");
    test(store.clone()).await;
    store.close().await;
    db.cleanup().await;
}

fn admin() -> Actor {
    Actor::System("test")
}

fn report(title: &str) -> NewReport {
    NewReport {
        title: title.into(),
        description: "details".into(),
        reporter_name: "Ada".into(),
        reporter_email: "ada@example.org".into(),
        ..Default::default()
    }
}

async fn user(store: &Store, name: &str, role: Role) -> (Actor, Viewer) {
    let u = store
        .create_user(
            &admin(),
            NewUser {
                username: name.into(),
                role,
                password: "a long enough password".into(),
                display_name: String::new(),
                email: String::new(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    (
        Actor::User {
            id: u.id,
            username: u.username,
        },
        Viewer {
            user_id: u.id,
            role,
        },
    )
}

/// Rows of (i64, text) from `sql` with one i64 bind.
async fn query_pairs(store: &Store, sql: &str, bind: i64) -> Vec<(i64, String)> {
    match store.pool() {
        Pool::Sqlite(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(bind)
            .fetch_all(p)
            .await
            .unwrap(),
        Pool::Postgres(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
            .bind(bind)
            .fetch_all(p)
            .await
            .unwrap(),
    }
}

async fn exec(store: &Store, sql: &str) {
    match store.pool() {
        Pool::Sqlite(p) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .unwrap();
        }
        Pool::Postgres(p) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .unwrap();
        }
    }
}

async fn audit_chain_detects_tampering(store: Store) {
    let (analyst, _) = user(&store, "ana", Role::Analyst).await;
    for i in 0..3 {
        store
            .submit_report(report(&format!("r{i}")), ReportChannel::Web)
            .await
            .unwrap();
    }
    let case = store
        .create_case(
            &analyst,
            NewCase {
                title: "c".into(),
                description: String::new(),
                severity: None,
                priority: None,
                embargoed: true,
            },
        )
        .await
        .unwrap();
    store
        .update_case(
            &analyst,
            case.id,
            CasePatch {
                title: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ChainReport::Intact { events, .. } = store.verify_audit_chain(|_| {}).await.unwrap() else {
        panic!("chain should be intact")
    };
    // 6 changes, plus the triage clock the new case started.
    assert_eq!(events, 7);

    // The table refuses edits...
    let refused = match store.pool() {
        Pool::Sqlite(p) => sqlx::query("UPDATE audit_events SET actor = 'x' WHERE seq = 3")
            .execute(p)
            .await
            .is_err(),
        Pool::Postgres(p) => sqlx::query("UPDATE audit_events SET actor = 'x' WHERE seq = 3")
            .execute(p)
            .await
            .is_err(),
    };
    assert!(refused, "audit_events must be append-only");
    // ...so an attacker with database access drops the guard first; verify still finds it.
    let drop_guard = match store.backend() {
        "sqlite" => "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;",
        _ => "DROP TRIGGER audit_events_no_change ON audit_events;",
    };
    exec(&store, drop_guard).await;
    exec(
        &store,
        "UPDATE audit_events SET after_json = '{\"title\":\"forged\"}' WHERE seq = 5",
    )
    .await;
    match store.verify_audit_chain(|_| {}).await.unwrap() {
        ChainReport::Broken(b) => {
            assert_eq!(b.seq, 5);
            assert!(b.reason.contains("altered"), "{}", b.reason);
        }
        other => panic!("tampering not detected: {other:?}"),
    }
    // Removing the newest event is caught by the head.
    exec(&store, "UPDATE audit_events SET after_json = (SELECT after_json FROM audit_events WHERE seq = 5) WHERE seq = 5").await;
    exec(&store, "DELETE FROM audit_events WHERE seq = 6").await;
    assert!(
        matches!(store.verify_audit_chain(|_| {}).await.unwrap(), ChainReport::Broken(b) if b.seq == 5 || b.seq == 6)
    );
}

async fn triage_and_case_lifecycle(store: Store) {
    let (analyst, viewer) = user(&store, "ana", Role::Analyst).await;
    let sub = store
        .submit_report(report("SQLi in search"), ReportChannel::Web)
        .await
        .unwrap();
    assert_eq!(
        store
            .report_by_tracking_token(&sub.tracking_token)
            .await
            .unwrap()
            .unwrap()
            .id,
        sub.report.id
    );
    assert!(store
        .report_by_tracking_token("nope")
        .await
        .unwrap()
        .is_none());

    let r = store
        .triage_report(
            &analyst,
            sub.report.id,
            TriageDecision::NewCase { title: None },
        )
        .await
        .unwrap();
    let case_id = r.case_id.unwrap();
    let again = store
        .triage_report(
            &analyst,
            sub.report.id,
            TriageDecision::NewCase { title: None },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));

    let dup = store
        .submit_report(report("same SQLi"), ReportChannel::Api)
        .await
        .unwrap();
    let r = store
        .triage_report(
            &analyst,
            dup.report.id,
            TriageDecision::Duplicate { case_id },
        )
        .await
        .unwrap();
    assert_eq!(r.case_id, Some(case_id));
    let junk = store
        .submit_report(report("spam"), ReportChannel::Web)
        .await
        .unwrap();
    store
        .triage_report(
            &analyst,
            junk.report.id,
            TriageDecision::Reject {
                resolution: RejectReason::Invalid,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.case_reports(case_id).await.unwrap().len(), 2);

    // confirmed needs severity and CVSS: refused, nothing changes.
    store
        .transition_case(&analyst, case_id, CaseState::Triage, None)
        .await
        .unwrap();
    let refused = store
        .transition_case(&analyst, case_id, CaseState::Confirmed, None)
        .await;
    assert!(matches!(refused, Err(StoreError::Domain(_))));
    assert_eq!(store.case(case_id).await.unwrap().state, CaseState::Triage);
    store
        .update_case(
            &analyst,
            case_id,
            CasePatch {
                severity: Some(Some(Severity::S2)),
                cwe_ids: Some(vec!["CWE-89".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .transition_case(&analyst, case_id, CaseState::Confirmed, None)
            .await
            .is_err(),
        "no CVSS yet"
    );
    let c = store
        .transition_case(
            &analyst,
            case_id,
            CaseState::Rejected,
            Some(Resolution::WontFix),
        )
        .await
        .unwrap();
    assert_eq!(
        (c.state, c.resolution, c.cwe_ids.clone()),
        (CaseState::Rejected, Some(Resolution::WontFix), vec![89])
    );

    store
        .add_comment(&analyst, case_id, "checked on 2.3")
        .await
        .unwrap();
    store
        .staff_message(&analyst, &sub.report, "Thanks, we are on it")
        .await
        .unwrap();
    let report = store.report(sub.report.id).await.unwrap();
    store.reporter_message(&report, "Any news?").await.unwrap();
    let msgs = store.messages(sub.report.id).await.unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.from_reporter).collect::<Vec<_>>(),
        [false, true]
    );

    let timeline: Vec<String> = store
        .audit_trail("case", &case_id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        // Clock events have their own test (store/clocks.rs).
        .filter(|a| !a.starts_with("case.clock_"))
        .collect();
    assert_eq!(
        timeline,
        [
            "case.create",
            "case.link_report",
            "case.transition",
            "case.update",
            "case.transition",
            "case.comment",
            "message.to_reporter",
            "message.from_reporter"
        ]
    );
    // The newest events of one action, newest first, at most `limit`.
    let latest = |action: &'static str, limit| {
        let store = store.clone();
        async move {
            store
                .latest_audit("case", &case_id.to_string(), action, limit)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.action, e.seq))
                .collect::<Vec<_>>()
        }
    };
    let transitions = latest("case.transition", 10).await;
    assert_eq!(transitions.len(), 2, "{transitions:?}");
    assert!(
        transitions.windows(2).all(|w| w[0].1 > w[1].1),
        "{transitions:?}"
    );
    assert_eq!(latest("case.transition", 1).await, transitions[..1]);
    assert!(latest("case.nothing", 10).await.is_empty());
    let _ = viewer;
}

async fn case_visibility_follows_embargo(store: Store) {
    let (analyst, psirt) = user(&store, "ana", Role::Analyst).await;
    let (_, eng) = user(&store, "eng", Role::Engineer).await;
    let (_, view) = user(&store, "viv", Role::Viewer).await;
    let mk = |title: &str, embargoed| NewCase {
        title: title.into(),
        description: String::new(),
        severity: None,
        priority: None,
        embargoed,
    };
    let secret = store
        .create_case(&analyst, mk("secret", true))
        .await
        .unwrap();
    let member = store
        .create_case(&analyst, mk("member", true))
        .await
        .unwrap();
    let public = store
        .create_case(&analyst, mk("public", false))
        .await
        .unwrap();
    store
        .add_case_member(&analyst, member.id, eng.user_id)
        .await
        .unwrap();
    let titles = |v: Viewer, q: Option<&str>| {
        let store = store.clone();
        let filter = CaseFilter {
            q: q.map(Into::into),
            state: None,
        };
        async move {
            store
                .cases(&v, &filter, &PageRequest::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles(psirt, None).await, ["public", "member", "secret"]);
    assert_eq!(titles(eng, None).await, ["public", "member"]);
    assert_eq!(titles(view, None).await, ["public"]);
    assert_eq!(titles(view, Some("SECR")).await, Vec::<String>::new());
    assert_eq!(titles(psirt, Some("SECR")).await, ["secret"]);
    for (v, c) in [(eng, &secret), (view, &secret), (view, &member)] {
        assert!(!v.can_view(store.case(c.id).await.unwrap().access_for(v.user_id)));
    }
    assert!(eng.can_view(store.case(member.id).await.unwrap().access_for(eng.user_id)));
    let _ = public;
}

async fn pagination(store: Store) {
    let (analyst, psirt) = user(&store, "ana", Role::Analyst).await;
    for i in 0..7 {
        store
            .create_case(
                &analyst,
                NewCase {
                    title: format!("case {i}"),
                    description: String::new(),
                    severity: None,
                    priority: None,
                    embargoed: true,
                },
            )
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut page = PageRequest {
        cursor: None,
        limit: Some(3),
    };
    loop {
        let p = store
            .cases(&psirt, &CaseFilter::default(), &page)
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|c| c.title.clone()));
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..7)
            .rev()
            .map(|i| format!("case {i}"))
            .collect::<Vec<_>>()
    );
    let bad = store
        .cases(
            &psirt,
            &CaseFilter::default(),
            &PageRequest {
                cursor: Some("x".into()),
                limit: None,
            },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Domain(_))));
}

async fn concurrent_writes_keep_one_chain(store: Store) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.submit_report(report(&format!("r{i}")), ReportChannel::Api)
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(matches!(
        store.verify_audit_chain(|_| {}).await.unwrap(),
        ChainReport::Intact { events: 16, .. }
    ));
}

/// The two migration folders must describe the same tables and columns.
async fn schemas_match(store: Store) {
    let columns: Vec<(String, String)> = match store.pool() {
        Pool::Sqlite(p) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY 1, 2",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Pool::Postgres(p) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    };
    let snapshot: String = columns.iter().map(|(t, c)| format!("{t}.{c}\n")).collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema_columns.txt");
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if std::env::var_os("PSIRT_BLESS").is_some() {
        std::fs::write(path, &snapshot).unwrap();
    } else {
        assert_eq!(
            snapshot,
            expected,
            "{} schema differs from tests/schema_columns.txt (PSIRT_BLESS=1 rewrites it)",
            store.backend()
        );
    }
}

fn assess(vector: &str, source: AssessmentSource) -> NewAssessment {
    NewAssessment {
        vector: vector.into(),
        source,
        note: String::new(),
    }
}

async fn new_case(store: &Store, actor: &Actor, severity: Option<Severity>) -> i64 {
    store
        .create_case(
            actor,
            NewCase {
                title: "heap overflow".into(),
                description: String::new(),
                severity,
                priority: None,
                embargoed: true,
            },
        )
        .await
        .unwrap()
        .id
}

/// The case's events other than clock ones (those have their own test).
async fn actions(store: &Store, case_id: i64) -> Vec<String> {
    store
        .audit_trail("case", &case_id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| !a.starts_with("case.clock_"))
        .collect()
}

const CRITICAL_31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const HIGH_31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const CRITICAL_40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
const MEDIUM_40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N";
const ZERO_31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N";

async fn cvss_assessments_supersede_and_suggest(store: Store) {
    let (analyst, _) = user(&store, "ana", Role::Analyst).await;
    let id = new_case(&store, &analyst, None).await;

    // Stored normalised (spec order, Not Defined left out) and scored by the store.
    let set = store
        .set_cvss_assessment(
            &analyst,
            id,
            assess(
                "CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U/E:X",
                AssessmentSource::Psirt,
            ),
        )
        .await
        .unwrap();
    let first = set.assessment;
    assert!(set.superseded.is_none());
    assert_eq!(
        (first.version.as_str(), first.vector.as_str(), first.score),
        ("3.1", CRITICAL_31, 9.8)
    );
    assert_eq!(first.severity, CvssRating::Critical);
    assert!(first.authoritative && first.is_current());
    assert_eq!(first.created_by, analyst.user_id());
    let case = store.case(id).await.unwrap();
    assert_eq!(
        (case.severity, case.suggested_severity, case.severity_source),
        (
            Some(Severity::S1),
            Some(Severity::S1),
            Some(SeveritySource::Suggestion)
        )
    );

    // A new v3.1 assessment supersedes the first, which stays as history.
    let set = store
        .set_cvss_assessment(&analyst, id, assess(HIGH_31, AssessmentSource::Psirt))
        .await
        .unwrap();
    let second = set.assessment;
    let old = set.superseded.unwrap();
    assert_eq!(old.id, first.id);
    assert_eq!(old.superseded_by, Some(second.id));
    assert!(old.superseded_at.is_some());
    assert_eq!((second.score, second.severity), (7.5, CvssRating::High));
    assert_eq!(store.case(id).await.unwrap().severity, Some(Severity::S2));

    // A v4.0 assessment lives beside the v3.1 one; the one just set drives the suggestion.
    let v4 = store
        .set_cvss_assessment(&analyst, id, assess(CRITICAL_40, AssessmentSource::Psirt))
        .await
        .unwrap()
        .assessment;
    assert_eq!((v4.version.as_str(), v4.score), ("4.0", 9.3));
    assert_eq!(store.case(id).await.unwrap().severity, Some(Severity::S1));

    // Other sources are recorded but neither supersede ours nor suggest.
    let nvd = store
        .set_cvss_assessment(
            &analyst,
            id,
            NewAssessment {
                vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N".into(),
                source: AssessmentSource::Nvd,
                note: " NVD record  ".into(),
            },
        )
        .await
        .unwrap()
        .assessment;
    assert!(!nvd.authoritative);
    assert_eq!(
        (nvd.version.as_str(), nvd.note.as_str()),
        ("3.0", "NVD record")
    );
    assert_eq!(nvd.severity, CvssRating::Medium);
    let case = store.case(id).await.unwrap();
    assert_eq!(
        (case.severity, case.suggested_severity),
        (Some(Severity::S1), Some(Severity::S1))
    );

    // A 0.0 score suggests nothing: the suggestion is withdrawn, the severity stays.
    store
        .set_cvss_assessment(&analyst, id, assess(ZERO_31, AssessmentSource::Psirt))
        .await
        .unwrap();
    let case = store.case(id).await.unwrap();
    assert_eq!(
        (case.severity, case.suggested_severity),
        (Some(Severity::S1), None)
    );

    let all = store.cvss_assessments(id).await.unwrap();
    assert_eq!(all.len(), 5);
    let current: Vec<(&str, AssessmentSource, f64)> = all
        .iter()
        .filter(|a| a.is_current())
        .map(|a| (a.version.as_str(), a.source, a.score))
        .collect();
    assert_eq!(
        current,
        [
            ("4.0", AssessmentSource::Psirt, 9.3),
            ("3.0", AssessmentSource::Nvd, 4.3),
            ("3.1", AssessmentSource::Psirt, 0.0),
        ]
    );

    assert_eq!(
        actions(&store, id).await,
        [
            "case.create",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            // Suggested S1: the escalation checklist starts.
            "case.runbook_start",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            "case.cvss_assessment_set",
            "case.cvss_assessment_set",
        ]
    );
    let trail: Vec<_> = store
        .audit_trail("case", &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| !e.action.starts_with("case.clock_"))
        .collect();
    let supersede = &trail[4];
    assert_eq!(
        supersede.before.as_ref().unwrap()["superseded"]["id"],
        first.id
    );
    assert_eq!(supersede.after.as_ref().unwrap()["vector"], HIGH_31);
    let suggested = trail[2].after.as_ref().unwrap();
    assert_eq!(suggested["suggested"], "S1");
    assert_eq!(suggested["from"]["vector"], CRITICAL_31);
    assert_eq!(suggested["from"]["version"], "3.1");
    assert_eq!(suggested["applied"], true);

    // The database itself refuses a second current assessment of one version and source.
    let dup = "INSERT INTO cvss_assessments (case_id, version, vector, score, severity, source, authoritative, created_at) \
               SELECT case_id, version, vector, score, severity, source, authoritative, created_at FROM cvss_assessments WHERE id = $1";
    let refused = match store.pool() {
        Pool::Sqlite(p) => sqlx::query(dup).bind(v4.id).execute(p).await.is_err(),
        Pool::Postgres(p) => sqlx::query(dup).bind(v4.id).execute(p).await.is_err(),
    };
    assert!(refused, "two current psirt v4.0 assessments");

    // The confirmed guard counts the PSIRT's current assessments.
    store
        .transition_case(&analyst, id, CaseState::Triage, None)
        .await
        .unwrap();
    let c = store
        .transition_case(&analyst, id, CaseState::Confirmed, None)
        .await
        .unwrap();
    assert_eq!(c.state, CaseState::Confirmed);
    let ChainReport::Intact { .. } = store.verify_audit_chain(|_| {}).await.unwrap() else {
        panic!("chain should be intact")
    };

    // A reporter's or a feed's assessment alone does not confirm a case.
    let other = new_case(&store, &analyst, Some(Severity::S2)).await;
    store
        .set_cvss_assessment(
            &analyst,
            other,
            assess(CRITICAL_31, AssessmentSource::Reporter),
        )
        .await
        .unwrap();
    store
        .transition_case(&analyst, other, CaseState::Triage, None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .transition_case(&analyst, other, CaseState::Confirmed, None)
            .await,
        Err(StoreError::Domain(_))
    ));
}

async fn severity_override_is_kept_and_recorded(store: Store) {
    let (analyst, _) = user(&store, "ana", Role::Analyst).await;
    let id = new_case(&store, &analyst, None).await;
    let patch_severity = |s: Option<Severity>| CasePatch {
        severity: Some(s),
        ..Default::default()
    };
    store
        .set_cvss_assessment(&analyst, id, assess(HIGH_31, AssessmentSource::Psirt))
        .await
        .unwrap();
    // The analyst overrides the suggested S2 with S3.
    let c = store
        .update_case(&analyst, id, patch_severity(Some(Severity::S3)))
        .await
        .unwrap();
    assert_eq!(
        (c.severity, c.suggested_severity, c.severity_source),
        (
            Some(Severity::S3),
            Some(Severity::S2),
            Some(SeveritySource::Analyst)
        )
    );
    // A new suggestion is recorded, the override kept.
    store
        .set_cvss_assessment(&analyst, id, assess(CRITICAL_40, AssessmentSource::Psirt))
        .await
        .unwrap();
    let c = store.case(id).await.unwrap();
    assert_eq!(
        (c.severity, c.suggested_severity),
        (Some(Severity::S3), Some(Severity::S1))
    );
    // Editing something else leaves severity and provenance alone.
    let c = store
        .update_case(
            &analyst,
            id,
            CasePatch {
                title: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (c.severity, c.severity_source),
        (Some(Severity::S3), Some(SeveritySource::Analyst))
    );
    // Choosing the suggestion accepts it: suggestions are followed again.
    let c = store
        .update_case(&analyst, id, patch_severity(Some(Severity::S1)))
        .await
        .unwrap();
    assert_eq!(c.severity_source, Some(SeveritySource::Suggestion));
    store
        .set_cvss_assessment(&analyst, id, assess(MEDIUM_40, AssessmentSource::Psirt))
        .await
        .unwrap();
    assert_eq!(store.case(id).await.unwrap().severity, Some(Severity::S3));

    let trail: Vec<_> = store
        .audit_trail("case", &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| !e.action.starts_with("case.clock_"))
        .collect();
    let got: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        got,
        [
            "case.create",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            "case.update",
            "case.severity_overridden",
            "case.cvss_assessment_set",
            "case.severity_suggested",
            "case.update",
            "case.update",
            // Set to S1 by hand: the escalation checklist starts.
            "case.runbook_start",
            "case.cvss_assessment_set",
            "case.severity_suggested",
        ]
    );
    let o = trail[4].after.as_ref().unwrap();
    assert_eq!(
        (&o["suggested"], &o["chosen"]),
        (&"S2".into(), &"S3".into())
    );
    let kept = trail[6].after.as_ref().unwrap();
    assert_eq!(
        (&kept["suggested"], &kept["severity"], &kept["applied"]),
        (&"S1".into(), &"S3".into(), &false.into())
    );

    // A severity set by hand before any assessment is the analyst's and is kept too; clearing
    // it lets the next suggestion in.
    let manual = new_case(&store, &analyst, Some(Severity::S4)).await;
    assert_eq!(
        store.case(manual).await.unwrap().severity_source,
        Some(SeveritySource::Analyst)
    );
    store
        .set_cvss_assessment(
            &analyst,
            manual,
            assess(CRITICAL_31, AssessmentSource::Psirt),
        )
        .await
        .unwrap();
    assert_eq!(
        store.case(manual).await.unwrap().severity,
        Some(Severity::S4)
    );
    let c = store
        .update_case(&analyst, manual, patch_severity(None))
        .await
        .unwrap();
    assert_eq!((c.severity, c.severity_source), (None, None));
    store
        .set_cvss_assessment(&analyst, manual, assess(HIGH_31, AssessmentSource::Psirt))
        .await
        .unwrap();
    assert_eq!(
        store.case(manual).await.unwrap().severity,
        Some(Severity::S2)
    );
}

async fn bad_assessments_store_nothing(store: Store) {
    let (analyst, _) = user(&store, "ana", Role::Analyst).await;
    let id = new_case(&store, &analyst, None).await;
    let events = actions(&store, id).await.len();
    for (vector, source) in [
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            AssessmentSource::Psirt,
        ),
        (
            "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            AssessmentSource::Psirt,
        ),
        ("", AssessmentSource::Psirt),
        ("AV:N/AC:L/Au:N/C:C/I:C/A:C", AssessmentSource::Psirt),
        ("CVSS:9.9/AV:N", AssessmentSource::Nvd),
    ] {
        let got = store
            .set_cvss_assessment(&analyst, id, assess(vector, source))
            .await;
        match got {
            Err(StoreError::Domain(psirt_domain::DomainError::Invalid(e))) => {
                assert_eq!(e[0].field, "vector", "{vector}")
            }
            other => panic!("{vector}: {other:?}"),
        }
    }
    assert!(matches!(
        store
            .set_cvss_assessment(
                &analyst,
                999_999,
                assess(CRITICAL_31, AssessmentSource::Psirt)
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.cvss_assessments(id).await.unwrap().is_empty());
    assert_eq!(actions(&store, id).await.len(), events);
    let c = store.case(id).await.unwrap();
    assert_eq!((c.severity, c.suggested_severity), (None, None));
}

/// Checklist edits and updates of an S1 case at the same time. An update looks for the case's checklist after taking
/// the audit head, and an edit locks the checklist before taking the audit head: the look must not wait on the
/// edit's row lock (on PostgreSQL that was a deadlock, 40P01, and one of the two failed).
async fn runbook_edits_race_case_updates(store: Store) {
    let case = store
        .create_case(
            &admin(),
            NewCase {
                title: "race".into(),
                description: String::new(),
                severity: Some(Severity::S1),
                priority: None,
                embargoed: false,
            },
        )
        .await
        .unwrap();
    assert!(store.case_runbook(case.id).await.unwrap().is_some());
    const ROUNDS: usize = 20;
    for round in 0..ROUNDS {
        let update = {
            let store = store.clone();
            tokio::spawn(async move {
                let patch = CasePatch {
                    title: Some(format!("race {round}")),
                    ..Default::default()
                };
                store.update_case(&admin(), case.id, patch).await
            })
        };
        let edit = {
            let store = store.clone();
            tokio::spawn(async move {
                let at = store.now();
                store
                    .change_runbook(&admin(), case.id, "case.handoff", |c| {
                        c.add_handoff("test", None, at, &format!("round {round}"))?;
                        Ok(serde_json::json!({"round": round}))
                    })
                    .await
            })
        };
        let (updated, edited) = tokio::join!(update, edit);
        updated
            .unwrap()
            .unwrap_or_else(|e| panic!("round {round}: update failed: {e:?}"));
        edited
            .unwrap()
            .unwrap_or_else(|e| panic!("round {round}: checklist edit failed: {e:?}"));
    }
    let checklist = store.case_runbook(case.id).await.unwrap().unwrap();
    assert_eq!(checklist.handoffs.len(), ROUNDS);
}
