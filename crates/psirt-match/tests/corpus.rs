//! The engine on real data against an independent reference.
//!
//! Intel: the whole shared OSV corpus (`feeds/osv/*.jsonl.gz`). Inventory: every purl of the real SBOMs
//! (`sboms/`: CycloneDX `components[].purl`, nested components included; SPDX `packages[].externalRefs[]` of
//! type purl), one product version per SBOM, plus one product version of probe purls built from the corpus itself
//! (every event version and listed version of every package of the ecosystems the reference covers: both sides of
//! every bound), since the SBOMs and the corpus share few ecosystems.
//!
//! Reference: `tests/oracle/osv_match.py`, one process for the whole batch: its own purl parsing and name
//! normalisation, PyPI `packaging` (PEP 440) and `univers` (Go, SemVer, Composer, RPM) versions, and the OSV
//! schema's evaluation pseudo-code, for PyPI, Go, crates.io, Bitnami, Packagist and AlmaLinux. As in
//! psirt-versions' oracle test, a missing reference fails the test with the install command (CI installs it:
//! `.ci/run`). Every remaining difference is accepted only by a rule below that names the ecosystem rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use psirt_match::{AdvisoryInput, AffectedInput, ComponentInput, Index};
use psirt_versions::{OsvAffectedRanges, Purl};
use serde_json::{json, Value};

/// `/work/shared/data` as seen from this crate: `<crate>/../../../shared/data`.
fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn sorted_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(data_dir().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn osv_records(path: &PathBuf) -> Vec<Value> {
    let f = std::fs::File::open(path).unwrap();
    BufReader::new(flate2::read::GzDecoder::new(f))
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

/// An OSV record as the engine's input.
fn advisory(rec: &Value) -> AdvisoryInput {
    let affected = rec["affected"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let ecosystem = a["package"]["ecosystem"].as_str().unwrap().to_string();
            let ranges: OsvAffectedRanges = serde_json::from_value(json!({
                "ecosystem": ecosystem,
                "ranges": a.get("ranges").cloned().unwrap_or(json!([])),
                "versions": a.get("versions").cloned().unwrap_or(json!([])),
            }))
            .unwrap_or_else(|e| panic!("{}: {e}", rec["id"]));
            AffectedInput {
                ecosystem,
                name: a["package"]["name"].as_str().unwrap().to_string(),
                ranges,
            }
        })
        .collect();
    AdvisoryInput {
        id: rec["id"].as_str().unwrap().to_string(),
        aliases: serde_json::from_value(rec.get("aliases").cloned().unwrap_or(json!([]))).unwrap(),
        modified: rec["modified"].as_str().unwrap_or("").to_string(),
        affected,
    }
}

/// CycloneDX `components[].purl` (nested `components` too) and SPDX `packages[].externalRefs[]` purls.
fn sbom_purls(v: &Value, out: &mut Vec<String>) {
    for c in v["components"].as_array().into_iter().flatten() {
        if let Some(p) = c["purl"].as_str() {
            out.push(p.to_string());
        }
        sbom_purls(c, out);
    }
    for p in v["packages"].as_array().into_iter().flatten() {
        for r in p["externalRefs"].as_array().into_iter().flatten() {
            if r["referenceType"] == "purl" {
                if let Some(l) = r["referenceLocator"].as_str() {
                    out.push(l.to_string());
                }
            }
        }
    }
}

/// Percent-encode what would break a purl's structure.
fn enc(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | ':' | '+') {
            o.push(c);
        } else {
            let mut b = [0; 4];
            for x in c.encode_utf8(&mut b).bytes() {
                o.push_str(&format!("%{x:02X}"));
            }
        }
    }
    o
}

/// A probe purl for (OSV ecosystem, name, version) of the ecosystems the reference covers.
fn probe_purl(ecosystem: &str, name: &str, version: &str) -> Option<String> {
    let (base, release) = ecosystem.split_once(':').unwrap_or((ecosystem, ""));
    let path = |n: &str| n.split('/').map(enc).collect::<Vec<_>>().join("/");
    let v = enc(version);
    Some(match base {
        "PyPI" => format!("pkg:pypi/{}@{v}", enc(name)),
        "Go" => format!("pkg:golang/{}@{v}", path(name)),
        "crates.io" => format!("pkg:cargo/{}@{v}", enc(name)),
        "Bitnami" => format!("pkg:bitnami/{}@{v}", enc(name)),
        "Packagist" => format!("pkg:composer/{}@{v}", path(name)),
        "AlmaLinux" => format!(
            "pkg:rpm/almalinux/{}@{v}?distro=almalinux-{release}",
            enc(name)
        ),
        _ => return None,
    })
}

const ORACLE_FILES: &[&str] = &[
    "PyPI.jsonl.gz",
    "Go.jsonl.gz",
    "crates.io.jsonl.gz",
    "Bitnami.jsonl.gz",
    "Packagist.jsonl.gz",
    "AlmaLinux.jsonl.gz",
];

/// Probe versions per (OSV ecosystem with release, package name): every event and listed version.
type Probes = BTreeMap<(String, String), BTreeSet<String>>;

fn probes(records: &[Value], out: &mut Probes) {
    for rec in records {
        for a in rec["affected"].as_array().into_iter().flatten() {
            let eco = a["package"]["ecosystem"].as_str().unwrap_or("").to_string();
            let name = a["package"]["name"].as_str().unwrap_or("").to_string();
            let versions = out.entry((eco, name)).or_default();
            for r in a["ranges"].as_array().into_iter().flatten() {
                if r["type"] == "GIT" {
                    continue;
                }
                for e in r["events"].as_array().into_iter().flatten() {
                    for v in e.as_object().unwrap().values().filter_map(Value::as_str) {
                        if v != "0" && v != "*" {
                            versions.insert(v.to_string());
                        }
                    }
                }
            }
            // Long `versions` lists (PyPI lists every release): a few suffice.
            for v in a["versions"].as_array().into_iter().flatten().take(4) {
                versions.insert(v.as_str().unwrap_or("").to_string());
            }
        }
    }
}

/// Probe purls: per package at most [`PROBES_PER_PACKAGE`] of its versions, spread evenly (the kernel has
/// hundreds of advisories and versions; evaluating all of them in Python would take minutes).
fn probe_purls(probes: &Probes) -> Vec<String> {
    let mut out = BTreeSet::new();
    for ((eco, name), versions) in probes {
        let vs: Vec<&String> = versions.iter().filter(|v| !v.is_empty()).collect();
        let step = vs.len().div_ceil(PROBES_PER_PACKAGE).max(1);
        for v in vs.iter().step_by(step) {
            if let Some(p) = probe_purl(eco, name, v) {
                out.insert(p);
            }
        }
    }
    out.into_iter().collect()
}

const PROBES_PER_PACKAGE: usize = 12;

struct Oracle {
    findings: BTreeSet<(String, String)>,
    evaluated: BTreeSet<String>,
    unsupported: usize,
    rejected: Vec<(String, String)>,
}

fn oracle(advisories: &[Value], purls: &[String]) -> Oracle {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/osv_match.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3: {e} (install Python 3)"));
    let input = serde_json::to_vec(&json!({"advisories": advisories, "purls": purls})).unwrap();
    if let Ok(dump) = std::env::var("PSIRT_ORACLE_DUMP") {
        std::fs::write(dump, &input).unwrap();
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle failed{}: {}",
        if out.status.code() == Some(3) {
            " (reference missing)"
        } else {
            ""
        },
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pair = |x: &Value| {
        (
            x[0].as_str().unwrap().to_string(),
            x[1].as_str().unwrap().to_string(),
        )
    };
    Oracle {
        findings: v["findings"].as_array().unwrap().iter().map(pair).collect(),
        evaluated: v["evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect(),
        unsupported: v["unsupported"].as_u64().unwrap() as usize,
        rejected: v["rejected"].as_array().unwrap().iter().map(pair).collect(),
    }
}

/// A known, explained difference: its reason, or `None`. No rule is needed at present: on every purl both sides
/// evaluate, the engine and the reference agree exactly. A rule added here must name the ecosystem rule.
fn accepted(_purl: &str, _engine_only: bool) -> Option<&'static str> {
    None
}

#[test]
fn sboms_against_osv_corpus_match_the_reference() {
    // Intel: the whole corpus.
    let mut index = Index::new();
    let mut oracle_advisories = Vec::new();
    let mut probe_set = Probes::new();
    let (mut records, mut failures) = (0usize, Vec::new());
    for path in sorted_files("feeds/osv") {
        let recs = osv_records(&path);
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        let covered = ORACLE_FILES.contains(&file.as_str());
        for rec in &recs {
            records += 1;
            match index.upsert_advisory(advisory(rec)) {
                Ok(changes) => failures.extend(changes.skipped.iter().map(ToString::to_string)),
                Err(e) => failures.push(e.to_string()),
            }
            if covered {
                oracle_advisories.push(json!({
                    "id": rec["id"],
                    "affected": rec["affected"].as_array().into_iter().flatten().map(|a| json!({
                        "ecosystem": a["package"]["ecosystem"],
                        "name": a["package"]["name"],
                        "ranges": a.get("ranges").cloned().unwrap_or(json!([])),
                        "versions": a.get("versions").cloned().unwrap_or(json!([])),
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        if covered {
            probes(&recs, &mut probe_set);
        }
    }
    assert!(
        failures.is_empty(),
        "{} advisories rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let stats = index.stats();
    eprintln!(
        "corpus: {records} records, {} compiled entries",
        stats.entries
    );
    assert!(records > 25_000 && stats.entries > 60_000);

    // Inventory: one product version per SBOM, one of probes.
    let mut by_component: BTreeMap<i64, String> = BTreeMap::new();
    let mut next_id = 1i64;
    let mut invalid = 0usize;
    let mut sbom_purl_count = 0usize;
    let mut pv = 0i64;
    let mut add = |index: &mut Index, pv: i64, purls: Vec<String>, invalid: &mut usize| {
        let mut comps = Vec::new();
        for p in purls {
            if Purl::parse_lenient(&p).is_err() {
                *invalid += 1;
                continue;
            }
            by_component.insert(next_id, p.clone());
            comps.push(ComponentInput {
                component_id: next_id,
                product_version_id: pv,
                purl: p,
            });
            next_id += 1;
        }
        index.set_product_version_components(pv, &comps).unwrap();
    };
    for dir in ["sboms/cyclonedx", "sboms/spdx"] {
        for f in sorted_files(dir) {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let mut purls = Vec::new();
            sbom_purls(&v, &mut purls);
            sbom_purl_count += purls.len();
            pv += 1;
            add(&mut index, pv, purls, &mut invalid);
        }
    }
    let probe_purls = probe_purls(&probe_set);
    add(&mut index, 1000, probe_purls.clone(), &mut invalid);
    eprintln!(
        "inventory: {pv} SBOMs with {sbom_purl_count} purls ({invalid} invalid purls skipped), {} probe purls; {:?}",
        probe_purls.len(),
        index.stats()
    );
    assert!(sbom_purl_count > 8_000);

    let t = std::time::Instant::now();
    // The engine's findings, three ways: re-match on 1 and 2 threads, and the materialised lists.
    let rematch = index.rematch_all(2);
    let ours: BTreeSet<(String, String)> = rematch
        .iter()
        .map(|m| {
            (
                by_component[&m.component_id].clone(),
                m.advisory_id.to_string(),
            )
        })
        .collect();
    let mut materialised = BTreeSet::new();
    for p in (1..=pv).chain([1000]) {
        for m in index.advisories_for_product_version(p) {
            materialised.insert((
                by_component[&m.component_id].clone(),
                m.advisory_id.to_string(),
            ));
        }
    }
    assert_eq!(
        ours, materialised,
        "re-match differs from the materialised matches"
    );
    assert_eq!(rematch.len(), index.rematch_all(1).len());
    eprintln!("engine: {} matches, {:.1?}", rematch.len(), t.elapsed());
    // Point queries agree on a sample.
    let mut by_purl: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (p, a) in &ours {
        by_purl.entry(p).or_default().insert(a.clone());
    }
    for p in by_component.values().step_by(97) {
        let want = by_purl.get(p.as_str()).cloned().unwrap_or_default();
        let got: BTreeSet<String> = index.advisories_for(p).map_or_else(
            |_| BTreeSet::new(),
            |v| v.iter().map(|a| a.to_string()).collect(),
        );
        assert_eq!(got, want, "advisories_for({p})");
    }

    // The reference, over every distinct purl.
    let all_purls: Vec<String> = by_component
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let t = std::time::Instant::now();
    let reference = oracle(&oracle_advisories, &all_purls);
    eprintln!("reference: {:.1?}", t.elapsed());
    let ours_cmp: BTreeSet<(String, String)> = ours
        .iter()
        .filter(|(p, _)| reference.evaluated.contains(p))
        .cloned()
        .collect();
    let sbom_findings = ours_cmp
        .iter()
        .filter(|(p, _)| probe_purls.binary_search(p).is_err())
        .count();
    let mut diffs = Vec::new();
    let mut explained: BTreeMap<&str, usize> = BTreeMap::new();
    for (p, a) in ours_cmp.symmetric_difference(&reference.findings) {
        let in_ours = ours_cmp.contains(&(p.clone(), a.clone()));
        match accepted(p, in_ours) {
            Some(why) => *explained.entry(why).or_default() += 1,
            None => diffs.push(format!(
                "{p} {a}: {}",
                if in_ours {
                    "engine only"
                } else {
                    "reference only"
                }
            )),
        }
    }
    let mut rejected_by: BTreeMap<String, usize> = BTreeMap::new();
    for (_, why) in &reference.rejected {
        *rejected_by
            .entry(why.split(" version").next().unwrap_or(why).to_string())
            .or_default() += 1;
    }
    eprintln!(
        "reference: {} purls evaluated, {} unsupported ecosystems, {} rejected {rejected_by:?}; findings: reference {}, \
         engine {} ({sbom_findings} on SBOM purls); explained differences {explained:?}",
        reference.evaluated.len(),
        reference.unsupported,
        reference.rejected.len(),
        reference.findings.len(),
        ours_cmp.len(),
    );
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs[..diffs.len().min(60)].join("\n")
    );
    assert!(
        reference.evaluated.len() > 20_000,
        "too few purls evaluated"
    );
    assert!(reference.findings.len() > 10_000, "too few findings");
}
