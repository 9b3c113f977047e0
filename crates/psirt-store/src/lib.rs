//! psirt's persistence: one `Store` over SQLite (default) or PostgreSQL.
//!
//! The SQL is written once in the portable subset both speak (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); the `with_tx!`/`with_pool!` macros expand each repository body once per
//! backend so sqlx sees concrete types (no `sqlx::Any`). Every write runs in one transaction
//! that also appends its audit event.

#[macro_use]
mod macros;
pub mod advisories;
mod advisory_rows;
pub mod affects;
pub mod audit;
pub mod bounty;
pub mod cases;
pub mod clock_warnings;
pub mod clocks;
pub mod cra;
pub mod cvss;
mod dependency_paths;
mod error;
pub mod intake;
pub mod intel;
pub mod inventory;
pub mod keys;
pub mod matches;
pub mod metrics;
pub mod model;
pub mod needs_info;
pub mod outbox;
mod queue;
pub mod rca_runbook;
pub mod releases;
pub mod reports;
pub mod sbom;
pub mod secrets;
pub mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use psirt_domain::clock::{to_micros, Clock};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use time::OffsetDateTime;

pub use advisories::{
    AdvisoryCase, AdvisoryInput, AdvisoryRecord, NewRendering, PublicationGeneration,
    RenderingInfo, StoredRevision,
};
pub use affects::{CaseAffect, NewAffect};
pub use error::StoreError;
pub use intel::{
    EpssEntry, ErrorReport, FeedAttempt, FeedImport, FeedImportLog, FeedSource, FeedSourceChange,
    IntelRecordSummary, NewEpss, NewIntelRecord, OwnFacts, Upserted, Vulnerability,
};
pub use inventory::{Product, ProductVersion};
pub use matches::{Finding, KevEntry, MatchKey, MatchesApplied, QueueItem, QueueProductVersion};
pub use model::*;
pub use queue::QueuePage;
pub use sbom::{
    Component, ComponentHash, Dependency, NewComponent, SbomDiff, SbomImport, SbomImported,
    VersionChange, MAX_COMPONENT_VERSION_CHARS,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The wall clock, used outside tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

impl Store {
    /// Opens `url` (`sqlite:path`, `sqlite::memory:`, `postgres://...`) and applies migrations.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        let pool = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts: PgConnectOptions = url.parse()?;
            Pool::Postgres(Self::pg_pool(opts).await?)
        } else if url.starts_with("sqlite:") {
            let opts: SqliteConnectOptions = url.parse()?;
            Pool::Sqlite(Self::sqlite_pool(opts.create_if_missing(true)).await?)
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL `{url}`: use sqlite:FILE or postgres://..."
            )));
        };
        Self::with_pool(pool, clock).await
    }

    /// Opens `url` for reading what is there: a SQLite file is not created, and nothing is migrated (a schema
    /// older or newer than this build's is an error saying so). For `psirt scan`, which must not pass a release
    /// gate by scanning a database that was never filled, nor change the one it reads.
    pub async fn open_existing(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        let (pool, files) = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts: PgConnectOptions = url.parse()?;
            (
                Pool::Postgres(Self::pg_pool(opts).await?),
                migrations::POSTGRES,
            )
        } else if url.starts_with("sqlite:") {
            // Read-only, and without the journal-mode pragma (which writes): nothing in the database changes. A
            // database in WAL mode (psirt's) still gets SQLite's `-wal`/`-shm` files beside it if they are missing,
            // so its directory must be writable.
            let opts: SqliteConnectOptions = url.parse()?;
            let opts = opts
                .create_if_missing(false)
                .read_only(true)
                .busy_timeout(Duration::from_secs(10));
            (
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(4)
                        .connect_with(opts)
                        .await?,
                ),
                migrations::SQLITE,
            )
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL `{url}`: use sqlite:FILE or postgres://..."
            )));
        };
        let latest = files.last().map_or(0, |m| m.0);
        const APPLIED: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";
        let applied: std::result::Result<Option<i64>, sqlx::Error> = match &pool {
            Pool::Sqlite(p) => sqlx::query_scalar(APPLIED).fetch_one(p).await,
            Pool::Postgres(p) => sqlx::query_scalar(APPLIED).fetch_one(p).await,
        };
        match applied {
            Ok(Some(v)) if v == latest => Ok(Self { pool, clock }),
            Ok(Some(v)) if v > latest => Err(StoreError::Config(format!(
                "the database's schema ({v}) is newer than this psirt's ({latest}): use a newer psirt"
            ))),
            Ok(Some(v)) => Err(StoreError::Config(format!(
                "the database's schema ({v}) is older than this psirt's ({latest}): upgrade it first (`psirt serve` or `psirt feeds import` migrate it)"
            ))),
            Ok(None) => Err(StoreError::Config(
                "not a psirt database (no schema): create and fill it with `psirt feeds import`".into(),
            )),
            // Only a missing migrations table means "not ours"; a lock, a permission or an I/O error is itself.
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("42P01") || e.message().contains("no such table") =>
            {
                Err(StoreError::Config(
                    "not a psirt database (no schema): create and fill it with `psirt feeds import`".into(),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn sqlite_pool(opts: SqliteConnectOptions) -> Result<SqlitePool> {
        let opts = opts
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        Ok(SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?)
    }

    pub async fn pg_pool(opts: PgConnectOptions) -> Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?)
    }

    /// Wraps an open pool and brings its schema up to date.
    pub async fn with_pool(pool: Pool, clock: Arc<dyn Clock>) -> Result<Self> {
        match &pool {
            Pool::Sqlite(p) => migrator(migrations::SQLITE).run(p).await?,
            Pool::Postgres(p) => migrator(migrations::POSTGRES).run(p).await?,
        }
        Ok(Self { pool, clock })
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// `FOR UPDATE` on PostgreSQL, nothing on SQLite (whose write transactions start IMMEDIATE
    /// and so already exclude each other): for read-modify-write of a JSON column.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " FOR UPDATE",
        }
    }

    /// ` FOR SHARE` on PostgreSQL: read rows stay as read until the transaction ends (SQLite's write transactions
    /// exclude each other already).
    pub(crate) fn for_share(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " FOR SHARE",
        }
    }

    /// ` FOR UPDATE OF <alias> SKIP LOCKED` on PostgreSQL (the rows of that table only; ones another transaction
    /// holds are left out instead of waited for). Nothing on SQLite.
    pub(crate) fn for_update_of_skip_locked(&self, alias: &str) -> String {
        match self.pool {
            Pool::Sqlite(_) => String::new(),
            Pool::Postgres(_) => format!(" FOR UPDATE OF {alias} SKIP LOCKED"),
        }
    }

    /// ` COLLATE "C"` on PostgreSQL: an `ORDER BY` of text in byte order, as Rust sorts (SQLite's default is
    /// already). Rows locked in a SQL order must be locked in the order other writers take them from sorted Rust.
    pub(crate) fn bytewise(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " COLLATE \"C\"",
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn now(&self) -> OffsetDateTime {
        to_micros(self.clock.now())
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }
}

/// JSON text of a value the store keeps as JSON (serialising our own types cannot fail in
/// practice; if it does, the row would be corrupt).
/// The migration files, embedded by `build.rs`: (version, description, SQL) in version order.
mod migrations {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// A migrator over embedded migrations, as `sqlx::migrate!` builds one (a migration whose SQL starts with
/// `-- no-transaction` runs outside a transaction; the checksum is SHA-384 of the SQL).
fn migrator(files: &'static [(i64, &'static str, &'static str)]) -> sqlx::migrate::Migrator {
    let migrations = files
        .iter()
        .map(|&(version, description, sql)| {
            sqlx::migrate::Migration::new(
                version,
                description.into(),
                sqlx::migrate::MigrationType::Simple,
                sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(sql)),
                sql.starts_with("-- no-transaction"),
            )
        })
        .collect::<Vec<_>>();
    sqlx::migrate::Migrator {
        migrations: migrations.into(),
        ..sqlx::migrate::Migrator::DEFAULT
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("serialising: {e}")))
}

/// A JSON column read back; `what` names it in the error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A case-insensitive `LIKE` pattern for "contains `q`" (with `ESCAPE '\\'`), or `None` for
/// an empty query.
pub(crate) fn like_pattern(q: Option<&str>) -> Option<String> {
    q.map(str::trim).filter(|q| !q.is_empty()).map(|q| {
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// `build.rs` embedded every migration file of each backend, in version order, with sqlx's description.
    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for (backend, embedded) in [
            ("sqlite", super::migrations::SQLITE),
            ("postgres", super::migrations::POSTGRES),
        ] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend);
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            names.sort();
            assert_eq!(names.len(), embedded.len(), "{backend}");
            for (name, &(version, description, sql)) in names.iter().zip(embedded) {
                let (v, rest) = name.split_once('_').unwrap();
                assert_eq!(v.parse::<i64>().unwrap(), version, "{name}");
                assert_eq!(rest.trim_end_matches(".sql").replace('_', " "), description);
                assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), sql);
            }
            let migrator = super::migrator(embedded);
            assert!(migrator
                .iter()
                .zip(migrator.iter().skip(1))
                .all(|(a, b)| a.version < b.version));
        }
        assert_eq!(
            super::migrations::SQLITE
                .iter()
                .map(|m| m.0)
                .collect::<Vec<_>>(),
            super::migrations::POSTGRES
                .iter()
                .map(|m| m.0)
                .collect::<Vec<_>>(),
            "both backends have the same migrations"
        );
    }

    /// `from_row!`: columns by field name, `as String` fields through `TryFrom` (a bad value is a decode error
    /// naming the column), `= default` fields not read.
    #[tokio::test]
    async fn rows_read_by_field_name_and_converted() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let select = |role: &str| {
            format!(
                "SELECT 7 AS id, 'ana' AS username, 'Ana' AS display_name, 'a@example.com' AS email, '{role}' AS role, \
                 FALSE AS must_change_password, TRUE AS disabled, '2026-01-01T00:00:00Z' AS created_at"
            )
        };
        let user: super::User = sqlx::query_as(sqlx::AssertSqlSafe(select("analyst")))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            (user.id, user.role, user.disabled),
            (7, psirt_domain::Role::Analyst, true)
        );
        let bad = sqlx::query_as::<_, super::User>(sqlx::AssertSqlSafe(select("root")))
            .fetch_one(&pool)
            .await;
        assert!(
            matches!(&bad, Err(sqlx::Error::ColumnDecode { index, .. }) if index == "role"),
            "{bad:?}"
        );
    }
}
