//! Inventory pages: the product list, a product with its versions, a version with its SBOM
//! components. Every staff role reads them; the PSIRT edits them.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use psirt_domain::inventory::support_status;
use psirt_domain::{DomainError, FieldError, ProductDraft, ProductVersionDraft};
use psirt_store::{Component, PageRequest, Product, ProductVersion};
use serde::Deserialize;
use time::Date;

use super::{html, notice_text, see_other, when, CsrfForm, Layout, NoticeQuery, UiResult, UiStaff};
use crate::error::{ApiError, Path, Query};
use crate::{AppState, Staff};

fn require_manager(staff: &Staff) -> Result<(), ApiError> {
    if staff.viewer().can_manage_products() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the PSIRT defines products and versions",
        ))
    }
}

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    layout: Layout,
    q: String,
    products: Vec<Product>,
    next_cursor: Option<String>,
    can_manage: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    notice: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let search = q.q.unwrap_or_default();
    let page = st
        .store
        .products(
            Some(search.as_str()),
            &PageRequest {
                cursor: q.cursor,
                limit: Some(50),
            },
        )
        .await?;
    let view = ProductsPage {
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        q: search,
        products: page.items,
        next_cursor: page.next_cursor,
        can_manage: staff.viewer().can_manage_products(),
    };
    html(StatusCode::OK, &view)
}

#[derive(Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    cpe: String,
    #[serde(default)]
    owner_team: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    purl: String,
}

impl From<ProductForm> for ProductDraft {
    fn from(f: ProductForm) -> Self {
        ProductDraft {
            name: f.name,
            vendor: f.vendor,
            cpe: Some(f.cpe),
            purl: Some(f.purl),
            owner_team: f.owner_team,
            description: f.description,
        }
    }
}

pub async fn create(State(st): State<AppState>, f: CsrfForm<ProductForm>) -> UiResult {
    require_manager(&f.staff)?;
    let p = st
        .store
        .create_product(&f.staff.actor(), f.form.into())
        .await?;
    see_other(&format!("/products/{}?notice=product_created", p.id))
}

pub struct VersionRow {
    pub id: i64,
    pub version: String,
    pub released_on: String,
    pub support_ends_on: String,
    pub status: &'static str,
    pub status_label: String,
    pub sbom: String,
    pub components: i64,
    /// Its open vulnerabilities (matches not dismissed), summed up; empty when none.
    pub vulnerabilities: String,
    pub exploited: usize,
}

/// A version's open findings summed up: distinct vulnerabilities (record ids), how many are known exploited, and the
/// highest CVSS.
fn vulnerability_summary(findings: &[&psirt_store::Finding]) -> (String, usize) {
    let mut records: Vec<&str> = findings.iter().map(|f| f.record_id.as_str()).collect();
    records.sort_unstable();
    records.dedup();
    let mut exploited: Vec<&str> = findings
        .iter()
        .filter(|f| f.exploited)
        .map(|f| f.record_id.as_str())
        .collect();
    exploited.sort_unstable();
    exploited.dedup();
    if records.is_empty() {
        return (String::new(), 0);
    }
    let highest = findings
        .iter()
        .filter_map(|f| f.cvss_score)
        .reduce(f64::max);
    let mut text = format!("{}", records.len());
    if let Some(h) = highest {
        text.push_str(&format!(" (highest CVSS {h:.1})"));
    }
    (text, exploited.len())
}

fn day(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn version_row(v: &ProductVersion, today: Date) -> VersionRow {
    VersionRow {
        id: v.id,
        version: v.version.clone(),
        released_on: day(v.released_on),
        support_ends_on: day(v.support_ends_on),
        status: support_status(v.released_on, v.support_ends_on, today).as_str(),
        status_label: support_status(v.released_on, v.support_ends_on, today)
            .as_str()
            .replace('_', " "),
        sbom: match (&v.sbom_format, &v.sbom_spec_version, &v.sbom_imported_at) {
            (Some(f), Some(s), Some(at)) => format!("{f} {s}, {}", when(at)),
            _ => "none".into(),
        },
        components: v.component_count,
        vulnerabilities: String::new(),
        exploited: 0,
    }
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    layout: Layout,
    product: Product,
    cpe: String,
    versions: Vec<VersionRow>,
    can_manage: bool,
}

pub async fn page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> UiResult {
    let product = st.store.product(id).await?;
    let today = st.store.now().date();
    st.engine
        .ensure(&st.store)
        .await
        .map_err(crate::ApiError::from)?;
    let findings = st.store.product_findings(id).await?;
    let versions = st
        .store
        .product_versions(id)
        .await?
        .iter()
        .map(|v| {
            let mut row = version_row(v, today);
            let of_version: Vec<&psirt_store::Finding> = findings
                .iter()
                .filter(|f| f.product_version_id == v.id)
                .collect();
            (row.vulnerabilities, row.exploited) = vulnerability_summary(&of_version);
            row
        })
        .collect();
    let view = ProductPage {
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        cpe: product.cpe.clone().unwrap_or_default(),
        product,
        versions,
        can_manage: staff.viewer().can_manage_products(),
    };
    html(StatusCode::OK, &view)
}

pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<ProductForm>,
) -> UiResult {
    require_manager(&f.staff)?;
    st.store
        .update_product(&f.staff.actor(), id, f.form.into())
        .await?;
    see_other(&format!("/products/{id}?notice=product_updated"))
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    released_on: String,
    #[serde(default)]
    support_ends_on: String,
}

/// Parses the form's dates (`YYYY-MM-DD`, as `<input type=date>` sends them).
fn version_draft(f: VersionForm) -> Result<ProductVersionDraft, DomainError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut errors = Vec::new();
    let mut date = |field: &str, text: &str| match text.trim() {
        "" => None,
        t => Date::parse(t, &format)
            .map_err(|_| errors.push(FieldError::new(field, "is not a date (YYYY-MM-DD)")))
            .ok(),
    };
    let released_on = date("released_on", &f.released_on);
    let support_ends_on = date("support_ends_on", &f.support_ends_on);
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(ProductVersionDraft {
        version: f.version,
        released_on,
        support_ends_on,
    })
}

pub async fn create_version(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<VersionForm>,
) -> UiResult {
    require_manager(&f.staff)?;
    let v = st
        .store
        .create_product_version(&f.staff.actor(), id, version_draft(f.form)?)
        .await?;
    see_other(&format!(
        "/product-versions/{}?notice=version_created",
        v.id
    ))
}

pub struct ImportView {
    pub at: String,
    pub actor: String,
    pub summary: String,
}

/// SBOM imports listed on a version's page (the newest; the API's timeline has them all).
const SHOWN_IMPORTS: i64 = 50;

/// One line per SBOM import, from its audit events (newest first).
fn imports(events: &[psirt_store::AuditEntry]) -> Vec<ImportView> {
    let len = |v: &serde_json::Value, k: &str| v[k].as_array().map_or(0, Vec::len);
    events
        .iter()
        .filter_map(|e| {
            let a = e.after.as_ref()?;
            Some(ImportView {
                at: e.at.clone(),
                actor: e.actor.clone(),
                summary: format!(
                    "{} {}: {} components; {} added, {} removed, {} changed, {} version changes",
                    a["format"].as_str().unwrap_or("?"),
                    a["spec_version"].as_str().unwrap_or("?"),
                    a["components"],
                    len(a, "added"),
                    len(a, "removed"),
                    len(a, "changed"),
                    len(a, "version_changes"),
                ),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "product_version.html")]
struct VersionPage {
    layout: Layout,
    product: Product,
    version: VersionRow,
    v: ProductVersion,
    q: String,
    components: Vec<Component>,
    next_cursor: Option<String>,
    imports: Vec<ImportView>,
    can_manage: bool,
    can_import: bool,
    findings: Vec<psirt_store::Finding>,
    sort: String,
    /// The server's public URL (`--public-url`): the upload example must name it to run as shown.
    public_url: String,
    /// The version as a shell word for the CLI example (see [`shell_word`]).
    version_arg: String,
}

/// `s` as one POSIX shell word: as it is when it holds only characters no shell reads specially, else in single
/// quotes. A version is the PSIRT's text, and the example is pasted into an engineer's shell: `1.0;id` must not run
/// `id`.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | '_' | '+' | '-' | ':' | ',' | '/' | '@' | '%' | '=')
        });
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub async fn version_page(
    State(st): State<AppState>,
    UiStaff(staff): UiStaff,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let v = st.store.product_version(id).await?;
    let product = st.store.product(v.product_id).await?;
    let search = q.q.unwrap_or_default();
    let canonical = crate::api_inventory::component_search(&search);
    let page = st
        .store
        .components(
            id,
            Some(canonical.as_str()),
            &PageRequest {
                cursor: q.cursor,
                limit: Some(100),
            },
        )
        .await?;
    let trail = st
        .store
        .latest_audit(
            "product_version",
            &id.to_string(),
            "product_version.sbom_import",
            SHOWN_IMPORTS,
        )
        .await?;
    let sort = crate::api_intel::parse_sort(q.sort.as_deref())?;
    let mut findings = crate::api_intel::product_version_findings(&st, &staff, id).await?;
    crate::api_intel::sort_findings(&mut findings, sort);
    let view = VersionPage {
        findings,
        sort: q.sort.unwrap_or_else(|| "cvss".to_owned()),
        imports: imports(&trail),
        layout: Layout::staff(&staff).with_notice(notice_text(q.notice.as_deref())),
        version: version_row(&v, st.store.now().date()),
        version_arg: shell_word(&v.version),
        v,
        product,
        q: search,
        components: page.items,
        next_cursor: page.next_cursor,
        can_manage: staff.viewer().can_manage_products(),
        can_import: staff.viewer().can_import_sbom(),
        public_url: st.config.public_url.trim_end_matches('/').to_owned(),
    };
    html(StatusCode::OK, &view)
}

pub async fn update_version(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<VersionForm>,
) -> UiResult {
    require_manager(&f.staff)?;
    st.store
        .update_product_version(&f.staff.actor(), id, version_draft(f.form)?)
        .await?;
    see_other(&format!("/product-versions/{id}?notice=version_updated"))
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn a_version_is_pasted_into_a_shell_as_one_word() {
        assert_eq!(shell_word("4.2.1+build-7"), "4.2.1+build-7");
        assert_eq!(shell_word("1.0;id"), "'1.0;id'");
        assert_eq!(shell_word("1.0$(id)"), "'1.0$(id)'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("a`b`*?"), "'a`b`*?'");
    }
}
