//! The CSAF provider's OpenPGP signing keys. Key material is made elsewhere (the server's `keys`
//! module, pure-Rust rPGP); this stores it. Audit events name the key, never its secret.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::AuditDraft;
use crate::{Actor, Result, Store, StoreError};

/// Where the secret key lives: armored in the database, or in a file only the server reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKeyLocation {
    Database(String),
    File(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenPgpKey {
    pub id: i64,
    /// Upper-case hex, as CSAF provider metadata lists it.
    pub fingerprint: String,
    pub algorithm: String,
    /// The armored public key (Transferable Public Key).
    pub public_key: String,
    #[serde(skip)]
    pub secret_key: Option<String>,
    pub secret_key_file: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
from_row!(OpenPgpKey {
    id,
    fingerprint,
    algorithm,
    public_key,
    secret_key,
    secret_key_file,
    created_at
});

impl OpenPgpKey {
    pub fn secret_location(&self) -> Result<SecretKeyLocation> {
        match (&self.secret_key, &self.secret_key_file) {
            (Some(k), _) => Ok(SecretKeyLocation::Database(k.clone())),
            (None, Some(f)) => Ok(SecretKeyLocation::File(f.clone())),
            (None, None) => Err(StoreError::Corrupt(format!(
                "OpenPGP key {} has no secret key",
                self.fingerprint
            ))),
        }
    }
}

const COLUMNS: &str =
    "id, fingerprint, algorithm, public_key, secret_key, secret_key_file, created_at";

impl Store {
    /// Stores a new key, which becomes the one in use.
    pub async fn add_openpgp_key(
        &self,
        actor: &Actor,
        fingerprint: &str,
        algorithm: &str,
        public_key: &str,
        secret: SecretKeyLocation,
    ) -> Result<OpenPgpKey> {
        let (secret_key, secret_key_file) = match secret {
            SecretKeyLocation::Database(k) => (Some(k), None),
            SecretKeyLocation::File(f) => (None, Some(f)),
        };
        let now = self.now();
        with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO openpgp_keys (fingerprint, algorithm, public_key, secret_key, secret_key_file, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(fingerprint)
            .bind(algorithm)
            .bind(public_key)
            .bind(&secret_key)
            .bind(&secret_key_file)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a key with this fingerprint"))?;
            audit!(tx, self, AuditDraft::new(actor, "openpgp_key", id, "openpgp_key.add")
                .after(json!({"fingerprint": fingerprint, "algorithm": algorithm, "secret_key_file": secret_key_file})));
        });
        self.active_openpgp_key()
            .await?
            .ok_or(StoreError::NotFound("OpenPGP key"))
    }

    /// The key in use (the newest), if any.
    pub async fn active_openpgp_key(&self) -> Result<Option<OpenPgpKey>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM openpgp_keys ORDER BY id DESC LIMIT 1")))
                .fetch_optional(p)
                .await?
        }))
    }
}
