//! The notification outbox for admins: what waits, what died (with the delivery log) and a
//! button to deliver a dead message again.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_store::outbox::OutboxMessage;

use super::{html, notice_text, see_other, when, CsrfForm, Layout, NoticeQuery, UiResult, UiStaff};
use crate::api::require_admin;
use crate::error::Path;
use crate::AppState;

pub struct MessageRow {
    pub id: i64,
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub attempts: i64,
    pub last_error: String,
    pub when: String,
    pub log: Vec<String>,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    layout: Layout,
    dead: Vec<MessageRow>,
    pending: Vec<MessageRow>,
}

async fn rows(
    st: &AppState,
    messages: Vec<OutboxMessage>,
    with_log: bool,
) -> Result<Vec<MessageRow>, crate::ApiError> {
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        let log = if with_log {
            st.store
                .outbox_attempts(m.id)
                .await?
                .iter()
                .map(|a| {
                    format!(
                        "#{} {} {}: {}",
                        a.attempt,
                        when(&a.at),
                        if a.ok { "ok" } else { "failed" },
                        a.detail
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        out.push(MessageRow {
            id: m.id,
            channel: m.channel,
            event: m.event,
            recipient: m.recipient,
            attempts: m.attempts,
            last_error: m.last_error.unwrap_or_default(),
            when: when(&m.next_attempt_at),
            log,
        });
    }
    Ok(out)
}

pub async fn page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    crate::error::Query(q): crate::error::Query<NoticeQuery>,
) -> UiResult {
    require_admin(&staff)?;
    let dead = rows(&st, st.store.outbox(Some("dead"), 200).await?, true).await?;
    let pending = rows(&st, st.store.outbox(Some("pending"), 200).await?, false).await?;
    html(
        StatusCode::OK,
        &OutboxPage {
            layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
            dead,
            pending,
        },
    )
}

pub async fn redeliver(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<std::collections::HashMap<String, String>>,
) -> UiResult {
    require_admin(&f.staff)?;
    st.store.redeliver(&f.staff.actor(), id).await?;
    see_other("/admin/outbox?notice=redelivered")
}
