//! The HTML UI: the public reporting portal and the triagers' pages. Server-rendered
//! (askama), plain forms with a CSRF field; JavaScript only where it adds something (the
//! CVSS calculator), never inline, so the Content-Security-Policy can forbid inline script.

mod account;
mod admin;
mod advisories;
mod cases;
pub mod charts;
mod clocks;
mod cra;
mod disclosure;
mod error;
pub mod intel;
mod metrics;
mod outbox;
mod products;
mod public;
mod rca;
mod session;
pub mod triage;

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use time::OffsetDateTime;

use crate::AppState;
pub use error::UiError;
pub use session::{CsrfForm, UiStaff};

pub type UiResult<T = Response> = Result<T, UiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route(
            "/report",
            get(public::report_form).post(public::submit_report),
        )
        .route("/track/{token}", get(public::track))
        .route("/hall-of-fame", get(public::hall_of_fame))
        .route("/track/{token}/messages", post(public::track_message))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route(
            "/account/tokens",
            get(account::tokens).post(account::create_token),
        )
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/reports", get(triage::queue))
        .route("/reports/{id}", get(triage::report_page))
        .route("/reports/{id}/triage", post(triage::triage))
        .route("/reports/{id}/needs-info", post(triage::needs_info))
        .route("/cases", get(cases::list).post(cases::create))
        .route("/cases/{id}", get(cases::page).post(cases::update))
        .route("/cases/{id}/transition", post(cases::transition))
        .route("/cases/{id}/comments", post(cases::comment))
        .route("/cases/{id}/clocks/{clock_id}/pause", post(clocks::pause))
        .route("/cases/{id}/clocks/{clock_id}/resume", post(clocks::resume))
        .route(
            "/cases/{id}/unintended-disclosure",
            post(clocks::unintended_disclosure),
        )
        .route("/dashboard", get(clocks::dashboard))
        .route("/cases/{id}/runbook/{key}/done", post(rca::tick))
        .route("/cases/{id}/runbook/handoffs", post(rca::handoff))
        .route("/cases/{id}/rca", post(rca::save_rca))
        .route("/cases/{id}/cra", post(cra::start))
        .route("/cases/{id}/cra/inputs", post(cra::inputs))
        .route(
            "/cases/{id}/cra/corrective-measure",
            post(cra::corrective_measure),
        )
        .route("/cases/{id}/cra/{stage}/sent", post(cra::sent))
        .route("/metrics-page", get(metrics::page))
        .route("/cases/{id}/affects", post(disclosure::add_affect))
        .route(
            "/cases/{id}/affects/{affect_id}",
            post(disclosure::update_affect),
        )
        .route(
            "/cases/{id}/affects/{affect_id}/delete",
            post(disclosure::delete_affect),
        )
        .route(
            "/advisories",
            get(advisories::list).post(advisories::create),
        )
        .route(
            "/advisories/{id}",
            get(advisories::page).post(advisories::update),
        )
        .route("/advisories/{id}/publish", post(advisories::publish))
        .route("/cases/{id}/messages", post(cases::message))
        .route("/cases/{id}/members", post(cases::add_member))
        .route(
            "/cases/{id}/members/{user_id}/remove",
            post(cases::remove_member),
        )
        .route("/products", get(products::list).post(products::create))
        .route("/vulnerabilities/{id}", get(intel::vulnerability))
        .route("/purl-search", get(intel::purl_search))
        .route("/upstream", get(intel::upstream))
        .route("/upstream/{record_id}/dismiss", post(intel::dismiss))
        .route("/upstream/{record_id}/case", post(intel::open_case))
        .route("/upstream/{record_id}/add", post(intel::add_to_case))
        .route("/products/{id}", get(products::page).post(products::update))
        .route("/products/{id}/versions", post(products::create_version))
        .route(
            "/product-versions/{id}",
            get(products::version_page).post(products::update_version),
        )
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/outbox", get(outbox::page))
        .route("/admin/outbox/{id}/redeliver", post(outbox::redeliver))
        .route("/admin/users/{id}", post(admin::update_user))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route("/assets/style.css", get(style))
        .route("/assets/localtime.js", get(localtime))
}

/// Rewrites the pages' UTC times into the reader's time zone (see the file).
async fn localtime() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/localtime.js"),
    )
        .into_response()
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/style.css"),
    )
        .into_response()
}

/// What the page frame shows: who is logged in (for the navigation) and their CSRF token
/// (for the logout form).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub csrf: String,
    /// A one-line confirmation shown above the page ("Case updated").
    pub notice: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub username: String,
    pub role: &'static str,
    pub is_psirt: bool,
    pub is_admin: bool,
}

impl Layout {
    pub fn public() -> Self {
        Self::default()
    }

    pub fn staff(staff: &crate::Staff) -> Self {
        let viewer = staff.viewer();
        Self {
            user: Some(NavUser {
                username: staff.user.username.clone(),
                role: staff.user.role.as_str(),
                is_psirt: viewer.can_triage(),
                is_admin: viewer.can_admin(),
            }),
            csrf: staff.csrf_token.clone().unwrap_or_default(),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }
}

/// Renders a template as an HTML response with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> UiResult {
    let body = page.render().map_err(UiError::Render)?;
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response())
}

/// After a successful POST: back to a page (303, so a reload does not resubmit).
pub fn see_other(path: &str) -> UiResult {
    Ok(Redirect::to(path).into_response())
}

/// Times as triagers read them: minutes are precise enough, and always UTC.
pub fn when(t: &OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `?notice=...` messages shown after a redirect; only known keys, so a link cannot put
/// arbitrary text on our pages.
pub fn notice_text(key: Option<&str>) -> Option<String> {
    let text = match key? {
        "case_created" => "Case opened.",
        "case_updated" => "Case updated.",
        "transitioned" => "State changed.",
        "comment_added" => "Comment added.",
        "message_sent" => "Message sent to the reporter.",
        "member_added" => "Member added.",
        "member_removed" => "Member removed.",
        "triaged" => "Report triaged.",
        "password_changed" => "Password changed.",
        "token_revoked" => "Token revoked.",
        "user_created" => "User created.",
        "product_created" => "Product added.",
        "clock_paused" => "Clock paused for the approved exception.",
        "clock_resumed" => "Clock resumed.",
        "cra_started" => "CRA reporting started: early warning due in 24 h, notification in 72 h.",
        "cra_updated" => "CRA reporting updated.",
        "redelivered" => "Queued for delivery again.",
        "runbook_updated" => "Checklist updated.",
        "rca_saved" => "Root-cause analysis saved.",
        "asked_reporter" => "Question sent; response clocks pause until the reporter answers.",
        "disclosed_early" => {
            "Unintended disclosure recorded: embargo lifted, remediation clocks shortened."
        }
        "product_updated" => "Product updated.",
        "match_dismissed" => "Match dismissed; it is raised again only if the record changes.",
        "match_changed" => "Not dismissed: it changed since the queue was shown (its records or the product versions they hit). Review it again below.",
        "upstream_case_opened" => {
            "Upstream case opened; affected versions are under investigation."
        }
        "upstream_added" => {
            "Added to this case; newly affected versions are under investigation."
        }
        "version_created" => "Version added.",
        "affect_saved" => "Affect saved.",
        "affect_deleted" => "Affect deleted.",
        "advisory_created" => "Advisory draft created.",
        "advisory_updated" => "Advisory updated.",
        "advisory_published" => "Revision published.",
        "version_updated" => "Version updated.",
        "user_updated" => "User updated.",
        "password_reset" => "Password reset; the user must change it at next login.",
        "message_received" => "Message sent. The PSIRT will answer here.",
        _ => return None,
    };
    Some(text.to_owned())
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        let t = time::macros::datetime!(2026-03-04 23:59:58 -02:00);
        assert_eq!(when(&t), "2026-03-05 01:59 UTC");
    }

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(
            notice_text(Some("case_updated")).as_deref(),
            Some("Case updated.")
        );
        assert_eq!(notice_text(Some("<script>")), None);
        assert_eq!(notice_text(None), None);
    }
}
