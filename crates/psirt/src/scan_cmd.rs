//! `psirt scan FILE`: matches an SBOM against the local intel database without storing either,
//! and prints the findings (a table, JSON or SARIF 2.1.0). Exit status 1 when a component is
//! affected, so a release pipeline can gate on it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use psirt_domain::upstream::{same_vulnerability_groups, Named};
use psirt_formats::ParseOptions;
use psirt_server::engine::{advisory_inputs_for, Engine, EngineError};
use psirt_store::{Store, Vulnerability};
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
    /// The vulnerability: its CVE id when its records name one.
    pub vulnerability: String,
    pub aliases: Vec<String>,
    /// The advisory records that matched (several sources' records of one vulnerability are one finding).
    pub records: Vec<String>,
    pub summary: Option<String>,
    pub cvss_score: Option<f64>,
    pub exploited: bool,
    pub epss: Option<f64>,
    pub fixed_versions: Vec<String>,
}

/// What was scanned: components read, and those that could not be matched (and why).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanCoverage {
    pub components: usize,
    pub scanned: usize,
    pub without_purl: usize,
    pub without_version: usize,
    pub unreadable_purl: usize,
    /// Distro packages (Debian, Ubuntu, Alpine, AlmaLinux, Rocky) without the `distro` qualifier: OSV files their
    /// advisories per release, so they are matched only against the few filed without one — not counted as
    /// scanned, so that an SBOM of nothing else is no clean result.
    pub without_release: usize,
    /// Components whose purl type names no ecosystem with advisories (`pkg:generic`, `pkg:docker`, `pkg:oci`, …):
    /// nothing can match them.
    pub without_ecosystem: usize,
    /// Components of an ecosystem (or distro release) no imported advisory covers (only crates.io advisories
    /// imported, a Python SBOM scanned): nothing could match them.
    pub without_advisories: usize,
    /// Advisories (ids) the matcher refused, wholly or one of their records (ranges that do not parse): what was
    /// refused matches nothing.
    pub unusable_records: usize,
}

impl ScanCoverage {
    fn describe(&self) -> String {
        let mut out = format!("scanned {} of {} components", self.scanned, self.components);
        let skipped = [
            (self.without_purl, "without purl"),
            (self.without_version, "without version"),
            (self.unreadable_purl, "with a purl the matcher cannot read"),
            (
                self.without_ecosystem,
                "of a purl type no advisory source covers",
            ),
            (
                self.without_advisories,
                "of an ecosystem or release no imported advisory covers",
            ),
        ];
        let parts: Vec<String> = skipped
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, why)| format!("{n} {why}"))
            .collect();
        if !parts.is_empty() {
            out.push_str(&format!(" (not scanned: {})", parts.join(", ")));
        }
        if self.without_release > 0 {
            out.push_str(&format!(
                "; {} distro packages without a `distro` qualifier, matched only against advisories filed without a release",
                self.without_release
            ));
        }
        if self.unusable_records > 0 {
            out.push_str(&format!(
                "; {} advisories with records the matcher refused (ranges that do not parse)",
                self.unusable_records
            ));
        }
        out
    }
}

pub async fn scan(store: &Store, file: &Path) -> anyhow::Result<(Vec<ScanFinding>, ScanCoverage)> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let sbom = tokio::task::spawn_blocking(move || {
        psirt_formats::parse_sbom_bytes(&bytes, &ParseOptions::default(), &mut |_| {})
    })
    .await?
    .with_context(|| format!("{} is not an SBOM psirt can read", file.display()))?;
    let engine = Engine::load_advisories(store)
        .await
        .context("loading the intel database")?;
    // A database without usable package ranges finds nothing: a gate must not pass on that.
    if engine.index().stats().advisories == 0 {
        anyhow::bail!(
            "the intel database has no records with package ranges to match against ({} refused): import OSV (or CVE 5) feeds first (`psirt feeds import osv PATH`)",
            engine.skipped_records.len()
        );
    }
    let mut coverage = ScanCoverage {
        components: sbom.components.len(),
        unusable_records: engine.skipped_records.len(),
        ..ScanCoverage::default()
    };
    let covered = engine.index().ecosystems_with_advisories();
    // Each component's advisories first, then every advisory's records in one batch (not a query per advisory).
    let mut matched: Vec<(&psirt_formats::Component, &str, Vec<String>)> = Vec::new();
    for c in &sbom.components {
        let Some(purl) = c.purl() else {
            coverage.without_purl += 1;
            continue;
        };
        match engine.advisories_for(purl) {
            Ok(ids) => {
                if psirt_match::purl_without_ecosystem(purl) {
                    coverage.without_ecosystem += 1;
                } else if psirt_match::purl_lacks_release(purl) {
                    coverage.without_release += 1;
                } else if !psirt_match::purl_ecosystem(purl).is_some_and(|e| covered.contains(&e)) {
                    coverage.without_advisories += 1;
                } else {
                    coverage.scanned += 1;
                }
                if !ids.is_empty() {
                    matched.push((c, purl, ids));
                }
            }
            Err(EngineError::Match(psirt_match::Error::NoVersion(_))) => {
                coverage.without_version += 1;
            }
            Err(_) => coverage.unreadable_purl += 1,
        }
    }
    // Nothing scanned is not "nothing found".
    if coverage.components == 0 {
        anyhow::bail!(
            "{} lists no components: nothing was scanned (an SBOM from a failed or partial generator?)",
            file.display()
        );
    }
    if coverage.scanned == 0 && matched.is_empty() {
        anyhow::bail!("{}: no component could be matched", coverage.describe());
    }
    let ids: Vec<String> = matched
        .iter()
        .flat_map(|(_, _, ids)| ids.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let views = store.vulnerabilities(&ids).await?;
    let inputs = advisory_inputs_for(store, &ids).await?;
    let mut findings = Vec::new();
    for (c, purl, ids) in matched {
        // The purl's version, as the SBOM names the package (the component's own field may lack it).
        let version = psirt_versions::Purl::parse_lenient(purl)
            .ok()
            .and_then(|p| p.version().map(str::to_owned))
            .or_else(|| c.version.clone())
            .unwrap_or_default();
        for group in vulnerability_groups(&ids, &views) {
            findings.push(group_finding(&group, &views, |id| {
                inputs
                    .get(id)
                    .map(|input| psirt_match::fixed_versions(input, purl).unwrap_or_default())
                    .unwrap_or_default()
            }));
            let last = findings.len() - 1;
            findings[last].purl = purl.to_owned();
            findings[last].name = c.name.clone();
            findings[last].version = version.clone();
        }
    }
    Ok((findings, coverage))
}

/// A component's matched ids by vulnerability, as the upstream queue groups them: the GHSA, PYSEC and CVE records of
/// one CVE are one finding (one SARIF rule and alert), a record naming two CVEs stays its own.
fn vulnerability_groups(
    ids: &[String],
    views: &BTreeMap<String, Vulnerability>,
) -> Vec<Vec<String>> {
    let names: Vec<(&str, Vec<String>)> = ids
        .iter()
        .map(|id| {
            let aliases = views.get(id).map_or_else(Vec::new, |v| {
                v.own_names(id)
                    .into_iter()
                    .skip(1)
                    .map(str::to_owned)
                    .collect()
            });
            (id.as_str(), aliases)
        })
        .collect();
    let named: Vec<Named<'_>> = names
        .iter()
        .map(|(id, aliases)| Named { id, aliases })
        .collect();
    same_vulnerability_groups(&named)
}

/// One finding for the matched records `group` of one vulnerability (package fields left for the caller): named by
/// its CVE when its records name exactly one (else by its first id), its other names as aliases; the highest CVSS
/// and EPSS, exploited when any record says so, every fixed version any record gives. A matched id whose record
/// vanished since the match (a concurrent import) is still a finding, with what is known: a gate must not pass on
/// it.
fn group_finding(
    group: &[String],
    views: &BTreeMap<String, Vulnerability>,
    fixed: impl Fn(&str) -> Vec<String>,
) -> ScanFinding {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut own_names: BTreeSet<String> = BTreeSet::new();
    let mut facts = Vec::new();
    let mut fixed_versions: Vec<String> = Vec::new();
    for id in group {
        own_names.insert(id.clone());
        if let Some(v) = views.get(id) {
            names.extend(v.ids.iter().cloned());
            own_names.extend(v.own_names(id).into_iter().map(str::to_owned));
            facts.push(v.own_facts(id));
        }
        for f in fixed(id) {
            if !fixed_versions.contains(&f) {
                fixed_versions.push(f);
            }
        }
    }
    let cves: Vec<&String> = own_names.iter().filter(|n| n.starts_with("CVE-")).collect();
    let vulnerability = match cves.as_slice() {
        [cve] => (*cve).clone(),
        _ => group.first().cloned().unwrap_or_default(),
    };
    names.extend(own_names);
    names.extend(group.iter().cloned());
    names.remove(&vulnerability);
    ScanFinding {
        purl: String::new(),
        name: String::new(),
        version: String::new(),
        aliases: names.into_iter().collect(),
        records: group.to_vec(),
        summary: facts.iter().find_map(|f| f.summary.clone()),
        cvss_score: facts.iter().filter_map(|f| f.cvss_score).reduce(f64::max),
        exploited: facts.iter().any(|f| f.exploited),
        epss: facts.iter().filter_map(|f| f.epss).reduce(f64::max),
        fixed_versions,
        vulnerability,
    }
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

/// SARIF level: error when known exploited (a fresh KEV entry often has no CVSS score yet, and a gate that stops
/// on errors must stop on it) or from CVSS 7.0 (high), warning from 4.0 and when no score is known (most Go and
/// OSS-Fuzz advisories carry none: as notes, a gate or filter on warnings let every one through), else note.
fn level(f: &ScanFinding) -> &'static str {
    match f.cvss_score {
        _ if f.exploited => "error",
        Some(s) if s >= 7.0 => "error",
        Some(s) if s >= 4.0 => "warning",
        None => "warning",
        Some(_) => "note",
    }
}

/// osv.dev's page of an advisory, for ids written as OSV writes them (`GHSA-…`, `CVE-…`, `PYSEC-…`): a CSAF
/// document's tracking id ("Example Company - 2019-YH3234") has no page there, and would not be a valid URI.
fn help_uri(id: &str) -> Option<String> {
    let osv_like = id.contains('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'));
    osv_like.then(|| format!("https://osv.dev/vulnerability/{}", encode_segment(id)))
}

/// The SBOM file as a SARIF `artifactLocation` (SARIF 2.1.0 §3.4: `uri` a valid URI reference): inside a git
/// checkout, its path from the checkout's root against `%SRCROOT%` (what code-scanning services resolve a relative
/// reference against: a path relative to the current directory would name another file when psirt runs in a
/// subfolder); elsewhere a `file:` URL.
fn artifact_location(file: &Path) -> Value {
    let absolute = std::fs::canonicalize(file).or_else(|_| std::path::absolute(file));
    if let Ok(absolute) = absolute {
        let root = absolute
            .ancestors()
            .skip(1)
            .find(|dir| dir.join(".git").exists());
        if let Some(relative) = root.and_then(|root| absolute.strip_prefix(root).ok()) {
            return relative_reference(relative);
        }
        if let Ok(url) = url::Url::from_file_path(&absolute) {
            return json!({"uri": url.as_str()});
        }
    }
    relative_reference(file)
}

/// A relative path as a reference from `%SRCROOT%`, percent-encoded segment by segment.
fn relative_reference(relative: &Path) -> Value {
    let segments: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(encode_segment(&s.to_string_lossy())),
            std::path::Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect();
    json!({"uri": segments.join("/"), "uriBaseId": "%SRCROOT%"})
}

/// RFC 3986 percent-encoding of everything but unreserved characters (so `:` cannot read as a scheme, nor `#`,
/// `?` or `%` as anything but text).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable identity per (rule, package): code-scanning services merge results with equal fingerprints, and
/// without one every finding of a rule in the same file would be one alert. The package without its version, so
/// that an upgrade still affected stays the same alert.
fn fingerprint(f: &ScanFinding) -> String {
    use sha2::{Digest, Sha256};
    // Qualifiers (`?`) and subpath (`#`) stay; the version is after the last `@` of the last path segment (a
    // scope such as npm's `@babel` may be written unencoded before it).
    let end = f.purl.find(['?', '#']).unwrap_or(f.purl.len());
    let (path, tail) = f.purl.split_at(end);
    let segment = path.rfind('/').map_or(0, |i| i + 1);
    let package = match path[segment..].rfind('@') {
        Some(at) => format!("{}{tail}", &path[..segment + at]),
        None => f.purl.clone(),
    };
    let mut h = Sha256::new();
    h.update(f.vulnerability.as_bytes());
    h.update([0]);
    h.update(package.as_bytes());
    hex::encode(h.finalize())
}

pub fn sarif(findings: &[ScanFinding], coverage: &ScanCoverage, file: &Path) -> Value {
    // One rule per vulnerability, from all its findings: its packages may have met different records of it
    // (another source's summary, aliases, score), and the rule says the most of them (the highest score).
    let mut by_vulnerability: BTreeMap<&str, Vec<&ScanFinding>> = BTreeMap::new();
    for f in findings {
        by_vulnerability
            .entry(&f.vulnerability)
            .or_default()
            .push(f);
    }
    let rules: Vec<Value> = by_vulnerability
        .iter()
        .map(|(id, all)| {
            let mut aliases: Vec<&str> = all
                .iter()
                .flat_map(|f| f.aliases.iter().map(String::as_str))
                .collect();
            aliases.sort_unstable();
            aliases.dedup();
            let mut properties = json!({
                "tags": ["security", "vulnerability"],
                "aliases": aliases,
            });
            // A number as text, or absent: GitHub refuses the whole file for a `null` here.
            if let Some(s) = all.iter().filter_map(|f| f.cvss_score).reduce(f64::max) {
                properties["security-severity"] = json!(format!("{s:.1}"));
            }
            let summary = all.iter().find_map(|f| f.summary.as_deref()).unwrap_or(id);
            let mut rule = json!({
                "id": id,
                "shortDescription": {"text": summary},
                "properties": properties,
            });
            if let Some(uri) = help_uri(id) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let location = artifact_location(file);
    // One result per (rule, package): the package's versions in one SBOM (a vendored second copy, two services'
    // dependencies) are one alert — results with equal fingerprints are one result (SARIF §3.27.17), so separate
    // ones would lose all but one version.
    let mut packages: Vec<(String, Vec<&ScanFinding>)> = Vec::new();
    for f in findings {
        let print = fingerprint(f);
        match packages.iter_mut().find(|(p, _)| *p == print) {
            Some((_, same)) => same.push(f),
            None => packages.push((print, vec![f])),
        }
    }
    let results: Vec<Value> = packages
        .iter()
        .map(|(print, same)| {
            let mut fixed: Vec<&str> = Vec::new();
            for v in same.iter().flat_map(|f| &f.fixed_versions) {
                if !fixed.contains(&v.as_str()) {
                    fixed.push(v);
                }
            }
            let fix = if fixed.is_empty() {
                String::from("no fixed version known")
            } else {
                format!("fixed in {}", fixed.join(", "))
            };
            let first = same[0];
            let versions: Vec<&str> = same.iter().map(|f| f.version.as_str()).collect();
            let level = same
                .iter()
                .map(|f| level(f))
                .max_by_key(|l| ["note", "warning", "error"].iter().position(|x| x == l))
                .unwrap_or("note");
            json!({
                "ruleId": first.vulnerability,
                "level": level,
                "message": {"text": format!(
                    "{} {} {} affected by {} ({fix})",
                    first.name,
                    versions.join(", "),
                    if versions.len() > 1 { "are" } else { "is" },
                    first.vulnerability
                )},
                "locations": [{
                    "physicalLocation": {"artifactLocation": location},
                    "logicalLocations": same.iter().map(|f| json!({"name": f.purl, "kind": "package"})).collect::<Vec<_>>(),
                }],
                "partialFingerprints": {"psirtPackageVulnerability/v1": print},
                "properties": {
                    "exploited": same.iter().any(|f| f.exploited),
                    "epss": same.iter().filter_map(|f| f.epss).reduce(f64::max),
                },
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
                "rules": rules,
            }},
            "results": results,
            "properties": {"coverage": coverage},
        }],
    })
}

/// Prints the findings; `true` when something is affected.
pub async fn run(store: &Store, file: PathBuf, format: ScanFormat) -> anyhow::Result<bool> {
    let (findings, coverage) = scan(store, &file).await?;
    // On stderr, so the JSON and SARIF on stdout stay what they are.
    eprintln!("{}", coverage.describe());
    let out = match format {
        ScanFormat::Table if findings.is_empty() => {
            format!("no known vulnerabilities in {}\n", file.display())
        }
        ScanFormat::Table => format!("{}{} findings\n", table(&findings), findings.len()),
        ScanFormat::Json => serde_json::to_string_pretty(&findings)? + "\n",
        ScanFormat::Sarif => {
            serde_json::to_string_pretty(&sarif(&findings, &coverage, &file))? + "\n"
        }
    };
    write_out(&mut std::io::stdout().lock(), &out)?;
    Ok(!findings.is_empty())
}

/// Writes the report. A reader that went away (`psirt scan … | head`) is not an error: the exit code still says
/// whether something is affected (`println!` would panic, exit 101, and a gate would read that as a crash).
fn write_out(w: &mut impl Write, text: &str) -> anyhow::Result<()> {
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader is gone (or that fails otherwise) after `room` bytes.
    struct Closed {
        room: usize,
        kind: std::io::ErrorKind,
    }

    impl Write for Closed {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(self.kind.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_report_quietly_and_other_write_errors_fail() {
        let pipe = |kind| Closed { room: 4, kind };
        assert!(write_out(&mut pipe(std::io::ErrorKind::BrokenPipe), "GHSA-1 GHSA-2\n").is_ok());
        assert!(write_out(
            &mut pipe(std::io::ErrorKind::StorageFull),
            "GHSA-1 GHSA-2\n"
        )
        .is_err());
        let mut all = Vec::new();
        write_out(&mut all, "GHSA-1\n").unwrap();
        assert_eq!(all, b"GHSA-1\n");
    }

    fn finding(vulnerability: &str, cvss_score: Option<f64>, exploited: bool) -> ScanFinding {
        ScanFinding {
            purl: "pkg:pypi/jinja2@2.10".into(),
            name: "jinja2".into(),
            version: "2.10".into(),
            aliases: Vec::new(),
            summary: None,
            cvss_score,
            exploited,
            epss: None,
            fixed_versions: Vec::new(),
            records: vec![vulnerability.into()],
            vulnerability: vulnerability.into(),
        }
    }

    #[test]
    fn a_known_exploited_finding_is_an_error_whatever_its_score() {
        let sarif_level = |f: ScanFinding| {
            let doc = sarif(&[f], &ScanCoverage::default(), Path::new("sbom.json"));
            doc["runs"][0]["results"][0]["level"].clone()
        };
        assert_eq!(sarif_level(finding("CVE-2099-1", None, true)), "error");
        assert_eq!(sarif_level(finding("CVE-2099-1", Some(3.1), true)), "error");
        assert_eq!(sarif_level(finding("CVE-2099-1", None, false)), "warning");
        assert_eq!(sarif_level(finding("CVE-2099-1", Some(3.9), false)), "note");
        assert_eq!(
            sarif_level(finding("CVE-2099-1", Some(5.0), false)),
            "warning"
        );
        assert_eq!(
            sarif_level(finding("CVE-2099-1", Some(7.0), false)),
            "error"
        );
    }

    #[test]
    fn only_osv_style_ids_link_to_osv_dev() {
        let rule = |id: &str| {
            let doc = sarif(
                &[finding(id, None, false)],
                &ScanCoverage::default(),
                Path::new("sbom.json"),
            );
            doc["runs"][0]["tool"]["driver"]["rules"][0].clone()
        };
        assert_eq!(
            rule("GHSA-29mw-wpgm-hmr9")["helpUri"],
            "https://osv.dev/vulnerability/GHSA-29mw-wpgm-hmr9"
        );
        assert_eq!(
            rule("ALSA-2023:1234")["helpUri"],
            "https://osv.dev/vulnerability/ALSA-2023%3A1234"
        );
        let csaf = rule("Example Company - 2019-YH3234");
        assert_eq!(csaf["id"], "Example Company - 2019-YH3234");
        assert!(csaf.get("helpUri").is_none(), "{csaf}");
    }

    #[test]
    fn a_relative_sbom_path_is_an_encoded_reference_from_the_source_root() {
        let loc = relative_reference(Path::new("build/sboms/app 1:2#x%.json"));
        assert_eq!(loc["uri"], "build/sboms/app%201%3A2%23x%25.json");
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            relative_reference(Path::new("../sbom.json"))["uri"],
            "../sbom.json"
        );
    }

    #[test]
    fn an_sbom_in_a_checkout_is_named_from_the_checkout_root_else_by_a_file_url() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("build/sboms")).unwrap();
        let inside = repo.join("build/sboms/app 1.json");
        std::fs::write(&inside, "{}").unwrap();
        // However it is named (here from a subfolder, through `..`): from the root, not from where psirt ran.
        let roundabout = repo.join("build/sboms/../sboms/app 1.json");
        for file in [&inside, &roundabout] {
            let loc = artifact_location(file);
            assert_eq!(loc["uri"], "build/sboms/app%201.json", "{loc}");
            assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        }
        let outside = dir.path().join("sbom.json");
        std::fs::write(&outside, "{}").unwrap();
        let loc = artifact_location(&outside);
        let uri = loc["uri"].as_str().unwrap_or_default();
        assert!(
            uri.starts_with("file:///") && uri.ends_with("/sbom.json"),
            "{loc}"
        );
        assert!(loc.get("uriBaseId").is_none(), "{loc}");
    }

    #[test]
    fn the_versions_of_one_package_are_one_result_of_their_rule() {
        let at = |version: &str, fixed: &[&str], exploited: bool| ScanFinding {
            purl: format!("pkg:pypi/requests@{version}"),
            name: "requests".into(),
            version: version.into(),
            fixed_versions: fixed.iter().map(|f| f.to_string()).collect(),
            ..finding("CVE-2023-32681", Some(6.1), exploited)
        };
        let doc = sarif(
            &[
                at("2.27.1", &["2.31.0"], false),
                at("2.28.1", &["2.31.0"], true),
                finding("CVE-2099-1", None, false),
            ],
            &ScanCoverage::default(),
            Path::new("sbom.json"),
        );
        let results = doc["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(results.len(), 2, "{doc}");
        let r = &results[0];
        assert_eq!(
            r["message"]["text"],
            "requests 2.27.1, 2.28.1 are affected by CVE-2023-32681 (fixed in 2.31.0)"
        );
        assert_eq!(
            r["locations"][0]["logicalLocations"],
            json!([
                {"name": "pkg:pypi/requests@2.27.1", "kind": "package"},
                {"name": "pkg:pypi/requests@2.28.1", "kind": "package"}
            ])
        );
        // The most severe of them: one version is known exploited.
        assert_eq!(r["level"], "error");
        assert_eq!(r["properties"]["exploited"], true);
        assert_eq!(results[1]["ruleId"], "CVE-2099-1");
    }

    /// Two packages met different records of one vulnerability: its rule has what all of them say.
    #[test]
    fn a_rule_says_what_all_the_findings_of_its_vulnerability_say() {
        let doc = sarif(
            &[
                ScanFinding {
                    aliases: vec!["GHSA-aaaa-bbbb-cccc".into()],
                    summary: None,
                    ..finding("CVE-2099-7", Some(5.3), false)
                },
                ScanFinding {
                    purl: "pkg:npm/jinja@1.0.0".into(),
                    aliases: vec!["GHSA-dddd-eeee-ffff".into(), "GHSA-aaaa-bbbb-cccc".into()],
                    summary: Some("Template injection".into()),
                    ..finding("CVE-2099-7", Some(9.8), false)
                },
            ],
            &ScanCoverage::default(),
            Path::new("sbom.json"),
        );
        let rules = &doc["runs"][0]["tool"]["driver"]["rules"];
        assert_eq!(rules.as_array().map(Vec::len), Some(1), "{doc}");
        let rule = &rules[0];
        assert_eq!(rule["properties"]["security-severity"], "9.8");
        assert_eq!(
            rule["properties"]["aliases"],
            json!(["GHSA-aaaa-bbbb-cccc", "GHSA-dddd-eeee-ffff"])
        );
        assert_eq!(rule["shortDescription"]["text"], "Template injection");
    }

    #[test]
    fn a_fingerprint_names_the_package_not_its_version() {
        let finding = |purl: &str, vulnerability: &str| ScanFinding {
            purl: purl.into(),
            name: String::new(),
            version: String::new(),
            vulnerability: vulnerability.into(),
            aliases: Vec::new(),
            summary: None,
            cvss_score: None,
            exploited: false,
            epss: None,
            fixed_versions: Vec::new(),
            records: Vec::new(),
        };
        let print = |purl, v| fingerprint(&finding(purl, v));
        let jar = "pkg:maven/org.x/y@1.0?type=jar";
        assert_eq!(
            print(jar, "GHSA-1"),
            print("pkg:maven/org.x/y@1.1?type=jar", "GHSA-1")
        );
        assert_ne!(
            print(jar, "GHSA-1"),
            print("pkg:maven/org.x/y@1.0?type=pom", "GHSA-1")
        );
        assert_ne!(print(jar, "GHSA-1"), print(jar, "GHSA-2"));
        assert_ne!(
            print(jar, "GHSA-1"),
            print("pkg:maven/org.x/z@1.0?type=jar", "GHSA-1")
        );
        // A scope written unencoded is part of the package.
        let babel = print("pkg:npm/@babel/core@7.0.0", "GHSA-1");
        assert_eq!(babel, print("pkg:npm/@babel/core@7.1.0", "GHSA-1"));
        assert_ne!(babel, print("pkg:npm/@babel/traverse@7.0.0", "GHSA-1"));
    }
}
