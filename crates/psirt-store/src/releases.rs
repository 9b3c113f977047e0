//! Security patch release plans: a planned date for a product version line and the cases it
//! fixes. The plan is built into psirt-domain's `ReleasePlan`, which warns when the date is
//! later than a case's remediation clock and drafts the release notes; backports go to the
//! product's supported lines (current and previous two minors by default).

use psirt_domain::deadline::ClockKind;
use psirt_domain::release::{
    backport_targets, BackportPolicy, PlanWarning, PlannedFix, ReleasePlan, VersionLine,
};
use psirt_domain::{DomainError, FieldError};
use serde::Serialize;
use serde_json::json;
use time::Date;

use crate::audit::AuditDraft;
use crate::{Actor, Result, Store, StoreError};

/// A stored plan with what the domain derives from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReleasePlan {
    pub id: i64,
    pub product_version_id: i64,
    pub plan: ReleasePlan,
    pub warnings: Vec<PlanWarning>,
    /// The latest date that keeps every remediation clock.
    pub latest_on_time_date: Option<String>,
    /// Supported lines of the product the fixes go to (backports).
    pub backport_targets: Vec<VersionLine>,
    pub release_notes: String,
}

impl Store {
    pub async fn create_release_plan(
        &self,
        actor: &Actor,
        product_version_id: i64,
        planned_date: Date,
        case_ids: &[i64],
    ) -> Result<StoredReleasePlan> {
        let pv = self.product_version(product_version_id).await?;
        if pv.version.parse::<VersionLine>().is_err() {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "product_version_id",
                format!("`{}` is not a MAJOR.MINOR version line", pv.version),
            )])
            .into());
        }
        for &c in case_ids {
            self.case(c).await?;
        }
        let now = self.now();
        let id = with_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO release_plans (product_version_id, planned_date, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
            )
            .bind(product_version_id).bind(planned_date).bind(now)
            .fetch_one(&mut *tx).await?;
            for &c in case_ids {
                sqlx::query("INSERT INTO release_plan_cases (plan_id, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id).bind(c).execute(&mut *tx).await?;
            }
            audit!(tx, self, AuditDraft::new(actor, "product_version", product_version_id, "release_plan.create")
                .after(json!({"plan": id, "planned_date": planned_date.to_string(), "cases": case_ids})));
            id
        });
        self.release_plan(id).await
    }

    pub async fn release_plan(&self, id: i64) -> Result<StoredReleasePlan> {
        let row: Option<(i64, Date)> = with_pool!(self, p => {
            sqlx::query_as("SELECT product_version_id, planned_date FROM release_plans WHERE id = $1").bind(id).fetch_optional(p).await?
        });
        let (pv_id, planned_date) = row.ok_or(StoreError::NotFound("release plan"))?;
        let pv = self.product_version(pv_id).await?;
        let product = self.product(pv.product_id).await?;
        let case_ids: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT case_id FROM release_plan_cases WHERE plan_id = $1 ORDER BY case_id").bind(id).fetch_all(p).await?
        });
        let mut fixes = Vec::with_capacity(case_ids.len());
        for c in case_ids {
            let case = self.case(c).await?;
            let sla_due = self
                .case_clocks(c)
                .await?
                .iter()
                .find(|k| {
                    k.clock.kind() == ClockKind::Remediate && k.clock.completed_at().is_none()
                })
                .map(|k| k.clock.due_at());
            fixes.push(PlannedFix {
                case_id: format!("CASE-{c}"),
                title: case.title,
                cve_ids: Vec::new(),
                severity: case.severity,
                sla_due,
            });
        }
        let plan = ReleasePlan {
            product: product.name,
            version_line: pv
                .version
                .parse()
                .map_err(|e: DomainError| StoreError::Corrupt(e.to_string()))?,
            planned_date,
            fixes,
        };
        let today = self.now().date();
        let maintained: Vec<VersionLine> = self
            .product_versions(pv.product_id)
            .await?
            .iter()
            .filter(|v| v.support_ends_on.is_none_or(|d| d >= today))
            .filter_map(|v| v.version.parse().ok())
            .collect();
        Ok(StoredReleasePlan {
            id,
            product_version_id: pv_id,
            warnings: plan.warnings(),
            latest_on_time_date: plan.latest_on_time_date().map(|d| d.to_string()),
            backport_targets: backport_targets(&maintained, &BackportPolicy::default()),
            release_notes: plan.release_notes(),
            plan,
        })
    }

    pub async fn release_plans(&self, product_version_id: i64) -> Result<Vec<StoredReleasePlan>> {
        let ids: Vec<i64> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT id FROM release_plans WHERE product_version_id = $1 ORDER BY planned_date, id")
                .bind(product_version_id).fetch_all(p).await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.release_plan(id).await?);
        }
        Ok(out)
    }
}
