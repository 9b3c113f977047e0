//! SLA clocks follow the case: started, retargeted, completed in the same transactions as the
//! case changes, pausable with an approved exception, and visible only with the case.

use psirt_domain::deadline::{ClockKind, ClockPhase, ClockState, SlaDuration, SlaPolicy};
use psirt_domain::{CaseState, ReportChannel, Role, Severity};
use psirt_store::cases::CasePatch;
use psirt_store::reports::TriageDecision;
use psirt_store::{Store, StoreError};

use super::{report, run, user};

both_backends!(
    clocks_follow_the_case,
    sla_policy_is_editable,
    unintended_disclosure_shortens_and_lifts,
    lists_carry_each_cases_cwes_and_members
);

fn kinds(clocks: &[psirt_store::clocks::CaseClock]) -> Vec<(ClockKind, ClockState)> {
    clocks
        .iter()
        .map(|c| (c.clock.kind(), c.clock.state()))
        .collect()
}

async fn clocks_follow_the_case(store: Store) {
    let (ana, psirt) = user(&store, "ana", Role::Analyst).await;
    let (_, viewer) = user(&store, "vic", Role::Viewer).await;
    let sub = store
        .submit_report(report("overflow"), ReportChannel::Web)
        .await
        .unwrap();
    let r = store
        .triage_report(&ana, sub.report.id, TriageDecision::NewCase { title: None })
        .await
        .unwrap();
    let case_id = r.case_id.unwrap();
    let clocks = store.case_clocks(case_id).await.unwrap();
    assert_eq!(
        kinds(&clocks),
        [
            (ClockKind::Acknowledge, ClockState::Running),
            (ClockKind::Triage, ClockState::Running)
        ]
    );
    // Started at the report's receipt, not at triage.
    assert_eq!(clocks[0].clock.started_at(), sub.report.received_at);
    // A 24-hour answer is due soon from the start; a week's triage is on track.
    assert_eq!(clocks[0].status.phase, ClockPhase::DueSoon);
    assert_eq!(clocks[1].status.phase, ClockPhase::OnTrack);

    // The first answer to the reporter completes the acknowledge clock.
    let linked = store.report(sub.report.id).await.unwrap();
    store
        .staff_message(&ana, &linked, "Thanks, we are on it.")
        .await
        .unwrap();
    let clocks = store.case_clocks(case_id).await.unwrap();
    assert_eq!(clocks[0].clock.state(), ClockState::Completed);

    // A severity starts mitigation and remediation.
    store
        .update_case(
            &ana,
            case_id,
            CasePatch {
                severity: Some(Some(Severity::S1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let clocks = store.case_clocks(case_id).await.unwrap();
    assert_eq!(
        kinds(&clocks)[2..],
        [
            (ClockKind::Mitigate, ClockState::Running),
            (ClockKind::Remediate, ClockState::Running)
        ]
    );
    let remediate = clocks[3].clone();
    assert_eq!(remediate.severity, Some(Severity::S1));
    assert_eq!(
        remediate.clock.due_at(),
        sub.report.received_at + time::Duration::days(30)
    );

    // An embargoed case's clocks are on the dashboard only of those who see the case.
    assert_eq!(store.open_clocks(&psirt, 50).await.unwrap().len(), 3);
    assert!(store.open_clocks(&viewer, 50).await.unwrap().is_empty());
    let due = store.open_clocks(&psirt, 50).await.unwrap();
    assert_eq!(
        due[0].clock.clock.kind(),
        ClockKind::Mitigate,
        "soonest due first"
    );

    // An approved exception pauses; resuming moves the due time on.
    let paused = store
        .pause_clock(&ana, case_id, remediate.id, "waiting for the upstream fix")
        .await
        .unwrap();
    assert_eq!(paused.clock.state(), ClockState::Paused);
    let bad = store
        .pause_clock(&ana, case_id, remediate.id, "again")
        .await;
    assert!(matches!(bad, Err(StoreError::Domain(_))), "{bad:?}");
    let bad = store.pause_clock(&ana, case_id, remediate.id, " ").await;
    assert!(matches!(bad, Err(StoreError::Domain(_))));
    let resumed = store
        .resume_clock(&ana, case_id, remediate.id)
        .await
        .unwrap();
    assert_eq!(resumed.clock.state(), ClockState::Running);
    assert!(resumed.clock.due_at() >= remediate.clock.due_at());
    assert!(matches!(
        store.resume_clock(&ana, case_id + 1, remediate.id).await,
        Err(StoreError::NotFound(_))
    ));

    // Down to S3: remediation retargeted, mitigation no longer asked for.
    store
        .update_case(
            &ana,
            case_id,
            CasePatch {
                severity: Some(Some(Severity::S3)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let clocks = store.case_clocks(case_id).await.unwrap();
    assert_eq!(clocks[2].clock.state(), ClockState::Cancelled);
    assert!(clocks[3].clock.due_at() > remediate.clock.due_at() + time::Duration::days(59));

    // Through the workflow to fixed: triage and remediation complete.
    store
        .transition_case(&ana, case_id, CaseState::Triage, None)
        .await
        .unwrap();
    store
        .set_cvss_assessment(
            &ana,
            case_id,
            psirt_store::cvss::NewAssessment {
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N".into(),
                source: Default::default(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
    for to in [
        CaseState::Confirmed,
        CaseState::Remediating,
        CaseState::Fixed,
    ] {
        store
            .transition_case(&ana, case_id, to, None)
            .await
            .unwrap();
    }
    let clocks = store.case_clocks(case_id).await.unwrap();
    assert!(
        clocks.iter().all(|c| !c.clock.state().is_open()),
        "{:?}",
        kinds(&clocks)
    );
    assert!(store.open_clocks(&psirt, 50).await.unwrap().is_empty());

    // Reject another case: its open clocks are cancelled.
    let other = store
        .submit_report(report("second"), ReportChannel::Web)
        .await
        .unwrap();
    let r = store
        .triage_report(
            &ana,
            other.report.id,
            TriageDecision::NewCase { title: None },
        )
        .await
        .unwrap();
    let other_case = r.case_id.unwrap();
    store
        .transition_case(
            &ana,
            other_case,
            CaseState::Rejected,
            Some(psirt_domain::Resolution::Invalid),
        )
        .await
        .unwrap();
    let clocks = store.case_clocks(other_case).await.unwrap();
    assert_eq!(
        kinds(&clocks),
        [
            (ClockKind::Acknowledge, ClockState::Cancelled),
            (ClockKind::Triage, ClockState::Completed)
        ]
    );
    let cancelled: Vec<String> = store
        .audit_trail("case", &other_case.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        cancelled.iter().any(|a| a == "case.clock_cancelled"),
        "{cancelled:?}"
    );

    let trail: Vec<String> = store
        .audit_trail("case", &case_id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("case.clock_"))
        .collect();
    for event in [
        "case.clock_started",
        "case.clock_completed",
        "case.clock_paused",
        "case.clock_resumed",
        "case.clock_retargeted",
    ] {
        assert!(trail.iter().any(|a| a == event), "{event} in {trail:?}");
    }
}

async fn sla_policy_is_editable(store: Store) {
    let (ana, _) = user(&store, "ana", Role::Admin).await;
    assert_eq!(store.sla_policy().await.unwrap(), SlaPolicy::default());
    let mut p = SlaPolicy::default();
    p.s2.remediate = SlaDuration::Days(14);
    store.set_sla_policy(&ana, p.clone()).await.unwrap();
    assert_eq!(store.sla_policy().await.unwrap(), p);
    let mut bad = p.clone();
    bad.s3.remediate = SlaDuration::Days(0);
    assert!(matches!(
        store.set_sla_policy(&ana, bad).await,
        Err(StoreError::Domain(_))
    ));
    assert_eq!(store.sla_policy().await.unwrap(), p);
    // New clocks use the policy in force.
    let case = store
        .create_case(
            &ana,
            psirt_store::cases::NewCase {
                title: "t".into(),
                description: String::new(),
                severity: Some(Severity::S2),
                priority: None,
                embargoed: true,
            },
        )
        .await
        .unwrap();
    let clocks = store.case_clocks(case.id).await.unwrap();
    let rem = clocks
        .iter()
        .find(|c| c.clock.kind() == ClockKind::Remediate)
        .unwrap();
    assert_eq!(
        rem.clock.due_at(),
        case.created_at + time::Duration::days(14)
    );
    assert_eq!(store.audit_trail("sla_policy", "1").await.unwrap().len(), 1);
}

async fn unintended_disclosure_shortens_and_lifts(store: Store) {
    let (ana, psirt) = user(&store, "ana", Role::Analyst).await;
    let (_, viewer) = user(&store, "vic", Role::Viewer).await;
    let case = store
        .create_case(
            &ana,
            psirt_store::cases::NewCase {
                title: "leaked".into(),
                description: String::new(),
                severity: Some(Severity::S3),
                priority: None,
                embargoed: true,
            },
        )
        .await
        .unwrap();
    let rem = |clocks: &[psirt_store::clocks::CaseClock]| {
        clocks
            .iter()
            .find(|c| c.clock.kind() == ClockKind::Remediate)
            .unwrap()
            .clock
            .due_at()
    };
    assert_eq!(
        rem(&store.case_clocks(case.id).await.unwrap()),
        case.created_at + time::Duration::days(90)
    );
    assert!(store
        .dashboard(&viewer, 10)
        .await
        .unwrap()
        .disclosed_early
        .is_empty());

    let bad = store
        .record_unintended_disclosure(&ana, case.id, "  ")
        .await;
    assert!(matches!(bad, Err(StoreError::Domain(_))));
    let moved = store
        .record_unintended_disclosure(&ana, case.id, "PoC posted on a public forum")
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let after = store.case(case.id).await.unwrap();
    assert!(!after.embargoed);
    assert_eq!(after.disclosed_early_note, "PoC posted on a public forum");
    assert_eq!(
        rem(&store.case_clocks(case.id).await.unwrap()),
        case.created_at + time::Duration::days(30)
    );
    // On top of everyone's dashboard now that the embargo is gone.
    for v in [&psirt, &viewer] {
        let d = store.dashboard(v, 10).await.unwrap();
        assert_eq!(
            d.disclosed_early.iter().map(|c| c.id).collect::<Vec<_>>(),
            [case.id]
        );
    }
    // Recorded once; a later severity change never lengthens the cap.
    assert!(matches!(
        store
            .record_unintended_disclosure(&ana, case.id, "again")
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .update_case(
            &ana,
            case.id,
            CasePatch {
                severity: Some(Some(Severity::S4)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        rem(&store.case_clocks(case.id).await.unwrap()),
        case.created_at + time::Duration::days(30)
    );
    let actions: Vec<String> = store
        .audit_trail("case", &case.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.iter().any(|a| a == "case.unintended_disclosure"),
        "{actions:?}"
    );
    assert!(matches!(
        store.record_unintended_disclosure(&ana, 9999, "x").await,
        Err(StoreError::NotFound(_))
    ));
}

/// Lists and the dashboard read the cases' CWEs and members for all cases at once: each case gets its own.
async fn lists_carry_each_cases_cwes_and_members(store: Store) {
    let (ana, psirt) = user(&store, "ana", Role::Analyst).await;
    let (eng, _) = user(&store, "eng", Role::Engineer).await;
    let (dev, _) = user(&store, "dev", Role::Engineer).await;
    let mut ids = Vec::new();
    for (title, cwes, members) in [
        ("one", vec!["CWE-79"], vec![&eng]),
        ("two", vec![], vec![&eng, &dev]),
        ("three", vec!["CWE-787", "CWE-20"], vec![]),
    ] {
        let case = store
            .create_case(
                &ana,
                psirt_store::cases::NewCase {
                    title: title.into(),
                    description: String::new(),
                    severity: Some(Severity::S1),
                    priority: None,
                    embargoed: true,
                },
            )
            .await
            .unwrap();
        let patch = CasePatch {
            cwe_ids: Some(cwes.into_iter().map(String::from).collect()),
            ..Default::default()
        };
        store.update_case(&ana, case.id, patch).await.unwrap();
        for m in members {
            store
                .add_case_member(&ana, case.id, m.user_id().unwrap())
                .await
                .unwrap();
        }
        ids.push(case.id);
    }
    let mut alone = Vec::new();
    for id in ids.iter().rev() {
        alone.push(store.case(*id).await.unwrap());
    }
    assert_eq!(alone[0].cwe_ids, [20, 787]);
    assert_eq!(alone[1].members.len(), 2);
    let listed = store
        .cases(&psirt, &Default::default(), &Default::default())
        .await
        .unwrap();
    assert_eq!(listed.items, alone, "newest first, each with its own sets");
    assert_eq!(
        store.dashboard(&psirt, 10).await.unwrap().urgent_cases,
        alone
    );
}
