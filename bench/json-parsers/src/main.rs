//! serde_json vs sonic-rs vs simd-json on the OSV corpus, through psirt's own OSV model.
//!
//! Why: a target says OSV parsing should be limited by decompression (no slower than gunzip); with serde_json the
//! typed parse takes about twice gunzip's time. This answers, reproducibly, whether a SIMD JSON parser closes that
//! gap: each parser skips the records (nothing built: the parser's floor) and reads them into the real model
//! (`psirt_formats::intel::osv_through`: the `OsvDoc` and mapping `parse_osv` uses), single-threaded, from memory.
//! A row reads the same fields with serde_json into borrowed strings only (`borrowed.rs`): the floor of any
//! serde_json-based model, owned or packed. Two rows measure a reader written by hand for these records
//! (`handwritten.rs`: SSE2 string scan, nothing built for skipped values): its scan, and the same borrowed fields —
//! how much of gunzip's time is left for building a model when the parser is not the limit. `check` requires its
//! fields to equal serde_json's for every record. One more row adds to that reader the work every owned record needs
//! whatever its model (`record_floor.rs`: the text copied, timestamps parsed, purl lookups): the floor of the
//! cheapest model psirt could have, one whose strings are spans into the record's own text.
//! Portable build (no target-cpu flags) like the product: simd-json picks AVX2 at run time; sonic-rs chooses its
//! SIMD code at compile time, so here it runs its baseline x86-64 (SSE2) code.
//!
//! Run from the repo root: `cargo run --release --manifest-path bench/json-parsers/Cargo.toml`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod borrowed;
mod handwritten;
mod record_floor;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use flate2::read::MultiGzDecoder;
use psirt_formats::intel::osv_through;
use psirt_formats::{parse_osv, IntelRecord, ParseOptions};
use serde::de::IgnoredAny;
use simd_json::{Buffers, Tape};

type TapeReader<'de> = simd_json::Deserializer<'de>;

// The psirt binary's allocator: the model allocates per record, so the allocator is part of the figure.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rounds per row; the best is kept (the least disturbed by the rest of the machine).
const ROUNDS: usize = 5;
/// The product's unvalidated path: the typed model read straight from the text.
const NO_VALIDATION: ParseOptions = ParseOptions { validate: false };

/// The feed files, sorted by name (so every run reads the same bytes in the same order).
fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/feeds/osv");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.jsonl.gz in {}", dir.display());
    files
}

/// Gunzips the files and splits them into lines, as crates/psirt-formats/benches/intel.rs does (64 KiB reader, one
/// reused line buffer): the baseline every row is compared with. Returns the number of non-blank lines (the records
/// the other rows read).
fn gunzip_lines(files: &[PathBuf], mut each: impl FnMut(&[u8])) -> usize {
    let mut line = Vec::new();
    let mut count = 0;
    for path in files {
        let file = std::fs::File::open(path).unwrap();
        let mut reader = BufReader::with_capacity(1 << 16, MultiGzDecoder::new(file));
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line).unwrap() == 0 {
                break;
            }
            count += usize::from(line.iter().any(|b| !b.is_ascii_whitespace()));
            each(&line);
        }
    }
    count
}

/// The records as text, without line ends; blank lines dropped (no parser is asked about them).
fn load(files: &[PathBuf]) -> Vec<String> {
    let mut records = Vec::new();
    gunzip_lines(files, |line| {
        let text = std::str::from_utf8(line)
            .unwrap()
            .trim_end_matches(['\n', '\r']);
        if !text.trim().is_empty() {
            records.push(text.to_owned());
        }
    });
    records
}

/// simd-json parses in place (it unescapes strings inside its input), so each record is first copied into a reused
/// mutable buffer, padded as `fill_tape_padded` requires; that copy is part of simd-json's cost. The tape and the
/// parser's scratch buffers are reused across records too: the fastest way found to drive it.
struct SimdScratch {
    input: Vec<u8>,
    buffers: Buffers,
    tape: Tape<'static>,
}

impl SimdScratch {
    fn new() -> Self {
        Self {
            input: Vec::new(),
            buffers: Buffers::default(),
            tape: Tape::null(),
        }
    }

    /// Copies `text` into the padded input buffer; returns the JSON's length.
    fn copy_in(&mut self, text: &str) -> usize {
        self.input.clear();
        self.input.extend_from_slice(text.as_bytes());
        let len = self.input.len();
        self.input.resize(len + simd_json::INPUT_PADDING, 0);
        len
    }

    /// Parses `text` into the reused tape and hands `read` a deserializer over it; None if the JSON is invalid.
    fn with_tape<R>(&mut self, text: &str, read: impl FnOnce(&mut TapeReader) -> R) -> Option<R> {
        let len = self.copy_in(text);
        // The stored tape is 'static (empty); `reset` lends it to this record's lifetime and back.
        let mut tape = std::mem::replace(&mut self.tape, Tape::null()).reset();
        let parsed =
            simd_json::fill_tape_padded(&mut self.input, len, &mut self.buffers, &mut tape);
        let mut de = simd_json::Deserializer::from_tape(tape);
        let result = parsed.is_ok().then(|| read(&mut de));
        self.tape = de.into_tape().reset();
        result
    }

    /// Skip only: validates the JSON and builds the tape, nothing more.
    fn skip(&mut self, text: &str) -> bool {
        self.with_tape(text, |_| ()).is_some()
    }

    /// The model read from the tape (`Deserializer::from_tape`), the fastest typed path found.
    fn typed(&mut self, text: &str) -> Option<IntelRecord> {
        self.with_tape(text, |de| osv_through(de, text).ok())
            .flatten()
    }
}

// The typed paths as `parse_osv` would be were it built on that parser: each also checks that nothing follows the
// record, as serde_json::from_str (so parse_osv) does; simd-json's tape covers the whole input by construction.
fn serde_json_through(text: &str) -> Option<IntelRecord> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record = osv_through(&mut de, text).ok()?;
    de.end().ok().map(|()| record)
}

fn sonic_through(text: &str) -> Option<IntelRecord> {
    let mut de = sonic_rs::Deserializer::from_str(text);
    let record = osv_through(&mut de, text).ok()?;
    de.end().ok().map(|()| record)
}

type SkipPath = Box<dyn FnMut(&str) -> bool>;
type TypedPath = Box<dyn FnMut(&str) -> Option<IntelRecord>>;

/// Skip only: validate the JSON, build nothing (the parser's floor). The first is the reference. Each simd-json
/// path has its own scratch, so one row's buffer sizes do not help another.
fn skip_paths() -> Vec<(&'static str, SkipPath)> {
    let mut simd = SimdScratch::new();
    let simd_skip = move |t: &str| simd.skip(t);
    let serde_json_skip = |t: &str| serde_json::from_str::<IgnoredAny>(t).is_ok();
    let sonic_skip = |t: &str| sonic_rs::from_str::<IgnoredAny>(t).is_ok();
    vec![
        ("serde_json skip (IgnoredAny)", Box::new(serde_json_skip)),
        (
            "hand-written SSE2 scan (handwritten.rs)",
            Box::new(handwritten::skip),
        ),
        ("sonic-rs skip (IgnoredAny)", Box::new(sonic_skip)),
        (
            "simd-json skip (copy + fill_tape_padded)",
            Box::new(simd_skip),
        ),
    ]
}

/// The full typed model; the first (the product's path) is the reference. simd-json through
/// `from_slice_with_buffers` (its own tape each record) measured ~10% slower than the reused tape, so is left out.
fn typed_paths() -> Vec<(&'static str, TypedPath)> {
    let mut simd = SimdScratch::new();
    let simd_typed = move |t: &str| simd.typed(t);
    let product = |t: &str| parse_osv(t.as_bytes(), &NO_VALIDATION).ok();
    vec![
        ("serde_json parse_osv (product)", Box::new(product)),
        ("serde_json osv_through", Box::new(serde_json_through)),
        ("sonic-rs osv_through", Box::new(sonic_through)),
        ("simd-json osv_through (tape)", Box::new(simd_typed)),
    ]
}

/// The floor of any typed parse on serde_json: the same fields read with every string borrowed ([`borrowed`]).
fn borrowed_row(records: &[String]) -> usize {
    records.iter().filter(|t| borrowed::parse(t)).count()
}

/// Before any timing: every typed path must give the reference's record for every line (so accept the same lines),
/// and every skip path must accept what serde_json accepts. Returns the number of differences.
fn check(
    records: &[String],
    skips: &mut [(&str, SkipPath)],
    typed: &mut [(&str, TypedPath)],
) -> usize {
    let mut differences = 0;
    for (i, text) in records.iter().enumerate() {
        let expected = (typed[0].1)(text);
        for (name, path) in &mut typed[1..] {
            let got = path(text);
            if got != expected {
                differences += 1;
                let (g, e) = (got.is_some(), expected.is_some());
                eprintln!(
                    "record {i}: {name} differs from parse_osv (accepted {g}, parse_osv {e})"
                );
            }
        }
        if borrowed::parse(text) != expected.is_some() {
            differences += 1;
            eprintln!("record {i}: the borrowed fields and parse_osv disagree on acceptance");
        }
        if handwritten::parse(text) != borrowed::fields(text) {
            differences += 1;
            eprintln!("record {i}: the hand-written reader's fields differ from serde_json's");
        }
        let accepted = (skips[0].1)(text);
        for (name, path) in &mut skips[1..] {
            if path(text) != accepted {
                differences += 1;
                eprintln!("record {i}: {name} and serde_json disagree on acceptance (serde_json: {accepted})");
            }
        }
    }
    differences
}

/// One row of the table: a pass over all records, returning how many were accepted (so no pass can be optimised away
/// and a wrong count shows). `reference` marks the row the last column compares its kind with.
struct Row<'a> {
    name: &'static str,
    pass: Box<dyn FnMut() -> usize + 'a>,
    best: Duration,
    reference: bool,
}

fn row<'a>(name: &'static str, reference: bool, pass: impl FnMut() -> usize + 'a) -> Row<'a> {
    let pass = Box::new(pass);
    Row {
        name,
        pass,
        best: Duration::MAX,
        reference,
    }
}

fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find_map(|l| {
        l.strip_prefix("model name")?
            .split_once(':')
            .map(|(_, m)| m.trim().to_owned())
    });
    model.unwrap_or_else(|| "unknown CPU".to_owned())
}

fn main() {
    let files = corpus();
    let records = load(&files);
    let json_bytes: usize = records.iter().map(String::len).sum();
    let threads = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "{} records, {:.1} MB of JSON in {} files | {} | available_parallelism {threads} | simd-json: {}",
        records.len(),
        json_bytes as f64 / 1e6,
        files.len(),
        cpu_model(),
        simd_json::Deserializer::algorithm(),
    );

    let (mut skips, mut typed) = (skip_paths(), typed_paths());
    let differences = check(&records, &mut skips, &mut typed);
    println!("check: {differences} differences from parse_osv / serde_json acceptance");
    if differences > 0 {
        std::process::exit(1);
    }

    let r = &records;
    let gunzip_pass = || gunzip_lines(&files, |l| _ = std::hint::black_box(l));
    let mut rows = vec![row("gunzip + split lines", true, gunzip_pass)];
    for (i, (name, mut path)) in skips.into_iter().enumerate() {
        rows.push(row(name, i == 0, move || {
            r.iter().filter(|t| std::hint::black_box(path(t))).count()
        }));
    }
    for (i, (name, mut path)) in typed.into_iter().enumerate() {
        rows.push(row(name, i == 0, move || {
            r.iter()
                .filter_map(|t| std::hint::black_box(path(t)))
                .count()
        }));
    }
    rows.push(row(
        "serde_json borrowed fields (the floor)",
        false,
        move || borrowed_row(r),
    ));
    rows.push(row(
        "hand-written + raw copy, dates, purl lookups",
        false,
        move || {
            let mut purls = record_floor::Purls::default();
            r.iter()
                .filter(|t| std::hint::black_box(record_floor::record(t, &mut purls)).is_some())
                .count()
        },
    ));
    rows.push(row(
        "hand-written reader, same borrowed fields",
        false,
        move || {
            r.iter()
                .filter(|t| std::hint::black_box(handwritten::parse(t)).is_some())
                .count()
        },
    ));

    // Interleaved: each round runs every row once, so a burst of load elsewhere hits all rows alike.
    for _ in 0..ROUNDS {
        for row in &mut rows {
            let start = Instant::now();
            let count = (row.pass)();
            row.best = row.best.min(start.elapsed());
            assert_eq!(count, records.len(), "{}", row.name);
        }
    }

    println!("best of {ROUNDS} interleaved rounds, one thread; x gunzip = time / gunzip's; serde_json/this > 1: faster");
    println!(
        "{:<42} {:>9} {:>9} {:>10} {:>16}",
        "row", "ms/pass", "MB/s", "x gunzip", "serde_json/this"
    );
    let gunzip = rows[0].best.as_secs_f64();
    let mut reference = gunzip;
    for (i, row) in rows.iter().enumerate() {
        let secs = row.best.as_secs_f64();
        if row.reference {
            reference = secs; // the first row of each kind: gunzip, serde_json skip, parse_osv
        }
        let vs_serde = if i == 0 {
            "-".to_owned()
        } else {
            format!("{:.2}", reference / secs)
        };
        let mb_s = json_bytes as f64 / 1e6 / secs;
        println!(
            "{:<42} {:>9.1} {mb_s:>9.0} {:>10.2} {vs_serde:>16}",
            row.name,
            secs * 1e3,
            secs / gunzip
        );
    }
}
