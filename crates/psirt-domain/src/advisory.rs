//! Advisory: a publication covering one or more cases, with an id, a TLP, a status and an
//! append-only revision history.
//!
//! Versioning rule (CSAF 2.0 §3.2.1.12, semantic versioning), chosen so that every published
//! document passes the mandatory tests 6.1.14 and 6.1.16–6.1.22:
//! - only published revisions exist: a draft has no revision (so no `0.y.z` or pre-release number
//!   ever appears next to `interim`/`final`: 6.1.17–6.1.20);
//! - the first publication is `1.0.0`; each later one bumps major, minor or patch as the publisher
//!   says ([`Change`]), resetting the lower parts, so majors have no gaps and no number repeats
//!   (6.1.21, 6.1.22);
//! - each revision is strictly later than the previous one, so sorting by date and by number agree
//!   (6.1.14), and the document version is always the last revision's number (6.1.16).
//!
//! A published revision is a value: [`Advisory::publish`] computes the next one from `&self` and
//! [`Advisory::with_revision`] appends it; nothing rewrites an earlier revision. A preview is the
//! same computation without storing the result (`advisory.clone().with_revision(next)` rendered),
//! so what a reviewer sees is byte for byte what publishing will write.
//!
//! Why an interim publication is not `0.y.z`: CSAF 6.1.17/6.1.18 reserve `0.y.z` (and pre-release
//! numbers) for `draft` documents, and a draft is never published here.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::report::check_text;
use crate::{DomainError, FieldError};

pub use crate::advisory_id::{check_prefix, next_number, AdvisoryId};

const MAX_TITLE: usize = 300;
const MAX_TEXT: usize = 20_000;
const MAX_URL: usize = 2_000;

/// Traffic Light Protocol label. TLP 2.0's CLEAR is written WHITE in CSAF 2.0 (which predates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Tlp {
    #[serde(alias = "WHITE")]
    Clear,
    Green,
    Amber,
    Red,
}

impl Tlp {
    /// The label CSAF 2.0's schema allows (`WHITE`, `GREEN`, `AMBER`, `RED`).
    pub fn csaf_label(self) -> &'static str {
        match self {
            Tlp::Clear => "WHITE",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::Red => "RED",
        }
    }
}

/// The CSAF document status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdvisoryStatus {
    Draft,
    Interim,
    Final,
}

impl AdvisoryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AdvisoryStatus::Draft => "draft",
            AdvisoryStatus::Interim => "interim",
            AdvisoryStatus::Final => "final",
        }
    }

    /// Whether publishing may move an advisory from `self` to `to`. Publishing never goes back to
    /// draft, and a final advisory stays final (updates are new final revisions).
    pub fn transition(self, to: AdvisoryStatus) -> Result<AdvisoryStatus, DomainError> {
        use AdvisoryStatus::*;
        match (self, to) {
            (Draft | Interim, Interim) | (Draft | Interim | Final, Final) => Ok(to),
            _ => Err(DomainError::TransitionNotAllowed {
                from: self.as_str().into(),
                to: to.as_str().into(),
            }),
        }
    }
}

/// A semantic version `major.minor.patch` (no pre-release or build part: see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RevisionNumber {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl fmt::Display for RevisionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How much a new revision changes the advisory (CSAF §3.2.1.12.2): major for changes to
/// affected products or remediations, minor for added information, patch for editorial fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Major,
    Minor,
    Patch,
}

/// One published revision: immutable once created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub number: RevisionNumber,
    #[serde(with = "time::serde::rfc3339")]
    pub date: OffsetDateTime,
    pub summary: String,
    /// The status the advisory was published with in this revision.
    pub status: AdvisoryStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub url: String,
    pub summary: String,
}

/// Credit for people and/or an organisation; at least one of the three fields is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgment {
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// The editable content of an advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryContent {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub acknowledgments: Vec<Acknowledgment>,
    pub tlp: Tlp,
}

impl AdvisoryContent {
    /// Trims and checks; every bad field is reported at once (list fields as `references[2].url`).
    pub fn normalised(mut self) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_owned();
        self.summary = self.summary.trim().to_owned();
        self.notes = self.notes.trim().to_owned();
        check_text(&mut errors, "title", &self.title, MAX_TITLE, true);
        check_text(&mut errors, "summary", &self.summary, MAX_TEXT, true);
        check_text(&mut errors, "notes", &self.notes, MAX_TEXT, false);
        for (i, r) in self.references.iter_mut().enumerate() {
            r.url = r.url.trim().to_owned();
            r.summary = r.summary.trim().to_owned();
            let field = format!("references[{i}].url");
            check_text(&mut errors, &field, &r.url, MAX_URL, true);
            if !(r.url.starts_with("https://") || r.url.starts_with("http://"))
                || r.url.contains(char::is_whitespace)
            {
                errors.push(FieldError::new(field, "must be an http(s) URL"));
            }
            let field = format!("references[{i}].summary");
            check_text(&mut errors, &field, &r.summary, MAX_TITLE, true);
        }
        for (i, a) in self.acknowledgments.iter_mut().enumerate() {
            a.names = a
                .names
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            a.organization = trimmed(a.organization.take());
            a.summary = trimmed(a.summary.take());
            if a.names.is_empty() && a.organization.is_none() && a.summary.is_none() {
                errors.push(FieldError::new(
                    format!("acknowledgments[{i}]"),
                    "needs a name, an organization or a summary",
                ));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

/// What a publisher asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub status: AdvisoryStatus,
    /// Ignored for the first publication (always `1.0.0`).
    pub change: Change,
    pub summary: String,
    pub at: OffsetDateTime,
}

/// An advisory with its published history. Deserialising goes through [`Advisory::from_parts`],
/// so a stored history that breaks the versioning rule is refused rather than re-rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AdvisoryParts")]
pub struct Advisory {
    pub id: AdvisoryId,
    pub content: AdvisoryContent,
    status: AdvisoryStatus,
    revisions: Vec<Revision>,
}

/// The stored form of an [`Advisory`] (its status follows from the last revision).
#[derive(Deserialize)]
struct AdvisoryParts {
    id: AdvisoryId,
    content: AdvisoryContent,
    #[serde(default)]
    revisions: Vec<Revision>,
}

impl TryFrom<AdvisoryParts> for Advisory {
    type Error = DomainError;
    fn try_from(p: AdvisoryParts) -> Result<Self, DomainError> {
        Advisory::from_parts(p.id, p.content, p.revisions)
    }
}

impl Advisory {
    /// A new, unpublished advisory.
    pub fn draft(id: AdvisoryId, content: AdvisoryContent) -> Self {
        Self {
            id,
            content,
            status: AdvisoryStatus::Draft,
            revisions: Vec::new(),
        }
    }

    /// Rebuilds a stored advisory, checking that its history obeys the versioning rule.
    pub fn from_parts(
        id: AdvisoryId,
        content: AdvisoryContent,
        revisions: Vec<Revision>,
    ) -> Result<Self, DomainError> {
        let mut advisory = Self::draft(id, content);
        for (i, r) in revisions.into_iter().enumerate() {
            let change = match advisory.revisions.last() {
                Some(prev) if r.number.major > prev.number.major => Change::Major,
                Some(prev) if r.number.minor > prev.number.minor => Change::Minor,
                _ => Change::Patch,
            };
            let expected = advisory.publish(&Publish {
                status: r.status,
                change,
                summary: r.summary.clone(),
                at: r.date,
            })?;
            if expected != r {
                return Err(DomainError::Invalid(vec![FieldError::new(
                    format!("revisions[{i}]"),
                    format!("expected number {} here", expected.number),
                )]));
            }
            advisory = advisory.with_revision(r);
        }
        Ok(advisory)
    }

    pub fn status(&self) -> AdvisoryStatus {
        self.status
    }

    /// Published revisions, oldest first.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    pub fn current(&self) -> Option<&Revision> {
        self.revisions.last()
    }

    /// The next revision, computed from the history without touching it.
    pub fn publish(&self, request: &Publish) -> Result<Revision, DomainError> {
        let status = self.status.transition(request.status)?;
        let summary = request.summary.trim().to_owned();
        let mut errors = Vec::new();
        check_text(&mut errors, "summary", &summary, MAX_TITLE, true);
        // CSAF dates are written to the second: a later revision must be at a later second.
        let at = request.at.replace_nanosecond(0).unwrap_or(request.at);
        let number = match self.revisions.last() {
            None => RevisionNumber {
                major: 1,
                minor: 0,
                patch: 0,
            },
            Some(prev) => {
                if at <= prev.date {
                    errors.push(FieldError::new(
                        "at",
                        format!("must be later than the last revision ({})", prev.date),
                    ));
                }
                bump(prev.number, request.change)
            }
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        Ok(Revision {
            number,
            date: at,
            summary,
            status,
        })
    }

    /// The advisory with `revision` appended (from [`Advisory::publish`]).
    pub fn with_revision(mut self, revision: Revision) -> Self {
        self.status = revision.status;
        self.revisions.push(revision);
        self
    }
}

fn bump(n: RevisionNumber, change: Change) -> RevisionNumber {
    match change {
        Change::Major => RevisionNumber {
            major: n.major.saturating_add(1),
            minor: 0,
            patch: 0,
        },
        Change::Minor => RevisionNumber {
            minor: n.minor.saturating_add(1),
            patch: 0,
            ..n
        },
        Change::Patch => RevisionNumber {
            patch: n.patch.saturating_add(1),
            ..n
        },
    }
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
#[path = "advisory_tests.rs"]
mod tests;
