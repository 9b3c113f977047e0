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
    }};
}
