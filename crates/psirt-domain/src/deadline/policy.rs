//! The SLA policy: targets per severity and how time counts. Admins edit it as JSON; a policy is
//! used only after [`SlaPolicy::validate`].
//!
//! Defaults are the seed PSIRT's (GitLab, STANDARDS.md §2): S1 mitigate 24 h and remediate 30 d,
//! S2 30 d, S3 90 d, S4 180 d, in calendar time. STANDARDS.md gives no acknowledge or triage
//! figure (FIRST 2.1 asks for an acknowledgement SLA without one; GitLab's 2-day figure is for
//! CNA publish requests, not reports), so ours are: acknowledge 24 h, triage 7 d.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::calendar::{BusinessCalendar, Counting, CountingMode};
use super::lifecycle::DeadlineClock;
use super::{ClockError, ClockKind};
use crate::case::named_enum;
use crate::{DomainError, FieldError, Severity};

/// Longest target accepted: ten years. Anything longer is a typo, and it bounds the day walks.
const MAX_DAYS: i64 = 3_650;

/// A target length. Signed so that a negative value in the input reaches validation and gets a
/// clear message instead of a parse error. JSON: `{"hours": 24}` or `{"days": 30}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaDuration {
    Hours(i64),
    Days(i64),
}

impl SlaDuration {
    /// Hours, counting a day as 24 h: for comparing targets, not for computing due times.
    pub fn nominal_hours(self) -> i64 {
        match self {
            SlaDuration::Hours(h) => h,
            SlaDuration::Days(d) => d.saturating_mul(24),
        }
    }

    fn check(self, field: &str, errors: &mut Vec<FieldError>) {
        let h = self.nominal_hours();
        if h <= 0 {
            errors.push(FieldError::new(field, "must be longer than zero"));
        } else if h > MAX_DAYS * 24 {
            errors.push(FieldError::new(field, "must be at most 3650 days"));
        }
    }
}

/// What one severity must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityTargets {
    /// Time to a mitigation (WAF rule, feature flag, hot-patch); none below S1 in the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigate: Option<SlaDuration>,
    /// Time to remediate: a fix available on every deployment method.
    pub remediate: SlaDuration,
}

/// When the remediation clock starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationStart {
    /// When the report was received.
    #[default]
    Reported,
    /// The later of report time and embargo lift (for teams that fix on the public timeline).
    LaterOfReportedAndEmbargoLift,
}
named_enum!(RemediationStart, "remediation start" {
    Reported => "reported", LaterOfReportedAndEmbargoLift => "later_of_reported_and_embargo_lift",
});

/// Unknown fields are refused: a misspelt optional field (`mitigte`) would otherwise silently
/// drop a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub acknowledge: SlaDuration,
    pub triage: SlaDuration,
    pub s1: SeverityTargets,
    pub s2: SeverityTargets,
    pub s3: SeverityTargets,
    pub s4: SeverityTargets,
    #[serde(default)]
    pub counting: CountingMode,
    #[serde(default)]
    pub calendar: BusinessCalendar,
    #[serde(default)]
    pub remediation_start: RemediationStart,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        let remediate = |days| SeverityTargets {
            mitigate: None,
            remediate: SlaDuration::Days(days),
        };
        Self {
            acknowledge: SlaDuration::Hours(24),
            triage: SlaDuration::Days(7),
            s1: SeverityTargets {
                mitigate: Some(SlaDuration::Hours(24)),
                remediate: SlaDuration::Days(30),
            },
            s2: remediate(30),
            s3: remediate(90),
            s4: remediate(180),
            counting: CountingMode::Calendar,
            calendar: BusinessCalendar::default(),
            remediation_start: RemediationStart::Reported,
        }
    }
}

impl SlaPolicy {
    /// Every problem at once, each named by its JSON path (`s1.remediate`, `calendar.time_zone`).
    /// `ClockError::Invalid` converts into `DomainError::Invalid` for handlers.
    pub fn validate(&self) -> Result<(), ClockError> {
        let mut errors = Vec::new();
        self.acknowledge.check("acknowledge", &mut errors);
        self.triage.check("triage", &mut errors);
        for sev in Severity::ALL {
            let name = sev.as_str().to_lowercase();
            let t = self.targets(*sev);
            t.remediate.check(&format!("{name}.remediate"), &mut errors);
            if let Some(m) = t.mitigate {
                m.check(&format!("{name}.mitigate"), &mut errors);
                if m.nominal_hours() > t.remediate.nominal_hours() {
                    errors.push(FieldError::new(
                        format!("{name}.mitigate"),
                        "must not be longer than the remediate target",
                    ));
                }
            }
        }
        errors.extend(self.calendar.check("calendar."));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ClockError::Invalid(errors))
        }
    }

    pub fn targets(&self, severity: Severity) -> &SeverityTargets {
        match severity {
            Severity::S1 => &self.s1,
            Severity::S2 => &self.s2,
            Severity::S3 => &self.s3,
            Severity::S4 => &self.s4,
        }
    }

    /// The target of an SLA clock kind at a severity; `None` where the policy sets none (and for
    /// regulatory kinds, which the law sets).
    pub fn target(&self, kind: ClockKind, severity: Severity) -> Option<SlaDuration> {
        match kind {
            ClockKind::Acknowledge => Some(self.acknowledge),
            ClockKind::Triage => Some(self.triage),
            ClockKind::Mitigate => self.targets(severity).mitigate,
            ClockKind::Remediate => Some(self.targets(severity).remediate),
            _ => None,
        }
    }

    /// The policy's way of counting. Validates the whole policy, so every operation that uses a
    /// policy refuses an invalid one.
    pub fn counting(&self) -> Result<Counting, ClockError> {
        self.validate()?;
        Counting::new(self.counting, &self.calendar)
    }

    /// Acknowledge and triage clocks for a report received at `reported_at`.
    pub fn start_response_clocks(
        &self,
        reported_at: OffsetDateTime,
    ) -> Result<Vec<DeadlineClock>, ClockError> {
        let counting = self.counting()?;
        Ok(vec![
            DeadlineClock::start(
                ClockKind::Acknowledge,
                reported_at,
                self.acknowledge,
                &counting,
            )?,
            DeadlineClock::start(ClockKind::Triage, reported_at, self.triage, &counting)?,
        ])
    }

    /// Mitigate (where the severity has a target) and remediate clocks. Mitigation starts at the
    /// report: it protects users whatever the embargo. Remediation starts per
    /// [`RemediationStart`]; with an embargo whose lift date is not yet known it starts at the
    /// report (the earlier, safer choice).
    pub fn start_severity_clocks(
        &self,
        severity: Severity,
        reported_at: OffsetDateTime,
        embargo_lift_at: Option<OffsetDateTime>,
    ) -> Result<Vec<DeadlineClock>, ClockError> {
        let counting = self.counting()?;
        let targets = self.targets(severity);
        let mut clocks = Vec::new();
        if let Some(m) = targets.mitigate {
            clocks.push(DeadlineClock::start(
                ClockKind::Mitigate,
                reported_at,
                m,
                &counting,
            )?);
        }
        let start = match (self.remediation_start, embargo_lift_at) {
            (RemediationStart::LaterOfReportedAndEmbargoLift, Some(lift)) => lift.max(reported_at),
            _ => reported_at,
        };
        clocks.push(DeadlineClock::start(
            ClockKind::Remediate,
            start,
            targets.remediate,
            &counting,
        )?);
        Ok(clocks)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn defaults_are_the_seed_psirts() {
        let p = SlaPolicy::default();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.s1.mitigate, Some(SlaDuration::Hours(24)));
        assert_eq!(p.s1.remediate, SlaDuration::Days(30));
        assert_eq!(
            p.s2,
            SeverityTargets {
                mitigate: None,
                remediate: SlaDuration::Days(30)
            }
        );
        assert_eq!(p.s3.remediate, SlaDuration::Days(90));
        assert_eq!(p.s4.remediate, SlaDuration::Days(180));
        assert_eq!(p.acknowledge, SlaDuration::Hours(24));
        assert_eq!(p.triage, SlaDuration::Days(7));
        assert_eq!(p.counting, CountingMode::Calendar);
    }

    #[test]
    fn json_round_trip_and_admin_shape() {
        let p = SlaPolicy::default();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["s1"]["mitigate"], serde_json::json!({"hours": 24}));
        assert_eq!(json["s2"], serde_json::json!({"remediate": {"days": 30}}));
        assert_eq!(
            json["calendar"]["weekend"],
            serde_json::json!(["saturday", "sunday"])
        );
        let back: SlaPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        // Counting fields may be left out.
        let minimal = serde_json::json!({
            "acknowledge": {"hours": 8}, "triage": {"days": 2},
            "s1": {"mitigate": {"hours": 12}, "remediate": {"days": 7}},
            "s2": {"remediate": {"days": 14}}, "s3": {"remediate": {"days": 60}},
            "s4": {"remediate": {"days": 120}}
        });
        let p: SlaPolicy = serde_json::from_value(minimal.clone()).unwrap();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.calendar, BusinessCalendar::default());
        // A typo is an error, not a silently missing target.
        let mut typo = minimal;
        typo["s1"] = serde_json::json!({"mitigte": {"hours": 12}, "remediate": {"days": 7}});
        let err = serde_json::from_value::<SlaPolicy>(typo).unwrap_err();
        assert!(err.to_string().contains("mitigte"), "{err}");
        let err = serde_json::from_value::<SlaDuration>(serde_json::json!({"weeks": 2}));
        assert!(err.is_err());
    }

    #[test]
    fn bad_input_is_rejected_whole_with_field_names() {
        let mut p = SlaPolicy {
            acknowledge: SlaDuration::Hours(0),
            ..SlaPolicy::default()
        };
        p.s2.remediate = SlaDuration::Days(-3);
        p.s3.remediate = SlaDuration::Days(5_000);
        p.s1.mitigate = Some(SlaDuration::Days(31));
        p.calendar.time_zone = "Mars/Olympus_Mons".into();
        p.calendar.weekend = crate::deadline::DayOfWeek::ALL.to_vec();
        let Err(ClockError::Invalid(errors)) = p.validate() else {
            panic!("expected field errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "acknowledge",
                "s1.mitigate",
                "s2.remediate",
                "s3.remediate",
                "calendar.time_zone",
                "calendar.weekend"
            ]
        );
        assert_eq!(errors[0].message, "must be longer than zero");
        assert!(p.counting().is_err());
        assert!(p.start_response_clocks(OffsetDateTime::UNIX_EPOCH).is_err());
        // Handlers speak DomainError: the fields survive the conversion.
        let DomainError::Invalid(fields) = DomainError::from(p.validate().unwrap_err()) else {
            panic!("expected field errors");
        };
        assert_eq!(fields.len(), 6);
    }

    #[test]
    fn starts_response_clocks_at_receipt() {
        let p = SlaPolicy::default();
        let at = datetime!(2026-11-30 09:00 UTC);
        let clocks = p.start_response_clocks(at).unwrap();
        assert_eq!(clocks[0].kind(), ClockKind::Acknowledge);
        assert_eq!(clocks[0].due_at(), datetime!(2026-12-01 09:00 UTC));
        assert_eq!(clocks[1].kind(), ClockKind::Triage);
        assert_eq!(clocks[1].due_at(), datetime!(2026-12-07 09:00 UTC));
    }

    #[test]
    fn severity_clocks_per_target() {
        let p = SlaPolicy::default();
        let at = datetime!(2026-01-01 00:00 UTC);
        let s1 = p.start_severity_clocks(Severity::S1, at, None).unwrap();
        let kinds: Vec<_> = s1.iter().map(|c| (c.kind(), c.due_at())).collect();
        assert_eq!(
            kinds,
            [
                (ClockKind::Mitigate, datetime!(2026-01-02 00:00 UTC)),
                (ClockKind::Remediate, datetime!(2026-01-31 00:00 UTC)),
            ]
        );
        let s4 = p.start_severity_clocks(Severity::S4, at, None).unwrap();
        assert_eq!(s4.len(), 1);
        assert_eq!(s4[0].due_at(), datetime!(2026-06-30 00:00 UTC));
        assert_eq!(p.target(ClockKind::Mitigate, Severity::S2), None);
        assert_eq!(p.target(ClockKind::CraNotification, Severity::S1), None);
    }

    #[test]
    fn remediation_can_start_at_embargo_lift() {
        let mut p = SlaPolicy::default();
        let reported = datetime!(2026-01-01 00:00 UTC);
        let lift = datetime!(2026-02-01 00:00 UTC);
        // Default: from the report, lift ignored.
        let c = p
            .start_severity_clocks(Severity::S2, reported, Some(lift))
            .unwrap();
        assert_eq!(c[0].started_at(), reported);
        p.remediation_start = RemediationStart::LaterOfReportedAndEmbargoLift;
        let c = p
            .start_severity_clocks(Severity::S1, reported, Some(lift))
            .unwrap();
        assert_eq!(
            c[0].started_at(),
            reported,
            "mitigation never waits for the lift"
        );
        assert_eq!(c[1].started_at(), lift);
        assert_eq!(c[1].due_at(), datetime!(2026-03-03 00:00 UTC));
        // A lift before the report: the report time wins.
        let early = datetime!(2025-12-01 00:00 UTC);
        let c = p
            .start_severity_clocks(Severity::S2, reported, Some(early))
            .unwrap();
        assert_eq!(c[0].started_at(), reported);
        // Lift unknown yet: from the report.
        let c = p
            .start_severity_clocks(Severity::S2, reported, None)
            .unwrap();
        assert_eq!(c[0].started_at(), reported);
    }
}
