use time::macros::{date, datetime};

use super::*;
use crate::deadline::{ClockPhase, ClockState, PauseReason};

const AWARE: OffsetDateTime = datetime!(2026-11-30 14:15 UTC);

fn manual() -> AwarenessSource {
    AwarenessSource::Manual {
        marked_by: "analyst@example.com".into(),
    }
}

fn exploited() -> CraReporting {
    CraReporting::start(CraTrack::ExploitedVulnerability, AWARE, manual()).unwrap()
}

fn incident() -> CraReporting {
    CraReporting::start(CraTrack::SevereIncident, AWARE, manual()).unwrap()
}

fn full_inputs() -> CraReportInputs {
    CraReportInputs {
        product: Some("Widget Server 4.2".into()),
        member_states: vec!["DE".into(), "FR".into()],
        suspected_unlawful_or_malicious: Some(true),
        cross_border_impact: Some(false),
        nature_of_exploit: Some("remote code execution via crafted upload".into()),
        nature_of_vulnerability: Some("path traversal (CWE-22)".into()),
        nature_of_incident: Some("ransomware on the build server".into()),
        corrective_measures_taken: Some("upload endpoint disabled on SaaS".into()),
        user_measures: Some("set uploads.enabled=false".into()),
        sensitivity: Some(Sensitivity::High),
        description: Some("full write-up".into()),
        severity: Some(Severity::S1),
        impact: Some("arbitrary code execution".into()),
        malicious_actor: None,
        security_update: Some("4.2.1".into()),
        root_cause: Some("stolen CI token".into()),
    }
}

#[test]
fn marking_actively_exploited_starts_24h_and_72h_clocks() {
    let r = exploited();
    assert_eq!(r.aware_at(), AWARE);
    assert_eq!(r.source(), &manual());
    let ew = r.clock(CraStage::EarlyWarning).unwrap();
    assert_eq!(ew.kind(), ClockKind::CraEarlyWarning);
    assert_eq!(ew.started_at(), AWARE);
    assert_eq!(ew.due_at(), datetime!(2026-12-01 14:15 UTC));
    let n = r.clock(CraStage::Notification).unwrap();
    assert_eq!(n.due_at(), datetime!(2026-12-03 14:15 UTC));
    assert!(r.clock(CraStage::FinalReport).is_none());
    assert_eq!(r.clocks().len(), 2);
    // Real hours: a weekend or a DST change does not move them (the law counts hours).
    let r = CraReporting::start(
        CraTrack::ExploitedVulnerability,
        datetime!(2026-10-24 12:00 UTC),
        manual(),
    )
    .unwrap();
    let due = r.clock(CraStage::Notification).unwrap().due_at();
    assert_eq!(due, datetime!(2026-10-27 12:00 UTC));
}

#[test]
fn a_kev_entry_can_be_the_trigger() {
    let source = AwarenessSource::Kev {
        cve_id: "CVE-2026-12345".into(),
        date_added: date!(2026 - 11 - 28),
    };
    let r = CraReporting::start(CraTrack::ExploitedVulnerability, AWARE, source).unwrap();
    let json = serde_json::to_value(r.source()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type": "kev", "cve_id": "CVE-2026-12345", "date_added": "2026-11-28"})
    );
    let back: CraReporting = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn the_trigger_is_validated() {
    for bad in ["CVE-26-1", "cve-2026-12345", "CVE-2026-12a4", "GHSA-xxxx"] {
        let source = AwarenessSource::Kev {
            cve_id: bad.into(),
            date_added: date!(2026 - 11 - 28),
        };
        let r = CraReporting::start(CraTrack::ExploitedVulnerability, AWARE, source);
        assert!(matches!(r, Err(ClockError::Invalid(_))), "{bad}");
    }
    let blank = AwarenessSource::Manual {
        marked_by: " ".into(),
    };
    assert!(CraReporting::start(CraTrack::SevereIncident, AWARE, blank).is_err());
}

#[test]
fn a_corrective_measure_starts_the_14_day_final_report_clock() {
    let mut r = exploited();
    let fix = datetime!(2026-12-10 08:00 UTC);
    r.corrective_measure_available(fix).unwrap();
    assert_eq!(r.corrective_measure_at(), Some(fix));
    let f = r.clock(CraStage::FinalReport).unwrap();
    assert_eq!(f.kind(), ClockKind::CraFinalReport);
    assert_eq!(f.started_at(), fix);
    assert_eq!(f.due_at(), datetime!(2026-12-24 08:00 UTC));
    assert_eq!(r.clocks().len(), 3);
    // Only once.
    assert!(matches!(
        r.corrective_measure_available(fix),
        Err(ClockError::Cra(_))
    ));
}

#[test]
fn a_measure_available_before_awareness_counts_from_awareness() {
    let mut r = exploited();
    r.corrective_measure_available(AWARE - time::Duration::days(30))
        .unwrap();
    let f = r.clock(CraStage::FinalReport).unwrap();
    assert_eq!(f.started_at(), AWARE);
    assert_eq!(f.due_at(), AWARE + time::Duration::days(14));
}

#[test]
fn sending_completes_the_clock_once() {
    let mut r = exploited();
    let sent = AWARE + time::Duration::hours(20);
    r.record_sent(CraStage::EarlyWarning, sent).unwrap();
    let ew = r.clock(CraStage::EarlyWarning).unwrap();
    assert_eq!(ew.state(), ClockState::Completed);
    assert_eq!(ew.status(sent).phase, ClockPhase::Met);
    assert!(matches!(
        r.record_sent(CraStage::EarlyWarning, sent),
        Err(ClockError::NotAllowed { .. })
    ));
    // Late notification: completed, but missed.
    let late = AWARE + time::Duration::hours(80);
    r.record_sent(CraStage::Notification, late).unwrap();
    let n = r.clock(CraStage::Notification).unwrap();
    assert_eq!(n.status(late).phase, ClockPhase::Missed);
    assert_eq!(n.status(late).overdue_by, Some(time::Duration::hours(8)));
    // No final report before its clock starts.
    assert!(matches!(
        r.record_sent(CraStage::FinalReport, late),
        Err(ClockError::Cra(_))
    ));
    assert!(r.draft_final_report(&full_inputs()).is_err());
}

#[test]
fn unsent_reports_breach() {
    let r = exploited();
    let now = AWARE + time::Duration::hours(25);
    assert!(r.clock(CraStage::EarlyWarning).unwrap().is_breached(now));
    let n = r.clock(CraStage::Notification).unwrap().status(now);
    assert_eq!(n.phase, ClockPhase::OnTrack);
    let n = r
        .clock(CraStage::Notification)
        .unwrap()
        .status(AWARE + time::Duration::hours(50));
    assert_eq!(n.phase, ClockPhase::DueSoon);
}

#[test]
fn regulatory_clocks_never_pause_for_an_sla_exception() {
    let r = exploited();
    for clock in r.clocks() {
        let mut c = clock.clone();
        let approved = PauseReason::SlaException {
            reason: "customer asked for more time".into(),
            approved_by: "ciso".into(),
        };
        let err = c
            .pause(AWARE + time::Duration::hours(1), approved)
            .unwrap_err();
        assert!(matches!(err, ClockError::CannotPause { .. }), "{err}");
        assert_eq!(c.state(), ClockState::Running);
    }
}

#[test]
fn severe_incident_final_report_is_due_a_month_after_the_notification() {
    let mut r = incident();
    assert!(matches!(
        r.corrective_measure_available(AWARE),
        Err(ClockError::Cra(_))
    ));
    assert!(r.clock(CraStage::FinalReport).is_none());
    let sent = AWARE + time::Duration::hours(70);
    r.record_sent(CraStage::Notification, sent).unwrap();
    let f = r.clock(CraStage::FinalReport).unwrap();
    assert_eq!(f.started_at(), sent);
    assert_eq!(sent, datetime!(2026-12-03 12:15 UTC));
    assert_eq!(f.due_at(), datetime!(2027-01-03 12:15 UTC));
    r.record_sent(CraStage::FinalReport, datetime!(2026-12-20 09:00 UTC))
        .unwrap();
    assert_eq!(
        r.clock(CraStage::FinalReport).unwrap().state(),
        ClockState::Completed
    );
}

#[test]
fn one_month_clamps_to_the_end_of_a_shorter_month() {
    let cases = [
        (
            datetime!(2027-01-31 10:00 UTC),
            datetime!(2027-02-28 10:00 UTC),
        ),
        (
            datetime!(2028-01-31 10:00 UTC),
            datetime!(2028-02-29 10:00 UTC),
        ), // leap year
        (
            datetime!(2027-03-31 23:59 UTC),
            datetime!(2027-04-30 23:59 UTC),
        ),
        (
            datetime!(2026-12-15 08:00 UTC),
            datetime!(2027-01-15 08:00 UTC),
        ), // year end
        (
            datetime!(2027-02-28 10:00 UTC),
            datetime!(2027-03-28 10:00 UTC),
        ),
    ];
    for (sent, due) in cases {
        let aware = sent - time::Duration::hours(48);
        let mut r = CraReporting::start(CraTrack::SevereIncident, aware, manual()).unwrap();
        r.record_sent(CraStage::Notification, sent).unwrap();
        assert_eq!(
            r.clock(CraStage::FinalReport).unwrap().due_at(),
            due,
            "sent {sent}"
        );
    }
    // A non-UTC offset is the same instant: the month is counted in UTC.
    let sent = datetime!(2027-02-01 00:30 +01:00); // 2027-01-31 23:30 UTC
    assert_eq!(
        add_one_month(sent).unwrap(),
        datetime!(2027-02-28 23:30 UTC)
    );
}

#[test]
fn early_warning_draft_asks_for_what_the_stage_needs() {
    let r = exploited();
    let empty = r.draft_early_warning(&CraReportInputs::default());
    assert_eq!(empty.missing, ["product", "member_states"]);
    assert_eq!(empty.due_at, datetime!(2026-12-01 14:15 UTC));
    assert_eq!(empty.sent_at, None);
    let full = r.draft_early_warning(&full_inputs());
    assert!(full.missing.is_empty());
    assert_eq!(full.member_states, ["DE", "FR"]);
    // The malicious-act question belongs to incidents.
    assert_eq!(full.suspected_unlawful_or_malicious, None);

    let i = incident();
    let empty = i.draft_early_warning(&CraReportInputs::default());
    assert_eq!(
        empty.missing,
        [
            "product",
            "member_states",
            "suspected_unlawful_or_malicious",
            "cross_border_impact"
        ]
    );
    let full = i.draft_early_warning(&full_inputs());
    assert_eq!(full.suspected_unlawful_or_malicious, Some(true));
    assert!(full.missing.is_empty());
}

#[test]
fn notification_draft() {
    let mut r = exploited();
    let empty = r.draft_notification(&CraReportInputs::default());
    assert_eq!(
        empty.missing,
        [
            "product",
            "nature_of_exploit",
            "nature_of_vulnerability",
            "corrective_measures_taken",
            "user_measures",
            "sensitivity"
        ]
    );
    let sent = AWARE + time::Duration::hours(30);
    r.record_sent(CraStage::Notification, sent).unwrap();
    let d = r.draft_notification(&full_inputs());
    assert!(d.missing.is_empty());
    assert_eq!(d.sent_at, Some(sent));
    assert_eq!(d.sensitivity, Some(Sensitivity::High));
    assert_eq!(d.nature_of_incident, None);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["sensitivity"], "high");
    assert_eq!(json["track"], "exploited_vulnerability");

    let i = incident().draft_notification(&CraReportInputs::default());
    assert_eq!(i.missing[1], "nature_of_incident");
}

#[test]
fn final_report_draft() {
    let mut r = exploited();
    r.corrective_measure_available(AWARE + time::Duration::days(3))
        .unwrap();
    let empty = r.draft_final_report(&CraReportInputs::default()).unwrap();
    // The malicious actor is asked for "where available": never missing.
    assert_eq!(
        empty.missing,
        ["description", "severity", "impact", "security_update"]
    );
    let mut inputs = full_inputs();
    inputs.malicious_actor = Some("APT-example".into());
    let d = r.draft_final_report(&inputs).unwrap();
    assert!(d.missing.is_empty());
    assert_eq!(d.severity, Some(Severity::S1));
    assert_eq!(d.malicious_actor.as_deref(), Some("APT-example"));
    assert_eq!(d.due_at, AWARE + time::Duration::days(17));
    assert_eq!(d.root_cause, None);

    let mut i = incident();
    i.record_sent(CraStage::Notification, AWARE).unwrap();
    let d = i.draft_final_report(&CraReportInputs::default()).unwrap();
    assert_eq!(d.missing[4..], ["root_cause", "cross_border_impact"]);
}
