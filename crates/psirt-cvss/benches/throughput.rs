//! Parse + score throughput of psirt-cvss, with the RustSec `cvss` crate as the peer on the
//! same vectors in the same run. `cargo bench` (plain main, no criterion: cheap to compile).
//!
//! Samples are fixed (splitmix64, fixed seed). The peer gets v3.1 base-only vectors (it scores
//! only the v3 base group) and the same full v4.0 and v2 vectors as psirt-cvss.

use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[(self.next() % values.len() as u64) as usize]
    }
}

type Table = &'static [(&'static str, &'static [&'static str])];

const V31_BASE: Table = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
];
const V31_MORE: Table = &[
    ("E", &["X", "H", "F", "P", "U"]),
    ("RL", &["X", "U", "W", "T", "O"]),
    ("RC", &["X", "C", "R", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];
const V4: Table = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];
const V2: Table = &[
    ("AV", &["L", "A", "N"]),
    ("AC", &["H", "M", "L"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
    ("E", &["ND", "U", "POC", "F", "H"]),
    ("RL", &["ND", "OF", "TF", "W", "U"]),
    ("RC", &["ND", "UC", "UR", "C"]),
    ("CDP", &["ND", "N", "L", "LM", "MH", "H"]),
    ("TD", &["ND", "N", "L", "M", "H"]),
    ("CR", &["ND", "L", "M", "H"]),
    ("IR", &["ND", "L", "M", "H"]),
    ("AR", &["ND", "L", "M", "H"]),
];

const SAMPLE: usize = 20_000;

fn sample(rng: &mut SplitMix64, prefix: &str, tables: &[Table]) -> Vec<String> {
    (0..SAMPLE)
        .map(|_| {
            let parts: Vec<String> = tables
                .iter()
                .flat_map(|t| t.iter())
                .map(|(m, values)| format!("{m}:{}", rng.pick(values)))
                .collect();
            format!("{prefix}{}", parts.join("/"))
        })
        .collect()
}

/// Runs `f` over the sample until at least `min` has passed; returns vectors per second.
fn throughput(vectors: &[String], f: impl Fn(&str) -> f64) -> f64 {
    let min = Duration::from_millis(700);
    // Warm-up pass.
    for v in vectors {
        black_box(f(black_box(v)));
    }
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < min {
        for v in vectors {
            black_box(f(black_box(v)));
        }
        n += vectors.len();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn ours(v: &str) -> f64 {
    psirt_cvss::parse(v).map_or(-1.0, |c| c.score())
}

fn report(name: &str, ours: f64, peer: Option<f64>) {
    match peer {
        Some(p) => println!(
            "{name:<34} psirt-cvss {:>10.0} vectors/s   RustSec cvss {:>10.0} vectors/s   ratio {:.2}x",
            ours,
            p,
            ours / p
        ),
        None => println!("{name:<34} psirt-cvss {ours:>10.0} vectors/s"),
    }
}

/// How many vectors both score identically (a sanity check, printed beside the figures).
fn agreement(vectors: &[String], peer: impl Fn(&str) -> Option<f64>) -> (usize, usize) {
    let same = vectors
        .iter()
        .filter(|v| peer(v).is_some_and(|p| format!("{p:.1}") == format!("{:.1}", ours(v))))
        .count();
    (same, vectors.len())
}

fn main() {
    let mut rng = SplitMix64(0x5053_4952_545f_4245); // "PSIRT_BE"
    let v31_base = sample(&mut rng, "CVSS:3.1/", &[V31_BASE]);
    let v31_full = sample(&mut rng, "CVSS:3.1/", &[V31_BASE, V31_MORE]);
    let v40 = sample(&mut rng, "CVSS:4.0/", &[V4]);
    let v2 = sample(&mut rng, "", &[V2]);

    let peer_v3 = |v: &str| {
        cvss::v3::Vector::from_str(v)
            .ok()
            .map(|c| c.score().value())
    };
    let peer_v4 = |v: &str| {
        cvss::v4::Vector::from_str(v)
            .ok()
            .map(|c| c.score().value())
    };
    let peer_v2 = |v: &str| {
        cvss::v2::Vector::from_str(v)
            .ok()
            .map(|c| c.environmental_score().value())
    };

    println!("parse + score throughput, {SAMPLE} fixed seeded vectors per sample");
    report(
        "CVSS v3.1 base",
        throughput(&v31_base, ours),
        Some(throughput(&v31_base, |v| peer_v3(v).unwrap_or(-1.0))),
    );
    report(
        "CVSS v3.1 base+temporal+env",
        throughput(&v31_full, ours),
        None,
    );
    report(
        "CVSS v4.0 all groups",
        throughput(&v40, ours),
        Some(throughput(&v40, |v| peer_v4(v).unwrap_or(-1.0))),
    );
    report(
        "CVSS v2 base+temporal+env",
        throughput(&v2, ours),
        Some(throughput(&v2, |v| peer_v2(v).unwrap_or(-1.0))),
    );

    for (name, vectors, same) in [
        ("v3.1 base", &v31_base, agreement(&v31_base, peer_v3)),
        ("v4.0", &v40, agreement(&v40, peer_v4)),
        ("v2", &v2, agreement(&v2, peer_v2)),
    ] {
        let parsed = vectors
            .iter()
            .filter(|v| psirt_cvss::parse(v).is_ok())
            .count();
        println!(
            "agreement {name}: RustSec cvss gives the same score on {} of {} (psirt parsed {parsed})",
            same.0, same.1
        );
    }
}
