/// Runs `$body` with `$p` bound to the concrete pool of whichever backend is open.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` inside one transaction (`$tx`), committed when the body finishes without `?`
/// returning early; an early return drops the transaction, which rolls it back.
/// SQLite transactions start IMMEDIATE: they take the write lock up front instead of failing
/// with SQLITE_BUSY when a read turns into a write under concurrency.
macro_rules! with_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(p) => {
                #[allow(unused_mut)]
                let mut $tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Pool::Postgres(p) => {
                #[allow(unused_mut)]
                let mut $tx = p.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Appends one audit event inside the running transaction. Locking the head row serialises
/// appenders, so the chain never forks.
macro_rules! audit {
    ($tx:ident, $store:expr, $draft:expr) => {{
        let draft: $crate::audit::AuditDraft = $draft;
        let (seq, prev): (i64, String) = sqlx::query_as(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        )
        .fetch_one(&mut *$tx)
        .await?;
        let event = draft.into_event(seq, $crate::audit::at_text($store.now()));
        let hash = event.chain_hash(&prev);
        sqlx::query(
            "INSERT INTO audit_events (seq, at, actor, entity_type, entity_id, action, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(event.seq)
        .bind(&event.at)
        .bind(&event.actor)
        .bind(&event.entity_type)
        .bind(&event.entity_id)
        .bind(&event.action)
        .bind(event.before.as_ref().map(|v| v.to_string()))
        .bind(event.after.as_ref().map(|v| v.to_string()))
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
        // The notifications this change causes, in the same transaction (see outbox.rs).
        $crate::outbox::enqueue($crate::outbox::Conn::from(&mut *$tx), &event, $store.now()).await?;
    }};
}

/// Brings a case's SLA clocks in line with the case, inside the running transaction (see
/// `clocks.rs`): reads the case's facts, plans, writes each change with its audit event.
macro_rules! sync_clocks {
    ($tx:ident, $store:expr, $actor:expr, $case_id:expr) => {{
        let case_id: i64 = $case_id;
        let now = $store.now();
        let (state, severity, created_at, public_date): (String, Option<String>, time::OffsetDateTime, Option<time::OffsetDateTime>) =
            sqlx::query_as("SELECT state, severity, created_at, public_date FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut *$tx)
                .await?;
        let first_report: Option<time::OffsetDateTime> = sqlx::query_scalar(
            "SELECT received_at FROM reports WHERE case_id = $1 ORDER BY received_at LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let first_response: Option<time::OffsetDateTime> = sqlx::query_scalar(
            "SELECT m.created_at FROM messages m JOIN reports r ON r.id = m.report_id \
             WHERE r.case_id = $1 AND m.from_reporter = FALSE ORDER BY m.created_at LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let rows: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, clock, severity FROM case_clocks WHERE case_id = $1 ORDER BY id")
                .bind(case_id)
                .fetch_all(&mut *$tx)
                .await?;
        let policy: Option<String> = sqlx::query_scalar("SELECT policy FROM sla_policy WHERE id = 1")
            .fetch_optional(&mut *$tx)
            .await?;
        let facts = $crate::clocks::facts(&state, severity, created_at, public_date, first_report, first_response)?;
        let existing = $crate::clocks::stored(rows)?;
        let policy = $crate::clocks::policy_from(policy)?;
        let changes = psirt_domain::deadline::case_clocks::plan(&facts, &existing, &policy, now)
            .map_err(psirt_domain::DomainError::from)?;
        for change in changes {
            let (id, clock, severity, event) = $crate::clocks::change_parts(change);
            let json = $crate::to_json(&clock)?;
            let sev = severity.map(|s| s.as_str());
            match id {
                None => {
                    sqlx::query(
                        "INSERT INTO case_clocks (case_id, kind, state, severity, due_at, clock, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                    )
                    .bind(case_id)
                    .bind(clock.kind().as_str())
                    .bind(clock.state().as_str())
                    .bind(sev)
                    .bind(clock.due_at())
                    .bind(&json)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
                }
                Some(id) => {
                    sqlx::query(
                        "UPDATE case_clocks SET state = $1, severity = $2, due_at = $3, clock = $4, updated_at = $5 WHERE id = $6",
                    )
                    .bind(clock.state().as_str())
                    .bind(sev)
                    .bind(clock.due_at())
                    .bind(&json)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
            audit!($tx, $store, $crate::audit::AuditDraft::new($actor, "case", case_id, event)
                .after($crate::clocks::clock_event(&clock, severity)));
        }
    }};
}

/// Inserts a new case inside the running transaction, with its `case.create` audit event and its
/// SLA clocks; evaluates to the case's id. `$title` is the checked title (`cases::checked_title`),
/// `$now` the case's creation time.
macro_rules! insert_case {
    ($tx:ident, $store:expr, $actor:expr, $new:expr, $title:expr, $now:expr) => {{
        let new: &$crate::cases::NewCase = $new;
        let title: &str = $title;
        let now: time::OffsetDateTime = $now;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (title, description, state, severity, severity_source, priority, embargoed, created_by, created_at, updated_at) \
             VALUES ($1, $2, 'new', $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(title)
        .bind(&new.description)
        .bind(new.severity.map(|s| s.as_str()))
        .bind(new.severity.map(|_| psirt_domain::SeveritySource::Analyst.as_str()))
        .bind(new.priority.map(|p| p.as_str()))
        .bind(new.embargoed)
        .bind($actor.user_id())
        .bind(now)
        .fetch_one(&mut *$tx)
        .await?;
        audit!($tx, $store, $crate::audit::AuditDraft::new($actor, "case", id, "case.create")
            .after(serde_json::json!({"title": title, "state": "new", "severity": new.severity, "priority": new.priority, "embargoed": new.embargoed})));
        sync_clocks!($tx, $store, $actor, id);
        id
    }};
}

/// Starts a case's CRA reporting inside the running transaction: the `case_cra` row and its
/// `case.cra_start` audit event. Conflict when the case's reporting has already started.
macro_rules! insert_cra {
    ($tx:ident, $store:expr, $actor:expr, $case_id:expr, $reporting:expr) => {{
        let case_id: i64 = $case_id;
        let reporting: &psirt_domain::deadline::cra::CraReporting = $reporting;
        let exists: Option<i64> = sqlx::query_scalar("SELECT case_id FROM case_cra WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *$tx)
            .await?;
        if exists.is_some() {
            return Err($crate::StoreError::Conflict("CRA reporting has already started for this case".into()));
        }
        sqlx::query("INSERT INTO case_cra (case_id, track, reporting, next_due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(case_id)
            .bind(reporting.track().as_str())
            .bind($crate::to_json(reporting)?)
            .bind($crate::cra::next_due(reporting))
            .bind($store.now())
            .execute(&mut *$tx)
            .await?;
        audit!($tx, $store, $crate::audit::AuditDraft::new($actor, "case", case_id, "case.cra_start").after(serde_json::json!({
            "track": reporting.track(), "aware_at": $crate::audit::at_text(reporting.aware_at()), "source": reporting.source(),
        })));
    }};
}

/// Starts the escalation checklist of a case that is S1 or P1 and has none, inside the transaction that made it so:
/// a crash between two transactions cannot leave an S1 case without its checklist. The template is read in the same
/// transaction. Evaluates to whether it started one.
///
/// Lock order: the caller has locked the case row (its insert or update) and usually the audit head. An existing
/// checklist is looked for with a plain read, which waits for nothing: an `INSERT … ON CONFLICT DO NOTHING` would
/// wait on a checklist row that `change_runbook` is updating, while `change_runbook` waits for the audit head this
/// transaction holds — a deadlock on PostgreSQL. Without a row, only another start could insert one, and starts of
/// one case are serialised by the case row's lock.
macro_rules! start_runbook {
    ($tx:ident, $store:expr, $actor:expr, $case_id:expr) => {{
        let case_id: i64 = $case_id;
        let (severity, priority): (Option<String>, Option<String>) =
            sqlx::query_as("SELECT severity, priority FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_one(&mut *$tx)
                .await?;
        let severity: Option<psirt_domain::Severity> = $crate::model::parse_opt(severity, "severity")?;
        let priority: Option<psirt_domain::Priority> = $crate::model::parse_opt(priority, "priority")?;
        let escalated = severity == Some(psirt_domain::Severity::S1) || priority == Some(psirt_domain::Priority::P1);
        let has_one = escalated
            && sqlx::query_scalar::<_, i64>("SELECT case_id FROM case_runbooks WHERE case_id = $1")
                .bind(case_id)
                .fetch_optional(&mut *$tx)
                .await?
                .is_some();
        if escalated && !has_one {
            let template: Option<String> =
                sqlx::query_scalar("SELECT value FROM settings WHERE setting_key = $1")
                    .bind($crate::rca_runbook::RUNBOOK_TEMPLATE)
                    .fetch_optional(&mut *$tx)
                    .await?;
            let checklist = $crate::rca_runbook::template_or_seed(template)?.instantiate()?;
            let json = $crate::to_json(&checklist)?;
            let done = sqlx::query(
                "INSERT INTO case_runbooks (case_id, checklist, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (case_id) DO NOTHING",
            )
            .bind(case_id)
            .bind(&json)
            .bind($store.now())
            .execute(&mut *$tx)
            .await?;
            let started = done.rows_affected() > 0;
            if started {
                audit!($tx, $store, $crate::audit::AuditDraft::new($actor, "case", case_id, "case.runbook_start")
                    .after(serde_json::json!({"template": checklist.template_name, "items": checklist.items.len()})));
            }
            started
        } else {
            false
        }
    }};
}

/// `sqlx::FromRow` for a row struct, on both backends: each field from the column of its name; `field as String`
/// reads a `String` and converts it with `TryFrom` (a bad value is a column decode error); `field = expr` is not
/// read. What sqlx's derive did, without its proc macro: that macro would compile both database drivers a second
/// time for the build host.
macro_rules! from_row {
    ($ty:ident { $($field:ident $(as $via:ty)? $(= $default:expr)?),* $(,)? }) => {
        from_row!(@impl sqlx::sqlite::SqliteRow, $ty { $($field $(as $via)? $(= $default)?),* });
        from_row!(@impl sqlx::postgres::PgRow, $ty { $($field $(as $via)? $(= $default)?),* });
    };
    (@impl $row:ty, $ty:ident { $($field:ident $(as $via:ty)? $(= $default:expr)?),* }) => {
        impl<'r> sqlx::FromRow<'r, $row> for $ty {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                #[allow(unused_imports)]
                use sqlx::Row as _;
                Ok(Self { $($field: from_row!(@field row, $field $(as $via)? $(= $default)?)),* })
            }
        }
    };
    (@field $row:ident, $field:ident) => {
        $row.try_get(stringify!($field))?
    };
    (@field $row:ident, $field:ident as $via:ty) => {{
        let raw: $via = $row.try_get(stringify!($field))?;
        raw.try_into().map_err(|e| sqlx::Error::ColumnDecode {
            index: stringify!($field).to_owned(),
            source: Box::new(e),
        })?
    }};
    (@field $row:ident, $field:ident = $default:expr) => {
        $default
    };
}

/// Counts one change to what matching reads (intel records, a product version's components) in the running
/// transaction, as its last write: the row's lock is held until commit, so the generations follow the commit order
/// (see `Store::match_generation`).
macro_rules! bump_match_generation {
    ($tx:ident) => {
        sqlx::query("UPDATE match_inputs SET generation = generation + 1 WHERE id = 1")
            .execute(&mut *$tx)
            .await?
    };
}

/// `head (…ids bound…) tail`, for whichever backend runs it.
macro_rules! with_ids {
    ($head:expr, $ids:expr, $tail:expr) => {{
        let mut q = sqlx::QueryBuilder::new($head);
        q.push(" (");
        let mut list = q.separated(", ");
        for id in $ids {
            list.push_bind(id.as_str());
        }
        q.push(") ");
        q.push($tail);
        q
    }};
}

/// Inserts a product version (a normalised `ProductVersionDraft`) of an existing product inside the running
/// transaction; the new id. NotFound without the product, Conflict for a version it has already.
macro_rules! insert_product_version {
    ($tx:ident, $product_id:expr, $v:expr, $now:expr) => {{
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM products WHERE id = $1")
            .bind($product_id)
            .fetch_optional(&mut *$tx)
            .await?;
        exists.ok_or($crate::StoreError::NotFound("product"))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO product_versions (product_id, version, released_on, support_ends_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind($product_id)
        .bind(&$v.version)
        .bind($v.released_on)
        .bind($v.support_ends_on)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await
        .map_err(|e| $crate::StoreError::unique(e, "this version of the product"))?;
        id
    }};
}
