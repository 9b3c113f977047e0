//! Fresh, isolated databases for tests: a SQLite file in a temporary directory, or a new
//! PostgreSQL schema (dropped afterwards), so tests run in parallel without seeing each other.
//!
//! PostgreSQL comes from `PSIRT_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::{Result, Store, SystemClock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

pub fn pg_base_url() -> String {
    std::env::var("PSIRT_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> Result<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir =
                    tempfile::tempdir().map_err(|e| crate::StoreError::Config(e.to_string()))?;
                let url = format!("sqlite:{}", dir.path().join("psirt.db").display());
                Ok(TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                    schema: None,
                })
            }
            Backend::Postgres => {
                let base = pg_base_url();
                let schema = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
                );
                let pool = sqlx::PgPool::connect(&base).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                Ok(TestDb {
                    url,
                    backend,
                    _dir: None,
                    schema: Some(schema),
                })
            }
        }
    }

    pub async fn store(&self) -> Result<Store> {
        Store::connect(&self.url, Arc::new(SystemClock)).await
    }

    /// Drops the PostgreSQL schema (SQLite's directory goes with the value).
    pub async fn cleanup(&self) {
        if let Some(schema) = &self.schema {
            if let Ok(pool) = sqlx::PgPool::connect(&pg_base_url()).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .execute(&pool)
                    .await;
                pool.close().await;
            }
        }
    }
}
