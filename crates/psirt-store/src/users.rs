//! Staff accounts.

use psirt_domain::{FieldError, Role};
use serde::Deserialize;
use serde_json::json;

use crate::audit::AuditDraft;
use crate::secrets::{check_password_strength, hash_password, random_password, verify_password};
use crate::{Actor, Result, Store, StoreError, User};

const USER_COLUMNS: &str =
    "id, username, display_name, email, role, must_change_password, disabled, created_at";

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub password: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    /// Ask for a new password at first login (default true: an admin typed this one).
    #[serde(default = "yes")]
    pub must_change_password: bool,
}

fn yes() -> bool {
    true
}

/// An admin's change to an account; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPatch {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub display_name: Option<String>,
    pub email: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(psirt_domain::DomainError::Invalid(vec![FieldError::new(
        field, message,
    )]))
}

fn check_username(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "username",
            "must be 1-64 characters of letters, digits, . _ - @",
        ))
    }
}

impl Store {
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        check_username(&new.username)?;
        check_password_strength(&new.password).map_err(|m| invalid("password", m))?;
        let hash = hash_password(&new.password)?;
        let now = self.now();
        Ok(with_tx!(self, tx => {
            let user: User = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO users (username, display_name, email, role, password_hash, must_change_password, disabled, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) RETURNING {USER_COLUMNS}"
            )))
            .bind(&new.username)
            .bind(new.display_name.trim())
            .bind(new.email.trim())
            .bind(new.role.as_str())
            .bind(&hash)
            .bind(new.must_change_password)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "a user with this username"))?;
            audit!(tx, self, AuditDraft::new(actor, "user", user.id, "user.create")
                .after(json!({"username": user.username, "role": user.role})));
            user
        }))
    }

    /// On first start with no users, creates `admin` with a random password that must be
    /// changed at first login, and returns that password (shown once, never stored in clear).
    pub async fn bootstrap_admin(&self) -> Result<Option<String>> {
        if self.count_users().await? > 0 {
            return Ok(None);
        }
        let password = random_password()?;
        self.create_user(
            &Actor::System("bootstrap"),
            NewUser {
                username: "admin".into(),
                role: Role::Admin,
                password: password.clone(),
                display_name: "Administrator".into(),
                email: String::new(),
                must_change_password: true,
            },
        )
        .await?;
        Ok(Some(password))
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?),
        )
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let user: Option<User> = with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        user.ok_or(StoreError::NotFound("user"))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        Ok(with_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")))
                .fetch_all(p)
                .await?
        }))
    }

    /// Checks a login. `None` for an unknown user, a wrong password or a disabled account alike,
    /// so the answer does not tell which usernames exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        let row: Option<(i64, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1 AND disabled = FALSE")
                .bind(username)
                .fetch_optional(p)
                .await?
        });
        let Some((id, phc)) = row else {
            // Spend the same time as a real check so timing does not reveal the username.
            let _ = verify_password(password, dummy_hash());
            return Ok(None);
        };
        if verify_password(password, &phc) {
            Ok(Some(self.user(id).await?))
        } else {
            Ok(None)
        }
    }

    /// Changes a password. A user changing their own passes `current`; an admin reset passes
    /// `None` and forces a change at next login. All other sessions of the user end.
    pub async fn set_password(
        &self,
        actor: &Actor,
        user_id: i64,
        current: Option<&str>,
        new_password: &str,
        must_change: bool,
    ) -> Result<()> {
        if let Some(current) = current {
            let phc: Option<String> = with_pool!(self, p => {
                sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(p)
                    .await?
            });
            let phc = phc.ok_or(StoreError::NotFound("user"))?;
            if !verify_password(current, &phc) {
                return Err(invalid("current_password", "is not your current password"));
            }
            if current == new_password {
                return Err(invalid(
                    "new_password",
                    "must differ from the current password",
                ));
            }
        }
        check_password_strength(new_password).map_err(|m| invalid("new_password", m))?;
        let hash = hash_password(new_password)?;
        let now = self.now();
        with_tx!(self, tx => {
            let n = sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                .bind(&hash)
                .bind(must_change)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("user"));
            }
            if current.is_none() {
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let action = if current.is_some() { "user.password_change" } else { "user.password_reset" };
            audit!(tx, self, AuditDraft::new(actor, "user", user_id, action).after(json!({"must_change_password": must_change})));
        });
        Ok(())
    }

    pub async fn update_user(&self, actor: &Actor, id: i64, patch: UserPatch) -> Result<User> {
        let before = self.user(id).await?;
        let now = self.now();
        Ok(with_tx!(self, tx => {
            let user: User = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE users SET role = $1, disabled = $2, display_name = $3, email = $4 WHERE id = $5 RETURNING {USER_COLUMNS}"
            )))
            .bind(patch.role.unwrap_or(before.role).as_str())
            .bind(patch.disabled.unwrap_or(before.disabled))
            .bind(patch.display_name.as_deref().map(str::trim).unwrap_or(&before.display_name))
            .bind(patch.email.as_deref().map(str::trim).unwrap_or(&before.email))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if user.disabled && !before.disabled {
                // A disabled account keeps nothing that still works.
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now).bind(id).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now).bind(id).execute(&mut *tx).await?;
            }
            audit!(tx, self, AuditDraft::new(actor, "user", id, "user.update")
                .before(json!({"role": before.role, "disabled": before.disabled, "display_name": before.display_name, "email": before.email}))
                .after(json!({"role": user.role, "disabled": user.disabled, "display_name": user.display_name, "email": user.email})));
            user
        }))
    }
}

/// A real Argon2id hash, verified against when the user is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no such user: timing equaliser").unwrap_or_default())
}
