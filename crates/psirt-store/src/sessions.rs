//! Login sessions and personal API tokens: only SHA-256 digests of the secrets are stored.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::audit::AuditDraft;
use crate::secrets::{random_token, sha256_hex};
use crate::{Actor, ApiToken, Result, Store, StoreError, User};

/// A session as the HTTP layer needs it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub user: User,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// A freshly created secret, returned once.
#[derive(Debug, Clone)]
pub struct NewSecret<T> {
    pub secret: String,
    pub record: T,
}

/// Prefix that makes a leaked token recognisable by secret scanners.
pub const API_TOKEN_PREFIX: &str = "psirt_";

const TOKEN_COLUMNS: &str =
    "id, user_id, name, token_prefix, created_at, expires_at, last_used_at, revoked_at";

impl Store {
    pub async fn create_session(&self, user: &User, ttl: Duration) -> Result<NewSecret<Session>> {
        let secret = random_token()?;
        let csrf = random_token()?;
        let now = self.now();
        let expires_at = now + ttl;
        let id: i64 = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(sha256_hex(&secret))
            .bind(user.id)
            .bind(&csrf)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, self, AuditDraft::new(&Actor::User { id: user.id, username: user.username.clone() }, "user", user.id, "session.login")
                .after(json!({"session": id})));
            id
        });
        Ok(NewSecret {
            secret,
            record: Session {
                id,
                user: user.clone(),
                csrf_token: csrf,
                expires_at,
            },
        })
    }

    /// The live session for a cookie value: not expired, not revoked, user not disabled.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>> {
        let row: Option<(i64, i64, String, OffsetDateTime, Option<OffsetDateTime>)> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, user_id, csrf_token, expires_at, revoked_at FROM sessions WHERE token_hash = $1")
                .bind(sha256_hex(secret))
                .fetch_optional(p)
                .await?
        });
        let Some((id, user_id, csrf_token, expires_at, revoked_at)) = row else {
            return Ok(None);
        };
        if revoked_at.is_some() || expires_at <= self.now() {
            return Ok(None);
        }
        let user = self.user(user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(Session {
            id,
            user,
            csrf_token,
            expires_at,
        }))
    }

    pub async fn revoke_session(&self, actor: &Actor, session_id: i64) -> Result<()> {
        let now = self.now();
        with_tx!(self, tx => {
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now).bind(session_id).execute(&mut *tx).await?;
            let uid = actor.user_id().unwrap_or_default();
            audit!(tx, self, AuditDraft::new(actor, "user", uid, "session.logout").after(json!({"session": session_id})));
        });
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<NewSecret<ApiToken>> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Domain(psirt_domain::DomainError::Invalid(
                vec![psirt_domain::FieldError::new(
                    "name",
                    "is required (at most 100 characters)",
                )],
            )));
        }
        let secret = format!("{API_TOKEN_PREFIX}{}", random_token()?);
        let prefix: String = secret.chars().take(API_TOKEN_PREFIX.len() + 6).collect();
        let now = self.now();
        let token: ApiToken = with_tx!(self, tx => {
            let token: ApiToken = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
            )))
            .bind(user_id)
            .bind(name)
            .bind(sha256_hex(&secret))
            .bind(&prefix)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            audit!(tx, self, AuditDraft::new(actor, "user", user_id, "api_token.create")
                .after(json!({"token": token.id, "name": token.name, "prefix": token.token_prefix})));
            token
        });
        Ok(NewSecret {
            secret,
            record: token,
        })
    }

    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")))
                .bind(user_id)
                .fetch_all(p)
                .await?
        }))
    }

    /// The user a bearer token belongs to, if the token is live; records its last use.
    pub async fn user_for_api_token(&self, secret: &str) -> Result<Option<User>> {
        let row: Option<(i64, i64, Option<OffsetDateTime>, Option<OffsetDateTime>)> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, user_id, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1")
                .bind(sha256_hex(secret))
                .fetch_optional(p)
                .await?
        });
        let now = self.now();
        let Some((id, user_id, expires_at, revoked_at)) = row else {
            return Ok(None);
        };
        if revoked_at.is_some() || expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let user = self.user(user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        with_pool!(self, p => {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(p).await?;
        });
        Ok(Some(user))
    }

    /// Revokes one of `user_id`'s tokens; NotFound if it is not theirs.
    pub async fn revoke_api_token(&self, actor: &Actor, user_id: i64, token_id: i64) -> Result<()> {
        let now = self.now();
        with_tx!(self, tx => {
            let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now).bind(token_id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("api token"));
            }
            audit!(tx, self, AuditDraft::new(actor, "user", user_id, "api_token.revoke").after(json!({"token": token_id})));
        });
        Ok(())
    }
}
