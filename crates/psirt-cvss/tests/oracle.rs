//! Oracle test: psirt-cvss against Red Hat's `cvss` Python package on a large, fixed sample.
//!
//! Generates random valid vectors (every metric group, explicit `X`/`ND` values, shuffled
//! component order) with a hand-written PRNG and a fixed seed, so the sample never changes
//! with a dependency update; has `tests/oracle.py` score the whole batch in one Python
//! process; and fails listing the first differences in clean vector, scores or severities.
//!
//! The metric tables below are written out independently of the crate's own tables, so a
//! value missing from the crate shows up as a parse failure here.
//!
//! Set `PSIRT_ORACLE_KEEP=1` to keep the generated input file (in the temp dir) for debugging.
//!
//! Python: `python3`, or `PSIRT_PYTHON`. The oracle package is pinned in `oracle.py`
//! (`python3 -m pip install cvss==3.6`); without it this test fails, it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use psirt_cvss::{parse, Cvss, Severity};

const PIP_INSTALL: &str = "python3 -m pip install cvss==3.6";
const SEED: u64 = 0x5053_4952_545f_4356; // "PSIRT_CV"

const N_V31: usize = 100_000;
const N_V40: usize = 100_000;
const N_V30: usize = 20_000;
const N_V20: usize = 20_000;

/// splitmix64: tiny, well-distributed, and frozen here for good.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// `(metric, values, group)`: group 0 is mandatory (base); optional groups list `X`/`ND`.
type Table = &'static [(&'static str, &'static [&'static str], u8)];

const V3: Table = &[
    ("AV", &["N", "A", "L", "P"], 0),
    ("AC", &["L", "H"], 0),
    ("PR", &["N", "L", "H"], 0),
    ("UI", &["N", "R"], 0),
    ("S", &["U", "C"], 0),
    ("C", &["H", "L", "N"], 0),
    ("I", &["H", "L", "N"], 0),
    ("A", &["H", "L", "N"], 0),
    ("E", &["X", "H", "F", "P", "U"], 1),
    ("RL", &["X", "U", "W", "T", "O"], 1),
    ("RC", &["X", "C", "R", "U"], 1),
    ("CR", &["X", "H", "M", "L"], 2),
    ("IR", &["X", "H", "M", "L"], 2),
    ("AR", &["X", "H", "M", "L"], 2),
    ("MAV", &["X", "N", "A", "L", "P"], 2),
    ("MAC", &["X", "L", "H"], 2),
    ("MPR", &["X", "N", "L", "H"], 2),
    ("MUI", &["X", "N", "R"], 2),
    ("MS", &["X", "U", "C"], 2),
    ("MC", &["X", "H", "L", "N"], 2),
    ("MI", &["X", "H", "L", "N"], 2),
    ("MA", &["X", "H", "L", "N"], 2),
];

const V4: Table = &[
    ("AV", &["N", "A", "L", "P"], 0),
    ("AC", &["L", "H"], 0),
    ("AT", &["N", "P"], 0),
    ("PR", &["N", "L", "H"], 0),
    ("UI", &["N", "P", "A"], 0),
    ("VC", &["H", "L", "N"], 0),
    ("VI", &["H", "L", "N"], 0),
    ("VA", &["H", "L", "N"], 0),
    ("SC", &["H", "L", "N"], 0),
    ("SI", &["H", "L", "N"], 0),
    ("SA", &["H", "L", "N"], 0),
    ("E", &["X", "A", "P", "U"], 1),
    ("CR", &["X", "H", "M", "L"], 2),
    ("IR", &["X", "H", "M", "L"], 2),
    ("AR", &["X", "H", "M", "L"], 2),
    ("MAV", &["X", "N", "A", "L", "P"], 2),
    ("MAC", &["X", "L", "H"], 2),
    ("MAT", &["X", "N", "P"], 2),
    ("MPR", &["X", "N", "L", "H"], 2),
    ("MUI", &["X", "N", "P", "A"], 2),
    ("MVC", &["X", "H", "L", "N"], 2),
    ("MVI", &["X", "H", "L", "N"], 2),
    ("MVA", &["X", "H", "L", "N"], 2),
    ("MSC", &["X", "H", "L", "N"], 2),
    ("MSI", &["X", "S", "H", "L", "N"], 2),
    ("MSA", &["X", "S", "H", "L", "N"], 2),
    ("S", &["X", "N", "P"], 3),
    ("AU", &["X", "N", "Y"], 3),
    ("R", &["X", "A", "U", "I"], 3),
    ("V", &["X", "D", "C"], 3),
    ("RE", &["X", "L", "M", "H"], 3),
    ("U", &["X", "Clear", "Green", "Amber", "Red"], 3),
];

const V2: Table = &[
    ("AV", &["L", "A", "N"], 0),
    ("AC", &["H", "M", "L"], 0),
    ("Au", &["M", "S", "N"], 0),
    ("C", &["N", "P", "C"], 0),
    ("I", &["N", "P", "C"], 0),
    ("A", &["N", "P", "C"], 0),
    ("E", &["ND", "U", "POC", "F", "H"], 1),
    ("RL", &["ND", "OF", "TF", "W", "U"], 1),
    ("RC", &["ND", "UC", "UR", "C"], 1),
    ("CDP", &["ND", "N", "L", "LM", "MH", "H"], 2),
    ("TD", &["ND", "N", "L", "M", "H"], 2),
    ("CR", &["ND", "L", "M", "H"], 2),
    ("IR", &["ND", "L", "M", "H"], 2),
    ("AR", &["ND", "L", "M", "H"], 2),
];

/// One random valid vector: each optional group is used in ~2/3 of the vectors, each metric
/// of a used group given in ~3/4 of them (with `X`/`ND` among its values), and one vector in
/// ten has its components shuffled.
fn random_vector(rng: &mut SplitMix64, prefix: &str, table: Table) -> String {
    let groups_used = [true, rng.chance(67), rng.chance(67), rng.chance(67)];
    let mut parts: Vec<String> = Vec::with_capacity(table.len());
    for (metric, values, group) in table {
        let used = *group == 0 || (groups_used[usize::from(*group)] && rng.chance(75));
        if used {
            parts.push(format!("{metric}:{}", values[rng.below(values.len())]));
        }
    }
    if rng.chance(10) {
        for i in (1..parts.len()).rev() {
            parts.swap(i, rng.below(i + 1));
        }
    }
    format!("{prefix}{}", parts.join("/"))
}

fn sample() -> Vec<String> {
    let mut rng = SplitMix64(SEED);
    let mut out = Vec::with_capacity(N_V31 + N_V40 + N_V30 + N_V20);
    out.extend((0..N_V31).map(|_| random_vector(&mut rng, "CVSS:3.1/", V3)));
    out.extend((0..N_V40).map(|_| random_vector(&mut rng, "CVSS:4.0/", V4)));
    out.extend((0..N_V30).map(|_| random_vector(&mut rng, "CVSS:3.0/", V3)));
    out.extend((0..N_V20).map(|_| random_vector(&mut rng, "", V2)));
    out
}

/// The package's severity words.
fn word(s: Severity) -> &'static str {
    match s {
        Severity::None => "None",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

fn fmt_score(s: Option<f64>) -> String {
    match s {
        None => "None".into(),
        // -0.0 prints as "-0.0"; the oracle script writes every zero as "0.0".
        Some(s) => format!("{:.1}", if s == 0.0 { 0.0 } else { s }),
    }
}

/// What the oracle line should be: clean vector, scores, severities.
fn expected_line(c: &Cvss) -> String {
    let (scores, severities): (Vec<Option<f64>>, Vec<&str>) = match c {
        Cvss::V2(c) => {
            let s = [
                Some(c.base_score()),
                c.temporal_score(),
                c.environmental_score(),
            ];
            // The package names the severity of an absent v2 score "None".
            let sev = s
                .iter()
                .map(|x| x.map_or("None", |x| word(Severity::from_v2_score(x))))
                .collect();
            (s.to_vec(), sev)
        }
        Cvss::V3(c) => {
            let all = c.scores();
            let s = [all.base, all.temporal, all.environmental];
            let sev = s.iter().map(|x| word(Severity::from_score(*x))).collect();
            (s.iter().map(|x| Some(*x)).collect(), sev)
        }
        Cvss::V4(c) => {
            let s = c.score();
            (vec![Some(s)], vec![word(Severity::from_score(s))])
        }
    };
    let mut line = c.vector();
    for s in scores {
        let _ = write!(line, " {}", fmt_score(s));
    }
    for s in severities {
        let _ = write!(line, " {s}");
    }
    line
}

#[test]
fn oracle_agrees_on_a_large_random_sample() {
    let vectors = sample();
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let input = dir.join(format!("psirt-cvss-oracle-{pid}.in"));
    let output = dir.join(format!("psirt-cvss-oracle-{pid}.out"));
    std::fs::write(&input, vectors.join("\n") + "\n").expect("write oracle input");

    let python = std::env::var("PSIRT_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle.py");
    // One Python process for the whole batch; our own scoring runs meanwhile.
    let child = Command::new(&python)
        .arg(&script)
        .arg(&input)
        .arg(&output)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            let _ = std::fs::remove_file(&input);
            panic!("cannot run `{python}` ({e}): the oracle needs Python 3 and `{PIP_INSTALL}`")
        });

    let ours: Vec<Result<String, String>> = vectors
        .iter()
        .map(|v| {
            parse(v)
                .map(|c| expected_line(&c))
                .map_err(|e| e.to_string())
        })
        .collect();

    let done = child.wait_with_output().expect("wait for the oracle");
    if std::env::var_os("PSIRT_ORACLE_KEEP").is_none() {
        let _ = std::fs::remove_file(&input);
    }
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(
        done.status.success(),
        "the oracle failed ({}): {stderr}\nInstall it with `{PIP_INSTALL}`",
        done.status
    );
    let theirs = std::fs::read_to_string(&output).expect("read oracle output");
    let _ = std::fs::remove_file(&output);
    let theirs: Vec<&str> = theirs.lines().collect();
    assert_eq!(
        theirs.len(),
        vectors.len(),
        "oracle output has a wrong line count"
    );

    let mut differences = Vec::new();
    for ((vector, ours), theirs) in vectors.iter().zip(&ours).zip(&theirs) {
        let same = matches!(ours, Ok(line) if line == theirs);
        if !same {
            differences.push(format!("{vector}\n  psirt:  {ours:?}\n  oracle: {theirs}"));
        }
    }
    println!(
        "oracle: {} vectors (v3.1 {N_V31}, v4.0 {N_V40}, v3.0 {N_V30}, v2 {N_V20}), {} differences",
        vectors.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{} of {} vectors differ from the oracle; first ones:\n{}",
        differences.len(),
        vectors.len(),
        differences
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn sample_is_reproducible_and_covers_every_group() {
    let a = sample();
    assert_eq!(a.len(), N_V31 + N_V40 + N_V30 + N_V20);
    let mut rng = SplitMix64(SEED);
    assert_eq!(a[0], random_vector(&mut rng, "CVSS:3.1/", V3));
    for needle in [
        "/MS:", "/RC:", "/MSI:S", "/E:X", "/U:Amber", "/RE:", "/CDP:", "/TD:ND",
    ] {
        assert!(
            a.iter().any(|v| v.contains(needle)),
            "no {needle} in the sample"
        );
    }
}
