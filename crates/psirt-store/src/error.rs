use psirt_domain::DomainError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule or a concurrent change refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("configuration: {0}")]
    Config(String),
    /// Stored data that no longer parses: a bug or tampering, never user input.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("password hashing: {0}")]
    Hashing(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict that names what clashed.
    pub(crate) fn unique(err: sqlx::Error, what: &str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("{what} already exists"))
            }
            _ => StoreError::Database(err),
        }
    }
}
