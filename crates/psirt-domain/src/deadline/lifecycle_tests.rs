use proptest::prelude::*;
use time::macros::datetime;

use super::*;
use crate::deadline::{BusinessCalendar, CountingMode, DayOfWeek};

const T0: OffsetDateTime = datetime!(2026-11-02 09:00 UTC); // a Monday

fn utc() -> Counting {
    Counting::exact()
}

fn exception() -> PauseReason {
    PauseReason::SlaException {
        reason: "waiting on upstream release".into(),
        approved_by: "head-of-psirt".into(),
    }
}

fn running(kind: ClockKind) -> DeadlineClock {
    DeadlineClock::start(kind, T0, SlaDuration::Days(30), &utc()).unwrap()
}

fn in_state(state: ClockState) -> DeadlineClock {
    let mut c = running(ClockKind::Remediate);
    let at = T0 + Duration::hours(1);
    match state {
        ClockState::Running => {}
        ClockState::Paused => c.pause(at, exception()).unwrap(),
        ClockState::Completed => c.complete(at).unwrap(),
        ClockState::Cancelled => c.cancel(at, "case rejected").unwrap(),
    }
    c
}

fn apply(c: &mut DeadlineClock, action: ClockAction) -> Result<(), ClockError> {
    let at = T0 + Duration::hours(2);
    match action {
        ClockAction::Pause => c.pause(at, exception()),
        ClockAction::Resume => c.resume(at, &utc()),
        ClockAction::Complete => c.complete(at),
        ClockAction::Cancel => c.cancel(at, "duplicate"),
        ClockAction::Retarget => c.retarget(SlaDuration::Days(90), &utc()),
    }
}

#[test]
fn transition_matrix() {
    use ClockAction::*;
    use ClockState::*;
    let allowed = [
        (Running, Pause, Some(Paused)),
        (Running, Resume, None),
        (Running, Complete, Some(Completed)),
        (Running, Cancel, Some(Cancelled)),
        (Running, Retarget, Some(Running)),
        (Paused, Pause, None),
        (Paused, Resume, Some(Running)),
        (Paused, Complete, Some(Completed)),
        (Paused, Cancel, Some(Cancelled)),
        (Paused, Retarget, Some(Paused)),
        (Completed, Pause, None),
        (Completed, Resume, None),
        (Completed, Complete, None),
        (Completed, Cancel, None),
        (Completed, Retarget, None),
        (Cancelled, Pause, None),
        (Cancelled, Resume, None),
        (Cancelled, Complete, None),
        (Cancelled, Cancel, None),
        (Cancelled, Retarget, None),
    ];
    assert_eq!(
        allowed.len(),
        ClockState::ALL.len() * ClockAction::ALL.len()
    );
    for (state, action, to) in allowed {
        let mut c = in_state(state);
        let before = c.clone();
        let result = apply(&mut c, action);
        match to {
            Some(to) => {
                assert_eq!(result, Ok(()), "{state} --{action}-->");
                assert_eq!(c.state(), to, "{state} --{action}-->");
            }
            None => {
                let err = ClockError::NotAllowed {
                    kind: ClockKind::Remediate,
                    state,
                    action,
                };
                assert_eq!(
                    result,
                    Err(err.clone()),
                    "{state} --{action}--> must be refused"
                );
                assert_eq!(c, before, "a refused transition changes nothing");
                assert!(err.to_string().contains(state.as_str()));
            }
        }
    }
}

#[test]
fn refused_error_reads_well() {
    let mut c = in_state(ClockState::Running);
    let err = c.resume(T0, &utc()).unwrap_err();
    assert_eq!(err.to_string(), "a running remediate clock cannot resume");
}

#[test]
fn regulatory_clocks_never_pause_not_even_for_an_sla_exception() {
    for kind in [
        ClockKind::CraEarlyWarning,
        ClockKind::CraNotification,
        ClockKind::CraFinalReport,
    ] {
        let mut c = DeadlineClock::start_with_due(kind, T0, T0 + Duration::hours(24)).unwrap();
        for reason in [exception(), PauseReason::AwaitingReporter] {
            let err = c.pause(T0 + Duration::hours(1), reason).unwrap_err();
            assert!(matches!(err, ClockError::CannotPause { .. }), "{err}");
        }
        assert_eq!(c.state(), ClockState::Running);
        let err = c.retarget(SlaDuration::Days(1), &utc()).unwrap_err();
        assert!(matches!(err, ClockError::NotAllowed { .. }));
    }
}

#[test]
fn awaiting_reporter_pauses_only_response_clocks() {
    for kind in [ClockKind::Acknowledge, ClockKind::Triage] {
        let mut c = running(kind);
        c.pause(T0, PauseReason::AwaitingReporter).unwrap();
        assert_eq!(c.state(), ClockState::Paused);
    }
    for kind in [ClockKind::Mitigate, ClockKind::Remediate] {
        let mut c = running(kind);
        let err = c.pause(T0, PauseReason::AwaitingReporter).unwrap_err();
        assert!(matches!(err, ClockError::CannotPause { .. }));
        // An SLA exception does stop them.
        c.pause(T0, exception()).unwrap();
    }
}

#[test]
fn an_sla_exception_needs_a_reason_and_an_approver() {
    let mut c = running(ClockKind::Remediate);
    let blank = PauseReason::SlaException {
        reason: " ".into(),
        approved_by: String::new(),
    };
    let Err(ClockError::Invalid(e)) = c.pause(T0, blank) else {
        panic!("expected field errors");
    };
    let fields: Vec<_> = e.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["reason", "approved_by"]);
    assert_eq!(c.state(), ClockState::Running);
    assert!(c.cancel(T0, "").is_err(), "cancelling needs a reason too");
}

#[test]
fn transitions_cannot_go_back_in_time() {
    let mut c = running(ClockKind::Remediate);
    c.pause(T0 + Duration::days(2), exception()).unwrap();
    let err = c.resume(T0 + Duration::days(1), &utc()).unwrap_err();
    assert!(matches!(
        err,
        ClockError::BeforeLastChange {
            action: ClockAction::Resume,
            ..
        }
    ));
    assert!(c.complete(T0).is_err());
    let mut c = running(ClockKind::Triage);
    assert!(c.pause(T0 - Duration::seconds(1), exception()).is_err());
}

#[test]
fn start_rejects_a_zero_target_and_a_due_before_start() {
    assert!(DeadlineClock::start(ClockKind::Triage, T0, SlaDuration::Hours(0), &utc()).is_err());
    assert!(DeadlineClock::start(ClockKind::Triage, T0, SlaDuration::Days(-1), &utc()).is_err());
    let early = T0 - Duration::hours(1);
    assert!(DeadlineClock::start_with_due(ClockKind::CraNotification, T0, early).is_err());
}

#[test]
fn resume_pushes_the_due_time_by_the_pause() {
    let mut c = running(ClockKind::Remediate);
    assert_eq!(c.due_at(), datetime!(2026-12-02 09:00 UTC));
    c.pause(T0 + Duration::days(3), exception()).unwrap();
    c.resume(T0 + Duration::days(5), &utc()).unwrap();
    assert_eq!(c.due_at(), datetime!(2026-12-04 09:00 UTC));
    // A second pause adds up.
    c.pause(
        T0 + Duration::days(6),
        PauseReason::AwaitingReporter.clone(),
    )
    .unwrap_err();
    c.pause(T0 + Duration::days(6), exception()).unwrap();
    c.resume(T0 + Duration::days(6) + Duration::hours(12), &utc())
        .unwrap();
    assert_eq!(c.due_at(), datetime!(2026-12-04 21:00 UTC));
    let p = c.pauses();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].until, Some(T0 + Duration::days(5)));
    assert_eq!(p[1].reason, exception());
}

#[test]
fn resume_in_business_days_skips_the_weekend_of_the_pause() {
    let cal = BusinessCalendar {
        time_zone: "Europe/Berlin".into(),
        weekend: vec![DayOfWeek::Saturday, DayOfWeek::Sunday],
        holidays: vec![],
    };
    let counting = Counting::new(CountingMode::BusinessDays, &cal).unwrap();
    // Monday 10:00 CET, 5 business days → next Monday 10:00.
    let mut c =
        DeadlineClock::start(ClockKind::Triage, T0, SlaDuration::Days(5), &counting).unwrap();
    assert_eq!(c.due_at(), datetime!(2026-11-09 09:00 UTC));
    // Paused Friday 10:00 → Monday 10:00 local: one business day (Friday's rest + Monday's
    // morning = 24 h of business time), not three.
    c.pause(
        datetime!(2026-11-06 09:00 UTC),
        PauseReason::AwaitingReporter,
    )
    .unwrap();
    c.resume(datetime!(2026-11-09 09:00 UTC), &counting)
        .unwrap();
    assert_eq!(c.due_at(), datetime!(2026-11-10 09:00 UTC));
}

#[test]
fn complete_and_cancel_close_an_open_pause() {
    let mut c = in_state(ClockState::Paused);
    c.complete(T0 + Duration::hours(3)).unwrap();
    assert_eq!(c.pauses()[0].until, Some(T0 + Duration::hours(3)));
    assert_eq!(c.completed_at(), Some(T0 + Duration::hours(3)));
    let mut c = in_state(ClockState::Paused);
    c.cancel(T0 + Duration::hours(3), "rejected as duplicate")
        .unwrap();
    assert_eq!(c.pauses()[0].until, Some(T0 + Duration::hours(3)));
    assert_eq!(c.cancel_reason(), Some("rejected as duplicate"));
    assert_eq!(c.cancelled_at(), Some(T0 + Duration::hours(3)));
}

#[test]
fn status_against_now() {
    let c = DeadlineClock::start(ClockKind::Mitigate, T0, SlaDuration::Hours(48), &utc()).unwrap();
    let due = T0 + Duration::hours(48);
    let s = c.status(T0);
    assert_eq!(
        (s.phase, s.remaining, s.overdue_by),
        (ClockPhase::OnTrack, Some(Duration::hours(48)), None)
    );
    // Exactly 24 h left: the warning is on.
    let s = c.status(due - DUE_SOON);
    assert_eq!(
        (s.phase, s.remaining),
        (ClockPhase::DueSoon, Some(DUE_SOON))
    );
    let s = c.status(due - DUE_SOON - Duration::seconds(1));
    assert_eq!(s.phase, ClockPhase::OnTrack);
    // At the due time it is still met; one second later it is breached.
    assert_eq!(c.status(due).phase, ClockPhase::DueSoon);
    assert!(!c.is_breached(due));
    let s = c.status(due + Duration::hours(5));
    assert_eq!(
        (s.phase, s.remaining, s.overdue_by),
        (ClockPhase::Breached, None, Some(Duration::hours(5)))
    );
    assert!(c.is_breached(due + Duration::seconds(1)));
    assert_eq!(s.due_at, due);
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["phase"], "breached");
    assert_eq!(json["overdue_by"], 5 * 3600);
    assert_eq!(json["remaining"], serde_json::Value::Null);
}

#[test]
fn status_of_paused_completed_and_cancelled_clocks() {
    let mut c =
        DeadlineClock::start(ClockKind::Remediate, T0, SlaDuration::Hours(48), &utc()).unwrap();
    c.pause(T0 + Duration::hours(10), exception()).unwrap();
    // Frozen while paused, however late `now` is.
    let s = c.status(T0 + Duration::days(30));
    assert_eq!(
        (s.phase, s.remaining, s.overdue_by),
        (ClockPhase::Paused, Some(Duration::hours(38)), None)
    );
    c.complete(T0 + Duration::days(30)).unwrap();
    let s = c.status(T0 + Duration::days(40));
    assert_eq!(s.phase, ClockPhase::Missed);
    assert_eq!(s.overdue_by, Some(Duration::days(30) - Duration::hours(48)));

    let mut on_time = running(ClockKind::Remediate);
    on_time.complete(T0 + Duration::days(29)).unwrap();
    assert_eq!(
        on_time.status(T0 + Duration::days(90)).phase,
        ClockPhase::Met
    );

    let c = in_state(ClockState::Cancelled);
    assert_eq!(
        c.status(T0 + Duration::days(90)).phase,
        ClockPhase::Cancelled
    );
}

#[test]
fn a_breached_clock_can_still_be_paused_and_completed() {
    let mut c =
        DeadlineClock::start(ClockKind::Remediate, T0, SlaDuration::Hours(1), &utc()).unwrap();
    c.pause(T0 + Duration::hours(3), exception()).unwrap();
    let s = c.status(T0 + Duration::hours(4));
    assert_eq!(
        (s.phase, s.overdue_by),
        (ClockPhase::Paused, Some(Duration::hours(2)))
    );
    c.resume(T0 + Duration::hours(5), &utc()).unwrap();
    assert_eq!(c.due_at(), T0 + Duration::hours(3));
    c.complete(T0 + Duration::hours(6)).unwrap();
    assert_eq!(c.status(T0 + Duration::hours(6)).phase, ClockPhase::Missed);
}

#[test]
fn retarget_keeps_start_and_paused_time() {
    let mut c = running(ClockKind::Remediate);
    c.pause(T0 + Duration::days(1), exception()).unwrap();
    c.resume(T0 + Duration::days(3), &utc()).unwrap();
    c.retarget(SlaDuration::Days(90), &utc()).unwrap();
    assert_eq!(c.started_at(), T0);
    assert_eq!(c.due_at(), T0 + Duration::days(92));
    assert_eq!(c.target(), Some(SlaDuration::Days(90)));
}

#[test]
fn cap_never_lengthens() {
    let mut c =
        DeadlineClock::start(ClockKind::Remediate, T0, SlaDuration::Days(10), &utc()).unwrap();
    assert!(!c.cap_target(SlaDuration::Days(30), &utc()).unwrap());
    assert_eq!(c.due_at(), T0 + Duration::days(10));
    assert!(c.cap_target(SlaDuration::Days(5), &utc()).unwrap());
    assert_eq!(c.due_at(), T0 + Duration::days(5));
    // A looser cap later does not undo a tighter one.
    assert!(!c.cap_target(SlaDuration::Days(8), &utc()).unwrap());
    assert_eq!(c.cap(), Some(SlaDuration::Days(5)));
    c.retarget(SlaDuration::Days(180), &utc()).unwrap();
    assert_eq!(
        c.due_at(),
        T0 + Duration::days(5),
        "the cap survives a severity change"
    );
}

#[test]
fn stored_times_are_utc() {
    let local = datetime!(2026-11-02 10:00 +01:00);
    let mut c =
        DeadlineClock::start(ClockKind::Triage, local, SlaDuration::Hours(8), &utc()).unwrap();
    assert_eq!(c.started_at(), T0);
    assert!(c.started_at().offset().is_utc());
    assert!(c.due_at().offset().is_utc());
    c.pause(
        datetime!(2026-11-02 11:00 +01:00),
        PauseReason::AwaitingReporter,
    )
    .unwrap();
    assert!(c.pauses()[0].from.offset().is_utc());
    c.complete(datetime!(2026-11-02 07:00 -05:00)).unwrap();
    assert_eq!(c.completed_at(), Some(datetime!(2026-11-02 12:00 UTC)));
    assert!(c.completed_at().unwrap().offset().is_utc());
}

#[test]
fn serde_round_trip() {
    let mut c = running(ClockKind::Acknowledge);
    c.pause(T0 + Duration::hours(1), PauseReason::AwaitingReporter)
        .unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["kind"], "acknowledge");
    assert_eq!(json["state"], "paused");
    assert_eq!(json["started_at"], "2026-11-02T09:00:00Z");
    assert_eq!(json["pauses"][0]["reason"]["type"], "awaiting_reporter");
    let back: DeadlineClock = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
}

fn counting_strategy() -> impl Strategy<Value = Counting> {
    let zones = prop::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York"]);
    (zones, any::<bool>()).prop_map(|(zone, business)| {
        let cal = BusinessCalendar {
            time_zone: zone.into(),
            weekend: vec![DayOfWeek::Saturday, DayOfWeek::Sunday],
            holidays: vec![
                time::macros::date!(2026 - 12 - 25),
                time::macros::date!(2027 - 01 - 01),
            ],
        };
        let mode = if business {
            CountingMode::BusinessDays
        } else {
            CountingMode::Calendar
        };
        Counting::new(mode, &cal).unwrap()
    })
}

fn target_strategy() -> impl Strategy<Value = SlaDuration> {
    prop_oneof![
        (1i64..2_000).prop_map(SlaDuration::Hours),
        (1i64..400).prop_map(SlaDuration::Days),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn due_is_never_before_start_and_pauses_never_shorten(
        counting in counting_strategy(),
        target in target_strategy(),
        // 2025–2028, minute precision.
        start_min in 29_000_000i64..31_000_000,
        pause_after_min in 0i64..200_000,
        pause_len_min in 0i64..50_000,
    ) {
        let start = OffsetDateTime::from_unix_timestamp(start_min * 60).unwrap();
        let mut c = DeadlineClock::start(ClockKind::Remediate, start, target, &counting).unwrap();
        prop_assert!(c.due_at() >= start);
        let due_before = c.due_at();
        let paused_at = start + Duration::minutes(pause_after_min);
        c.pause(paused_at, exception()).unwrap();
        c.resume(paused_at + Duration::minutes(pause_len_min), &counting).unwrap();
        prop_assert!(c.due_at() >= due_before);
        // Recomputing from scratch agrees with the step-by-step push.
        let stepped = c.due_at();
        c.retarget(target, &counting).unwrap();
        prop_assert_eq!(c.due_at(), stepped);
    }
}
