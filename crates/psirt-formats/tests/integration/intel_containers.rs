//! Containers built in the tests: OSV all.zip, a cvelistV5-layout zip, a directory, EPSS CSV files, JSON Lines
//! with bad records. Bad records come back as errors with locators while the rest is read.

use std::ops::ControlFlow;

use psirt_formats::{
    parse_epss, read_feed, FeedKind, FeedProgress, IntelError, IntelSource, ParseOptions,
};

use crate::common::{gz_lines, gzip, read_all, scratch, write_zip};

fn id_of(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["id"]
        .as_str()
        .or_else(|| v["cveMetadata"]["cveId"].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn osv_all_zip_from_real_records() {
    let dir = scratch("osv-zip");
    let mut entries = Vec::new();
    for file in ["Go", "PyPI", "crates.io", "AlmaLinux"] {
        for line in gz_lines(&format!("feeds/osv/{file}.jsonl.gz"))
            .iter()
            .take(40)
        {
            entries.push((format!("{}.json", id_of(line)), line.as_bytes().to_vec()));
        }
    }
    let good = entries.len();
    entries.push((
        "broken.json".into(),
        b"{\"id\": \"GO-2099-0001\", \"modif".to_vec(),
    ));
    entries.push(("README.txt".into(), b"not a record".to_vec()));
    entries.push(("sub/".into(), Vec::new()));
    let zip = dir.join("all.zip");
    write_zip(&zip, &entries);

    let mut last = FeedProgress::default();
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    let summary = read_feed(
        FeedKind::Osv,
        &zip,
        &ParseOptions::default(),
        &mut |r| {
            match r {
                Ok(rec) => ids.push(rec.id),
                Err(e) => errors.push(e),
            }
            ControlFlow::Continue(())
        },
        &mut |p| last = p,
    )
    .unwrap();
    assert_eq!(ids.len(), good);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].locator.entry.as_deref(), Some("broken.json"));
    assert!(
        matches!(errors[0].error, IntelError::Json { .. }),
        "{}",
        errors[0]
    );
    assert!(errors[0].to_string().contains("all.zip!broken.json"));
    // README.txt and the directory are not records.
    assert_eq!(summary.documents as usize, good + 1);
    assert_eq!(summary.records as usize, good + 1);
    assert_eq!(
        (last.records, last.errors, last.bytes_read),
        (good as u64 + 1, 1, last.bytes_total)
    );
    assert!(last.bytes_total > 0);
}

#[test]
fn cvelist_v5_zip_layout() {
    let dir = scratch("cvelist-zip");
    let lines = gz_lines("feeds/cve5/vulnrichment-sample.jsonl.gz");
    let mut entries = vec![("cvelistV5-main/".to_string(), Vec::new())];
    for line in lines.iter().take(60) {
        let id = id_of(line);
        let mut parts = id.split('-');
        let (_, year, num) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let bucket = format!("{}xxx", &num[..num.len() - 3]);
        entries.push((
            format!("cvelistV5-main/cves/{year}/{bucket}/{id}.json"),
            line.as_bytes().to_vec(),
        ));
    }
    // cvelistV5 also carries delta files and a README: not records.
    entries.push((
        "cvelistV5-main/cves/delta.json".into(),
        br#"{"fetchTime": "2024-10-24T00:00:00Z", "numberOfChanges": 0}"#.to_vec(),
    ));
    entries.push(("cvelistV5-main/cves/deltaLog.json".into(), b"[]".to_vec()));
    entries.push(("cvelistV5-main/README.md".into(), b"# cvelistV5".to_vec()));
    // A record that breaks the schema: cveId with a bad pattern.
    let mut bad: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    bad["cveMetadata"]["cveId"] = "CVE-24-1".into();
    entries.push((
        "cvelistV5-main/cves/2024/0xxx/CVE-2024-0001.json".into(),
        serde_json::to_vec(&bad).unwrap(),
    ));
    let zip = dir.join("cvelistV5-main.zip");
    write_zip(&zip, &entries);

    let (ok, errors, summary) = read_all(FeedKind::Cve5, &zip);
    assert_eq!(ok.len(), 60);
    assert!(ok.iter().all(|r| r.source == IntelSource::Cve5));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(
        e.locator.entry.as_deref(),
        Some("cvelistV5-main/cves/2024/0xxx/CVE-2024-0001.json")
    );
    assert_eq!(e.error.pointer(), Some("/cveMetadata/cveId"), "{e}");
    assert_eq!(summary.documents, 61);
}

#[test]
fn directory_is_read_recursively() {
    let dir = scratch("osv-dir");
    let lines = gz_lines("feeds/osv/crates.io.jsonl.gz");
    for (i, line) in lines.iter().take(30).enumerate() {
        let sub = dir.join(format!("crates/c{}", i % 3));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("{}.json", id_of(line))), line).unwrap();
    }
    std::fs::write(dir.join("notes.md"), "ignored").unwrap();
    std::fs::write(dir.join("crates/bad.json"), "[1, 2").unwrap();
    let (ok, errors, summary) = read_all(FeedKind::Osv, &dir);
    assert_eq!(ok.len(), 30);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].locator.file.ends_with("crates/bad.json"));
    assert_eq!(summary.documents, 31);
    // Sorted walk: the same order every time.
    let (again, _, _) = read_all(FeedKind::Osv, &dir);
    let ids = |v: &[psirt_formats::IntelRecord]| v.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&ok), ids(&again));
}

/// A folder of OSV exports as the bucket lays them out (`<ecosystem>/all.zip`) or as JSON Lines (`.jsonl.gz`,
/// `.jsonl`), with a single record beside them: every record of each is read; CVE 5 still reads only `CVE-*.json`.
#[test]
fn directory_of_osv_exports() {
    let dir = scratch("osv-exports");
    let take = |file: &str| -> Vec<String> {
        gz_lines(&format!("feeds/osv/{file}.jsonl.gz"))
            .into_iter()
            .take(25)
            .collect()
    };
    let (go, pypi, crates, alma) = (
        take("Go"),
        take("PyPI"),
        take("crates.io"),
        take("AlmaLinux"),
    );
    std::fs::create_dir_all(dir.join("PyPI")).unwrap();
    let entries: Vec<(String, Vec<u8>)> = pypi
        .iter()
        .map(|l| (format!("{}.json", id_of(l)), l.as_bytes().to_vec()))
        .collect();
    write_zip(&dir.join("PyPI/all.zip"), &entries);
    std::fs::write(dir.join("Go.jsonl.gz"), gzip(go.join("\n").as_bytes())).unwrap();
    std::fs::write(dir.join("crates.io.jsonl"), crates.join("\n")).unwrap();
    std::fs::write(dir.join("one.json"), &alma[0]).unwrap();
    std::fs::write(dir.join("notes.md"), "ignored").unwrap();

    let (ok, errors, summary) = read_all(FeedKind::Osv, &dir);
    assert!(errors.is_empty(), "{errors:?}");
    let mut got: Vec<String> = ok.iter().map(|r| r.id.clone()).collect();
    let mut want: Vec<String> = go
        .iter()
        .chain(&pypi)
        .chain(&crates)
        .chain(&alma[..1])
        .map(|l| id_of(l))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // Files and zip entries opened: two JSON Lines files, 25 entries, one record file.
    assert_eq!((summary.documents, summary.records), (28, 76));

    // Only CVE records are taken from a directory for CVE 5: these exports are not.
    let (cve, errors, _) = read_all(FeedKind::Cve5, &dir);
    assert!(cve.is_empty() && errors.is_empty());
}

#[test]
fn jsonl_with_bad_records_reports_each_and_reads_the_rest() {
    let dir = scratch("osv-jsonl-bad");
    let real = gz_lines("feeds/osv/PyPI.jsonl.gz");
    let good = |i: usize| real[i].clone();
    let mut unknown_field: serde_json::Value = serde_json::from_str(&real[3]).unwrap();
    unknown_field["colour"] = "blue".into();
    let mut wrong_type: serde_json::Value = serde_json::from_str(&real[4]).unwrap();
    wrong_type["aliases"] = 5.into();
    let mut bad_range: serde_json::Value = serde_json::from_str(&real[5]).unwrap();
    bad_range["affected"][0]["ranges"][0]["type"] = "SOMETIMES".into();
    let truncated = &real[6][..real[6].len() / 2];
    let lines = [
        good(0),
        truncated.to_string(),
        good(1),
        String::new(), // blank lines are skipped, not errors
        unknown_field.to_string(),
        wrong_type.to_string(),
        bad_range.to_string(),
        good(2),
    ];
    let text = lines.join("\n");
    let plain = dir.join("mixed.jsonl");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.join("mixed.jsonl.gz");
    std::fs::write(&gz, gzip(text.as_bytes())).unwrap();

    for path in [&plain, &gz] {
        let (ok, errors, _) = read_all(FeedKind::Osv, path);
        assert_eq!(ok.len(), 3, "{}", path.display());
        let seen: Vec<(Option<u64>, Option<&str>)> = errors
            .iter()
            .map(|e| (e.locator.line, e.error.pointer()))
            .collect();
        assert_eq!(seen.len(), 4, "{errors:#?}");
        assert!(matches!(errors[0].error, IntelError::Json { .. }));
        assert_eq!(seen[0].0, Some(2));
        // additionalProperties: false at the root reports the root.
        assert_eq!(seen[1], (Some(5), Some("")));
        assert!(
            errors[1].error.to_string().contains("colour"),
            "{}",
            errors[1]
        );
        assert_eq!(seen[2], (Some(6), Some("/aliases")));
        assert_eq!(seen[3].0, Some(7));
        assert!(
            seen[3].1.unwrap().starts_with("/affected/0/ranges/0"),
            "{}",
            errors[3]
        );
    }
}

#[test]
fn truncated_gzip_stream_is_an_error_record_after_the_good_lines() {
    let dir = scratch("osv-gz-truncated");
    let real = gz_lines("feeds/osv/Go.jsonl.gz");
    let text = real[..50].join("\n");
    let gz = gzip(text.as_bytes());
    let path = dir.join("cut.jsonl.gz");
    std::fs::write(&path, &gz[..gz.len() * 3 / 4]).unwrap();
    let (ok, errors, _) = read_all(FeedKind::Osv, &path);
    assert!(ok.len() > 10 && ok.len() < 50, "{}", ok.len());
    // One error for the cut (a half line may also fail as JSON just before it).
    assert!(!errors.is_empty() && errors.len() <= 2, "{errors:#?}");
    assert!(matches!(errors.last().unwrap().error, IntelError::Cut(_)));
}

#[test]
fn callback_can_stop_the_run() {
    let path = crate::common::data_dir().join("feeds/osv/Go.jsonl.gz");
    let mut n = 0;
    let summary = read_feed(
        FeedKind::Osv,
        &path,
        &ParseOptions::default(),
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
    assert_eq!((n, summary.records), (10, 10));
}

#[test]
fn unsupported_and_missing_paths_fail_the_run() {
    let dir = scratch("unsupported");
    let tar = dir.join("feed.tar.gz");
    std::fs::write(&tar, b"x").unwrap();
    let run = |p: &std::path::Path| {
        read_feed(
            FeedKind::Osv,
            p,
            &ParseOptions::default(),
            &mut |_| ControlFlow::Continue(()),
            &mut |_| {},
        )
    };
    assert!(matches!(run(&tar), Err(IntelError::Unsupported(_))));
    assert!(matches!(
        run(&dir.join("missing.json")),
        Err(IntelError::Io(_))
    ));
    let not_zip = dir.join("all.zip");
    std::fs::write(&not_zip, b"PK but not really").unwrap();
    assert!(matches!(run(&not_zip), Err(IntelError::Zip(_))));
}

const EPSS: &str = "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\n\
cve,epss,percentile\n\
CVE-1999-0001,0.01042,0.82765\n\
CVE-2021-44228,0.94358,0.99950\n\
CVE-2024-0001,0.00043,0.10423\n";

#[test]
fn epss_csv_plain_and_gzipped() {
    for bytes in [EPSS.as_bytes().to_vec(), gzip(EPSS.as_bytes())] {
        let rows: Vec<_> = parse_epss(&bytes[..]).map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].cve, "CVE-2021-44228");
        assert_eq!((rows[1].score, rows[1].percentile), (0.94358, 0.9995));
        assert_eq!(rows[1].score_date.unwrap().to_string(), "2025-08-25");
        assert_eq!(rows[1].model_version.as_deref(), Some("v2025.03.14"));
    }
    // No comment line, no header (old files), CRLF line ends.
    let old = "CVE-2020-0001,0.5,0.6\r\nCVE-2020-0002,0.1,0.2\r\n";
    let rows: Vec<_> = parse_epss(old.as_bytes()).map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].score_date, None);
}

/// A gzip stream that never ends its line (a bomb, or not a CSV at all) is one error after a bounded read, not a
/// line grown until memory runs out; the rows before it are read.
#[test]
fn epss_line_without_end_is_one_error() {
    let mut text = format!("{EPSS}CVE-2024-0002,0.5,0.2\n").into_bytes();
    text.extend(std::iter::repeat_n(b'7', 1 << 20));
    let rows: Vec<_> = parse_epss(&gzip(&text)[..]).collect();
    assert!(rows[..rows.len() - 1].iter().all(Result::is_ok), "{rows:?}");
    match rows.last() {
        Some(Err(IntelError::Cut(message))) => {
            assert!(message.contains("longer than"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

/// A row that is not UTF-8 is one bad row: the rows after it are read (it ended the file).
#[test]
fn epss_row_not_utf8_is_one_error() {
    let mut text = EPSS.as_bytes().to_vec();
    text.extend(b"CVE-2024-\xff,0.1,0.2\nCVE-2024-0002,0.5,0.2\n");
    let rows: Vec<_> = parse_epss(&gzip(&text)[..]).collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    match &rows[3] {
        Err(IntelError::Csv { line: 6, message }) => {
            assert!(message.contains("UTF-8"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rows[4].as_ref().unwrap().cve, "CVE-2024-0002");
}

/// A `score_date` that cannot be read ends the file: its rows, undated, would replace the scores of a newer day.
#[test]
fn epss_unreadable_score_date_reads_no_row() {
    let text = EPSS.replace("2025-08-25T12:55:00Z", "25-08-2025");
    let rows: Vec<_> = parse_epss(text.as_bytes()).collect();
    match &rows[..] {
        [Err(IntelError::Cut(message))] => {
            assert!(
                message.contains("line 1: score_date \"25-08-2025\""),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn epss_bad_rows_are_errors_with_line_numbers() {
    let text = format!("{EPSS}CVE-2024-0002,1.5,0.2\nnot-a-cve,0.1,0.2\nCVE-2024-0003,0.1\nCVE-2024-0004,0.2,0.3\n");
    let rows: Vec<_> = parse_epss(text.as_bytes()).collect();
    let lines: Vec<Option<u64>> = rows
        .iter()
        .map(|r| match r {
            Err(IntelError::Csv { line, .. }) => Some(*line),
            _ => None,
        })
        .collect();
    assert_eq!(lines, [None, None, None, Some(6), Some(7), Some(8), None]);

    // Through the container: records of source epss, errors located by line.
    let dir = scratch("epss");
    let path = dir.join("epss_scores-2025-08-25.csv.gz");
    std::fs::write(&path, gzip(text.as_bytes())).unwrap();
    let (ok, errors, _) = read_all(FeedKind::Epss, &path);
    assert_eq!(ok.len(), 4);
    assert!(ok
        .iter()
        .all(|r| r.source == IntelSource::Epss && r.epss.is_some()));
    assert_eq!(ok[1].id, "CVE-2021-44228");
    assert_eq!(ok[1].raw.to_value().unwrap()["epss"], 0.94358);
    let at: Vec<_> = errors.iter().map(|e| e.locator.to_string()).collect();
    assert!(at[0].ends_with("epss_scores-2025-08-25.csv.gz:6"), "{at:?}");
    assert_eq!(errors.len(), 3);
}

/// A row's CVE id is checked whole (not only its prefix: a NUL or a stray character would be stored as an id), and
/// an error quotes only the start of a bad row: a feed source's download is whatever its URL answered, and the
/// error report is kept.
#[test]
fn epss_errors_check_the_whole_id_and_quote_only_a_row_start() {
    let secret = format!("{{\"AccessKeyId\": \"{}\"}}", "K".repeat(200));
    let text = format!("{EPSS}CVE-2024-0002\0,0.5,0.2\nCVE-24-1,0.5,0.2\n{secret}\n");
    let rows: Vec<_> = parse_epss(text.as_bytes()).collect();
    let messages: Vec<String> = rows[3..]
        .iter()
        .map(|r| match r {
            Err(IntelError::Csv { message, .. }) => message.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(messages.len(), 3, "{rows:?}");
    assert!(messages[0].starts_with("not a CVE id"), "{messages:?}");
    assert!(messages[1].starts_with("not a CVE id"), "{messages:?}");
    assert!(messages[2].starts_with("expected 3 fields"), "{messages:?}");
    assert!(messages[2].ends_with("KKKK\"…"), "{messages:?}");
    assert!(messages[2].len() < 100, "{messages:?}");
}

/// A directory import follows symbolic links (a git-annex or DataLad checkout of a feed is all links), enters each
/// directory once (a link back up is no loop), and reads past what it cannot read: a wanted file behind a broken
/// link is one bad record, not the end of the import (nor skipped without a word).
#[cfg(unix)]
#[test]
fn directory_import_follows_links_once_and_reads_past_broken_ones() {
    use std::os::unix::fs::symlink;
    let root = scratch("dir-links");
    let store = root.join("annex");
    let feed = root.join("feed");
    std::fs::create_dir_all(store.join("objects")).unwrap();
    std::fs::create_dir_all(&feed).unwrap();
    let lines = gz_lines("feeds/osv/Go.jsonl.gz");
    std::fs::write(store.join("one"), &lines[0]).unwrap();
    std::fs::write(store.join("objects").join("GO-2.json"), &lines[1]).unwrap();
    symlink(store.join("one"), feed.join("GO-1.json")).unwrap();
    symlink(store.join("objects"), feed.join("linked")).unwrap();
    symlink(&feed, feed.join("loop")).unwrap();
    symlink(root.join("gone"), feed.join("gone.json")).unwrap();
    symlink(root.join("gone"), feed.join("README")).unwrap();
    // A link beside its target, and a hidden folder (git-annex keeps every file's content under `.git`): read once.
    std::fs::write(feed.join("GO-3.json"), &lines[2]).unwrap();
    symlink(feed.join("GO-3.json"), feed.join("GO-3-again.json")).unwrap();
    std::fs::create_dir_all(feed.join(".git/annex")).unwrap();
    std::fs::write(feed.join(".git/annex/GO-4.json"), &lines[3]).unwrap();
    // Other hidden folders are read (a CSAF mirror keeps its documents under `.well-known`).
    std::fs::create_dir_all(feed.join(".well-known")).unwrap();
    std::fs::write(feed.join(".well-known/GO-5.json"), &lines[4]).unwrap();
    let (ok, errors, _) = read_all(FeedKind::Osv, &feed);
    let mut ids: Vec<&str> = ok.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let mut want: Vec<String> = [&lines[0], &lines[1], &lines[2], &lines[4]]
        .into_iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    want.sort_unstable();
    assert_eq!(ids, want);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].locator.to_string().ends_with("gone.json"),
        "{}",
        errors[0]
    );
    assert!(matches!(errors[0].error, IntelError::Io(_)));
}

/// Entries of a zip written on Windows may separate folders with `\`: still found by their file name.
#[test]
fn zip_entries_with_backslashes_are_found() {
    let dir = scratch("zip-backslash");
    let path = dir.join("cves.zip");
    let line = gz_lines("feeds/cve5/vulnrichment-sample.jsonl.gz").swap_remove(0);
    let id = id_of(&line);
    write_zip(
        &path,
        &[(format!("cves\\2021\\{id}.json"), line.into_bytes())],
    );
    let (ok, errors, _) = read_all(FeedKind::Cve5, &path);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].id, id);
}

/// The CVE Program's daily baseline (`…_all_CVEs_at_midnight.zip.zip`) is a zip holding one `cves.zip` with the
/// `cves/YYYY/…` layout: read one level deep, entries named through both zips. A `.zip` entry that is no zip is
/// one bad record.
#[test]
fn a_zip_inside_a_zip_is_read() {
    let dir = scratch("zip-in-zip");
    let lines = gz_lines("feeds/cve5/vulnrichment-sample.jsonl.gz");
    let inner: Vec<(String, Vec<u8>)> = lines[..5]
        .iter()
        .map(|l| {
            (
                format!("cves/2024/{}.json", id_of(l)),
                l.clone().into_bytes(),
            )
        })
        .collect();
    let inner_path = dir.join("cves.zip");
    write_zip(&inner_path, &inner);
    let outer = dir.join("2026-12-01_all_CVEs_at_midnight.zip.zip");
    write_zip(
        &outer,
        &[
            ("cves.zip".to_string(), std::fs::read(&inner_path).unwrap()),
            ("broken.zip".to_string(), b"PK not really".to_vec()),
        ],
    );
    let (ok, errors, summary) = read_all(FeedKind::Cve5, &outer);
    let ids: Vec<String> = ok.iter().map(|r| r.id.clone()).collect();
    let want: Vec<String> = lines[..5].iter().map(|l| id_of(l)).collect();
    assert_eq!(ids, want);
    assert_eq!(summary.documents, 5);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].locator.entry.as_deref(), Some("broken.zip"));
    assert!(
        matches!(errors[0].error, IntelError::Zip(_)),
        "{}",
        errors[0]
    );
    // A record's errors name both zips.
    let mut bad = lines[0].clone().into_bytes();
    bad.truncate(bad.len() / 2);
    write_zip(
        &inner_path,
        &[("cves/2024/CVE-2024-0001.json".to_string(), bad)],
    );
    write_zip(
        &outer,
        &[("cves.zip".to_string(), std::fs::read(&inner_path).unwrap())],
    );
    let (_, errors, _) = read_all(FeedKind::Cve5, &outer);
    assert_eq!(
        errors[0].locator.entry.as_deref(),
        Some("cves.zip!cves/2024/CVE-2024-0001.json")
    );
}
