//! `psirt scan FILE`: matches an SBOM against the local intel database without storing either,
//! and prints the findings (a table, JSON or SARIF 2.1.0). Exit status 1 when a component is
//! affected, so a release pipeline can gate on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use psirt_formats::ParseOptions;
use psirt_server::engine::Engine;
use psirt_store::Store;
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanFinding {
    pub purl: String,
    pub name: String,
    pub version: String,
    pub vulnerability: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub cvss_score: Option<f64>,
    pub exploited: bool,
    pub epss: Option<f64>,
    pub fixed_versions: Vec<String>,
}

/// `fixed` events of the record's affected packages naming this package (by versionless purl).
fn fixed_versions(normalized: &str, purl: &str) -> Vec<String> {
    let package = purl.split('@').next().unwrap_or(purl).to_lowercase();
    let Ok(v) = serde_json::from_str::<Value>(normalized) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in v["affected"].as_array().into_iter().flatten() {
        let same = a["purl"]
            .as_str()
            .is_some_and(|p| p.split('@').next().unwrap_or(p).to_lowercase() == package);
        if !same {
            continue;
        }
        for r in a["ranges"]["ranges"].as_array().into_iter().flatten() {
            for e in r["events"].as_array().into_iter().flatten() {
                if let Some(f) = e["fixed"].as_str() {
                    if !out.iter().any(|x| x == f) {
                        out.push(f.to_owned());
                    }
                }
            }
        }
    }
    out
}

pub async fn scan(store: &Store, file: &Path) -> anyhow::Result<Vec<ScanFinding>> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let sbom = tokio::task::spawn_blocking(move || {
        psirt_formats::parse_sbom_bytes(&bytes, &ParseOptions::default(), &mut |_| {})
    })
    .await?
    .with_context(|| format!("{} is not an SBOM psirt can read", file.display()))?;
    let engine = Engine::load_advisories(store)
        .await
        .context("loading the intel database")?;
    let mut findings = Vec::new();
    let mut views = BTreeMap::new();
    for c in &sbom.components {
        let Some(purl) = c.purl() else {
            continue;
        };
        // Components without a version or with a purl the matcher cannot read cannot be matched.
        let Ok(ids) = engine.advisories_for(purl) else {
            continue;
        };
        for id in ids {
            if !views.contains_key(&id) {
                views.insert(id.clone(), store.vulnerability(&id).await?);
            }
            let Some(Some(v)) = views.get(&id) else {
                continue;
            };
            let own = v.records.iter().find(|r| r.record_id == id);
            findings.push(ScanFinding {
                purl: purl.to_owned(),
                name: c.name.clone(),
                version: c.version.clone().unwrap_or_default(),
                aliases: v.ids.iter().filter(|i| **i != id).cloned().collect(),
                summary: own.and_then(|r| r.summary.clone()),
                cvss_score: v.cvss_score,
                exploited: v.exploited,
                epss: v.epss.iter().map(|e| e.score).reduce(f64::max),
                fixed_versions: own
                    .map(|r| fixed_versions(&r.normalized, purl))
                    .unwrap_or_default(),
                vulnerability: id,
            });
        }
    }
    Ok(findings)
}

fn table(findings: &[ScanFinding]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<60} {:<22} {:>5} {:>3} {:>6}  {}\n",
        "PACKAGE", "VULNERABILITY", "CVSS", "KEV", "EPSS", "FIXED IN"
    ));
    for f in findings {
        out.push_str(&format!(
            "{:<60} {:<22} {:>5} {:>3} {:>6}  {}\n",
            f.purl,
            f.vulnerability,
            f.cvss_score.map_or("-".into(), |s| format!("{s:.1}")),
            if f.exploited { "yes" } else { "" },
            f.epss.map_or("-".into(), |e| format!("{e:.3}")),
            f.fixed_versions.join(", ")
        ));
    }
    out
}

/// SARIF level from CVSS: error from 7.0 (high), warning from 4.0, else note.
fn level(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 7.0 => "error",
        Some(s) if s >= 4.0 => "warning",
        _ => "note",
    }
}

pub fn sarif(findings: &[ScanFinding], file: &Path) -> Value {
    let mut rules = BTreeMap::new();
    for f in findings {
        rules.entry(f.vulnerability.clone()).or_insert_with(|| {
            json!({
                "id": f.vulnerability,
                "shortDescription": {"text": f.summary.clone().unwrap_or_else(|| f.vulnerability.clone())},
                "helpUri": format!("https://osv.dev/vulnerability/{}", f.vulnerability),
                "properties": {
                    "security-severity": f.cvss_score.map(|s| format!("{s:.1}")),
                    "tags": ["security", "vulnerability"],
                    "aliases": f.aliases,
                },
            })
        });
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let fix = if f.fixed_versions.is_empty() {
                String::from("no fixed version known")
            } else {
                format!("fixed in {}", f.fixed_versions.join(", "))
            };
            json!({
                "ruleId": f.vulnerability,
                "level": level(f.cvss_score),
                "message": {"text": format!("{} {} is affected by {} ({fix})", f.name, f.version, f.vulnerability)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": file.display().to_string()}},
                    "logicalLocations": [{"name": f.purl, "kind": "package"}],
                }],
                "properties": {"exploited": f.exploited, "epss": f.epss},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "psirt",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/psirt/psirt",
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// Prints the findings; `true` when something is affected.
pub async fn run(store: &Store, file: PathBuf, format: ScanFormat) -> anyhow::Result<bool> {
    let findings = scan(store, &file).await?;
    match format {
        ScanFormat::Table => {
            if findings.is_empty() {
                println!("no known vulnerabilities in {}", file.display());
            } else {
                print!("{}", table(&findings));
                println!("{} findings", findings.len());
            }
        }
        ScanFormat::Json => println!("{}", serde_json::to_string_pretty(&findings)?),
        ScanFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&sarif(&findings, &file))?
        ),
    }
    Ok(!findings.is_empty())
}
