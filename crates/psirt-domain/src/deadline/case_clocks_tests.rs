use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::deadline::ClockState;

const T0: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

fn facts(state: CaseState, severity: Option<Severity>) -> CaseFacts {
    CaseFacts {
        state,
        severity,
        opened_at: T0,
        from_report: true,
        first_response_at: None,
        embargo_lift_at: None,
    }
}

/// Applies a plan the way the store does, giving new clocks ids.
fn apply(stored: &mut Vec<StoredClock>, changes: Vec<ClockChange>) {
    for ch in changes {
        match ch {
            ClockChange::Start { clock, severity } => {
                let id = stored.len() as i64 + 1;
                stored.push(StoredClock {
                    id,
                    clock,
                    severity,
                });
            }
            ClockChange::Update {
                id,
                clock,
                severity,
                ..
            } => {
                let c = stored.iter_mut().find(|c| c.id == id).unwrap();
                c.clock = clock;
                c.severity = severity;
            }
        }
    }
}

fn step(stored: &mut Vec<StoredClock>, f: &CaseFacts, now: OffsetDateTime) -> usize {
    let policy = SlaPolicy::default();
    let changes = plan(f, stored, &policy, now).unwrap();
    let n = changes.len();
    apply(stored, changes);
    // Idempotent: nothing more to do right after.
    assert_eq!(plan(f, stored, &policy, now).unwrap(), vec![], "{f:?}");
    n
}

fn get(stored: &[StoredClock], kind: ClockKind) -> &StoredClock {
    stored.iter().find(|c| c.clock.kind() == kind).unwrap()
}

#[test]
fn a_new_case_from_a_report_gets_response_clocks() {
    let mut s = Vec::new();
    assert_eq!(step(&mut s, &facts(CaseState::New, None), T0), 2);
    assert_eq!(
        get(&s, ClockKind::Acknowledge).clock.due_at(),
        T0 + Duration::hours(24)
    );
    assert_eq!(
        get(&s, ClockKind::Triage).clock.state(),
        ClockState::Running
    );
    // A case opened without a report owes nobody an answer.
    let mut s = Vec::new();
    let mut f = facts(CaseState::New, None);
    f.from_report = false;
    step(&mut s, &f, T0);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].clock.kind(), ClockKind::Triage);
}

#[test]
fn first_message_and_triage_complete_the_response_clocks() {
    let mut s = Vec::new();
    let mut f = facts(CaseState::New, None);
    step(&mut s, &f, T0);
    f.first_response_at = Some(T0 + Duration::hours(3));
    f.state = CaseState::Triage;
    step(&mut s, &f, T0 + Duration::hours(3));
    let ack = get(&s, ClockKind::Acknowledge);
    assert_eq!(ack.clock.state(), ClockState::Completed);
    assert_eq!(ack.clock.completed_at(), Some(T0 + Duration::hours(3)));
    assert_eq!(
        get(&s, ClockKind::Triage).clock.state(),
        ClockState::Running
    );
    f.state = CaseState::Confirmed;
    f.severity = Some(Severity::S2);
    step(&mut s, &f, T0 + Duration::days(2));
    assert_eq!(
        get(&s, ClockKind::Triage).clock.state(),
        ClockState::Completed
    );
    let rem = get(&s, ClockKind::Remediate);
    assert_eq!(rem.clock.due_at(), T0 + Duration::days(30));
    assert_eq!(rem.severity, Some(Severity::S2));
    assert!(!s.iter().any(|c| c.clock.kind() == ClockKind::Mitigate));
}

#[test]
fn severity_change_retargets_and_s1_adds_mitigation() {
    let mut s = Vec::new();
    let mut f = facts(CaseState::Confirmed, Some(Severity::S3));
    step(&mut s, &f, T0);
    assert_eq!(
        get(&s, ClockKind::Remediate).clock.due_at(),
        T0 + Duration::days(90)
    );
    let later = T0 + Duration::days(1);
    f.severity = Some(Severity::S1);
    step(&mut s, &f, later);
    let rem = get(&s, ClockKind::Remediate);
    assert_eq!(rem.clock.due_at(), T0 + Duration::days(30));
    assert_eq!(rem.severity, Some(Severity::S1));
    // Mitigation is asked for from the moment the severity calls for it.
    let mit = get(&s, ClockKind::Mitigate);
    assert_eq!(mit.clock.due_at(), later + Duration::hours(24));
    f.severity = Some(Severity::S4);
    step(&mut s, &f, later + Duration::hours(1));
    assert_eq!(
        get(&s, ClockKind::Remediate).clock.due_at(),
        T0 + Duration::days(180)
    );
    assert_eq!(
        get(&s, ClockKind::Mitigate).clock.state(),
        ClockState::Cancelled
    );
}

#[test]
fn s1_from_the_start_mitigates_from_the_report() {
    let mut s = Vec::new();
    step(
        &mut s,
        &facts(CaseState::Triage, Some(Severity::S1)),
        T0 + Duration::hours(2),
    );
    assert_eq!(
        get(&s, ClockKind::Mitigate).clock.due_at(),
        T0 + Duration::hours(24)
    );
}

#[test]
fn fixing_completes_and_rejecting_cancels() {
    let mut s = Vec::new();
    let mut f = facts(CaseState::Remediating, Some(Severity::S1));
    step(&mut s, &f, T0);
    f.state = CaseState::Fixed;
    step(&mut s, &f, T0 + Duration::days(3));
    for kind in [ClockKind::Mitigate, ClockKind::Remediate, ClockKind::Triage] {
        assert_eq!(get(&s, kind).clock.state(), ClockState::Completed, "{kind}");
    }
    assert_eq!(
        get(&s, ClockKind::Acknowledge).clock.state(),
        ClockState::Running
    );
    f.state = CaseState::Closed;
    step(&mut s, &f, T0 + Duration::days(4));
    assert_eq!(
        get(&s, ClockKind::Acknowledge).clock.state(),
        ClockState::Cancelled
    );

    let mut s = Vec::new();
    let mut f = facts(CaseState::Triage, Some(Severity::S2));
    step(&mut s, &f, T0);
    f.state = CaseState::Rejected;
    step(&mut s, &f, T0 + Duration::hours(5));
    assert_eq!(
        get(&s, ClockKind::Remediate).clock.state(),
        ClockState::Cancelled
    );
    assert_eq!(
        get(&s, ClockKind::Acknowledge).clock.state(),
        ClockState::Cancelled
    );
    // Rejecting is a triage outcome.
    assert_eq!(
        get(&s, ClockKind::Triage).clock.state(),
        ClockState::Completed
    );
}

#[test]
fn a_case_fixed_before_its_first_plan_still_records_its_clocks_closed() {
    let mut s = Vec::new();
    step(
        &mut s,
        &facts(CaseState::Fixed, Some(Severity::S2)),
        T0 + Duration::days(1),
    );
    assert_eq!(
        get(&s, ClockKind::Remediate).clock.state(),
        ClockState::Completed
    );
}

#[test]
fn a_paused_remediation_keeps_its_pause_through_a_severity_change() {
    let policy = SlaPolicy::default();
    let mut s = Vec::new();
    let mut f = facts(CaseState::Confirmed, Some(Severity::S3));
    step(&mut s, &f, T0);
    let rem = s
        .iter_mut()
        .find(|c| c.clock.kind() == ClockKind::Remediate)
        .unwrap();
    rem.clock
        .pause(
            T0 + Duration::days(1),
            crate::deadline::PauseReason::SlaException {
                reason: "vendor fix pending".into(),
                approved_by: "admin".into(),
            },
        )
        .unwrap();
    rem.clock
        .resume(T0 + Duration::days(3), &policy.counting().unwrap())
        .unwrap();
    f.severity = Some(Severity::S2);
    step(&mut s, &f, T0 + Duration::days(4));
    assert_eq!(
        get(&s, ClockKind::Remediate).clock.due_at(),
        T0 + Duration::days(32),
        "30 days plus the 2 paused"
    );
}
