//! Intake quality: possible duplicates of a report (against recent reports and cases), so the
//! triager links instead of re-triaging, and the reporter's history.

use std::collections::HashMap;

use psirt_domain::duplicates::{find_duplicates, DocKind, DupCandidate, DupConfig, DupDoc};
use psirt_domain::reporter_history::{reporter_key, ReporterProfile};
use serde::Serialize;

use crate::{Result, Store};

/// How many recent reports and cases are compared.
const WINDOW: i64 = 2_000;

/// A candidate with what the triager needs to judge it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    #[serde(flatten)]
    pub candidate: DupCandidate,
    pub title: String,
    /// `/reports/N` or `/cases/N`.
    pub path: String,
}

impl Store {
    /// Reports and cases that may describe the same vulnerability as report `report_id`,
    /// most likely first.
    pub async fn possible_duplicates(&self, report_id: i64) -> Result<Vec<Duplicate>> {
        let r = self.report(report_id).await?;
        let reports: Vec<(i64, String, String, String, String)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT id, title, description, product, reporter_email FROM reports WHERE id <> $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(report_id).bind(WINDOW).fetch_all(p).await?
        });
        let cases: Vec<(i64, String, String)> = with_pool!(self, p => {
            sqlx::query_as("SELECT id, title, description FROM cases ORDER BY id DESC LIMIT $1").bind(WINDOW).fetch_all(p).await?
        });
        let cwes: Vec<(i64, i64)> = with_pool!(self, p => {
            sqlx::query_as("SELECT case_id, cwe_id FROM case_cwes").fetch_all(p).await?
        });
        let products: Vec<(i64, String)> = with_pool!(self, p => {
            sqlx::query_as(
                "SELECT a.case_id, pr.name FROM affects a JOIN product_versions pv ON pv.id = a.product_version_id \
                 JOIN products pr ON pr.id = pv.product_id",
            )
            .fetch_all(p).await?
        });
        let mut case_cwes: HashMap<i64, Vec<u32>> = HashMap::new();
        for (c, w) in cwes {
            case_cwes
                .entry(c)
                .or_default()
                .extend(u32::try_from(w).ok());
        }
        let case_products: HashMap<i64, String> = products.into_iter().collect();
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let new = DupDoc {
            id: format!("report:{report_id}"),
            kind: DocKind::Report,
            title: r.title.clone(),
            body: format!("{}\n{}\n{}", r.description, r.steps_to_reproduce, r.impact),
            product: text(&r.product),
            cwe_ids: Vec::new(),
            reporter: text(&r.reporter_email).map(|e| reporter_key(&e)),
        };
        let mut titles = HashMap::new();
        let mut docs = Vec::with_capacity(reports.len() + cases.len());
        for (id, title, body, product, email) in reports {
            titles.insert(
                format!("report:{id}"),
                (title.clone(), format!("/reports/{id}")),
            );
            docs.push(DupDoc {
                id: format!("report:{id}"),
                kind: DocKind::Report,
                title,
                body,
                product: text(&product),
                cwe_ids: Vec::new(),
                reporter: text(&email).map(|e| reporter_key(&e)),
            });
        }
        for (id, title, body) in cases {
            titles.insert(
                format!("case:{id}"),
                (title.clone(), format!("/cases/{id}")),
            );
            docs.push(DupDoc {
                id: format!("case:{id}"),
                kind: DocKind::Case,
                title,
                body,
                product: case_products.get(&id).cloned(),
                cwe_ids: case_cwes.remove(&id).unwrap_or_default(),
                reporter: None,
            });
        }
        Ok(find_duplicates(&new, &docs, &DupConfig::default())
            .into_iter()
            .map(|candidate| {
                let (title, path) = titles.get(&candidate.id).cloned().unwrap_or_default();
                Duplicate {
                    candidate,
                    title,
                    path,
                }
            })
            .collect())
    }

    /// The history of the reporter of report `report_id` (by e-mail, else name).
    pub async fn reporter_history(&self, report_id: i64) -> Result<Option<ReporterProfile>> {
        let r = self.report(report_id).await?;
        let key = if r.reporter_email.trim().is_empty() {
            &r.reporter_name
        } else {
            &r.reporter_email
        };
        if key.trim().is_empty() {
            return Ok(None);
        }
        let key = reporter_key(key);
        Ok(self
            .reporter_profiles()
            .await?
            .into_iter()
            .find(|p| p.reporter == key))
    }
}
