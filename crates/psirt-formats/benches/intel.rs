//! OSV parse rate over the whole shared OSV corpus (shared/data/feeds/osv/*.jsonl.gz), release mode:
//!
//!     cargo bench -p psirt-formats --bench intel
//!
//! Prints, for the same input: gunzip only (split into lines), gunzip + JSON `Value`, the full import path
//! ([`read_feed`]) without and with schema validation, and parsing from memory (already decompressed lines) — so
//! one can say whether import is limited by decompression. Best of `RUNS` runs each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use flate2::read::MultiGzDecoder;
use psirt_formats::{parse_osv, read_feed, warm_up_intel, FeedKind, ParseOptions};

const RUNS: usize = 3;

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

fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut best = Duration::MAX;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.unwrap())
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

fn import(files: &[PathBuf], validate: bool) -> (u64, u64) {
    let (mut ok, mut bad) = (0u64, 0u64);
    for path in files {
        read_feed(
            FeedKind::Osv,
            path,
            &ParseOptions { validate },
            &mut |r| {
                match r {
                    Ok(rec) => {
                        std::hint::black_box(&rec);
                        ok += 1
                    }
                    Err(_) => bad += 1,
                }
                ControlFlow::Continue(())
            },
            &mut |_| {},
        )
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

    let (t_gunzip, (bytes, records)) = best(|| {
        gunzip_lines(&files, |l| {
            std::hint::black_box(l);
        })
    });
    let (t_value, _) = best(|| {
        gunzip_lines(&files, |l| {
            let v: serde_json::Value = std::str::from_utf8(l).unwrap().parse().unwrap();
            std::hint::black_box(v);
        })
    });
    let (t_novalid, (ok_nv, _)) = best(|| import(&files, false));
    let (t_valid, (ok_v, bad_v)) = best(|| import(&files, true));

    let mut lines = Vec::with_capacity(records as usize);
    gunzip_lines(&files, |l| lines.push(l.to_vec()));
    let (t_mem, ok_mem) = best(|| {
        lines
            .iter()
            .filter(|l| parse_osv(l, &ParseOptions::default()).is_ok())
            .count()
    });

    let mb = bytes as f64 / 1e6;
    println!(
        "OSV corpus: {} files, {records} records, {:.1} MB gzip -> {mb:.1} MB JSON (best of {RUNS})",
        files.len(),
        compressed as f64 / 1e6
    );
    let row = |name: &str, t: Duration| {
        let s = t.as_secs_f64();
        println!(
            "  {name:<38} {:>8.1} ms  {:>9.0} records/s  {:>7.1} MB/s",
            s * 1e3,
            records as f64 / s,
            mb / s
        );
    };
    row("gunzip + split lines", t_gunzip);
    row("gunzip + JSON Value", t_value);
    row("read_feed, no validation", t_novalid);
    row("read_feed, validated (default)", t_valid);
    row("parse_osv from memory, validated", t_mem);
    println!(
        "  decompression share of the validated import: {:.0}%; parse-only / gunzip-only time: {:.1}x",
        100.0 * t_gunzip.as_secs_f64() / t_valid.as_secs_f64(),
        t_mem.as_secs_f64() / t_gunzip.as_secs_f64()
    );
    println!("  records: {ok_v} ok + {bad_v} rejected (validated), {ok_nv} ok without validation, {ok_mem} from memory");
}
