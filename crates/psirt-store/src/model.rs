//! What the store hands out. Times are UTC; serialised as RFC 3339.

use psirt_domain::{
    AssessmentSource, CaseState, CreditPreference, CvssRating, Priority, ReportChannel,
    ReportStatus, Resolution, Role, Severity, SeveritySource, SeverityState,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(User { id, username, display_name, email, role as String, must_change_password, disabled, created_at });

/// A personal API token as listed: never the secret itself, only its first characters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub token_prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}
from_row!(ApiToken {
    id,
    user_id,
    name,
    token_prefix,
    created_at,
    expires_at,
    last_used_at,
    revoked_at
});

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: i64,
    pub channel: ReportChannel,
    pub title: String,
    pub description: String,
    pub product: String,
    pub steps_to_reproduce: String,
    pub impact: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub credit_preference: CreditPreference,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub status: ReportStatus,
    pub case_id: Option<i64>,
    pub triaged_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub triaged_at: Option<OffsetDateTime>,
}
from_row!(Report { id, channel as String, title, description, product, steps_to_reproduce, impact, reporter_name, reporter_email, credit_preference as String, received_at, status as String, case_id, triaged_by, triaged_at });

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub state: CaseState,
    pub resolution: Option<Resolution>,
    pub severity: Option<Severity>,
    /// The severity suggested by the authoritative CVSS assessment set last.
    pub suggested_severity: Option<Severity>,
    /// Who last set `severity`: `suggestion` (follows new suggestions) or `analyst` (an
    /// override, kept); null while never set.
    pub severity_source: Option<SeveritySource>,
    pub priority: Option<Priority>,
    pub embargoed: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub public_date: Option<OffsetDateTime>,
    pub assignee_id: Option<i64>,
    pub created_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the embargo was broken (the reporter or a third party published early).
    #[serde(with = "time::serde::rfc3339::option")]
    pub disclosed_early_at: Option<OffsetDateTime>,
    pub disclosed_early_note: String,
    /// Coordination notes for the planned disclosure (`public_date`): who else is involved,
    /// what was agreed.
    pub coordination_notes: String,
    /// CWE numbers (79 for CWE-79), ascending.
    pub cwe_ids: Vec<u32>,
    /// User ids of the case's members, ascending.
    pub members: Vec<i64>,
}

impl Case {
    pub fn access_for(&self, user_id: i64) -> psirt_domain::CaseAccess {
        psirt_domain::CaseAccess {
            embargoed: self.embargoed,
            is_member: self.members.contains(&user_id),
        }
    }

    pub fn severity_state(&self) -> SeverityState {
        SeverityState {
            severity: self.severity,
            source: self.severity_source,
            suggested: self.suggested_severity,
        }
    }
}

#[derive(Debug)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub state: String,
    pub resolution: Option<String>,
    pub severity: Option<String>,
    pub suggested_severity: Option<String>,
    pub severity_source: Option<String>,
    pub priority: Option<String>,
    pub embargoed: bool,
    pub public_date: Option<OffsetDateTime>,
    pub assignee_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub disclosed_early_at: Option<OffsetDateTime>,
    pub disclosed_early_note: String,
    pub coordination_notes: String,
}
from_row!(CaseRow {
    id,
    title,
    description,
    state,
    resolution,
    severity,
    suggested_severity,
    severity_source,
    priority,
    embargoed,
    public_date,
    assignee_id,
    created_by,
    created_at,
    updated_at,
    disclosed_early_at,
    disclosed_early_note,
    coordination_notes
});

pub(crate) fn parse_opt<T: std::str::FromStr>(
    v: Option<String>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    v.map(|s| {
        s.parse()
            .map_err(|_| StoreError::Corrupt(format!("{what} `{s}`")))
    })
    .transpose()
}

impl CaseRow {
    pub(crate) fn into_case(
        self,
        cwe_ids: Vec<u32>,
        members: Vec<i64>,
    ) -> Result<Case, StoreError> {
        Ok(Case {
            id: self.id,
            title: self.title,
            description: self.description,
            state: self
                .state
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("state `{}`", self.state)))?,
            resolution: parse_opt(self.resolution, "resolution")?,
            severity: parse_opt(self.severity, "severity")?,
            suggested_severity: parse_opt(self.suggested_severity, "suggested severity")?,
            severity_source: parse_opt(self.severity_source, "severity source")?,
            priority: parse_opt(self.priority, "priority")?,
            embargoed: self.embargoed,
            public_date: self.public_date,
            assignee_id: self.assignee_id,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            disclosed_early_at: self.disclosed_early_at,
            disclosed_early_note: self.disclosed_early_note,
            coordination_notes: self.coordination_notes,
            cwe_ids,
            members,
        })
    }
}

/// A CVSS assessment of a case. Score and rating are computed by the store from the vector
/// (never taken from a caller); the vector is stored in its canonical form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CvssAssessment {
    pub id: i64,
    pub case_id: i64,
    /// `"3.1"`, `"4.0"` (other sources also `"3.0"`, `"2.0"`).
    pub version: String,
    pub vector: String,
    pub score: f64,
    /// The qualitative rating of `score`.
    pub severity: CvssRating,
    pub source: AssessmentSource,
    /// The PSIRT's own assessment (`source` = `psirt`).
    pub authoritative: bool,
    pub note: String,
    pub created_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Set when a newer assessment from the same source for the same version replaced it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub superseded_at: Option<OffsetDateTime>,
    pub superseded_by: Option<i64>,
}
from_row!(CvssAssessment { id, case_id, version, vector, score, severity as String, source as String, authoritative, note, created_by, created_at, superseded_at, superseded_by });

impl CvssAssessment {
    /// Current (not superseded).
    pub fn is_current(&self) -> bool {
        self.superseded_at.is_none()
    }

    /// The case severity this assessment suggests (authoritative assessments only).
    pub fn suggested_severity(&self) -> Option<Severity> {
        self.authoritative
            .then(|| self.severity.suggested_severity())
            .flatten()
    }
}

/// An internal comment on a case (never shown to reporters).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    pub case_id: i64,
    pub author_id: i64,
    pub author: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(Comment {
    id,
    case_id,
    author_id,
    author,
    body,
    created_at
});

/// One message in a reporter's thread. Staff authors are shown to the reporter only as "PSIRT".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: i64,
    pub report_id: i64,
    pub from_reporter: bool,
    pub author_id: Option<i64>,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(Message {
    id,
    report_id,
    from_reporter,
    author_id,
    body,
    created_at
});

/// One audit event as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A page of a list, newest first, with the cursor for the next page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Where a list starts and how long it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageRequest {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

impl PageRequest {
    pub const MAX: u32 = 200;
    pub const DEFAULT: u32 = 50;

    pub fn limit(&self) -> i64 {
        i64::from(self.limit.unwrap_or(Self::DEFAULT).clamp(1, Self::MAX))
    }

    /// Items strictly older (smaller id) than the cursor; `i64::MAX` for the first page.
    pub fn before_id(&self) -> Result<i64, StoreError> {
        self.cursor_id(i64::MAX)
    }

    /// Items strictly newer (greater id) than the cursor, for lists oldest first; 0 for the first page.
    pub fn after_id(&self) -> Result<i64, StoreError> {
        self.cursor_id(0)
    }

    fn cursor_id(&self, first_page: i64) -> Result<i64, StoreError> {
        match &self.cursor {
            None => Ok(first_page),
            Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                StoreError::Domain(psirt_domain::DomainError::Invalid(vec![
                    psirt_domain::FieldError::new(
                        "cursor",
                        "is not a cursor returned by this list",
                    ),
                ]))
            }),
        }
    }

    /// Builds the page from `limit + 1` fetched rows: the extra row only says there is more.
    pub fn page<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> Page<T> {
        let limit = self.limit() as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// Who did something, as the audit trail names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        id: i64,
        username: String,
    },
    /// The reporter holding a report's tracking token.
    Reporter {
        report_id: i64,
    },
    /// psirt itself (bootstrap, workers) or the CLI run by an operator.
    System(&'static str),
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::User { id, username } => format!("user:{id}:{username}"),
            Actor::Reporter { report_id } => format!("reporter:report-{report_id}"),
            Actor::System(what) => format!("system:{what}"),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}
