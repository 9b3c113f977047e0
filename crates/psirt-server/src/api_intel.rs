//! Intel and impact analysis in the API: the merged vulnerability view, purl search, a product
//! version's findings, and the upstream queue (open an upstream case, or dismiss with a VEX
//! justification). Reading is for every staff role (public data and the inventory, no embargoed
//! case content); deciding on matches is the PSIRT's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use psirt_domain::report::limits;
use psirt_domain::{Priority, Severity};
use psirt_store::cases::NewCase;
use psirt_store::{Finding, KevEntry, Vulnerability};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) use crate::api::require_psirt_member as require_psirt;
use crate::api::{require_admin, PageQuery};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/vulnerabilities/{id}", get(vulnerability))
        .route("/api/v1/purl-search", get(purl_search))
        .route("/api/v1/product-versions/{id}/findings", get(findings))
        .route("/api/v1/upstream-queue", get(queue))
        .route("/api/v1/upstream-queue/{record_id}/dismiss", post(dismiss))
        .route("/api/v1/upstream-queue/{record_id}/case", post(open_case))
        .route(
            "/api/v1/feed-sources",
            get(feed_sources).post(create_feed_source),
        )
        .route(
            "/api/v1/feed-sources/{id}",
            axum::routing::patch(update_feed_source).delete(delete_feed_source),
        )
        .route("/api/v1/feed-sources/{id}/sync", post(sync_feed_source))
        .route("/api/v1/feed-sources/{id}/imports", get(feed_imports))
}

/// Configured feeds with their last sync.
#[utoipa::path(get, path = "/api/v1/feed-sources", tag = "intel",
    responses((status = 200, description = "{items: [FeedSource]}"), (status = "4XX", description = "problem+json error")))]
async fn feed_sources(State(st): State<AppState>, staff: Staff) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    Ok(Json(json!({ "items": st.store.feed_sources().await? })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedSourceBody {
    /// osv, cve5, kev or epss.
    pub kind: String,
    /// Where the feed is downloaded from (a file psirt feeds import could read).
    pub url: String,
    /// Seconds between syncs (60 s to 30 days; default 1 h).
    pub interval_secs: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/feed-sources", tag = "intel", request_body = FeedSourceBody,
    responses((status = 201, description = "the FeedSource"), (status = "4XX", description = "problem+json error")))]
async fn create_feed_source(
    State(st): State<AppState>,
    staff: Staff,
    Json(b): Json<FeedSourceBody>,
) -> ApiResult<Response> {
    require_admin(&staff)?;
    let source = st
        .store
        .create_feed_source(
            &staff.actor(),
            &b.kind,
            &b.url,
            b.interval_secs.unwrap_or(3_600),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(source))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedSourceUpdate {
    /// A new URL; its first sync downloads in full (the old URL's ETag and Last-Modified are forgotten).
    pub url: Option<String>,
    pub interval_secs: Option<i64>,
    /// `false`: the worker no longer syncs it (a manual sync still does).
    pub enabled: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/feed-sources/{id}", tag = "intel", params(("id" = i64, Path)), request_body = FeedSourceUpdate,
    responses((status = 200, description = "the FeedSource"), (status = "4XX", description = "problem+json error")))]
async fn update_feed_source(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Json(b): Json<FeedSourceUpdate>,
) -> ApiResult<Json<psirt_store::FeedSource>> {
    require_admin(&staff)?;
    let change = psirt_store::FeedSourceChange {
        url: b.url,
        interval_secs: b.interval_secs,
        enabled: b.enabled,
    };
    Ok(Json(
        st.store
            .update_feed_source(&staff.actor(), id, &change)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/feed-sources/{id}", tag = "intel", params(("id" = i64, Path)),
    responses((status = 204, description = "removed; its import runs stay in the log"), (status = "4XX", description = "problem+json error")))]
async fn delete_feed_source(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require_admin(&staff)?;
    st.store.delete_feed_source(&staff.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The source's latest import runs (newest first, at most 20), each with its per-record error report: which
/// records a sync skipped, and why.
#[utoipa::path(get, path = "/api/v1/feed-sources/{id}/imports", tag = "intel", params(("id" = i64, Path)),
    responses((status = 200, description = "{items: [FeedImport]}"), (status = "4XX", description = "problem+json error")))]
async fn feed_imports(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    st.store.feed_source(id).await?;
    let items = st.store.feed_imports(id, 20).await?;
    Ok(Json(json!({ "items": items })))
}

/// Syncs a source now (conditional GET, import, re-match) and says what happened.
#[utoipa::path(post, path = "/api/v1/feed-sources/{id}/sync", tag = "intel", params(("id" = i64, Path)),
    responses((status = 200, description = "{status: imported|not_modified|failed, records, changed, errors, error, error_report}"), (status = 409, description = "another sync of this feed is running"), (status = "4XX", description = "problem+json error")))]
async fn sync_feed_source(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    require_admin(&staff)?;
    let source = st.store.feed_source(id).await?;
    let actor = staff.actor();
    // In its own task: a client that disconnects (or a proxy that times out) does not cut the import off midway;
    // the sync asked for is in the trail whatever it did (a 304 or a failure imports nothing to audit).
    let sync = tokio::spawn(async move {
        let outcome =
            crate::feed_sync::sync_source(&st.store, &st.engine, &source, false, &actor).await?;
        st.store
            .audit_feed_sync(&actor, source.id, &outcome_summary(&outcome))
            .await?;
        Ok::<_, psirt_store::StoreError>(outcome)
    });
    let outcome = sync
        .await
        .map_err(|e| ApiError::Internal(format!("feed sync: {e}")))??;
    if outcome.status == "running" {
        return Err(ApiError::Store(psirt_store::StoreError::Conflict(
            "a sync of this feed is running; try again when it is done".into(),
        )));
    }
    Ok(Json(json!(outcome)))
}

/// What the trail keeps of a manual sync: the outcome without its error report (kept in the source's imports).
fn outcome_summary(o: &crate::feed_sync::SyncOutcome) -> Value {
    json!({"status": o.status, "records": o.records, "changed": o.changed, "errors": o.errors, "error": o.error})
}

/// How findings sort: highest risk first.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FindingSort {
    #[default]
    Cvss,
    Epss,
    Kev,
    Purl,
}

pub fn sort_findings(items: &mut [Finding], by: FindingSort) {
    let desc = |a: Option<f64>, b: Option<f64>| {
        b.unwrap_or(-1.0)
            .partial_cmp(&a.unwrap_or(-1.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    items.sort_by(|a, b| match by {
        FindingSort::Cvss => desc(a.cvss_score, b.cvss_score).then(a.purl.cmp(&b.purl)),
        FindingSort::Epss => desc(a.epss, b.epss).then(a.purl.cmp(&b.purl)),
        FindingSort::Kev => b
            .exploited
            .cmp(&a.exploited)
            .then(desc(a.cvss_score, b.cvss_score))
            .then(a.purl.cmp(&b.purl)),
        FindingSort::Purl => a.purl.cmp(&b.purl).then(a.record_id.cmp(&b.record_id)),
    });
}

/// A vulnerability with every source naming it and the product versions it hits (as `staff` may see them).
pub async fn vulnerability_view(
    st: &AppState,
    staff: &Staff,
    id: &str,
) -> ApiResult<(Vulnerability, Vec<Finding>)> {
    st.engine.ensure(&st.store).await?;
    let v = st
        .store
        .vulnerability(id)
        .await?
        .ok_or(ApiError::NotFound("vulnerability"))?;
    // The view's ids take in a record naming two CVEs (its id, not the other CVE: psirt-store's alias walk), so what
    // it matched is listed, and what only the other CVE's records matched is not.
    let mut findings = st.store.record_findings(&v.ids).await?;
    withhold_hidden_cases(st, staff, &mut findings).await?;
    fill_fixed_versions(st, &mut findings).await?;
    Ok((v, findings))
}

/// A product version's findings, as `staff` may see them.
pub async fn product_version_findings(
    st: &AppState,
    staff: &Staff,
    product_version_id: i64,
) -> ApiResult<Vec<Finding>> {
    st.engine.ensure(&st.store).await?;
    let mut findings = st
        .store
        .product_version_findings(product_version_id)
        .await?;
    withhold_hidden_cases(st, staff, &mut findings).await?;
    let mut components: Vec<i64> = findings.iter().map(|f| f.component_id).collect();
    components.sort_unstable();
    components.dedup();
    let paths = st
        .store
        .dependency_paths(product_version_id, &components)
        .await?;
    for f in &mut findings {
        f.dependency_path = paths.get(&f.component_id).cloned();
    }
    fill_fixed_versions(st, &mut findings).await?;
    Ok(findings)
}

/// Each finding's fixed versions, from its record's match input (the records of one id merged, as the engine holds
/// them): every record id's inputs read in one batch.
async fn fill_fixed_versions(st: &AppState, findings: &mut [Finding]) -> ApiResult<()> {
    let mut ids: Vec<String> = findings.iter().map(|f| f.record_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let inputs = crate::engine::advisory_inputs_for(&st.store, &ids).await?;
    for f in findings.iter_mut() {
        if let Some(input) = inputs.get(&f.record_id) {
            f.fixed_versions = psirt_match::fixed_versions(input, &f.purl).unwrap_or_default();
        }
    }
    Ok(())
}

/// A finding names the upstream case opened from it. Every staff role reads findings, but an embargoed case is
/// visible only to the PSIRT and its members, and others must not learn it exists: for them the case is withheld
/// and the finding reads as undecided (`new`), as it did before the case was opened.
async fn withhold_hidden_cases(
    st: &AppState,
    staff: &Staff,
    findings: &mut [Finding],
) -> ApiResult<()> {
    let viewer = staff.viewer();
    if viewer.role.is_psirt() {
        return Ok(());
    }
    let mut cases: Vec<i64> = findings.iter().filter_map(|f| f.case_id).collect();
    cases.sort_unstable();
    cases.dedup();
    // Three queries for all the cases (a case that no longer exists is hidden too).
    let visible: Vec<i64> = st
        .store
        .cases_by_ids(&cases)
        .await?
        .iter()
        .filter(|case| viewer.can_view(case.access_for(staff.user.id)))
        .map(|case| case.id)
        .collect();
    let hidden: Vec<i64> = cases
        .into_iter()
        .filter(|id| !visible.contains(id))
        .collect();
    for f in findings.iter_mut() {
        if f.case_id.is_some_and(|c| hidden.binary_search(&c).is_ok()) {
            f.case_id = None;
            f.status = "new".to_owned();
        }
    }
    Ok(())
}

/// Every record naming the vulnerability (CVE, GHSA, PYSEC, … merged through aliases), KEV,
/// EPSS, and the product versions whose components it affects.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/{id}", tag = "intel", params(("id" = String, Path)),
    responses((status = 200, description = "{vulnerability: Vulnerability, findings: [Finding]}"), (status = "4XX", description = "problem+json error")))]
async fn vulnerability(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (v, findings) = vulnerability_view(&st, &staff, &id).await?;
    Ok(Json(json!({ "vulnerability": v, "findings": findings })))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PurlQuery {
    /// `pkg:type/namespace/name@version`: the advisories affecting that version.
    pub purl: String,
}

/// What a purl search should know beyond its hits: a distro package without its `distro` qualifier meets almost
/// no advisory (OSV files Debian, Ubuntu, Alpine, AlmaLinux and Rocky Linux advisories per release), so an empty
/// answer would read as "clean".
pub fn purl_notes(purl: &str) -> Vec<String> {
    if psirt_match::purl_lacks_release(purl.trim()) {
        vec!["distribution packages are matched per release: add the `distro` qualifier (e.g. `?distro=debian-12`, `?distro=ubuntu-22.04`, `?distro=alpine-3.18`) or advisories filed for a release are not found".to_owned()]
    } else {
        Vec::new()
    }
}

/// What a purl@version is affected by, whether or not the inventory holds it.
pub async fn purl_advisories(st: &AppState, purl: &str) -> ApiResult<Vec<Value>> {
    let purl = purl.trim();
    let ids = st.engine.advisories_for(&st.store, purl).await?;
    let views = st.store.vulnerabilities(&ids).await?;
    let inputs = crate::engine::advisory_inputs_for(&st.store, &ids).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(v) = views.get(id.trim()) {
            // By the findings' rules, so that a purl reads here as it does on a product version's page.
            let own = v.own_facts(&id);
            let fixed_versions = inputs
                .get(&id)
                .map(|input| psirt_match::fixed_versions(input, purl).unwrap_or_default())
                .unwrap_or_default();
            out.push(json!({
                "id": id, "ids": v.ids, "summary": own.summary,
                "cvss_score": own.cvss_score, "exploited": own.exploited, "epss": own.epss,
                "fixed_versions": fixed_versions,
            }));
        }
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/purl-search", tag = "intel", params(PurlQuery),
    responses((status = 200, description = "{purl, advisories: [{id, ids, summary, cvss_score, exploited, epss, fixed_versions}], notes: [text]}"), (status = 422, description = "not a purl with a version"), (status = "4XX", description = "problem+json error")))]
async fn purl_search(
    State(st): State<AppState>,
    _staff: Staff,
    Query(q): Query<PurlQuery>,
) -> ApiResult<Json<Value>> {
    let advisories = purl_advisories(&st, &q.purl).await?;
    Ok(Json(
        json!({ "purl": q.purl.trim(), "advisories": advisories, "notes": purl_notes(&q.purl) }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct FindingsQuery {
    /// `cvss` (default), `epss`, `kev` or `purl`.
    sort: Option<String>,
}

/// The vulnerabilities of a product version's components.
#[utoipa::path(get, path = "/api/v1/product-versions/{id}/findings", tag = "intel", params(("id" = i64, Path), FindingsQuery),
    responses((status = 200, description = "{items: [Finding]}"), (status = "4XX", description = "problem+json error")))]
async fn findings(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<FindingsQuery>,
) -> ApiResult<Json<Value>> {
    st.store.product_version(id).await?;
    let sort = parse_sort(q.sort.as_deref())?;
    let mut items = product_version_findings(&st, &staff, id).await?;
    sort_findings(&mut items, sort);
    Ok(Json(json!({ "items": items })))
}

pub fn parse_sort(s: Option<&str>) -> ApiResult<FindingSort> {
    match s.unwrap_or("cvss") {
        "cvss" => Ok(FindingSort::Cvss),
        "epss" => Ok(FindingSort::Epss),
        "kev" => Ok(FindingSort::Kev),
        "purl" => Ok(FindingSort::Purl),
        other => Err(ApiError::BadRequest(
            StatusCode::BAD_REQUEST,
            format!("unknown sort `{other}`: use cvss, epss, kev or purl"),
        )),
    }
}

/// New matches waiting for a decision, one item per vulnerability, the most recently raised first; paged.
#[utoipa::path(get, path = "/api/v1/upstream-queue", tag = "intel", params(PageQuery),
    responses((status = 200, description = "{items: [QueueItem], total, next_cursor}"), (status = "4XX", description = "problem+json error")))]
async fn queue(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    st.engine.ensure(&st.store).await?;
    Ok(Json(json!(
        st.store.upstream_queue_page(&q.request()).await?
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DismissBody {
    /// Only this product version's matches (default: all of the record's).
    pub product_version_id: Option<i64>,
    /// A VEX `not_affected` justification.
    pub justification: String,
    #[serde(default)]
    pub note: String,
    /// The queue item's `revision` the decision was made on: when given, the dismissal covers every record of the
    /// item and is refused (409) if anything the item showed has changed since (its records, their aliases'
    /// records, the product versions hit). Without it, only this record's own matches are dismissed.
    pub revision: Option<String>,
}

/// Dismisses a queue item's new matches (with its `revision`: every record of the item; without: this record's)
/// with a VEX justification: recorded, and not raised again unless the record changes.
#[utoipa::path(post, path = "/api/v1/upstream-queue/{record_id}/dismiss", tag = "intel", params(("record_id" = String, Path)), request_body = DismissBody,
    responses((status = 200, description = "{dismissed: n}"), (status = "4XX", description = "problem+json error")))]
async fn dismiss(
    State(st): State<AppState>,
    staff: Staff,
    Path(record_id): Path<String>,
    Json(b): Json<DismissBody>,
) -> ApiResult<Json<Value>> {
    require_psirt(&staff)?;
    let n = st
        .store
        .dismiss_matches(
            &staff.actor(),
            &record_id,
            b.product_version_id,
            &b.justification,
            &b.note,
            b.revision.as_deref(),
        )
        .await?;
    if n == 0 {
        return Err(ApiError::NotFound("undecided match"));
    }
    Ok(Json(json!({ "dismissed": n })))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct OpenCaseBody {
    /// Default: the record's id and summary.
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub priority: Option<Priority>,
    /// Adds the item's matches to this open case instead of opening another (one already covering the
    /// vulnerability: the queue item's `open_cases`). Title, severity and priority do not apply then.
    pub case_id: Option<i64>,
}

/// Adds a queue item's undecided matches to an open case the caller may manage; returns the case.
pub async fn add_upstream_to_case(
    st: &AppState,
    staff: &Staff,
    record_id: &str,
    case_id: i64,
) -> ApiResult<psirt_store::Case> {
    require_psirt(staff)?;
    crate::api::load_case(st, staff, case_id, psirt_domain::CaseAction::Manage).await?;
    st.store
        .add_upstream_to_case(&staff.actor(), record_id, case_id)
        .await?;
    Ok(st.store.case(case_id).await?)
}

/// `text` with the control characters a case refuses (all but line ends and tab) replaced by U+FFFD.
fn case_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => c,
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .collect()
}

/// The case an upstream record opens: titled from the record, its description naming every id.
pub async fn open_upstream_case(
    st: &AppState,
    staff: &Staff,
    record_id: &str,
    b: OpenCaseBody,
) -> ApiResult<psirt_store::Case> {
    require_psirt(staff)?;
    let v = st
        .store
        .vulnerability(record_id)
        .await?
        .ok_or(ApiError::NotFound("intel record"))?;
    // A feed's text as a case holds it: control characters shown as U+FFFD (a summary with an escape sequence
    // made the case impossible to open), and no longer than the case's limits.
    // The record's own summary as its findings show it (not a withdrawn record's, a KEV name or another CVE's
    // record the view lists), else any record's.
    let summary = v
        .own_facts(record_id)
        .summary
        .or_else(|| v.records.iter().find_map(|r| r.summary.clone()))
        .map(|s| case_text(&s));
    // A title the analyst wrote is taken as written (the case's own rules judge it); the default one, from the
    // record's id and summary, is cut to the case title's 200 characters.
    let title = match b.title.filter(|t| !t.trim().is_empty()) {
        Some(t) => t,
        None => match &summary {
            Some(s) => format!("{record_id}: {s}"),
            None => record_id.to_owned(),
        }
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .take(limits::TITLE)
        .collect(),
    };
    let description: String = format!(
        "Upstream vulnerability {record_id} (also {}) affects components of our products.\n\n{}",
        v.ids.join(", "),
        summary.unwrap_or_default()
    )
    .chars()
    .take(limits::DESCRIPTION)
    .collect();
    let new = NewCase {
        title,
        description,
        severity: b.severity,
        priority: b.priority,
        // Upstream records are public: nothing to embargo until our own analysis says so.
        embargoed: false,
    };
    // Already in CISA's KEV catalog: the case is actively exploited from the start (CRA); its
    // reporting starts in the same transaction that opens it. Only a KEV entry of the record's own names (its id and
    // its records' aliases), as the KEV sync decides (`kev_triggers`): the merged view follows aliases transitively
    // (though not from one CVE to another), and may list a record naming two CVEs (DRUPAL-CORE-2020-013 names
    // CVE-2020-28948 and CVE-2020-28949), whose other CVE's exploitation is not this record's. The earliest added, as the KEV sync takes it. The
    // case covers the queue item's records (those of the same vulnerability): their own names count too.
    let group = st.store.upstream_group(record_id).await?;
    let own_names: Vec<&str> = group.iter().flat_map(|id| v.own_names(id)).collect();
    let kev = v
        .records
        .iter()
        .filter(|r| {
            r.source == "kev" && r.withdrawn.is_none() && own_names.contains(&r.record_id.as_str())
        })
        .filter(|kev| {
            // The CRA clocks take a KEV entry by its CVE id; a KEV record under another id
            // (a feed oddity) must not block opening the case.
            let ok = psirt_domain::deadline::cra::is_cve_id(&kev.record_id);
            if !ok {
                tracing::warn!(
                    kev_record = %kev.record_id,
                    record_id,
                    "KEV record id is not a CVE id; the case opens without CRA reporting from it"
                );
            }
            ok
        })
        .filter_map(|kev| {
            let added = serde_json::from_str::<Value>(&kev.normalized)
                .ok()
                .and_then(|n| n["exploited"]["date_added"].as_str().map(str::to_owned))?;
            let date_added = time::Date::parse(
                &added,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()?;
            Some(KevEntry {
                cve_id: kev.record_id.clone(),
                date_added,
            })
        })
        .min_by(|a, b| (a.date_added, &a.cve_id).cmp(&(b.date_added, &b.cve_id)));
    let case = st
        .store
        .open_upstream_case(&staff.actor(), record_id, new, kev)
        .await?;
    Ok(case)
}

/// Opens an upstream case from a record's new matches; its product versions get
/// `under_investigation` affects. With `case_id`, adds them to that open case instead (200).
#[utoipa::path(post, path = "/api/v1/upstream-queue/{record_id}/case", tag = "intel", params(("record_id" = String, Path)), request_body = OpenCaseBody,
    responses((status = 201, description = "the case"), (status = 200, description = "the case the matches were added to (`case_id`)"), (status = 409, description = "no undecided matches, or the case is closed"), (status = "4XX", description = "problem+json error")))]
async fn open_case(
    State(st): State<AppState>,
    staff: Staff,
    Path(record_id): Path<String>,
    Json(b): Json<OpenCaseBody>,
) -> ApiResult<Response> {
    if let Some(case_id) = b.case_id {
        if b.title.is_some() || b.severity.is_some() || b.priority.is_some() {
            return Err(ApiError::BadRequest(
                StatusCode::UNPROCESSABLE_ENTITY,
                "`case_id` adds to an existing case: title, severity and priority do not apply"
                    .into(),
            ));
        }
        let case = add_upstream_to_case(&st, &staff, &record_id, case_id).await?;
        return Ok(Json(json!(case)).into_response());
    }
    let case = open_upstream_case(&st, &staff, &record_id, b).await?;
    Ok((StatusCode::CREATED, Json(json!(case))).into_response())
}

/// The OpenAPI paths of this module, merged into the API document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        vulnerability,
        purl_search,
        findings,
        queue,
        dismiss,
        open_case,
        feed_sources,
        create_feed_source,
        update_feed_source,
        delete_feed_source,
        sync_feed_source,
        feed_imports
    ),
    components(schemas(
        DismissBody,
        FeedSourceBody,
        FeedSourceUpdate,
        psirt_store::FeedSource,
        psirt_store::FeedImport,
        OpenCaseBody,
        psirt_store::Vulnerability,
        psirt_store::IntelRecordSummary,
        psirt_store::EpssEntry,
        psirt_store::Finding,
        psirt_store::QueueItem,
        psirt_store::QueueProductVersion
    ))
)]
pub struct IntelApiDoc;
