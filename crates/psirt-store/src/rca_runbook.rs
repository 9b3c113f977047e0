//! Root-cause analyses (closing an S1/S2 case needs a completed one, per the admin's policy)
//! and the S1/P1 escalation checklist: started from the editable runbook template when a case
//! becomes S1 or P1, ticked item by item, with hand-off notes for the next time zone.

use psirt_domain::rca::{check_close, RcaPolicy, RcaRecord};
use psirt_domain::runbook::{RunbookChecklist, RunbookTemplate};
use psirt_domain::Severity;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::audit::AuditDraft;
use crate::{from_json, to_json, Actor, Result, Store, StoreError};

/// The settings key of the runbook template.
pub(crate) const RUNBOOK_TEMPLATE: &str = "runbook_template";

/// The stored runbook template, or the seeded S1 one when none is stored.
pub(crate) fn template_or_seed(stored: Option<String>) -> Result<RunbookTemplate> {
    stored.map_or_else(
        || Ok(RunbookTemplate::seed_s1()),
        |s| from_json(RUNBOOK_TEMPLATE, &s),
    )
}

impl Store {
    async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let row: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT value FROM settings WHERE setting_key = $1").bind(key).fetch_optional(p).await?
        });
        row.map(|s| from_json(key, &s)).transpose()
    }

    async fn set_setting<T: Serialize>(
        &self,
        actor: &Actor,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        let now = self.now();
        let json = to_json(value)?;
        with_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (setting_key, value, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (setting_key) DO UPDATE SET value = $2, updated_at = $3")
                .bind(key).bind(&json).bind(now).execute(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "setting", key, "setting.update").after(json!({"key": key, "value": value})));
        });
        Ok(())
    }

    pub async fn rca_policy(&self) -> Result<RcaPolicy> {
        Ok(self.setting("rca_policy").await?.unwrap_or_default())
    }

    pub async fn set_rca_policy(&self, actor: &Actor, policy: &RcaPolicy) -> Result<()> {
        self.set_setting(actor, "rca_policy", policy).await
    }

    pub async fn runbook_template(&self) -> Result<RunbookTemplate> {
        let stored: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT value FROM settings WHERE setting_key = $1").bind(RUNBOOK_TEMPLATE).fetch_optional(p).await?
        });
        template_or_seed(stored)
    }

    pub async fn set_runbook_template(
        &self,
        actor: &Actor,
        template: &RunbookTemplate,
    ) -> Result<()> {
        template.validate()?;
        self.set_setting(actor, RUNBOOK_TEMPLATE, template).await
    }

    pub async fn case_rca(&self, case_id: i64) -> Result<Option<RcaRecord>> {
        let row: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT record FROM case_rca WHERE case_id = $1").bind(case_id).fetch_optional(p).await?
        });
        row.map(|s| from_json("RCA", &s)).transpose()
    }

    pub async fn set_case_rca(
        &self,
        actor: &Actor,
        case_id: i64,
        record: RcaRecord,
    ) -> Result<RcaRecord> {
        record.validate()?;
        let now = self.now();
        let json = to_json(&record)?;
        with_tx!(self, tx => {
            sqlx::query("INSERT INTO case_rca (case_id, record, complete, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (case_id) DO UPDATE SET record = $2, complete = $3, updated_at = $4")
                .bind(case_id).bind(&json).bind(record.is_complete()).bind(now).execute(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, "case.rca_update").after(json!({
                "complete": record.is_complete(), "missing": record.missing(), "root_cause": record.root_cause,
            })));
        });
        Ok(record)
    }

    /// The close guard: refuses closing a case whose severity needs a completed RCA.
    pub(crate) async fn check_rca_before_close(
        &self,
        case_id: i64,
        severity: Option<Severity>,
    ) -> Result<()> {
        let policy = self.rca_policy().await?;
        let rca = self.case_rca(case_id).await?;
        Ok(check_close(severity, &policy, rca.as_ref())?)
    }

    pub async fn case_runbook(&self, case_id: i64) -> Result<Option<RunbookChecklist>> {
        let row: Option<String> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT checklist FROM case_runbooks WHERE case_id = $1").bind(case_id).fetch_optional(p).await?
        });
        row.map(|s| from_json("runbook", &s)).transpose()
    }

    /// Changes a case's checklist (tick, reopen, hand-off) with its audit event.
    pub async fn change_runbook(
        &self,
        actor: &Actor,
        case_id: i64,
        action: &'static str,
        change: impl FnOnce(
            &mut RunbookChecklist,
        )
            -> std::result::Result<serde_json::Value, psirt_domain::DomainError>,
    ) -> Result<RunbookChecklist> {
        let now = self.now();
        with_tx!(self, tx => {
            let row: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT checklist FROM case_runbooks WHERE case_id = $1{}", self.for_update())))
                .bind(case_id).fetch_optional(&mut *tx).await?;
            let mut checklist: RunbookChecklist = from_json("runbook", &row.ok_or(StoreError::NotFound("runbook checklist"))?)?;
            let after = change(&mut checklist)?;
            sqlx::query("UPDATE case_runbooks SET checklist = $1, updated_at = $2 WHERE case_id = $3")
                .bind(to_json(&checklist)?).bind(now).bind(case_id).execute(&mut *tx).await?;
            audit!(tx, self, AuditDraft::new(actor, "case", case_id, action).after(after));
            Ok(checklist)
        })
    }
}
