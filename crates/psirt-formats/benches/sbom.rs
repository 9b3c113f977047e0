//! SBOM import throughput and memory at 100k components (`cargo bench -p psirt-formats`).
//!
//! Builds a synthetic CycloneDX 1.6 and an SPDX 2.3 document of 100,000 components from the real (name, version,
//! purl) entries of shared/data/sboms — deterministic (fixed seed, own PRNG) — and prints, per format:
//! components/s for parse-only (no schema validation) and for validate+parse, and the peak heap used by one
//! import (a counting global allocator), next to the document size.
// A measurement program: a failed fixture read may abort it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use psirt_formats::{parse_sbom, parse_sbom_bytes, ParseOptions};
use psirt_versions::Purl;
use serde_json::{json, Value};

const COMPONENTS: usize = 100_000;
/// Timed imports per measurement (median reported); SBOM_BENCH_RUNS overrides (profiling).
fn runs() -> usize {
    std::env::var("SBOM_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
}
const SEED: u64 = 0x5eed_b0b5_1234_5678;

struct Counting;
/// The psirt binary's allocator (crates/psirt/src/main.rs), counted: the figures are the product's.
static INNER: mimalloc::MiMalloc = mimalloc::MiMalloc;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Counting costs two atomic read-modify-writes per allocation (a tenth of an import's CPU time): the timed runs
/// turn it off, and the peak heap comes from one more, untimed, import. Allocations made while it is off are
/// freed while it is off (each timed import is dropped before counting resumes), so the balance stays exact.
static COUNTING: AtomicBool = AtomicBool::new(true);

// SAFETY: forwards to mimalloc unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { INNER.alloc(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { INNER.dealloc(ptr, layout) };
        if COUNTING.load(Relaxed) {
            CURRENT.fetch_sub(layout.size(), Relaxed);
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { INNER.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            if new_size > layout.size() {
                let now =
                    CURRENT.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// splitmix64: tiny, deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn hex(&mut self, bytes: usize) -> String {
        (0..bytes)
            .map(|_| format!("{:02x}", self.next() as u8))
            .collect()
    }
}

struct Entry {
    name: String,
    version: String,
    purl: Purl,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sboms")
}

/// Real (name, version, purl) entries of the shared SBOMs, in a fixed order.
fn real_entries() -> Vec<Entry> {
    let mut paths: Vec<PathBuf> = ["cyclonedx", "spdx"]
        .iter()
        .flat_map(|d| std::fs::read_dir(data_dir().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains(".bom.1.2."))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let sbom = parse_sbom_bytes(
            &std::fs::read(&p).unwrap(),
            &ParseOptions::default(),
            &mut |_| {},
        )
        .unwrap();
        for c in &sbom.components {
            if let (Some(purl), Some(version)) = (c.purl(), &c.version) {
                out.push(Entry {
                    name: c.name.clone(),
                    version: version.clone(),
                    purl: Purl::parse(purl).unwrap(),
                });
            }
        }
    }
    out
}

const LICENSES: [&str; 6] = [
    "MIT",
    "Apache-2.0",
    "BSD-3-Clause",
    "ISC",
    "GPL-2.0-only",
    "MIT OR Apache-2.0",
];

/// 100k (name, version, purl) picks; repeats get a distinct version (`<v>-s<n>`) so every purl is unique.
fn picks(entries: &[Entry], rng: &mut Rng) -> Vec<(String, String, String)> {
    (0..COMPONENTS)
        .map(|i| {
            let e = &entries[rng.below(entries.len())];
            let version = if i < entries.len() {
                e.version.clone()
            } else {
                format!("{}-s{i}", e.version)
            };
            let purl = e.purl.with_version(Some(&version)).to_string();
            (e.name.clone(), version, purl)
        })
        .collect()
}

fn cyclonedx(entries: &[Entry]) -> Vec<u8> {
    let mut rng = Rng(SEED);
    let picks = picks(entries, &mut rng);
    let components: Vec<Value> = picks
        .iter()
        .enumerate()
        .map(|(i, (name, version, purl))| {
            json!({"type": "library", "bom-ref": format!("c{i}"), "name": name, "version": version, "purl": purl,
                "hashes": [{"alg": "SHA-256", "content": rng.hex(32)}],
                "licenses": [{"license": {"id": LICENSES[rng.below(3)]}}]})
        })
        .collect();
    let dependencies: Vec<Value> = (0..COMPONENTS)
        .map(|i| {
            let deps: Vec<String> = if i == 0 {
                vec![]
            } else {
                (0..rng.below(4))
                    .map(|_| rng.below(i))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .map(|j| format!("c{j}"))
                    .collect()
            };
            json!({"ref": format!("c{i}"), "dependsOn": deps})
        })
        .collect();
    ordered(&[
        ("bomFormat", json!("CycloneDX")),
        ("specVersion", json!("1.6")),
        (
            "serialNumber",
            json!("urn:uuid:00000000-0000-4000-8000-000000000000"),
        ),
        ("version", json!(1)),
        (
            "metadata",
            json!({"timestamp": "2026-11-30T00:00:00Z",
            "component": {"type": "application", "name": "synthetic", "version": "1.0", "bom-ref": "root"}}),
        ),
        ("components", Value::Array(components)),
        ("dependencies", Value::Array(dependencies)),
    ])
}

/// A top-level object with its keys in the order generators write them (`json!` sorts them, which would put
/// `specVersion`/`spdxVersion` after the component arrays: real documents start with them).
fn ordered(fields: &[(&str, Value)]) -> Vec<u8> {
    let mut out = vec![b'{'];
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, k).unwrap();
        out.push(b':');
        serde_json::to_writer(&mut out, v).unwrap();
    }
    out.push(b'}');
    out
}

fn spdx(entries: &[Entry]) -> Vec<u8> {
    let mut rng = Rng(SEED);
    let picks = picks(entries, &mut rng);
    let packages: Vec<Value> = picks
        .iter()
        .enumerate()
        .map(|(i, (name, version, purl))| {
            let license = LICENSES[rng.below(LICENSES.len())];
            json!({"SPDXID": format!("SPDXRef-Package-{i}"), "name": name, "versionInfo": version,
                "downloadLocation": "NOASSERTION", "licenseConcluded": license, "licenseDeclared": license,
                "copyrightText": "NOASSERTION",
                "checksums": [{"algorithm": "SHA256", "checksumValue": rng.hex(32)}],
                "externalRefs": [
                    {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                     "referenceLocator": format!("cpe:2.3:a:{n}:{n}:{version}:*:*:*:*:*:*:*", n = name.replace([' ', ':', '/', '@'], "_"))},
                    {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]})
        })
        .collect();
    let mut relationships = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Package-0"}),
    ];
    for i in 1..COMPONENTS {
        for _ in 0..rng.below(4) {
            relationships.push(json!({"spdxElementId": format!("SPDXRef-Package-{i}"),
                "relationshipType": "DEPENDS_ON", "relatedSpdxElement": format!("SPDXRef-Package-{}", rng.below(i))}));
        }
    }
    ordered(&[
        ("spdxVersion", json!("SPDX-2.3")),
        ("dataLicense", json!("CC0-1.0")),
        ("SPDXID", json!("SPDXRef-DOCUMENT")),
        ("name", json!("synthetic")),
        ("documentNamespace", json!("https://example.com/synthetic")),
        (
            "creationInfo",
            json!({"created": "2026-11-30T00:00:00Z", "creators": ["Tool: psirt-bench"]}),
        ),
        ("packages", Value::Array(packages)),
        ("relationships", Value::Array(relationships)),
    ])
}

/// CPU time of this thread (Linux `/proc/thread-self/schedstat`, ns): on a shared machine wall time also counts
/// other processes' turns, CPU time does not.
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// Median wall and CPU time of the timed imports (allocation counting off), and the peak heap of one more import
/// above what was live before it.
fn measure(bytes: &[u8], validate: bool) -> (Duration, Duration, usize, usize) {
    let options = ParseOptions { validate };
    let runs = runs();
    let mut times = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    let mut count = 0;
    // Timed imports, allocation counting off.
    for _ in 0..runs {
        COUNTING.store(false, Relaxed);
        let (t, c) = (Instant::now(), cpu_time());
        let sbom = parse_sbom_bytes(bytes, &options, &mut |_| {}).unwrap();
        let (wall, cpu_used) = (t.elapsed(), cpu_time() - c);
        count = sbom.stats.components_in_document;
        drop(sbom);
        COUNTING.store(true, Relaxed);
        times.push(wall);
        cpu.push(cpu_used);
    }
    // One counted import for the peak heap.
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let sbom = parse_sbom_bytes(bytes, &options, &mut |_| {}).unwrap();
    let peak = PEAK.load(Relaxed) - base;
    drop(sbom);
    times.sort();
    cpu.sort();
    (times[runs / 2], cpu[runs / 2], count, peak)
}

/// The reader path (what the CLI uses): the input buffer is freed once parsed.
fn reader_peak(bytes: &[u8]) -> usize {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let sbom = parse_sbom(bytes, &ParseOptions::default(), &mut |_| {}).unwrap();
    let peak = PEAK.load(Relaxed) - base;
    let kept = CURRENT.load(Relaxed) - base;
    drop(sbom);
    println!(
        "    reader path, validated: peak heap {} (result kept: {})",
        mib(peak),
        mib(kept)
    );
    peak
}

fn mib(n: usize) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing and should not take minutes.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sbom bench: run with `cargo bench -p psirt-formats`");
        return;
    }
    // Profiling knobs: SBOM_BENCH_ONLY=cdx|spdx (one format), SBOM_BENCH_PARSE_ONLY=1 (skip validation),
    // SBOM_BENCH_NO_REFERENCE=1 (skip the serde_json reference timings).
    let only = std::env::var("SBOM_BENCH_ONLY").unwrap_or_default();
    let parse_only = std::env::var_os("SBOM_BENCH_PARSE_ONLY").is_some();
    let reference = std::env::var_os("SBOM_BENCH_NO_REFERENCE").is_none();
    let entries = real_entries();
    println!(
        "{} real (name, version, purl) entries from shared/data/sboms",
        entries.len()
    );
    psirt_formats::warm_up().unwrap();
    type Build = fn(&[Entry]) -> Vec<u8>;
    let docs: [(&str, &str, Build); 2] = [
        ("cdx", "CycloneDX 1.6", cyclonedx),
        ("spdx", "SPDX 2.3", spdx),
    ];
    for (id, label, build) in docs {
        if !only.is_empty() && only != id {
            continue;
        }
        let t = Instant::now();
        let doc = build(&entries);
        println!(
            "{label}: {COMPONENTS} components, {} of JSON (built in {:.1?})",
            mib(doc.len()),
            t.elapsed()
        );
        // What the machine does with the same bytes without us: a floor for parse-only, a yardstick for the rest.
        if reference {
            let t = Instant::now();
            let _: serde::de::IgnoredAny = serde_json::from_slice(&doc).unwrap();
            println!(
                "    reference: serde_json scan (IgnoredAny) {:.1?}",
                t.elapsed()
            );
            let t = Instant::now();
            let v: Value = serde_json::from_slice(&doc).unwrap();
            let parsed = t.elapsed();
            let t = Instant::now();
            drop(v);
            println!(
                "    reference: serde_json Value {parsed:.1?}, dropping it {:.1?}",
                t.elapsed()
            );
        }
        let modes: &[(&str, bool)] = if parse_only {
            &[("parse only", false)]
        } else {
            &[("parse only", false), ("validate+parse", true)]
        };
        for &(what, validate) in modes {
            let (median, cpu, count, peak) = measure(&doc, validate);
            // The SPDX document describes its first package: the subject, not a component.
            assert!(count + 1 >= COMPONENTS, "{count}");
            println!(
                "    {what:<15} wall {:>7.1} ms = {:>7.0} components/s | CPU {:>7.1} ms = {:>7.0} components/s | peak heap {} ({:.1}x the input)",
                median.as_secs_f64() * 1e3,
                COMPONENTS as f64 / median.as_secs_f64(),
                cpu.as_secs_f64() * 1e3,
                COMPONENTS as f64 / cpu.as_secs_f64(),
                mib(peak),
                peak as f64 / doc.len() as f64
            );
        }
        if !parse_only {
            reader_peak(&doc);
        }
    }
}
