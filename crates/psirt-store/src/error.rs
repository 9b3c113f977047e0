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
    /// Text the database cannot hold or compare (PostgreSQL refuses U+0000 in any text, a query's included):
    /// the request's fault, whatever it was looking for.
    #[error("{0}")]
    UnstorableText(String),
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("password hashing: {0}")]
    Hashing(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            // 22021 character_not_in_repertoire (a NUL), 22P05 untranslatable_character.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22021" | "22P05")) =>
            {
                StoreError::UnstorableText(
                    "text with a NUL (U+0000) or another character the database cannot hold".into(),
                )
            }
            _ => StoreError::Database(err),
        }
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict that names what clashed.
    pub(crate) fn unique(err: sqlx::Error, what: &str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("{what} already exists"))
            }
            _ => StoreError::from(err),
        }
    }
}
