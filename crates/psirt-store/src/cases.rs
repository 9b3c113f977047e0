//! Cases: the PSIRT's unit of work, with members, CWEs, comments and state transitions.

use std::collections::HashMap;

use psirt_domain::cwe::parse_cwe_list;
use psirt_domain::report::{check_text, limits, validate_message};
use psirt_domain::{
    CaseState, DomainError, Priority, Resolution, Severity, Transition, TransitionContext, Viewer,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::model::CaseRow;
use crate::{Actor, Case, Comment, Page, PageRequest, Result, Store, StoreError};

const CASE_COLUMNS: &str = "id, title, description, state, resolution, severity, suggested_severity, severity_source, priority, embargoed, public_date, assignee_id, created_by, created_at, updated_at, disclosed_early_at, disclosed_early_note, coordination_notes";

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCase {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub severity: Option<Severity>,
    pub priority: Option<Priority>,
    /// Cases are embargoed unless said otherwise.
    #[serde(default = "yes")]
    pub embargoed: bool,
}

fn yes() -> bool {
    true
}

/// A change to a case's fields; absent fields stay as they are. `Some(None)` clears a field.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub severity: Option<Option<Severity>>,
    #[serde(default, deserialize_with = "double_option")]
    pub priority: Option<Option<Priority>>,
    pub embargoed: Option<bool>,
    #[serde(default, deserialize_with = "double_option_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub public_date: Option<Option<OffsetDateTime>>,
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<i64>>,
    /// The full new list, e.g. ["CWE-79"].
    pub cwe_ids: Option<Vec<String>>,
    /// Coordination notes for the planned disclosure.
    pub coordination_notes: Option<String>,
}

/// Tells "absent" (None) from "null" (Some(None)) in a JSON patch.
fn double_option<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn double_option_time<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<OffsetDateTime>>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    s.map(|s| {
        OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
            .map(psirt_domain::clock::to_micros)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{s}` is not an RFC 3339 date-time such as 2026-12-01T00:00:00Z"
                ))
            })
    })
    .transpose()
    .map(Some)
}

/// Filters for the case list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaseFilter {
    /// Words in the title (case-insensitive).
    pub q: Option<String>,
    pub state: Option<CaseState>,
}

fn validate_case_text(title: Option<&str>, description: Option<&str>) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(t) = title {
        check_text(&mut errors, "title", t, limits::TITLE, true);
    }
    if let Some(d) = description {
        check_text(&mut errors, "description", d, limits::DESCRIPTION, false);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors).into())
    }
}

/// A new case's title, trimmed, once its title and description are checked.
pub(crate) fn checked_title(new: &NewCase) -> Result<String> {
    let title = new.title.trim().to_owned();
    validate_case_text(Some(&title), Some(&new.description))?;
    Ok(title)
}

/// The audit view of a case's editable fields.
fn snapshot(c: &Case) -> Map<String, Value> {
    let v = json!({
        "title": c.title, "description": c.description, "severity": c.severity, "priority": c.priority,
        "embargoed": c.embargoed, "public_date": c.public_date.map(crate::audit::at_text), "assignee_id": c.assignee_id,
        "cwe_ids": c.cwe_ids, "coordination_notes": c.coordination_notes,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Keeps only the fields that changed, so the timeline says what actually happened.
fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> (Value, Value) {
    let (mut b, mut a) = (Map::new(), Map::new());
    for (k, v) in after {
        if before.get(k) != Some(v) {
            b.insert(k.clone(), before.get(k).cloned().unwrap_or(Value::Null));
            a.insert(k.clone(), v.clone());
        }
    }
    (Value::Object(b), Value::Object(a))
}

/// Ids bound in one statement: far below the backends' caps on bound values (SQLite 32,766, PostgreSQL 65,535).
const IDS_PER_QUERY: usize = 1000;

impl Store {
    pub async fn create_case(&self, actor: &Actor, new: NewCase) -> Result<Case> {
        let title = checked_title(&new)?;
        let now = self.now();
        let id: i64 = with_tx!(self, tx => {
            let id = insert_case!(tx, self, actor, &new, &title, now);
            start_runbook!(tx, self, actor, id);
            id
        });
        self.case(id).await
    }

    /// A case by id, with no access check: callers check `Viewer::may` and answer 404 when not.
    pub async fn case(&self, id: i64) -> Result<Case> {
        let row: Option<CaseRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        let row = row.ok_or(StoreError::NotFound("case"))?;
        self.cases_from_rows(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound("case"))
    }

    /// The cases with these ids, in this order (ids of no case are left out): three queries however many, not three
    /// per case (lists, the dashboard).
    pub async fn cases_by_ids(&self, ids: &[i64]) -> Result<Vec<Case>> {
        let rows: Vec<CaseRow> = self
            .in_ids(
                &format!("SELECT {CASE_COLUMNS} FROM cases WHERE id IN ("),
                ")",
                ids,
            )
            .await?;
        let mut by_id: HashMap<i64, CaseRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        let rows = ids.iter().filter_map(|id| by_id.remove(id)).collect();
        self.cases_from_rows(rows).await
    }

    /// The cases of these rows, with their CWEs and members read in two queries for all.
    async fn cases_from_rows(&self, rows: Vec<CaseRow>) -> Result<Vec<Case>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let cwes: Vec<(i64, i64)> = self
            .in_ids(
                "SELECT case_id, cwe_id FROM case_cwes WHERE case_id IN (",
                ") ORDER BY case_id, cwe_id",
                &ids,
            )
            .await?;
        let members: Vec<(i64, i64)> = self
            .in_ids(
                "SELECT case_id, user_id FROM case_members WHERE case_id IN (",
                ") ORDER BY case_id, user_id",
                &ids,
            )
            .await?;
        let mut cwes_of: HashMap<i64, Vec<u32>> = HashMap::new();
        for (case, cwe) in cwes {
            let cwe =
                u32::try_from(cwe).map_err(|_| StoreError::Corrupt(format!("cwe id {cwe}")))?;
            cwes_of.entry(case).or_default().push(cwe);
        }
        let mut members_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for (case, user) in members {
            members_of.entry(case).or_default().push(user);
        }
        rows.into_iter()
            .map(|r| {
                let (cwes, members) = (cwes_of.remove(&r.id), members_of.remove(&r.id));
                r.into_case(cwes.unwrap_or_default(), members.unwrap_or_default())
            })
            .collect()
    }

    /// `head` + the ids as bound values + `tail` (both constant SQL), in chunks.
    async fn in_ids<T>(&self, head: &str, tail: &str, ids: &[i64]) -> Result<Vec<T>>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let mut out = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let rows: Vec<T> = with_pool!(self, p => {
                let mut q = sqlx::QueryBuilder::new(head);
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(tail);
                q.build_query_as().fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// The cases `viewer` may see, newest first. The visibility rule is `Viewer::can_view`,
    /// written in SQL so that hidden cases never leave the database.
    pub async fn cases(
        &self,
        viewer: &Viewer,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<Case>> {
        let before = page.before_id()?;
        let pattern = crate::like_pattern(filter.q.as_deref());
        let rows: Vec<CaseRow> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases c WHERE c.id < $1 \
                 AND ($2 OR c.embargoed = FALSE OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = $3)) \
                 AND ($4 IS NULL OR c.state = $4) \
                 AND ($5 IS NULL OR LOWER(c.title) LIKE $5 ESCAPE '\\') \
                 ORDER BY c.id DESC LIMIT $6"
            )))
            .bind(before)
            .bind(viewer.role.is_psirt())
            .bind(viewer.user_id)
            .bind(filter.state.map(|s| s.as_str()))
            .bind(pattern.as_deref())
            .bind(page.limit() + 1)
            .fetch_all(p)
            .await?
        });
        let cases = self.cases_from_rows(rows).await?;
        Ok(page.page(cases, |c| c.id))
    }

    /// Changes a case's fields. Setting the severity records who chose it (see
    /// `psirt_domain::SeverityState::choose`): a choice other than the current CVSS suggestion
    /// is an override, recorded as a `case.severity_overridden` event beside `case.update`.
    pub async fn update_case(&self, actor: &Actor, id: i64, patch: CasePatch) -> Result<Case> {
        let mut before = self.case(id).await?;
        let title = patch.title.as_deref().map(str::trim);
        validate_case_text(title, patch.description.as_deref())?;
        let notes = patch.coordination_notes.as_deref().map(str::trim);
        if let Some(n) = notes {
            let mut errors = Vec::new();
            check_text(
                &mut errors,
                "coordination_notes",
                n,
                limits::DESCRIPTION,
                false,
            );
            if !errors.is_empty() {
                return Err(DomainError::Invalid(errors).into());
            }
        }
        let cwes = patch.cwe_ids.as_deref().map(parse_cwe_list).transpose()?;
        let assignee = patch.assignee_id.unwrap_or(before.assignee_id);
        if let Some(uid) = assignee {
            if uid != before.assignee_id.unwrap_or_default() {
                let user = self.user(uid).await.map_err(|_| {
                    DomainError::Invalid(vec![psirt_domain::FieldError::new(
                        "assignee_id",
                        "is not a user",
                    )])
                })?;
                if !user.role.is_psirt() && !before.members.contains(&uid) {
                    return Err(DomainError::Invalid(vec![psirt_domain::FieldError::new(
                        "assignee_id",
                        "must be an analyst, an admin or a member of the case",
                    )])
                    .into());
                }
            }
        }
        let now = self.now();
        with_tx!(self, tx => {
            // The severity may have moved since `before` was read (a CVSS assessment suggests
            // one): lock the row, then decide on its current severity and provenance.
            let locked: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
                "UPDATE cases SET updated_at = $1 WHERE id = $2 RETURNING severity, suggested_severity, severity_source",
            )
            .bind(now)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let (sev, sug, src) = locked.ok_or(StoreError::NotFound("case"))?;
            before.severity = crate::model::parse_opt(sev, "severity")?;
            before.suggested_severity = crate::model::parse_opt(sug, "suggested severity")?;
            before.severity_source = crate::model::parse_opt(src, "severity source")?;
            let current = before.severity_state();
            let (severity, overridden) = match patch.severity {
                Some(chosen) if chosen != current.severity => current.choose(chosen),
                _ => (current, None),
            };
            sqlx::query(
                "UPDATE cases SET title = $1, description = $2, severity = $3, severity_source = $4, priority = $5, embargoed = $6, \
                 public_date = $7, assignee_id = $8, updated_at = $9, coordination_notes = $11 WHERE id = $10",
            )
            .bind(title.unwrap_or(&before.title))
            .bind(patch.description.as_deref().unwrap_or(&before.description))
            .bind(severity.severity.map(|s| s.as_str()))
            .bind(severity.source.map(|s| s.as_str()))
            .bind(patch.priority.unwrap_or(before.priority).map(|p| p.as_str()))
            .bind(patch.embargoed.unwrap_or(before.embargoed))
            .bind(patch.public_date.unwrap_or(before.public_date))
            .bind(assignee)
            .bind(now)
            .bind(id)
            .bind(notes.unwrap_or(&before.coordination_notes))
            .execute(&mut *tx)
            .await?;
            if let Some(cwes) = &cwes {
                sqlx::query("DELETE FROM case_cwes WHERE case_id = $1").bind(id).execute(&mut *tx).await?;
                for cwe in cwes {
                    sqlx::query("INSERT INTO case_cwes (case_id, cwe_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(i64::from(*cwe))
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let mut after = before.clone();
            after.title = title.unwrap_or(&before.title).to_owned();
            after.description = patch.description.clone().unwrap_or_else(|| before.description.clone());
            after.severity = severity.severity;
            after.severity_source = severity.source;
            after.priority = patch.priority.unwrap_or(before.priority);
            after.embargoed = patch.embargoed.unwrap_or(before.embargoed);
            after.public_date = patch.public_date.unwrap_or(before.public_date);
            after.assignee_id = assignee;
            after.coordination_notes = notes.unwrap_or(&before.coordination_notes).to_owned();
            if let Some(c) = &cwes {
                after.cwe_ids = c.clone();
            }
            let (b, a) = diff(&snapshot(&before), &snapshot(&after));
            if a.as_object().is_some_and(|m| !m.is_empty()) {
                audit!(tx, self, AuditDraft::new(actor, "case", id, "case.update").before(b).after(a));
            }
            if let Some(o) = overridden {
                audit!(tx, self, AuditDraft::new(actor, "case", id, "case.severity_overridden")
                    .before(json!({"severity": before.severity, "severity_source": before.severity_source}))
                    .after(json!({"suggested": o.suggested, "chosen": o.chosen})));
            }
            sync_clocks!(tx, self, actor, id);
            // A case that became S1 or P1 gets the escalation checklist.
            start_runbook!(tx, self, actor, id);
        });
        self.case(id).await
    }

    /// Moves a case to `to` if the state machine and its guards allow it.
    pub async fn transition_case(
        &self,
        actor: &Actor,
        id: i64,
        to: CaseState,
        resolution: Option<Resolution>,
    ) -> Result<Case> {
        let case = self.case(id).await?;
        if to == CaseState::Closed {
            self.check_rca_before_close(id, case.severity).await?;
        }
        let now = self.now();
        with_tx!(self, tx => {
            // The PSIRT's own (authoritative) assessment counts, not a reporter's or a feed's.
            let cvss: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM cvss_assessments WHERE case_id = $1 AND authoritative = TRUE AND superseded_at IS NULL",
            )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let ctx = TransitionContext {
                severity: case.severity,
                has_cvss_assessment: cvss > 0,
                // Advisories arrive with the disclosure work; until then nothing is published.
                has_published_advisory: false,
                resolution,
            };
            Transition::check(case.state, to, &ctx)?;
            let n = sqlx::query("UPDATE cases SET state = $1, resolution = $2, updated_at = $3 WHERE id = $4 AND state = $5")
                .bind(to.as_str())
                .bind(resolution.map(|r| r.as_str()))
                .bind(now)
                .bind(id)
                .bind(case.state.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(format!("case {id} changed state concurrently; reload and retry")));
            }
            audit!(tx, self, AuditDraft::new(actor, "case", id, "case.transition")
                .before(json!({"state": case.state, "resolution": case.resolution}))
                .after(json!({"state": to, "resolution": resolution})));
            sync_clocks!(tx, self, actor, id);
        });
        self.case(id).await
    }

    pub async fn add_case_member(&self, actor: &Actor, case_id: i64, user_id: i64) -> Result<Case> {
        let user = self.user(user_id).await?;
        self.case(case_id).await?;
        let now = self.now();
        with_tx!(self, tx => {
            let n = sqlx::query("INSERT INTO case_members (case_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(case_id).bind(user_id).bind(now).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.member_add")
                    .after(json!({"user_id": user_id, "username": user.username})));
            }
        });
        self.case(case_id).await
    }

    pub async fn remove_case_member(
        &self,
        actor: &Actor,
        case_id: i64,
        user_id: i64,
    ) -> Result<Case> {
        with_tx!(self, tx => {
            let n = sqlx::query("DELETE FROM case_members WHERE case_id = $1 AND user_id = $2")
                .bind(case_id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("case member"));
            }
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.member_remove").before(json!({"user_id": user_id})));
        });
        self.case(case_id).await
    }

    pub async fn add_comment(&self, actor: &Actor, case_id: i64, body: &str) -> Result<Comment> {
        let body = validate_message("body", body)?;
        let author_id = actor
            .user_id()
            .ok_or_else(|| StoreError::Config("comments need a user".into()))?;
        let now = self.now();
        let id: i64 = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar("INSERT INTO comments (case_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(case_id).bind(author_id).bind(&body).bind(now).fetch_one(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.comment").after(json!({"comment": id, "body": body})));
            id
        });
        let comments = self.comments(case_id).await?;
        comments
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound("comment"))
    }

    pub async fn comments(&self, case_id: i64) -> Result<Vec<Comment>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(
                "SELECT c.id, c.case_id, c.author_id, u.username AS author, c.body, c.created_at \
                 FROM comments c JOIN users u ON u.id = c.author_id WHERE c.case_id = $1 ORDER BY c.id",
            )
            .bind(case_id)
            .fetch_all(p)
            .await?
        }))
    }
}
