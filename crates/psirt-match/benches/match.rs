//! Benchmark of the index on data built from the shared OSV corpus (deterministic, seeded).
//!
//! Intel: the real records (every ecosystem file), scaled to ~200k advisories by cloning them under new package
//! names (`<name>-c<k>`): each clone copies a real record's ranges, and all advisories of a package are cloned
//! together, so the distributions of ranges per advisory and advisories per package are the corpus's.
//! Inventory: the corpus's packages at versions on both sides of every range bound — each event's version (as the
//! corpus writes it), its neighbours (last number ±1; below a last number 0 the nearest non-zero number less one,
//! `2.0.0` → `1.0.0`), and listed versions —, 10% of components from packages no advisory names; grouped into ~2,000
//! products whose versions drift (each later product version replaces a growing share of its components with other
//! versions of the same packages). A package's clones are drawn only among those holding all its advisories.
//!
//! Sizes (component instances): `PSIRT_BENCH_SIZES=10k,100k,1m,5m` (default all). Each size runs in a child
//! process of this binary, so that its peak RSS (VmHWM) is its own. Each size's figures are printed only after a
//! gate in a process of its own: the engine's finding set (full re-match at 1 and 2 threads) and its answers to the
//! sampled queries equal a naive evaluation's — every instance × every entry of its package, by the OSV schema's
//! pseudo-code written out over `psirt_versions::Version`'s order (not the engine's compiled ranges).
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
use psirt_versions::{Ecosystem, Event, OsvAffectedRanges, Version};

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

/// A version below `v` when its last number is 0: the nearest non-zero number less one, the later ones kept
/// (`2.0.0` → `1.0.0`, `1.10.0` → `1.9.0`); `None` when every number is 0.
fn below_zero(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let mut end = b.len();
    while let Some(e) = b[..end].iter().rposition(u8::is_ascii_digit).map(|p| p + 1) {
        let start = b[..e]
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |p| p + 1);
        let n: u64 = v[start..e].parse().ok()?;
        if n > 0 {
            return Some(format!("{}{}{}", &v[..start], n - 1, &v[e..]));
        }
        end = start;
    }
    None
}

/// A package of the inventory pool: OSV ecosystem and name, versions around its bounds, and how many of its clones
/// (`k` < `clones`) hold every advisory naming it (the last clone is cut at [`TARGET_ADVISORIES`]).
struct PoolPkg {
    ecosystem: String,
    name: String,
    versions: Vec<String>,
    clones: usize,
}

fn pool(records: &[RealRecord], copies: usize) -> Vec<PoolPkg> {
    let mut by: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    // The last record (index) naming each package.
    let mut last: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        for a in &r.affected {
            if purl(&a.ecosystem, &a.name, "1").is_none() {
                continue;
            }
            last.insert((a.ecosystem.clone(), a.name.clone()), i);
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
                    vs.extend(bump(v, -1).or_else(|| below_zero(v)));
                    vs.extend(bump(v, 1));
                }
            }
            vs.extend(a.ranges.versions.iter().take(4).cloned());
        }
    }
    let n = records.len().max(1);
    let mut out: Vec<PoolPkg> = by
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(key, v)| {
            // Record i is in clone k when k·n + i < TARGET_ADVISORIES.
            let m = last[&key];
            let clones = copies.min((TARGET_ADVISORIES.saturating_sub(m + 1)) / n + 1);
            PoolPkg {
                ecosystem: key.0,
                name: key.1,
                versions: v.into_iter().collect(),
                clones,
            }
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

fn draw(rng: &mut Rng, pool: &[PoolPkg]) -> Draw {
    if rng.below(10) == 0 {
        Draw::Unknown {
            name: rng.below(5_000),
            ver: rng.below(20),
        }
    } else {
        let pkg = rng.below(pool.len());
        Draw::Known {
            pkg,
            k: rng.below(pool[pkg].clones),
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
    fn new(size: usize, pool: &[PoolPkg]) -> Inventory {
        let per_pv = (size / (PRODUCTS * 5)).clamp(5, 500);
        let pvs = (size / per_pv).max(1);
        let products = PRODUCTS.min(pvs);
        let versions_per_product = pvs.div_ceil(products);
        let mut rng = Rng(0xB0B0 ^ size as u64);
        let bases = (0..products)
            .map(|_| (0..per_pv).map(|_| draw(&mut rng, pool)).collect())
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
    let pool = pool(&records, copies);
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
    let inv = Inventory::new(size, &pool);
    let t = Instant::now();
    let mut next_id = 0i64;
    // Sampled purls, with the instance each was taken from (for the gate): about SAMPLES of them.
    let mut sample: Vec<(String, i64)> = Vec::new();
    let mut rng = Rng(42);
    let mut all_components = Vec::new(); // only kept for the naive gate
    for pv in 0..inv.product_versions() {
        let comps = inv.components(pv, &pool, &mut next_id);
        let plain: Vec<ComponentInput> = comps.iter().map(|(c, _)| c.clone()).collect();
        for c in &plain {
            if rng.below((size / SAMPLES).max(1)) == 0 && sample.len() < SAMPLES {
                sample.push((c.purl.clone(), c.component_id));
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
    let ids = sample_ids(&records);
    if gate {
        let queries = Queries {
            ids: &ids,
            purls: &sample,
        };
        naive_gate(
            size,
            &index,
            &records,
            copies,
            &all_components,
            &pool,
            queries,
        );
        return;
    }
    let sample_purls: Vec<String> = sample.into_iter().map(|(p, _)| p).collect();
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

/// The advisory ids queried: SAMPLES drawn uniformly from the ~200k (clones included).
fn sample_ids(records: &[RealRecord]) -> Vec<String> {
    let mut rng = Rng(7);
    (0..SAMPLES)
        .map(|_| {
            let i = rng.below(TARGET_ADVISORIES);
            let (k, r) = (i / records.len(), &records[i % records.len()]);
            advisory(r, k).id
        })
        .collect()
}

/// The queries the timed run makes, for the gate to check their answers.
struct Queries<'a> {
    ids: &'a [String],
    purls: &'a [(String, i64)],
}

/// One `affected[]` entry for the naive evaluation: its ranges' events parsed (tie rank, version; `None` for
/// introduced "0"), whether a range has limits and whether one is "*".
struct NaiveEntry {
    ecosystem: Ecosystem,
    versions: Vec<String>,
    /// SEMVER and ECOSYSTEM ranges (GIT ranges name commits: they match no version).
    ranges: Vec<NaiveRange>,
}

struct NaiveRange {
    scheme: psirt_versions::Scheme,
    events: Vec<(u8, Option<Version>)>,
    limits: bool,
    limit_star: bool,
}

/// `None` when an event version does not parse under its range's scheme: the index leaves such an entry out.
fn naive_entry(a: &OsvAffectedRanges) -> Option<NaiveEntry> {
    let mut ranges = Vec::new();
    for r in &a.ranges {
        let Some(scheme) = r.kind.scheme(&a.ecosystem) else {
            continue;
        };
        let mut events = Vec::new();
        for e in &r.events {
            // Tie rank at equal versions, as the schema orders them: introduced, last_affected, fixed, limit.
            let (rank, v) = match e {
                Event::Introduced(v) => (0, v),
                Event::LastAffected(v) => (1, v),
                Event::Fixed(v) => (2, v),
                Event::Limit(v) => (3, v),
            };
            match (rank, v.as_str()) {
                (0, "0") => events.push((0, None)),
                (3, "*") => {}
                _ => events.push((rank, Some(scheme.parse(v).ok()?))),
            }
        }
        events.sort_by(|(ra, a), (rb, b)| a.cmp(b).then(ra.cmp(rb)));
        ranges.push(NaiveRange {
            scheme,
            events,
            limits: r.events.iter().any(|e| matches!(e, Event::Limit(_))),
            limit_star: r
                .events
                .iter()
                .any(|e| matches!(e, Event::Limit(v) if v == "*")),
        });
    }
    Some(NaiveEntry {
        ecosystem: a.ecosystem.clone(),
        versions: a.versions.clone(),
        ranges,
    })
}

/// The OSV schema's `is_affected` pseudo-code: listed versions (as written, then by the ecosystem's equality),
/// then each range's events in order — introduced (v >= x) opens, fixed (v >= x) closes, last_affected (v > x)
/// closes —, below some limit when there are limits. No version ("") and a version its scheme cannot read are not
/// affected.
fn naive_affected(e: &NaiveEntry, version: &str) -> bool {
    if version.is_empty() {
        return false;
    }
    if e.versions.iter().any(|v| v == version) {
        return true;
    }
    for r in &e.ranges {
        let Ok(v) = r.scheme.parse(version) else {
            return false;
        };
        let mut vulnerable = false;
        for (rank, x) in &r.events {
            match (rank, x) {
                (0, None) => vulnerable = true,
                (0, Some(x)) if &v >= x => vulnerable = true,
                (2, Some(x)) if &v >= x => vulnerable = false,
                (1, Some(x)) if &v > x => vulnerable = false,
                _ => {}
            }
        }
        if vulnerable && r.limits && !r.limit_star {
            vulnerable = r
                .events
                .iter()
                .any(|(rank, x)| *rank == 3 && x.as_ref().is_some_and(|x| &v < x));
        }
        if vulnerable {
            return true;
        }
    }
    let scheme = e.ecosystem.scheme();
    match scheme.parse(version) {
        Ok(v) => e
            .versions
            .iter()
            .any(|x| scheme.parse(x).is_ok_and(|x| x == v)),
        Err(_) => false,
    }
}

/// Every instance × every entry of its package (by the OSV key it was drawn from), evaluated by [`naive_affected`],
/// must give the engine's finding set, from its full re-match at 1 and at 2 threads alike; and the engine's answers
/// to the sampled queries (advisory → product versions, purl@version → advisories) must be the naive set's.
fn naive_gate(
    size: usize,
    index: &Index,
    records: &[RealRecord],
    copies: usize,
    comps: &[(ComponentInput, Draw)],
    pool: &[PoolPkg],
    queries: Queries<'_>,
) {
    let t = Instant::now();
    let mut by_key: HashMap<PackageKey, Vec<(String, NaiveEntry)>> = HashMap::new();
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
                let mut ranges = e.ranges.clone();
                ranges.ecosystem = key.ecosystem.clone();
                let Some(naive) = naive_entry(&ranges) else {
                    continue;
                };
                by_key.entry(key).or_default().push((a.id.clone(), naive));
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
        for (id, entry) in by_key.get(&key).into_iter().flatten() {
            if naive_affected(entry, version) {
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
    // The sampled queries' answers.
    let pv_of: HashMap<i64, i64> = comps
        .iter()
        .map(|(c, _)| (c.component_id, c.product_version_id))
        .collect();
    let mut pvs_of: HashMap<&str, BTreeSet<i64>> = HashMap::new();
    let mut advisories_of: HashMap<i64, BTreeSet<&str>> = HashMap::new();
    for (c, id) in &naive {
        pvs_of.entry(id.as_str()).or_default().insert(pv_of[c]);
        advisories_of.entry(*c).or_default().insert(id.as_str());
    }
    for id in queries.ids {
        let engine: BTreeSet<i64> = index
            .affected_product_versions(id)
            .unwrap()
            .into_iter()
            .collect();
        let want = pvs_of.get(id.as_str()).cloned().unwrap_or_default();
        assert_eq!(engine, want, "[{size}] advisory {id} → product versions");
    }
    for (purl, c) in queries.purls {
        let engine: BTreeSet<String> = index
            .advisories_for(purl)
            .unwrap()
            .iter()
            .map(|a| a.to_string())
            .collect();
        let want: BTreeSet<String> = advisories_of
            .get(c)
            .into_iter()
            .flatten()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(engine, want, "[{size}] {purl} → advisories");
    }
    println!(
        "[{size}] correctness gate: rematch_all(1) = rematch_all(2) = naive evaluation ({} findings over {} \
         instances), and the {} advisory and {} purl queries answer as it does; checked in {:.2?}",
        naive.len(),
        comps.len(),
        queries.ids.len(),
        queries.purls.len(),
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
