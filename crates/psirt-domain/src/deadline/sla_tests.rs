use time::macros::datetime;
use time::Duration;

use super::*;
use crate::deadline::{ClockPhase, PauseReason, SlaDuration};

const REPORTED: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

fn exception() -> PauseReason {
    PauseReason::SlaException {
        reason: "fix depends on a vendor release".into(),
        approved_by: "psirt-lead".into(),
    }
}

fn case_clocks(policy: &SlaPolicy, severity: Severity) -> Vec<DeadlineClock> {
    let mut clocks = policy.start_response_clocks(REPORTED).unwrap();
    clocks.extend(
        policy
            .start_severity_clocks(severity, REPORTED, None)
            .unwrap(),
    );
    clocks
}

fn find(clocks: &[DeadlineClock], kind: ClockKind) -> Vec<&DeadlineClock> {
    clocks.iter().filter(|c| c.kind() == kind).collect()
}

#[test]
fn raising_severity_shortens_from_the_same_start_keeping_paused_time() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S3);
    let remediate = clocks
        .iter_mut()
        .find(|c| c.kind() == ClockKind::Remediate)
        .unwrap();
    remediate
        .pause(REPORTED + Duration::days(2), exception())
        .unwrap();
    remediate
        .resume(REPORTED + Duration::days(5), &policy.counting().unwrap())
        .unwrap();
    assert_eq!(remediate.due_at(), REPORTED + Duration::days(93));
    let ack_due = find(&clocks, ClockKind::Acknowledge)[0].due_at();

    let at = REPORTED + Duration::days(6);
    change_severity(&mut clocks, &policy, Severity::S2, at).unwrap();
    let remediate = find(&clocks, ClockKind::Remediate)[0];
    assert_eq!(remediate.started_at(), REPORTED);
    assert_eq!(remediate.due_at(), REPORTED + Duration::days(33));
    assert_eq!(
        find(&clocks, ClockKind::Acknowledge)[0].due_at(),
        ack_due,
        "untouched"
    );
    assert!(
        find(&clocks, ClockKind::Mitigate).is_empty(),
        "S2 has no mitigate target"
    );

    // Up to S1: a mitigate clock starts at the change, due 24 h later.
    change_severity(&mut clocks, &policy, Severity::S1, at).unwrap();
    let mitigate = find(&clocks, ClockKind::Mitigate);
    assert_eq!(mitigate.len(), 1);
    assert_eq!(mitigate[0].started_at(), at);
    assert_eq!(mitigate[0].due_at(), at + Duration::hours(24));
    assert_eq!(
        find(&clocks, ClockKind::Remediate)[0].due_at(),
        REPORTED + Duration::days(33)
    );
}

#[test]
fn lowering_severity_lengthens_and_cancels_the_mitigate_clock() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S1);
    let at = REPORTED + Duration::hours(10);
    change_severity(&mut clocks, &policy, Severity::S4, at).unwrap();
    assert_eq!(
        find(&clocks, ClockKind::Remediate)[0].due_at(),
        REPORTED + Duration::days(180)
    );
    let mitigate = find(&clocks, ClockKind::Mitigate)[0];
    assert_eq!(mitigate.state(), ClockState::Cancelled);
    assert_eq!(
        mitigate.cancel_reason(),
        Some("severity changed to S4, which has no mitigate target")
    );
    // Back to S1: the cancelled one stays history, a new one starts.
    let later = at + Duration::hours(1);
    change_severity(&mut clocks, &policy, Severity::S1, later).unwrap();
    let mitigate = find(&clocks, ClockKind::Mitigate);
    assert_eq!(mitigate.len(), 2);
    assert_eq!(mitigate[1].state(), ClockState::Running);
    assert_eq!(mitigate[1].started_at(), later);
}

#[test]
fn a_completed_mitigation_is_not_asked_for_again() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S1);
    let m = clocks
        .iter_mut()
        .find(|c| c.kind() == ClockKind::Mitigate)
        .unwrap();
    m.complete(REPORTED + Duration::hours(5)).unwrap();
    let at = REPORTED + Duration::hours(6);
    change_severity(&mut clocks, &policy, Severity::S2, at).unwrap();
    change_severity(&mut clocks, &policy, Severity::S1, at).unwrap();
    let mitigate = find(&clocks, ClockKind::Mitigate);
    assert_eq!(mitigate.len(), 1);
    assert_eq!(mitigate[0].state(), ClockState::Completed);
}

#[test]
fn severity_change_leaves_closed_remediation_alone() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S3);
    let r = clocks
        .iter_mut()
        .find(|c| c.kind() == ClockKind::Remediate)
        .unwrap();
    r.complete(REPORTED + Duration::days(60)).unwrap();
    change_severity(
        &mut clocks,
        &policy,
        Severity::S1,
        REPORTED + Duration::days(61),
    )
    .unwrap();
    let r = find(&clocks, ClockKind::Remediate)[0];
    assert_eq!(r.due_at(), REPORTED + Duration::days(90));
    assert_eq!(
        r.status(REPORTED + Duration::days(61)).phase,
        ClockPhase::Met
    );
}

#[test]
fn a_refused_severity_change_changes_nothing() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S1);
    // Mitigate last, so the remediate clock is retargeted before the refusal.
    let i = clocks
        .iter()
        .position(|c| c.kind() == ClockKind::Mitigate)
        .unwrap();
    let mut m = clocks.remove(i);
    m.pause(REPORTED + Duration::hours(2), exception()).unwrap();
    clocks.push(m);
    let before = clocks.clone();
    // Cancelling the mitigate clock at a time before its pause is refused…
    let err = change_severity(
        &mut clocks,
        &policy,
        Severity::S3,
        REPORTED + Duration::hours(1),
    );
    assert!(matches!(err, Err(ClockError::BeforeLastChange { .. })));
    // …and the remediate clock, retargeted earlier in the loop, is back as it was.
    assert_eq!(clocks, before);
}

#[test]
fn unintended_disclosure_caps_remediation_at_the_s1_target() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S4);
    let moved = apply_unintended_disclosure(&mut clocks, &policy).unwrap();
    assert_eq!(moved, 1);
    let r = find(&clocks, ClockKind::Remediate)[0];
    assert_eq!(r.due_at(), REPORTED + Duration::days(30));
    assert_eq!(
        r.target(),
        Some(SlaDuration::Days(180)),
        "the severity target is kept"
    );
    // Other clocks are untouched.
    assert_eq!(
        find(&clocks, ClockKind::Triage)[0].due_at(),
        REPORTED + Duration::days(7)
    );
    // A later severity change does not lift the cap.
    change_severity(
        &mut clocks,
        &policy,
        Severity::S3,
        REPORTED + Duration::days(1),
    )
    .unwrap();
    assert_eq!(
        find(&clocks, ClockKind::Remediate)[0].due_at(),
        REPORTED + Duration::days(30)
    );
}

#[test]
fn unintended_disclosure_never_lengthens() {
    let mut policy = SlaPolicy::default();
    // A stricter S2 than S1: the disclosure must not lengthen it to 30 days.
    policy.s2.remediate = SlaDuration::Days(10);
    let mut clocks = case_clocks(&policy, Severity::S2);
    assert_eq!(
        apply_unintended_disclosure(&mut clocks, &policy).unwrap(),
        0
    );
    assert_eq!(
        find(&clocks, ClockKind::Remediate)[0].due_at(),
        REPORTED + Duration::days(10)
    );
}

#[test]
fn unintended_disclosure_keeps_paused_time_and_skips_closed_clocks() {
    let policy = SlaPolicy::default();
    let mut clocks = case_clocks(&policy, Severity::S3);
    let counting = policy.counting().unwrap();
    let r = clocks
        .iter_mut()
        .find(|c| c.kind() == ClockKind::Remediate)
        .unwrap();
    r.pause(REPORTED + Duration::days(1), exception()).unwrap();
    r.resume(REPORTED + Duration::days(4), &counting).unwrap();
    apply_unintended_disclosure(&mut clocks, &policy).unwrap();
    assert_eq!(
        find(&clocks, ClockKind::Remediate)[0].due_at(),
        REPORTED + Duration::days(33)
    );

    let mut done = case_clocks(&policy, Severity::S4);
    let r = done
        .iter_mut()
        .find(|c| c.kind() == ClockKind::Remediate)
        .unwrap();
    r.complete(REPORTED + Duration::days(100)).unwrap();
    assert_eq!(apply_unintended_disclosure(&mut done, &policy).unwrap(), 0);
}
