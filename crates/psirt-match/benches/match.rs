//! Benchmark of the index on data built from the shared OSV corpus (deterministic, seeded).
//!
//! Intel: the real records (every ecosystem file), scaled to ~200k advisories by cloning them under new package
//! names (`<name>-c<k>`): each clone copies a real record's ranges, and all advisories of a package are cloned
//! together, so the distributions of ranges per advisory and advisories per package are the corpus's.
//! Inventory: real (package, version) pairs from the corpus: every event and listed version of every package and
//! its neighbours on both sides (last number ±1), 10% of components from packages no advisory names; grouped into
//! ~2,000 products whose versions drift (each later product version replaces a growing share of its components
//! with other versions of the same packages).
//!
//! Sizes (component instances): `PSIRT_BENCH_SIZES=10k,100k,1m,5m` (default all). Each size runs in a child
//! process of this binary, so that its peak RSS (VmHWM) is its own. At the smallest size the engine's finding set
//! is first checked against a naive evaluation (every instance × every entry of its package through
//! `psirt_versions::CompiledAffected::contains_str`).
//!
//! Then the peers (module `peers`): PyPI `osv`/`univers` and `cargo-audit`, each on the same data as psirt, with
//! their time / psirt's time and a gate on the finding set (`PSIRT_BENCH_PEERS=0` skips them; an empty
//! `PSIRT_BENCH_SIZES=` runs only them).
//!
//! `cargo bench -p psirt-match` (release build).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark may panic

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use psirt_match::{AdvisoryInput, AffectedInput, ComponentInput, Index, PackageKey};
use psirt_versions::{CompiledAffected, OsvAffectedRanges};

/// The psirt binary's allocator: peak RSS and times are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use serde_json::{json, Value};

mod peers;

const TARGET_ADVISORIES: usize = 200_000;
const PRODUCTS: usize = 2_000;
const SAMPLES: usize = 10_000;

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn peak_rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time of this process so far (user + system), from /proc/self/stat (clock ticks of 10 ms): on a shared
/// machine wall time alone does not say whether a slowdown was ours.
pub(crate) fn cpu_time() -> Duration {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// One real `affected[]` entry, kept as parts so clones can rename the package.
struct RealAffected {
    ecosystem: String,
    name: String,
    ranges: OsvAffectedRanges,
}

struct RealRecord {
    id: String,
    aliases: Vec<String>,
    modified: String,
    affected: Vec<RealAffected>,
}

/// The corpus's records as the product indexes them: withdrawn records are left out (the store never hands them to
/// the engine), as cargo-audit skips withdrawn RustSec advisories.
fn load_corpus() -> Vec<RealRecord> {
    let mut files: Vec<_> = std::fs::read_dir(data_dir().join("feeds/osv"))
        .expect("shared/data/feeds/osv")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let f = std::fs::File::open(&path).unwrap();
        for line in BufReader::new(flate2::read::GzDecoder::new(f)).lines() {
            let rec: Value = serde_json::from_str(&line.unwrap()).unwrap();
            if rec.get("withdrawn").is_some_and(|w| !w.is_null()) {
                continue;
            }
            let affected = rec["affected"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    let ecosystem = a["package"]["ecosystem"].as_str().unwrap().to_string();
                    let ranges = serde_json::from_value(json!({
                        "ecosystem": ecosystem,
                        "ranges": a.get("ranges").cloned().unwrap_or(json!([])),
                        "versions": a.get("versions").cloned().unwrap_or(json!([])),
                    }))
                    .unwrap();
                    RealAffected {
                        ecosystem,
                        name: a["package"]["name"].as_str().unwrap().to_string(),
                        ranges,
                    }
                })
                .collect();
            out.push(RealRecord {
                id: rec["id"].as_str().unwrap().to_string(),
                aliases: rec["aliases"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect(),
                modified: rec["modified"].as_str().unwrap_or("").to_string(),
                affected,
            });
        }
    }
    out
}

fn clone_name(name: &str, k: usize) -> String {
    if k == 0 {
        name.to_string()
    } else {
        format!("{name}-c{k}")
    }
}

fn advisory(r: &RealRecord, k: usize) -> AdvisoryInput {
    AdvisoryInput {
        id: if k == 0 {
            r.id.clone()
        } else {
            format!("{}~c{k}", r.id)
        },
        aliases: Vec::new(),
        modified: r.modified.clone(),
        affected: r
            .affected
            .iter()
            .map(|a| AffectedInput {
                ecosystem: a.ecosystem.clone(),
                name: clone_name(&a.name, k),
                ranges: a.ranges.clone(),
            })
            .collect(),
    }
}

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

/// The purl of (OSV ecosystem, name, version); `None` for ecosystems without a purl type here.
fn purl(ecosystem: &str, name: &str, version: &str) -> Option<String> {
    let (base, release) = ecosystem.split_once(':').unwrap_or((ecosystem, ""));
    let path = |n: &str| n.split('/').map(enc).collect::<Vec<_>>().join("/");
    let v = enc(version);
    Some(match base {
        "PyPI" => format!("pkg:pypi/{}@{v}", enc(name)),
        "Go" => format!("pkg:golang/{}@{v}", path(name)),
        "crates.io" => format!("pkg:cargo/{}@{v}", enc(name)),
        "Bitnami" => format!("pkg:bitnami/{}@{v}", enc(name)),
        "Packagist" => format!("pkg:composer/{}@{v}", path(name)),
        "Julia" => format!(
            "pkg:julia/{}@{v}?uuid=00000000-0000-0000-0000-000000000000",
            enc(name)
        ),
        "Hackage" => format!("pkg:hackage/{}@{v}", enc(name)),
        "CRAN" => format!("pkg:cran/{}@{v}", enc(name)),
        "AlmaLinux" => format!(
            "pkg:rpm/almalinux/{}@{v}?distro=almalinux-{release}",
            enc(name)
        ),
        _ => return None,
    })
}

/// The last digit run of `v` plus `d` (`1.2.3` → `1.2.4`), if it stays non-negative.
fn bump(v: &str, d: i64) -> Option<String> {
    let b = v.as_bytes();
    let end = b.iter().rposition(u8::is_ascii_digit)? + 1;
    let start = b[..end]
        .iter()
        .rposition(|c| !c.is_ascii_digit())
        .map_or(0, |p| p + 1);
    let n: i64 = v[start..end].parse().ok()?;
    let m = n.checked_add(d).filter(|m| *m >= 0)?;
    Some(format!("{}{m}{}", &v[..start], &v[end..]))
}

/// A package of the inventory pool: OSV ecosystem and name, and real versions around its bounds.
struct PoolPkg {
    ecosystem: String,
    name: String,
    versions: Vec<String>,
}

fn pool(records: &[RealRecord]) -> Vec<PoolPkg> {
    let mut by: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for r in records {
        for a in &r.affected {
            if purl(&a.ecosystem, &a.name, "1").is_none() {
                continue;
            }
            let vs = by.entry((a.ecosystem.clone(), a.name.clone())).or_default();
            for rg in &a.ranges.ranges {
                for e in &rg.events {
                    let v = match e {
                        psirt_versions::Event::Introduced(v)
                        | psirt_versions::Event::Fixed(v)
                        | psirt_versions::Event::LastAffected(v)
                        | psirt_versions::Event::Limit(v) => v,
                    };
                    if v == "0" || v == "*" {
                        continue;
                    }
                    vs.insert(v.clone());
                    vs.extend(bump(v, -1));
                    vs.extend(bump(v, 1));
                }
            }
            vs.extend(a.ranges.versions.iter().take(4).cloned());
        }
    }
    let mut out: Vec<PoolPkg> = by
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|((ecosystem, name), v)| PoolPkg {
            ecosystem,
            name,
            versions: v.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| (&a.ecosystem, &a.name).cmp(&(&b.ecosystem, &b.name)));
    out
}

/// A drawn component: pool package (or unknown), clone number, version index.
#[derive(Clone, Copy)]
enum Draw {
    Known { pkg: usize, k: usize, ver: usize },
    Unknown { name: usize, ver: usize },
}

fn draw(rng: &mut Rng, pool: &[PoolPkg], copies: usize) -> Draw {
    if rng.below(10) == 0 {
        Draw::Unknown {
            name: rng.below(5_000),
            ver: rng.below(20),
        }
    } else {
        let pkg = rng.below(pool.len());
        Draw::Known {
            pkg,
            k: rng.below(copies),
            ver: rng.below(pool[pkg].versions.len()),
        }
    }
}

fn draw_purl(d: Draw, pool: &[PoolPkg]) -> (String, Option<(String, String)>) {
    match d {
        Draw::Known { pkg, k, ver } => {
            let p = &pool[pkg];
            let name = clone_name(&p.name, k);
            (
                purl(&p.ecosystem, &name, &p.versions[ver]).unwrap(),
                Some((p.ecosystem.clone(), name)),
            )
        }
        Draw::Unknown { name, ver } => (format!("pkg:npm/unknown-pkg-{name}@1.{ver}.0"), None),
    }
}

/// The inventory: products × versions × components, generated on the fly (5M purls are not held in memory).
struct Inventory {
    /// Base component draws per product.
    bases: Vec<Vec<Draw>>,
    versions_per_product: usize,
    seed: u64,
}

impl Inventory {
    fn new(size: usize, pool: &[PoolPkg], copies: usize) -> Inventory {
        let per_pv = (size / (PRODUCTS * 5)).clamp(5, 500);
        let pvs = (size / per_pv).max(1);
        let products = PRODUCTS.min(pvs);
        let versions_per_product = pvs.div_ceil(products);
        let mut rng = Rng(0xB0B0 ^ size as u64);
        let bases = (0..products)
            .map(|_| (0..per_pv).map(|_| draw(&mut rng, pool, copies)).collect())
            .collect();
        Inventory {
            bases,
            versions_per_product,
            seed: size as u64,
        }
    }

    fn product_versions(&self) -> usize {
        self.bases.len() * self.versions_per_product
    }

    /// Product version `pv` (0-based): its base with drift: version j replaces ~10%·j of the components by
    /// other versions of the same packages.
    fn components(
        &self,
        pv: usize,
        pool: &[PoolPkg],
        next_id: &mut i64,
    ) -> Vec<(ComponentInput, Draw)> {
        let (p, j) = (
            pv / self.versions_per_product,
            pv % self.versions_per_product,
        );
        let mut rng = Rng(self.seed.wrapping_mul(31).wrapping_add(pv as u64));
        self.bases[p]
            .iter()
            .map(|&d| {
                let d = match d {
                    Draw::Known { pkg, k, .. } if rng.below(10) < j => Draw::Known {
                        pkg,
                        k,
                        ver: rng.below(pool[pkg].versions.len()),
                    },
                    d => d,
                };
                let (purl, _) = draw_purl(d, pool);
                *next_id += 1;
                (
                    ComponentInput {
                        component_id: *next_id,
                        product_version_id: pv as i64 + 1,
                        purl,
                    },
                    d,
                )
            })
            .collect()
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

/// One size: `gate` builds the same data and index and checks the engine's findings (full re-match at 1 and 2
/// threads) against the naive evaluation, printing no timing; otherwise the figures, in a process of their own (the
/// gate's data would count in their peak RSS).
fn run_size(size: usize, gate: bool) {
    let t = Instant::now();
    let records = load_corpus();
    let real_entries: usize = records.iter().map(|r| r.affected.len()).sum();
    let copies = TARGET_ADVISORIES.div_ceil(records.len());
    let pool = pool(&records);
    println!(
        "[{size}] corpus: {} records, {real_entries} affected entries, {} inventory packages; loaded in {:.2?}; RSS {:.0} MiB",
        records.len(),
        pool.len(),
        t.elapsed(),
        rss_mib()
    );

    // Intel.
    let mut index = Index::new();
    let t = Instant::now();
    let mut n = 0;
    'outer: for k in 0..copies {
        for r in &records {
            if n == TARGET_ADVISORIES {
                break 'outer;
            }
            index.upsert_advisory(advisory(r, k)).unwrap();
            n += 1;
        }
    }
    let intel_time = t.elapsed();
    let rss_intel = rss_mib();

    // Inventory.
    let inv = Inventory::new(size, &pool, copies);
    let t = Instant::now();
    let mut next_id = 0i64;
    let mut sample_purls = Vec::new();
    let mut rng = Rng(42);
    let mut all_components = Vec::new(); // only kept for the naive gate
    for pv in 0..inv.product_versions() {
        let comps = inv.components(pv, &pool, &mut next_id);
        let plain: Vec<ComponentInput> = comps.iter().map(|(c, _)| c.clone()).collect();
        for c in &plain {
            if rng.below(size / SAMPLES + 1) == 0 && sample_purls.len() < SAMPLES {
                sample_purls.push(c.purl.clone());
            }
        }
        index
            .set_product_version_components(pv as i64 + 1, &plain)
            .unwrap();
        if gate {
            all_components.extend(comps);
        }
    }
    let inv_time = t.elapsed();
    if gate {
        naive_gate(size, &index, &records, copies, &all_components, &pool);
        return;
    }
    let stats = index.stats();
    println!(
        "[{size}] index build: intel {} advisories in {intel_time:.2?} (RSS {rss_intel:.0} MiB), inventory {} instances \
         / {} product versions / {} distinct package versions in {inv_time:.2?}; total {:.2?}",
        stats.advisories,
        stats.component_instances,
        stats.product_versions,
        stats.package_versions,
        intel_time + inv_time
    );

    // advisory → affected product versions.
    let ids: Vec<String> = {
        let mut rng = Rng(7);
        (0..SAMPLES)
            .map(|_| {
                let i = rng.below(TARGET_ADVISORIES);
                let (k, r) = (i / records.len(), &records[i % records.len()]);
                advisory(r, k).id
            })
            .collect()
    };
    let mut lat = Vec::with_capacity(ids.len());
    let mut hits = 0usize;
    let mut pv_total = 0usize;
    for id in &ids {
        let t = Instant::now();
        let pvs = index.affected_product_versions(id).unwrap();
        lat.push(t.elapsed());
        hits += usize::from(!pvs.is_empty());
        pv_total += pvs.len();
    }
    lat.sort();
    println!(
        "[{size}] advisory → product versions: {} queries ({hits} with matches, {pv_total} product versions in all): \
         p50 {} p99 {} max {}",
        lat.len(),
        us(pct(&lat, 0.5)),
        us(pct(&lat, 0.99)),
        us(pct(&lat, 1.0))
    );
    let mut lat = Vec::with_capacity(ids.len());
    for id in &ids {
        let t = Instant::now();
        let m = index.advisory_matches(id).unwrap();
        lat.push(t.elapsed());
        std::hint::black_box(m);
    }
    lat.sort();
    println!(
        "[{size}] advisory → components + product versions (advisory_matches): p50 {} p99 {}",
        us(pct(&lat, 0.5)),
        us(pct(&lat, 0.99)),
    );

    // purl@version → advisories.
    let mut lat = Vec::with_capacity(sample_purls.len());
    let mut found = 0usize;
    for p in &sample_purls {
        let t = Instant::now();
        let a = index.advisories_for(p).unwrap();
        lat.push(t.elapsed());
        found += a.len();
    }
    // Where the slow queries go: result sizes of the slowest 1%, and the purl parse + key alone.
    let mut by_lat: Vec<(Duration, usize)> = lat
        .iter()
        .zip(&sample_purls)
        .map(|(d, p)| (*d, index.advisories_for(p).unwrap().len()))
        .collect();
    by_lat.sort();
    let slow = &by_lat[by_lat.len() * 99 / 100..];
    let slow_results = slow.iter().map(|x| x.1).sum::<usize>() as f64 / slow.len().max(1) as f64;
    let mut parse_lat = Vec::with_capacity(sample_purls.len());
    for p in &sample_purls {
        let t = Instant::now();
        let k = psirt_versions::Purl::parse_lenient(p).map(|x| PackageKey::from_purl(&x));
        parse_lat.push(t.elapsed());
        std::hint::black_box(k).ok();
    }
    parse_lat.sort();
    lat.sort();
    println!(
        "[{size}] purl@version → advisories: {} queries ({found} advisories): p50 {} p99 {} max {} \
         (slowest 1%: {slow_results:.1} advisories per answer on average; purl parse + key alone p50 {} p99 {})",
        lat.len(),
        us(pct(&lat, 0.5)),
        us(pct(&lat, 0.99)),
        us(pct(&lat, 1.0)),
        us(pct(&parse_lat, 0.5)),
        us(pct(&parse_lat, 0.99)),
    );

    // Full re-match.
    println!(
        "[{size}] RSS with the index built: {:.0} MiB (corpus inputs included)",
        rss_mib()
    );
    for threads in [1, 2, 1, 2] {
        let (t, c) = (Instant::now(), cpu_time());
        let m = index.rematch_all(threads);
        let (el, cpu) = (t.elapsed(), cpu_time() - c);
        println!(
            "[{size}] rematch_all({threads}): {} matches in {el:.3?} wall, {cpu:.2?} CPU",
            m.len()
        );
        drop(m);
    }
    println!(
        "[{size}] peak RSS (VmHWM) {:.0} MiB (after intel {rss_intel:.0} MiB, corpus inputs included)",
        peak_rss_mib()
    );
}

/// Every instance × every entry of its package (by the OSV key it was drawn from), evaluated with
/// `CompiledAffected::contains_str`, must give the engine's finding set, from its full re-match at 1 and at 2
/// threads alike.
fn naive_gate(
    size: usize,
    index: &Index,
    records: &[RealRecord],
    copies: usize,
    comps: &[(ComponentInput, Draw)],
    pool: &[PoolPkg],
) {
    let t = Instant::now();
    let mut by_key: HashMap<PackageKey, Vec<(String, CompiledAffected)>> = HashMap::new();
    let mut n = 0;
    'outer: for k in 0..copies {
        for r in records {
            if n == TARGET_ADVISORIES {
                break 'outer;
            }
            n += 1;
            let a = advisory(r, k);
            for e in &a.affected {
                let Ok(key) = PackageKey::from_osv(&e.ecosystem, &e.name) else {
                    continue;
                };
                let Ok(c) = CompiledAffected::compile(&e.ranges) else {
                    continue;
                };
                by_key.entry(key).or_default().push((a.id.clone(), c));
            }
        }
    }
    let mut naive = BTreeSet::new();
    for (c, d) in comps {
        let (_, origin) = draw_purl(*d, pool);
        let Some((eco, name)) = origin else { continue };
        let key = PackageKey::from_osv(&eco, &name).unwrap();
        let version = match d {
            Draw::Known { pkg, ver, .. } => &pool[*pkg].versions[*ver],
            Draw::Unknown { .. } => continue,
        };
        for (id, ca) in by_key.get(&key).into_iter().flatten() {
            if ca.contains_str(version).unwrap_or(false) {
                naive.insert((c.component_id, id.clone()));
            }
        }
    }
    for threads in [1, 2] {
        let engine: BTreeSet<(i64, String)> = index
            .rematch_all(threads)
            .into_iter()
            .map(|m| (m.component_id, m.advisory_id.to_string()))
            .collect();
        let only_engine: Vec<_> = engine.difference(&naive).take(10).collect();
        let only_naive: Vec<_> = naive.difference(&engine).take(10).collect();
        assert!(
            only_engine.is_empty() && only_naive.is_empty(),
            "[{size}] rematch_all({threads}) and naive evaluation differ: engine only {only_engine:?}, naive only \
             {only_naive:?}"
        );
    }
    println!(
        "[{size}] correctness gate: rematch_all(1) = rematch_all(2) = naive evaluation ({} findings over {} \
         instances), checked in {:.2?}",
        naive.len(),
        comps.len(),
        t.elapsed()
    );
}

fn parse_size(s: &str) -> usize {
    let s = s.trim().to_ascii_lowercase();
    let (num, mul) = match s.strip_suffix('m') {
        Some(n) => (n, 1_000_000),
        None => match s.strip_suffix('k') {
            Some(n) => (n, 1_000),
            None => (s.as_str(), 1),
        },
    };
    num.parse::<usize>()
        .unwrap_or_else(|_| panic!("bad size {s:?} in PSIRT_BENCH_SIZES"))
        * mul
}

fn main() {
    if let Ok(child) = std::env::var("PSIRT_BENCH_CHILD") {
        let (size, gate) = child.split_once(',').unwrap();
        run_size(parse_size(size), gate == "gate");
        return;
    }
    let sizes: Vec<usize> = std::env::var("PSIRT_BENCH_SIZES")
        .unwrap_or_else(|_| "10k,100k,1m,5m".into())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(parse_size)
        .collect();
    // Every size is gated (`PSIRT_BENCH_GATE=smallest` gates the smallest only, for a quicker run), each in a
    // process before its figures', which are printed only once it passed.
    let gate_all = std::env::var("PSIRT_BENCH_GATE").as_deref() != Ok("smallest");
    let smallest = sizes.iter().copied().min().unwrap_or(0);
    let exe = std::env::current_exe().unwrap();
    for &size in &sizes {
        let modes: &[&str] = if gate_all || size == smallest {
            &["gate", "time"]
        } else {
            &["time"]
        };
        for mode in modes {
            let status = std::process::Command::new(&exe)
                .env("PSIRT_BENCH_CHILD", format!("{size},{mode}"))
                .status()
                .unwrap();
            assert!(status.success(), "size {size} ({mode}) failed");
        }
    }
    if std::env::var("PSIRT_BENCH_PEERS").as_deref() != Ok("0") {
        peers::run(&load_corpus());
    }
}
