//! The pipelined `read_feed` (reader thread, parsing workers, records in input order) against the one-thread path,
//! the raw text of OSV records, and the typed (unvalidated) OSV parse against the validated one over the corpus.

use std::ops::ControlFlow;
use std::path::Path;

use psirt_formats::intel::read_feed_threads;
use psirt_formats::{FeedKind, FeedProgress, FeedSummary, IntelRecord, ParseOptions, RecordError};

use crate::common::{data_dir, files, gz_lines, gzip, scratch, write_zip};

type Outcome = Vec<Result<IntelRecord, (String, String)>>;

/// Everything `read_feed` hands over, in order (errors as locator and message), with the summary and the last
/// progress report.
fn read(
    kind: FeedKind,
    path: &Path,
    validate: bool,
    threads: usize,
) -> (Outcome, FeedSummary, FeedProgress) {
    let mut out = Vec::new();
    let mut last = FeedProgress::default();
    let summary = read_feed_threads(
        kind,
        path,
        &ParseOptions { validate },
        threads,
        &mut |r: Result<IntelRecord, RecordError>| {
            out.push(r.map_err(|e| (e.locator.to_string(), e.error.to_string())));
            ControlFlow::Continue(())
        },
        &mut |p| last = p,
    )
    .unwrap();
    (out, summary, last)
}

/// 1,200 real records (AlmaLinux, Go, PyPI) with bad lines spread through them: a batch boundary is crossed many
/// times, and errors sit in the middle of batches.
fn mixed_lines() -> Vec<String> {
    let mut good = Vec::new();
    for file in ["AlmaLinux", "Go", "PyPI"] {
        good.extend(
            gz_lines(&format!("feeds/osv/{file}.jsonl.gz"))
                .into_iter()
                .take(400),
        );
    }
    let mut lines = Vec::new();
    for (i, l) in good.into_iter().enumerate() {
        match i % 97 {
            13 => lines.push("{\"id\": \"GO-2099-0001\", \"modif".to_string()),
            14 => lines.push(String::new()),
            15 => lines.push("{\"id\": 1}".to_string()),
            16 => lines.push("[]".to_string()),
            _ => {}
        }
        lines.push(l);
    }
    lines
}

#[test]
fn pipelined_read_keeps_order_and_locates_errors() {
    let dir = scratch("pipeline-order");
    let lines = mixed_lines();
    let text = lines.join("\n");
    let plain = dir.join("mixed.jsonl");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.join("mixed.jsonl.gz");
    std::fs::write(&gz, gzip(text.as_bytes())).unwrap();
    for validate in [false, true] {
        for path in [&plain, &gz] {
            let (one, one_summary, one_last) = read(FeedKind::Osv, path, validate, 1);
            // The errors, by line: 13 bad lines of each of the three kinds (blank lines are skipped); validated,
            // also the corpus records the schema rejects.
            let errors: Vec<&(String, String)> =
                one.iter().filter_map(|r| r.as_ref().err()).collect();
            let mut injected = 0;
            for (at, message) in &errors {
                let n: usize = at.rsplit(':').next().unwrap().parse().unwrap();
                let line = &lines[n - 1];
                if line.starts_with("{\"id\": \"GO-2099") || line == "{\"id\": 1}" || line == "[]" {
                    injected += 1;
                } else {
                    assert!(validate && message.contains("schema"), "{at}: {message}");
                }
            }
            assert_eq!(injected, 13 * 3, "{errors:#?}");
            assert_eq!(one.len(), 1200 + injected);
            let (records, errors) = (one.len() as u64, errors.len() as u64);
            for threads in [2, 3, 8] {
                let (many, summary, last) = read(FeedKind::Osv, path, validate, threads);
                assert_eq!(many, one, "{threads} threads, {}", path.display());
                assert_eq!(summary, one_summary);
                assert_eq!(last, one_last);
                assert_eq!(last.bytes_read, last.bytes_total);
                assert_eq!((last.records, last.errors), (records, errors));
            }
        }
    }
}

#[test]
fn pipelined_zip_matches_one_thread() {
    let dir = scratch("pipeline-zip");
    let mut entries = Vec::new();
    for (i, line) in mixed_lines().iter().enumerate().take(500) {
        entries.push((format!("r{i:04}.json"), line.as_bytes().to_vec()));
    }
    entries.push(("README.txt".into(), b"not a record".to_vec()));
    let zip = dir.join("all.zip");
    write_zip(&zip, &entries);
    let (one, one_summary, _) = read(FeedKind::Osv, &zip, true, 1);
    assert!(one.iter().any(Result::is_err) && one.iter().any(Result::is_ok));
    for threads in [2, 4] {
        let (many, summary, _) = read(FeedKind::Osv, &zip, true, threads);
        assert_eq!(many, one);
        assert_eq!(summary, one_summary);
    }
}

#[test]
fn break_stops_the_pipeline_promptly() {
    let path = data_dir().join("feeds/osv/AlmaLinux.jsonl.gz");
    for threads in [1, 2, 4] {
        let mut n = 0;
        let summary = read_feed_threads(
            FeedKind::Osv,
            &path,
            &ParseOptions::default(),
            threads,
            &mut |_| {
                n += 1;
                if n == 10 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(summary.stopped);
        assert_eq!((n, summary.records), (10, 10), "{threads} threads");
    }
}

#[test]
fn raw_is_the_record_as_received() {
    let dir = scratch("pipeline-raw");
    let lines = gz_lines("feeds/osv/Go.jsonl.gz");
    let lines = &lines[..300];
    // Padding around a record is not part of it; CRLF line ends are not either.
    let text = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i % 2 == 0 {
                format!("  {l}\t\r")
            } else {
                l.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join("go.jsonl");
    std::fs::write(&path, text).unwrap();
    for validate in [false, true] {
        let (got, _, _) = read(FeedKind::Osv, &path, validate, 2);
        assert_eq!(got.len(), lines.len());
        for (r, line) in got.iter().zip(lines) {
            let r = r.as_ref().unwrap();
            assert_eq!(r.raw.as_str(), line);
            // The canonical form is what a `Value` writes: what `raw` was before it was text.
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(r.raw.canonical().unwrap(), value.to_string());
            assert_eq!(r.raw.to_value().unwrap(), value);
            // Serialised as the JSON it holds.
            let as_json = serde_json::to_value(r).unwrap();
            assert_eq!(as_json["raw"], value);
        }
    }
}

#[test]
fn unvalidated_and_validated_osv_agree_on_the_corpus() {
    let mut compared = 0;
    let mut rejected = 0;
    for path in files("feeds/osv") {
        if !path.to_string_lossy().ends_with(".jsonl.gz") {
            continue;
        }
        let (fast, _, _) = read(FeedKind::Osv, &path, false, 2);
        let (valid, _, _) = read(FeedKind::Osv, &path, true, 2);
        assert_eq!(fast.len(), valid.len(), "{}", path.display());
        for (f, v) in fast.iter().zip(&valid) {
            match v {
                Ok(v) => {
                    assert_eq!(f.as_ref().unwrap(), v);
                    compared += 1;
                }
                // Schema violations only: the model reads them without validation.
                Err((at, message)) => {
                    assert!(f.is_ok(), "{at}: {message}");
                    rejected += 1;
                }
            }
        }
    }
    assert_eq!((compared, rejected), (26216, 7));
}
