//! Products and product versions: what we ship. SBOM components live in `sbom.rs`.

use psirt_domain::{ProductDraft, ProductVersionDraft};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::audit::AuditDraft;
use crate::{Actor, Page, PageRequest, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub vendor: String,
    pub cpe: Option<String>,
    /// The product's Package URL (without version), when it ships as a package.
    pub purl: Option<String>,
    pub owner_team: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
from_row!(Product {
    id,
    name,
    vendor,
    cpe,
    purl,
    owner_team,
    description,
    created_at,
    updated_at
});

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductVersion {
    pub id: i64,
    pub product_id: i64,
    pub version: String,
    #[serde(with = "psirt_domain::inventory::iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub released_on: Option<Date>,
    #[serde(with = "psirt_domain::inventory::iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub support_ends_on: Option<Date>,
    /// `cyclonedx` or `spdx`: the format of the SBOM imported last, if any.
    pub sbom_format: Option<String>,
    pub sbom_spec_version: Option<String>,
    /// SHA-256 of the SBOM file imported last, as received.
    pub sbom_sha256: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sbom_imported_at: Option<OffsetDateTime>,
    pub component_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
from_row!(ProductVersion {
    id,
    product_id,
    version,
    released_on,
    support_ends_on,
    sbom_format,
    sbom_spec_version,
    sbom_sha256,
    sbom_imported_at,
    component_count,
    created_at,
    updated_at
});

const PRODUCT_COLUMNS: &str =
    "id, name, vendor, cpe, purl, owner_team, description, created_at, updated_at";
pub(crate) const VERSION_COLUMNS: &str = "id, product_id, version, released_on, support_ends_on, sbom_format, sbom_spec_version, sbom_sha256, sbom_imported_at, component_count, created_at, updated_at";

fn product_json(p: &ProductDraft) -> serde_json::Value {
    json!({"name": p.name, "vendor": p.vendor, "cpe": p.cpe, "purl": p.purl, "owner_team": p.owner_team, "description": p.description})
}

pub(crate) fn version_json(v: &ProductVersionDraft) -> serde_json::Value {
    json!({"version": v.version, "released_on": v.released_on.map(|d| d.to_string()), "support_ends_on": v.support_ends_on.map(|d| d.to_string())})
}

impl Store {
    pub async fn create_product(&self, actor: &Actor, draft: ProductDraft) -> Result<Product> {
        let p = draft.normalised()?;
        let now = self.now();
        let id: i64 = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO products (name, vendor, cpe, owner_team, description, created_by, created_at, updated_at, purl) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
            )
            .bind(&p.name)
            .bind(&p.vendor)
            .bind(&p.cpe)
            .bind(&p.owner_team)
            .bind(&p.description)
            .bind(actor.user_id())
            .bind(now)
            .bind(&p.purl)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a product with this vendor and name"))?;
            audit!(tx, self, AuditDraft::new(actor, "product", id, "product.create").after(product_json(&p)));
            id
        });
        self.product(id).await
    }

    /// Replaces a product's fields.
    pub async fn update_product(
        &self,
        actor: &Actor,
        id: i64,
        draft: ProductDraft,
    ) -> Result<Product> {
        let p = draft.normalised()?;
        let now = self.now();
        with_tx!(self, tx => {
            let before: Option<Product> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let before = before.ok_or(StoreError::NotFound("product"))?;
            sqlx::query(
                "UPDATE products SET name = $1, vendor = $2, cpe = $3, owner_team = $4, description = $5, updated_at = $6, purl = $8 WHERE id = $7",
            )
            .bind(&p.name)
            .bind(&p.vendor)
            .bind(&p.cpe)
            .bind(&p.owner_team)
            .bind(&p.description)
            .bind(now)
            .bind(id)
            .bind(&p.purl)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a product with this vendor and name"))?;
            let old = ProductDraft {
                name: before.name,
                vendor: before.vendor,
                cpe: before.cpe,
                purl: before.purl,
                owner_team: before.owner_team,
                description: before.description,
            };
            audit!(tx, self, AuditDraft::new(actor, "product", id, "product.update")
                .before(product_json(&old))
                .after(product_json(&p)));
        });
        self.product(id).await
    }

    pub async fn product(&self, id: i64) -> Result<Product> {
        let row: Option<Product> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.ok_or(StoreError::NotFound("product"))
    }

    /// Products, newest first, optionally those whose vendor or name contains `q`.
    pub async fn products(&self, q: Option<&str>, page: &PageRequest) -> Result<Page<Product>> {
        let before = page.before_id()?;
        let pattern = crate::like_pattern(q);
        let rows: Vec<Product> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {PRODUCT_COLUMNS} FROM products WHERE id < $1 \
                 AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR LOWER(vendor) LIKE $2 ESCAPE '\\') \
                 ORDER BY id DESC LIMIT $3"
            )))
            .bind(before)
            .bind(pattern.as_deref())
            .bind(page.limit() + 1)
            .fetch_all(p)
            .await?
        });
        Ok(page.page(rows, |p| p.id))
    }

    pub async fn create_product_version(
        &self,
        actor: &Actor,
        product_id: i64,
        draft: ProductVersionDraft,
    ) -> Result<ProductVersion> {
        let v = draft.normalised()?;
        let now = self.now();
        let id: i64 = with_tx!(self, tx => {
            let id = insert_product_version!(tx, product_id, v, now);
            let mut after = version_json(&v);
            after["product_id"] = json!(product_id);
            audit!(tx, self, AuditDraft::new(actor, "product_version", id, "product_version.create").after(after));
            id
        });
        self.product_version(id).await
    }

    /// Replaces a product version's fields (not its SBOM).
    pub async fn update_product_version(
        &self,
        actor: &Actor,
        id: i64,
        draft: ProductVersionDraft,
    ) -> Result<ProductVersion> {
        let v = draft.normalised()?;
        let now = self.now();
        with_tx!(self, tx => {
            let before: Option<ProductVersion> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {VERSION_COLUMNS} FROM product_versions WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let before = before.ok_or(StoreError::NotFound("product version"))?;
            sqlx::query(
                "UPDATE product_versions SET version = $1, released_on = $2, support_ends_on = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(&v.version)
            .bind(v.released_on)
            .bind(v.support_ends_on)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "this version of the product"))?;
            let old = ProductVersionDraft {
                version: before.version,
                released_on: before.released_on,
                support_ends_on: before.support_ends_on,
            };
            audit!(tx, self, AuditDraft::new(actor, "product_version", id, "product_version.update")
                .before(version_json(&old))
                .after(version_json(&v)));
        });
        self.product_version(id).await
    }

    pub async fn product_version(&self, id: i64) -> Result<ProductVersion> {
        let row: Option<ProductVersion> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {VERSION_COLUMNS} FROM product_versions WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.ok_or(StoreError::NotFound("product version"))
    }

    /// The versions of a product, in the order they were added.
    pub async fn product_versions(&self, product_id: i64) -> Result<Vec<ProductVersion>> {
        self.product(product_id).await?;
        let rows = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {VERSION_COLUMNS} FROM product_versions WHERE product_id = $1 ORDER BY id"
            )))
            .bind(product_id)
            .fetch_all(p)
            .await?
        });
        Ok(rows)
    }

    /// A product version found by product id or name and version string, as the CLI names them: a number is an id
    /// (as the CLI's product lookup reads it), never also the name of another product — `--product 5` printed on
    /// product 5's page must not import into a product named "5". The version is read as stored: without the
    /// white space around it that storing trims, and so is the product's name.
    pub async fn find_product_version(
        &self,
        product: &str,
        version: &str,
    ) -> Result<ProductVersion> {
        let by_id = product.trim().parse::<i64>();
        let of_product = if by_id.is_ok() {
            "SELECT id FROM products WHERE id = $2"
        } else {
            "SELECT id FROM products WHERE LOWER(name) = LOWER($2)"
        };
        let rows: Vec<ProductVersion> = with_pool!(self, p => {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {VERSION_COLUMNS} FROM product_versions WHERE version = $1 AND product_id IN ({of_product})"
            )))
            .bind(version.trim());
            match by_id {
                Ok(id) => query.bind(id),
                Err(_) => query.bind(product.trim()),
            }
            .fetch_all(p)
            .await?
        });
        match rows.len() {
            0 => Err(StoreError::NotFound("product version")),
            1 => Ok(rows
                .into_iter()
                .next()
                .ok_or(StoreError::NotFound("product version"))?),
            n => Err(StoreError::Conflict(format!(
                "{n} products named `{product}` have a version `{version}`: name the product by id"
            ))),
        }
    }
}
