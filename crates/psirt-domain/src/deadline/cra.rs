//! EU Cyber Resilience Act, Regulation (EU) 2024/2847, Art. 14 (STANDARDS.md §9; paraphrased
//! there, the OJ text was not read): the reporting clocks and a draft of each report.
//!
//! * Actively exploited vulnerability: early warning ≤ 24 h and notification ≤ 72 h after
//!   becoming aware; final report ≤ 14 days after a corrective or mitigating measure is available.
//! * Severe incident: early warning ≤ 24 h, notification ≤ 72 h, final report ≤ 1 month after
//!   the notification was sent.
//!
//! "1 month" is the same day and time of day in the next month (UTC), clamped to that month's
//! last day: Jan 31 → Feb 28 (29). Regulation 1182/71 would let it run to the end of that day;
//! we keep the earlier, safe time. Regulatory clocks count real hours and never pause.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::lifecycle::DeadlineClock;
use super::{utc, ClockError, ClockKind};
use crate::case::named_enum;
use crate::{DomainError, FieldError, Severity};

const EARLY_WARNING: Duration = Duration::hours(24);
const NOTIFICATION: Duration = Duration::hours(72);
const FINAL_REPORT_AFTER_MEASURE: Duration = Duration::days(14);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CraTrack {
    /// Art. 14(1)–(2): an actively exploited vulnerability in the product.
    ExploitedVulnerability,
    /// Art. 14(3)–(4): a severe incident having an impact on the product's security.
    SevereIncident,
}
named_enum!(CraTrack, "CRA track" {
    ExploitedVulnerability => "exploited_vulnerability", SevereIncident => "severe_incident",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CraStage {
    EarlyWarning,
    Notification,
    FinalReport,
}
named_enum!(CraStage, "CRA stage" {
    EarlyWarning => "early_warning", Notification => "notification", FinalReport => "final_report",
});

impl CraStage {
    pub fn clock_kind(self) -> ClockKind {
        match self {
            CraStage::EarlyWarning => ClockKind::CraEarlyWarning,
            CraStage::Notification => ClockKind::CraNotification,
            CraStage::FinalReport => ClockKind::CraFinalReport,
        }
    }
}

/// How the PSIRT became aware that the vulnerability is exploited (or of the incident).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AwarenessSource {
    /// An analyst marked the case.
    Manual { marked_by: String },
    /// A CISA KEV entry matched the case; `aware_at` is when psirt saw the entry, not KEV's
    /// `dateAdded` (a date, and possibly before the entry reached us).
    Kev {
        cve_id: String,
        #[serde(with = "kev_date")]
        date_added: time::Date,
    },
}

time::serde::format_description!(kev_date, Date, "[year]-[month]-[day]");

/// How sensitive the manufacturer considers the notified information (Art. 14(2)(b)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Low,
    Medium,
    High,
}
named_enum!(Sensitivity, "sensitivity" { Low => "low", Medium => "medium", High => "high" });

/// What the case knows, passed in to fill the drafts. Everything is optional: a draft lists what
/// is still missing instead of refusing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CraReportInputs {
    /// General information about the product (name, versions).
    pub product: Option<String>,
    /// Member States where the product is made available (ISO 3166 alpha-2, e.g. `DE`).
    pub member_states: Vec<String>,
    /// Incident: whether an unlawful or malicious act is suspected.
    pub suspected_unlawful_or_malicious: Option<bool>,
    /// Incident: whether the impact may cross borders.
    pub cross_border_impact: Option<bool>,
    pub nature_of_exploit: Option<String>,
    pub nature_of_vulnerability: Option<String>,
    /// Incident: nature of the incident, initial assessment, indicators of compromise.
    pub nature_of_incident: Option<String>,
    pub corrective_measures_taken: Option<String>,
    /// Corrective or mitigating measures users can take.
    pub user_measures: Option<String>,
    pub sensitivity: Option<Sensitivity>,
    /// Final report: detailed description.
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub impact: Option<String>,
    /// Where available; never "missing".
    pub malicious_actor: Option<String>,
    /// Details of the security update or other corrective measures made available.
    pub security_update: Option<String>,
    /// Incident final report: type of threat or root cause.
    pub root_cause: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlyWarningDraft {
    pub track: CraTrack,
    #[serde(with = "time::serde::rfc3339")]
    pub aware_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub product: Option<String>,
    pub member_states: Vec<String>,
    pub suspected_unlawful_or_malicious: Option<bool>,
    pub cross_border_impact: Option<bool>,
    /// Input fields the report still needs.
    pub missing: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationDraft {
    pub track: CraTrack,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub product: Option<String>,
    pub nature_of_exploit: Option<String>,
    pub nature_of_vulnerability: Option<String>,
    pub nature_of_incident: Option<String>,
    pub corrective_measures_taken: Option<String>,
    pub user_measures: Option<String>,
    pub sensitivity: Option<Sensitivity>,
    pub missing: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinalReportDraft {
    pub track: CraTrack,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub impact: Option<String>,
    pub malicious_actor: Option<String>,
    pub security_update: Option<String>,
    pub root_cause: Option<String>,
    pub cross_border_impact: Option<bool>,
    pub missing: Vec<&'static str>,
}

/// One case's Art. 14 reporting: its clocks and when each report was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CraReporting {
    track: CraTrack,
    #[serde(with = "time::serde::rfc3339")]
    aware_at: OffsetDateTime,
    source: AwarenessSource,
    early_warning: DeadlineClock,
    notification: DeadlineClock,
    final_report: Option<DeadlineClock>,
    #[serde(with = "time::serde::rfc3339::option")]
    corrective_measure_at: Option<OffsetDateTime>,
}

impl CraReporting {
    /// Marks the case (actively exploited, or severe incident) as of `aware_at`: starts the
    /// early-warning (+24 h) and notification (+72 h) clocks.
    pub fn start(
        track: CraTrack,
        aware_at: OffsetDateTime,
        source: AwarenessSource,
    ) -> Result<Self, ClockError> {
        check_source(&source)?;
        let aware_at = utc(aware_at);
        let due = |d: Duration| {
            aware_at
                .checked_add(d)
                .ok_or(ClockError::OutOfRange("due time"))
        };
        Ok(Self {
            track,
            aware_at,
            source,
            early_warning: DeadlineClock::start_with_due(
                ClockKind::CraEarlyWarning,
                aware_at,
                due(EARLY_WARNING)?,
            )?,
            notification: DeadlineClock::start_with_due(
                ClockKind::CraNotification,
                aware_at,
                due(NOTIFICATION)?,
            )?,
            final_report: None,
            corrective_measure_at: None,
        })
    }

    pub fn track(&self) -> CraTrack {
        self.track
    }
    pub fn aware_at(&self) -> OffsetDateTime {
        self.aware_at
    }
    pub fn source(&self) -> &AwarenessSource {
        &self.source
    }
    pub fn corrective_measure_at(&self) -> Option<OffsetDateTime> {
        self.corrective_measure_at
    }

    pub fn clock(&self, stage: CraStage) -> Option<&DeadlineClock> {
        match stage {
            CraStage::EarlyWarning => Some(&self.early_warning),
            CraStage::Notification => Some(&self.notification),
            CraStage::FinalReport => self.final_report.as_ref(),
        }
    }

    /// The clocks started so far, in stage order.
    pub fn clocks(&self) -> Vec<&DeadlineClock> {
        let mut all = vec![&self.early_warning, &self.notification];
        all.extend(self.final_report.as_ref());
        all
    }

    /// A corrective or mitigating measure became available: starts the final-report clock
    /// (+14 days). A measure that predates awareness counts from `aware_at` — the duty to report
    /// starts with awareness. Severe incidents start that clock on sending the notification.
    pub fn corrective_measure_available(&mut self, at: OffsetDateTime) -> Result<(), ClockError> {
        let at = utc(at);
        if self.track != CraTrack::ExploitedVulnerability {
            return Err(ClockError::Cra(
                "a severe incident's final report is due one month after the notification, \
                 not after a corrective measure",
            ));
        }
        if self.final_report.is_some() {
            return Err(ClockError::Cra(
                "the final-report clock has already started",
            ));
        }
        let start = at.max(self.aware_at);
        let due = start
            .checked_add(FINAL_REPORT_AFTER_MEASURE)
            .ok_or(ClockError::OutOfRange("due time"))?;
        self.final_report = Some(DeadlineClock::start_with_due(
            ClockKind::CraFinalReport,
            start,
            due,
        )?);
        self.corrective_measure_at = Some(at);
        Ok(())
    }

    /// Records that a report was sent: completes its clock. For a severe incident, sending the
    /// notification starts the final-report clock (+1 month).
    pub fn record_sent(
        &mut self,
        stage: CraStage,
        sent_at: OffsetDateTime,
    ) -> Result<(), ClockError> {
        let clock = match stage {
            CraStage::EarlyWarning => &mut self.early_warning,
            CraStage::Notification => &mut self.notification,
            CraStage::FinalReport => self.final_report.as_mut().ok_or(ClockError::Cra(
                "no final report is due yet: its clock has not started",
            ))?,
        };
        clock.complete(sent_at)?;
        if stage == CraStage::Notification && self.track == CraTrack::SevereIncident {
            let due = add_one_month(sent_at)?;
            self.final_report = Some(DeadlineClock::start_with_due(
                ClockKind::CraFinalReport,
                sent_at,
                due,
            )?);
        }
        Ok(())
    }

    pub fn draft_early_warning(&self, i: &CraReportInputs) -> EarlyWarningDraft {
        let incident = self.track == CraTrack::SevereIncident;
        let mut missing = Vec::new();
        need(&mut missing, "product", i.product.is_some());
        need(&mut missing, "member_states", !i.member_states.is_empty());
        if incident {
            let known = i.suspected_unlawful_or_malicious.is_some();
            need(&mut missing, "suspected_unlawful_or_malicious", known);
            need(
                &mut missing,
                "cross_border_impact",
                i.cross_border_impact.is_some(),
            );
        }
        EarlyWarningDraft {
            track: self.track,
            aware_at: self.aware_at,
            due_at: self.early_warning.due_at(),
            sent_at: self.early_warning.completed_at(),
            product: i.product.clone(),
            member_states: i.member_states.clone(),
            suspected_unlawful_or_malicious: i.suspected_unlawful_or_malicious.filter(|_| incident),
            cross_border_impact: i.cross_border_impact.filter(|_| incident),
            missing,
        }
    }

    pub fn draft_notification(&self, i: &CraReportInputs) -> NotificationDraft {
        let incident = self.track == CraTrack::SevereIncident;
        let mut missing = Vec::new();
        need(&mut missing, "product", i.product.is_some());
        if incident {
            need(
                &mut missing,
                "nature_of_incident",
                i.nature_of_incident.is_some(),
            );
        } else {
            need(
                &mut missing,
                "nature_of_exploit",
                i.nature_of_exploit.is_some(),
            );
            need(
                &mut missing,
                "nature_of_vulnerability",
                i.nature_of_vulnerability.is_some(),
            );
        }
        let taken = i.corrective_measures_taken.is_some();
        need(&mut missing, "corrective_measures_taken", taken);
        need(&mut missing, "user_measures", i.user_measures.is_some());
        need(&mut missing, "sensitivity", i.sensitivity.is_some());
        NotificationDraft {
            track: self.track,
            due_at: self.notification.due_at(),
            sent_at: self.notification.completed_at(),
            product: i.product.clone(),
            nature_of_exploit: i.nature_of_exploit.clone().filter(|_| !incident),
            nature_of_vulnerability: i.nature_of_vulnerability.clone().filter(|_| !incident),
            nature_of_incident: i.nature_of_incident.clone().filter(|_| incident),
            corrective_measures_taken: i.corrective_measures_taken.clone(),
            user_measures: i.user_measures.clone(),
            sensitivity: i.sensitivity,
            missing,
        }
    }

    /// Refused until the final-report clock has started (measure available, or for an incident
    /// the notification sent).
    pub fn draft_final_report(&self, i: &CraReportInputs) -> Result<FinalReportDraft, ClockError> {
        let clock = self.final_report.as_ref().ok_or(ClockError::Cra(
            "no final report is due yet: its clock has not started",
        ))?;
        let incident = self.track == CraTrack::SevereIncident;
        let mut missing = Vec::new();
        need(&mut missing, "description", i.description.is_some());
        need(&mut missing, "severity", i.severity.is_some());
        need(&mut missing, "impact", i.impact.is_some());
        need(&mut missing, "security_update", i.security_update.is_some());
        if incident {
            need(&mut missing, "root_cause", i.root_cause.is_some());
            need(
                &mut missing,
                "cross_border_impact",
                i.cross_border_impact.is_some(),
            );
        }
        Ok(FinalReportDraft {
            track: self.track,
            due_at: clock.due_at(),
            sent_at: clock.completed_at(),
            description: i.description.clone(),
            severity: i.severity,
            impact: i.impact.clone(),
            malicious_actor: i.malicious_actor.clone(),
            security_update: i.security_update.clone(),
            root_cause: i.root_cause.clone().filter(|_| incident),
            cross_border_impact: i.cross_border_impact.filter(|_| incident),
            missing,
        })
    }
}

fn need(missing: &mut Vec<&'static str>, field: &'static str, present: bool) {
    if !present {
        missing.push(field);
    }
}

fn check_source(source: &AwarenessSource) -> Result<(), ClockError> {
    let bad = match source {
        AwarenessSource::Manual { marked_by } if marked_by.trim().is_empty() => {
            Some(FieldError::new("marked_by", "say who marked the case"))
        }
        AwarenessSource::Kev { cve_id, .. } if !is_cve_id(cve_id) => Some(FieldError::new(
            "cve_id",
            format!("`{cve_id}` is not a CVE id (CVE-YYYY-NNNN…)"),
        )),
        _ => None,
    };
    match bad {
        Some(e) => Err(ClockError::Invalid(vec![e])),
        None => Ok(()),
    }
}

/// Whether `s` is a well-formed CVE id: `CVE-`, a four-digit year, `-`, four or more digits.
pub fn is_cve_id(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    let digits = |p: &str, min: usize| p.len() >= min && p.bytes().all(|b| b.is_ascii_digit());
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(y), Some(n)) if y.len() == 4 && digits(y, 4) && digits(n, 4)
    )
}

/// Same day and time next month in UTC, clamped to the month's last day (see module docs).
fn add_one_month(t: OffsetDateTime) -> Result<OffsetDateTime, ClockError> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let (year, month) = match t.month() {
        time::Month::December => (t.year() + 1, time::Month::January),
        m => (t.year(), m.next()),
    };
    let day = t.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day)
        .map_err(|_| ClockError::OutOfRange("due time"))?;
    Ok(t.replace_date(date))
}

#[cfg(test)]
#[path = "cra_tests.rs"]
mod tests;
