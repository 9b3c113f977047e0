//! `psirt products ...`: the inventory from the command line (as the operator, `system:cli`).

use crate::out::outln;
use anyhow::bail;
use clap::Subcommand;
use psirt_domain::inventory::support_status;
use psirt_domain::{ProductDraft, ProductVersionDraft};
use psirt_store::{Actor, PageRequest, Product, Store};
use time::Date;

#[derive(Subcommand)]
pub enum ProductsCommand {
    /// List products (id, vendor, name, CPE).
    List {
        /// Only those whose name or vendor contains this text.
        #[arg(long)]
        q: Option<String>,
    },
    /// Add a product.
    Create {
        #[arg(long)]
        vendor: String,
        #[arg(long)]
        name: String,
        /// CPE prefix, e.g. cpe:2.3:a:acme:router_os
        #[arg(long)]
        cpe: Option<String>,
        /// Package URL without version, when the product ships as a package (pkg:npm/acme-sdk).
        #[arg(long)]
        purl: Option<String>,
        #[arg(long, default_value = "")]
        owner_team: String,
    },
    /// List a product's versions (PRODUCT: id or name).
    Versions { product: String },
    /// Add a version (release or maintained stream) to a product (PRODUCT: id or name).
    AddVersion {
        product: String,
        version: String,
        /// YYYY-MM-DD
        #[arg(long, value_parser = parse_date)]
        released_on: Option<Date>,
        /// Last day of support, YYYY-MM-DD
        #[arg(long, value_parser = parse_date)]
        support_ends_on: Option<Date>,
    },
    /// Change a version of a product (PRODUCT: id or name): what is not given stays as it is.
    UpdateVersion {
        product: String,
        version: String,
        /// A new name for the version.
        #[arg(long)]
        rename: Option<String>,
        /// YYYY-MM-DD, or `none` to clear it.
        #[arg(long, value_parser = parse_date_or_none)]
        released_on: Option<DateOrNone>,
        /// Last day of support, YYYY-MM-DD, or `none` (open-ended).
        #[arg(long, value_parser = parse_date_or_none)]
        support_ends_on: Option<DateOrNone>,
    },
}

/// A date option that can also be cleared (`none`).
#[derive(Clone, Copy, Debug)]
pub struct DateOrNone(Option<Date>);

fn parse_date_or_none(s: &str) -> Result<DateOrNone, String> {
    match s {
        "none" => Ok(DateOrNone(None)),
        _ => parse_date(s).map(|d| DateOrNone(Some(d))),
    }
}

/// A date as listed, `-` for none.
fn day(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// A product named by id or (case-insensitive, trimmed) name; a number that is no product's id is tried as a name
/// (a product may be called `2024`).
pub async fn find_product(store: &Store, product: &str) -> anyhow::Result<Product> {
    let product = product.trim();
    if let Ok(id) = product.parse::<i64>() {
        match store.product(id).await {
            Err(psirt_store::StoreError::NotFound(_)) => {}
            found => return Ok(found?),
        }
    }
    let mut page = PageRequest {
        cursor: None,
        limit: Some(PageRequest::MAX),
    };
    let mut found = Vec::new();
    loop {
        let p = store.products(Some(product), &page).await?;
        found.extend(
            p.items
                .into_iter()
                .filter(|p| p.name.eq_ignore_ascii_case(product)),
        );
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    match found.len() {
        0 => bail!("no product named `{product}`"),
        1 => Ok(found.remove(0)),
        n => bail!("{n} products are named `{product}`: name it by id"),
    }
}

pub async fn run(store: &Store, command: ProductsCommand) -> anyhow::Result<()> {
    let operator = Actor::System("cli");
    match command {
        ProductsCommand::List { q } => {
            let mut page = PageRequest {
                cursor: None,
                limit: Some(PageRequest::MAX),
            };
            loop {
                let p = store.products(q.as_deref(), &page).await?;
                for p in &p.items {
                    let cpe = p.cpe.as_deref().unwrap_or("-");
                    outln!("{}\t{}\t{}\t{cpe}", p.id, p.vendor, p.name);
                }
                match p.next_cursor {
                    Some(c) => page.cursor = Some(c),
                    None => break,
                }
            }
        }
        ProductsCommand::Create {
            vendor,
            name,
            cpe,
            purl,
            owner_team,
        } => {
            let p = store
                .create_product(
                    &operator,
                    ProductDraft {
                        name,
                        vendor,
                        cpe,
                        purl,
                        owner_team,
                        description: String::new(),
                    },
                )
                .await?;
            outln!("created product {} ({} {})", p.id, p.vendor, p.name);
        }
        ProductsCommand::Versions { product } => {
            let p = find_product(store, &product).await?;
            let today = store.now().date();
            for v in store.product_versions(p.id).await? {
                let status = support_status(v.released_on, v.support_ends_on, today);
                // The status last: the columns before it are as they were.
                outln!(
                    "{}\t{}\treleased {}\tsupport ends {}\t{} components\t{}",
                    v.id,
                    v.version,
                    day(v.released_on),
                    day(v.support_ends_on),
                    v.component_count,
                    status.as_str()
                );
            }
        }
        ProductsCommand::UpdateVersion {
            product,
            version,
            rename,
            released_on,
            support_ends_on,
        } => {
            let v = store.find_product_version(&product, &version).await?;
            let draft = ProductVersionDraft {
                version: rename.unwrap_or(v.version),
                released_on: released_on.map_or(v.released_on, |d| d.0),
                support_ends_on: support_ends_on.map_or(v.support_ends_on, |d| d.0),
            };
            let v = store.update_product_version(&operator, v.id, draft).await?;
            outln!(
                "updated version {} ({}): released {}, support ends {}, {}",
                v.id,
                v.version,
                day(v.released_on),
                day(v.support_ends_on),
                support_status(v.released_on, v.support_ends_on, store.now().date()).as_str()
            );
        }
        ProductsCommand::AddVersion {
            product,
            version,
            released_on,
            support_ends_on,
        } => {
            let p = find_product(store, &product).await?;
            let v = store
                .create_product_version(
                    &operator,
                    p.id,
                    ProductVersionDraft {
                        version,
                        released_on,
                        support_ends_on,
                    },
                )
                .await?;
            outln!("created version {} ({} {})", v.id, p.name, v.version);
        }
    }
    Ok(())
}
