//! OSV parse rate over the whole shared OSV corpus (shared/data/feeds/osv/*.jsonl.gz), release mode:
//!
//!     cargo bench -p psirt-formats --bench intel
//!
//! Prints, for the same input: gunzip only (split into lines), gunzip + JSON `Value`, serde_json's scan alone
//! (`IgnoredAny`, nothing built: the floor of a serde_json-based parse), the typed OSV parse from memory (already decompressed lines, one thread) without and with validation, and the full import path
//! ([`read_feed`], pipelined over `available_parallelism` threads; also on one thread) without and with schema
//! validation — so one can say whether import is limited by decompression. Best of `RUNS` runs each; CPU time (user +
//! system of the process, from /proc/self/stat, 10 ms ticks) next to the wall time where it says something. Two rows
//! time the canonical text of every record's `Value` (what a validated parse writes) through `Display` and through
//! `serde_json::to_string` (the product's; the same bytes, checked).
//! `PSIRT_BENCH_THREADS=2,4,8` adds the unvalidated `read_feed` with those thread counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use flate2::read::MultiGzDecoder;
use psirt_formats::intel::read_feed_threads;
use psirt_formats::{parse_osv, read_feed, warm_up_intel, FeedKind, ParseOptions};

const RUNS: usize = 5;

/// The psirt binary's allocator: the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/feeds/osv");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    v.sort();
    v
}

/// User + system CPU time of this process so far (Linux), else `None`.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// Wall time, CPU time, result.
type Timed<T> = (Duration, Option<Duration>, T);

/// Best wall time of `RUNS` runs, the CPU time of that run, and the last result.
fn best<T>(mut f: impl FnMut() -> T) -> Timed<T> {
    let mut out = None;
    let mut best = Duration::MAX;
    let mut best_cpu = None;
    for _ in 0..RUNS {
        let c = cpu_time();
        let t = Instant::now();
        let r = f();
        let wall = t.elapsed();
        if wall < best {
            best = wall;
            best_cpu = c.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
        }
        out = Some(r);
    }
    (best, best_cpu, out.unwrap())
}

fn gunzip_lines(files: &[PathBuf], mut each: impl FnMut(&[u8])) -> (u64, u64) {
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut buf = Vec::new();
    for path in files {
        let mut r = BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(std::fs::File::open(path).unwrap()),
        );
        loop {
            buf.clear();
            if r.read_until(b'\n', &mut buf).unwrap() == 0 {
                break;
            }
            bytes += buf.len() as u64;
            lines += 1;
            each(&buf);
        }
    }
    (bytes, lines)
}

/// `threads`: `None` for [`read_feed`] itself (available parallelism).
fn import(files: &[PathBuf], validate: bool, threads: Option<usize>) -> (u64, u64) {
    let (mut ok, mut bad) = (0u64, 0u64);
    for path in files {
        let options = ParseOptions { validate };
        let mut on_record = |r: Result<_, _>| {
            match r {
                Ok(rec) => {
                    std::hint::black_box(&rec);
                    ok += 1
                }
                Err(_) => bad += 1,
            }
            ControlFlow::Continue(())
        };
        match threads {
            None => read_feed(FeedKind::Osv, path, &options, &mut on_record, &mut |_| {}),
            Some(n) => read_feed_threads(
                FeedKind::Osv,
                path,
                &options,
                n,
                &mut on_record,
                &mut |_| {},
            ),
        }
        .unwrap();
    }
    (ok, bad)
}

fn main() {
    let files = corpus();
    let compressed: u64 = files
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    warm_up_intel().unwrap();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);

    let gunzip = best(|| {
        gunzip_lines(&files, |l| {
            std::hint::black_box(l);
        })
    });
    let (bytes, records) = gunzip.2;
    let value = best(|| {
        gunzip_lines(&files, |l| {
            let v: serde_json::Value = std::str::from_utf8(l).unwrap().parse().unwrap();
            std::hint::black_box(v);
        })
    });

    let mut lines = Vec::with_capacity(records as usize);
    gunzip_lines(&files, |l| lines.push(l.to_vec()));
    let from_memory = |validate: bool| {
        let options = ParseOptions { validate };
        lines
            .iter()
            .filter(|l| parse_osv(l, &options).is_ok())
            .count()
    };
    // The canonical text of a validated record is written from its `Value`: `Display` (what it was) against
    // `serde_json::to_string` (what it is; the same bytes), over every record's `Value`.
    let values: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let canonical_display = best(|| values.iter().map(|v| v.to_string().len()).sum::<usize>());
    let canonical_to_string = best(|| {
        values
            .iter()
            .map(|v| serde_json::to_string(v).unwrap().len())
            .sum::<usize>()
    });
    assert_eq!(canonical_display.2, canonical_to_string.2);
    drop(values);
    // serde_json's scan of the same lines without building anything: the floor of any serde_json-based parse.
    let scan = best(|| {
        lines
            .iter()
            .filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok())
            .count()
    });
    let mem_nv = best(|| from_memory(false));
    let mem_v = best(|| from_memory(true));

    let seq_nv = best(|| import(&files, false, Some(1)));
    let feed_nv = best(|| import(&files, false, None));
    let seq_v = best(|| import(&files, true, Some(1)));
    let feed_v = best(|| import(&files, true, None));
    // PSIRT_BENCH_THREADS=2,4,8: also the unvalidated read_feed with these thread counts.
    let extra: Vec<(usize, Timed<(u64, u64)>)> = std::env::var("PSIRT_BENCH_THREADS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .map(|n| (n, best(|| import(&files, false, Some(n)))))
        .collect();

    let mb = bytes as f64 / 1e6;
    println!(
        "OSV corpus: {} files, {records} records, {:.1} MB gzip -> {mb:.1} MB JSON (best of {RUNS}; {threads} threads available)",
        files.len(),
        compressed as f64 / 1e6
    );
    let row = |name: &str, (t, cpu): (Duration, Option<Duration>)| {
        let s = t.as_secs_f64();
        let cpu = cpu.map_or("-".to_string(), |c| {
            format!("{:.0} ms", c.as_secs_f64() * 1e3)
        });
        println!(
            "  {name:<44} {:>8.1} ms wall  {cpu:>7} CPU  {:>9.0} records/s  {:>7.1} MB/s",
            s * 1e3,
            records as f64 / s,
            mb / s
        );
    };
    row("gunzip + split lines", (gunzip.0, gunzip.1));
    row("gunzip + JSON Value", (value.0, value.1));
    row("JSON scan only (IgnoredAny), from memory", (scan.0, scan.1));
    row(
        "canonical text of the Values: Display",
        (canonical_display.0, canonical_display.1),
    );
    row(
        "canonical text: serde_json::to_string",
        (canonical_to_string.0, canonical_to_string.1),
    );
    row(
        "parse_osv from memory, 1 thread, no valid.",
        (mem_nv.0, mem_nv.1),
    );
    row(
        "parse_osv from memory, 1 thread, validated",
        (mem_v.0, mem_v.1),
    );
    row("read_feed, 1 thread, no validation", (seq_nv.0, seq_nv.1));
    row(
        "read_feed, no validation (pipelined)",
        (feed_nv.0, feed_nv.1),
    );
    for (n, r) in &extra {
        row(
            &format!("read_feed, {n} threads, no validation"),
            (r.0, r.1),
        );
    }
    row("read_feed, 1 thread, validated", (seq_v.0, seq_v.1));
    row(
        "read_feed, validated (default, pipelined)",
        (feed_v.0, feed_v.1),
    );
    let g = gunzip.0.as_secs_f64();
    println!(
        "  read_feed (no validation) / gunzip-only: {:.2}x; validated / gunzip-only: {:.2}x; parse-only (1 thread, no validation) / gunzip-only: {:.2}x",
        feed_nv.0.as_secs_f64() / g,
        feed_v.0.as_secs_f64() / g,
        mem_nv.0.as_secs_f64() / g,
    );
    println!(
        "  records: {} ok + {} rejected (validated), {} ok without validation; from memory {} ok validated, {} without",
        feed_v.2 .0, feed_v.2 .1, feed_nv.2 .0, mem_v.2, mem_nv.2
    );
    // The figures count only if every path read the same records: the pipelined, one-thread and in-memory paths
    // agree, and validation rejects exactly the corpus's 7 records whose GIT events are no commit hashes (the
    // integration test `every_shared_osv_record_parses_except_seven_invalid_pypi_ones` names them).
    assert_eq!(
        (seq_v.2, seq_nv.2),
        (feed_v.2, feed_nv.2),
        "1 thread = pipelined"
    );
    assert_eq!(
        (mem_v.2 as u64, mem_nv.2 as u64),
        (feed_v.2 .0, feed_nv.2 .0),
        "from memory = read_feed"
    );
    assert_eq!(feed_v.2 .1, 7, "rejected when validated");
    assert_eq!(
        feed_nv.2 .0,
        feed_v.2 .0 + feed_v.2 .1,
        "all read without validation"
    );
}
