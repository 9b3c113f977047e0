//! Containers: what `psirt feeds import KIND PATH` is given, walked record by record.
//!
//! | PATH | read as |
//! |---|---|
//! | directory | recursively, sorted: every `*.json` (CVE 5: `CVE-*.json`, so cvelistV5's `delta*.json` are skipped; EPSS: `*.csv`, `*.csv.gz`) |
//! | `*.json`, `*.json.gz` | one document (one record; for KEV the catalog) |
//! | `*.jsonl`, `*.ndjson`, `*.jsonl.gz` | one document per non-empty line |
//! | `*.zip` | every `*.json` entry (OSV `all.zip`; cvelistV5 zips: `CVE-*.json` entries only) |
//! | `*.csv`, `*.csv.gz` (EPSS) | one record per row |
//!
//! Per-record problems — bad JSON, schema violations, an unreadable zip entry, a truncated gzip member — become
//! [`RecordError`]s handed to the callback with a [`Locator`], and reading goes on with the next record (for a
//! broken gzip stream: with the next file). Only a PATH that cannot be opened or is not a supported container, or a
//! zip whose directory cannot be read, stops the run with an [`IntelError`].

use std::cell::Cell;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::csaf::csaf_from_value;
use super::cve5::cve5_from_value;
use super::error::{IntelError, Locator, RecordError};
use super::kev::kev_from_value;
use super::osv::osv_from_value;
use super::{parse_epss, IntelRecord, IntelSource};
use crate::ParseOptions;

/// Largest single document (file, zip entry, decompressed `.json.gz`) read: far above any real record (the KEV
/// catalog is ~1.3 MB) and a bound on what a zip or gzip bomb can make us allocate.
pub const MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// Progress is reported at most every this many records (and at the end of every file).
const PROGRESS_EVERY: u64 = 256;

/// The feed a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    Osv,
    Cve5,
    Kev,
    Epss,
    /// CSAF 2.0 documents (`.json` files).
    Csaf,
}

impl std::str::FromStr for FeedKind {
    type Err = IntelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "osv" => Ok(FeedKind::Osv),
            "cve5" | "cve" => Ok(FeedKind::Cve5),
            "kev" => Ok(FeedKind::Kev),
            "epss" => Ok(FeedKind::Epss),
            "csaf" => Ok(FeedKind::Csaf),
            other => Err(IntelError::Unsupported(format!(
                "feed kind {other:?} (expected osv, cve5, kev, epss or csaf)"
            ))),
        }
    }
}

/// For a progress bar: input bytes consumed (compressed, as on disk) out of the total, and records so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedProgress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    /// Records handed to the callback (good and bad).
    pub records: u64,
    /// Of which errors.
    pub errors: u64,
}

/// What a run read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Files (or zip entries) opened.
    pub documents: u64,
    pub records: u64,
    pub errors: u64,
    pub bytes_total: u64,
    /// The callback returned `Break`.
    pub stopped: bool,
}

/// Reads every record under `path` as `kind`, calling `on_record` with each record or its error (return
/// `ControlFlow::Break(())` to stop early) and `progress` now and then. See the module doc for the containers.
pub fn read_feed(
    kind: FeedKind,
    path: &Path,
    options: &ParseOptions,
    on_record: &mut dyn FnMut(Result<IntelRecord, RecordError>) -> ControlFlow<()>,
    progress: &mut dyn FnMut(FeedProgress),
) -> Result<FeedSummary, IntelError> {
    let meta = std::fs::metadata(path).map_err(|e| io_at(e, path))?;
    let mut run = Run {
        kind,
        options,
        on_record,
        progress,
        state: FeedProgress::default(),
        base: 0,
        documents: 0,
        stopped: false,
    };
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, kind, &mut files)?;
        files.sort();
        run.state.bytes_total = files.iter().map(|(_, len)| len).sum();
        for (file, len) in files {
            if run.stopped {
                break;
            }
            if let Err(e) = run.file(&file) {
                // Inside a directory a file that cannot be read is one bad record, not the end of the import.
                run.emit(Err(RecordError {
                    locator: Locator::file(file.display().to_string()),
                    error: e,
                }));
            }
            run.base += len;
            run.report();
        }
    } else {
        run.state.bytes_total = meta.len();
        run.file(path)?;
        run.base = meta.len();
        run.report();
    }
    Ok(FeedSummary {
        documents: run.documents,
        records: run.state.records,
        errors: run.state.errors,
        bytes_total: run.state.bytes_total,
        stopped: run.stopped,
    })
}

fn io_at(e: std::io::Error, path: &Path) -> IntelError {
    IntelError::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}

/// Collects the files a directory import reads, with their sizes.
fn walk(dir: &Path, kind: FeedKind, out: &mut Vec<(PathBuf, u64)>) -> Result<(), IntelError> {
    for entry in std::fs::read_dir(dir).map_err(|e| io_at(e, dir))? {
        let entry = entry.map_err(|e| io_at(e, dir))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(|e| io_at(e, &path))?;
        if ty.is_dir() {
            walk(&path, kind, out)?;
        } else if ty.is_file() && wanted(kind, &entry.file_name().to_string_lossy()) {
            let len = entry.metadata().map_err(|e| io_at(e, &path))?.len();
            out.push((path, len));
        }
    }
    Ok(())
}

/// Whether a file (or zip entry) name inside a directory (or zip) holds records of `kind`.
fn wanted(kind: FeedKind, name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    match kind {
        FeedKind::Osv | FeedKind::Kev | FeedKind::Csaf => base.ends_with(".json"),
        FeedKind::Cve5 => base.starts_with("CVE-") && base.ends_with(".json"),
        FeedKind::Epss => base.ends_with(".csv") || base.ends_with(".csv.gz"),
    }
}

/// Counts bytes read from the underlying file, for progress.
struct Counting<'c, R> {
    inner: R,
    count: &'c Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Reads at most [`MAX_DOCUMENT_BYTES`]; more is an error, not a truncation.
fn read_capped(reader: impl Read) -> Result<Vec<u8>, IntelError> {
    let mut buf = Vec::new();
    reader.take(MAX_DOCUMENT_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(IntelError::Unsupported(format!(
            "document larger than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    Ok(buf)
}

struct Run<'r> {
    kind: FeedKind,
    options: &'r ParseOptions,
    on_record: &'r mut dyn FnMut(Result<IntelRecord, RecordError>) -> ControlFlow<()>,
    progress: &'r mut dyn FnMut(FeedProgress),
    state: FeedProgress,
    /// Bytes of the files finished before the current one.
    base: u64,
    documents: u64,
    stopped: bool,
}

impl Run<'_> {
    fn emit(&mut self, r: Result<IntelRecord, RecordError>) {
        self.state.records += 1;
        if r.is_err() {
            self.state.errors += 1;
        }
        if (self.on_record)(r).is_break() {
            self.stopped = true;
        }
    }

    fn report(&mut self) {
        self.state.bytes_read = self.base.min(self.state.bytes_total);
        (self.progress)(self.state);
    }

    /// Reports every PROGRESS_EVERY records, with `current` bytes of the file being read.
    fn tick(&mut self, current: u64) {
        if self.state.records % PROGRESS_EVERY == 0 {
            self.state.bytes_read = (self.base + current).min(self.state.bytes_total);
            (self.progress)(self.state);
        }
    }

    fn file(&mut self, path: &Path) -> Result<(), IntelError> {
        let name = path.display().to_string();
        let lower = name.to_ascii_lowercase();
        let file = File::open(path).map_err(|e| io_at(e, path))?;
        let count = Cell::new(0);
        let counted = Counting {
            inner: file,
            count: &count,
        };
        if self.kind == FeedKind::Epss {
            if !(lower.ends_with(".csv") || lower.ends_with(".csv.gz") || lower.ends_with(".gz")) {
                return Err(IntelError::Unsupported(format!(
                    "{name}: EPSS wants .csv or .csv.gz"
                )));
            }
            self.documents += 1;
            return self.epss(counted, &name, &count);
        }
        if lower.ends_with(".zip") {
            drop(counted);
            return self.zip(path, &name);
        }
        self.documents += 1;
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            self.lines(BufReader::with_capacity(1 << 16, counted), &name, &count);
        } else if lower.ends_with(".jsonl.gz") || lower.ends_with(".ndjson.gz") {
            self.lines(
                BufReader::with_capacity(1 << 16, MultiGzDecoder::new(counted)),
                &name,
                &count,
            );
        } else if lower.ends_with(".json") {
            let loc = Locator::file(&name);
            match read_capped(counted) {
                Ok(bytes) => self.document(&bytes, loc),
                Err(error) => self.emit(Err(RecordError {
                    locator: loc,
                    error,
                })),
            }
        } else if lower.ends_with(".json.gz") {
            let loc = Locator::file(&name);
            match read_capped(MultiGzDecoder::new(counted)) {
                Ok(bytes) => self.document(&bytes, loc),
                Err(error) => self.emit(Err(RecordError {
                    locator: loc,
                    error,
                })),
            }
        } else {
            return Err(IntelError::Unsupported(format!(
                "{name}: expected a directory, .json, .json.gz, .jsonl, .jsonl.gz or .zip"
            )));
        }
        Ok(())
    }

    /// JSON Lines: one document per line; a read error (truncated gzip) ends this file with one error record.
    fn lines(&mut self, mut reader: impl BufRead, name: &str, count: &Cell<u64>) {
        let at = Locator::file(name);
        let mut line = Vec::new();
        let mut n = 0u64;
        while !self.stopped {
            line.clear();
            // Bounded like whole documents: a newline-free gzip bomb must not grow one line without limit.
            match (&mut reader)
                .take(MAX_DOCUMENT_BYTES + 1)
                .read_until(b'\n', &mut line)
            {
                Ok(0) => break,
                Ok(_) if line.len() as u64 > MAX_DOCUMENT_BYTES => {
                    let loc = Locator {
                        line: Some(n + 1),
                        ..at.clone()
                    };
                    let error = IntelError::Unsupported(format!(
                        "line longer than {MAX_DOCUMENT_BYTES} bytes"
                    ));
                    self.emit(Err(RecordError {
                        locator: loc,
                        error,
                    }));
                    break;
                }
                Ok(_) => {
                    n += 1;
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let loc = Locator {
                        line: Some(n),
                        ..at.clone()
                    };
                    self.document(&line, loc);
                    self.tick(count.get());
                }
                Err(e) => {
                    let loc = Locator {
                        line: Some(n + 1),
                        ..at.clone()
                    };
                    self.emit(Err(RecordError {
                        locator: loc,
                        error: e.into(),
                    }));
                    break;
                }
            }
        }
    }

    fn zip(&mut self, path: &Path, name: &str) -> Result<(), IntelError> {
        let file = File::open(path).map_err(|e| io_at(e, path))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| IntelError::Zip(format!("{name}: {e}")))?;
        let at = Locator::file(name);
        let mut done = 0u64;
        for i in 0..archive.len() {
            if self.stopped {
                break;
            }
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    let loc = Locator {
                        entry: Some(format!("#{i}").into()),
                        ..at.clone()
                    };
                    self.emit(Err(RecordError {
                        locator: loc,
                        error: IntelError::Zip(e.to_string()),
                    }));
                    continue;
                }
            };
            done += entry.compressed_size();
            if entry.is_dir() || !wanted(self.kind, entry.name()) {
                continue;
            }
            self.documents += 1;
            let loc = Locator {
                entry: Some(entry.name().into()),
                ..at.clone()
            };
            // An entry whose size is known to be too large is refused before reading it.
            let read = if entry.size() > MAX_DOCUMENT_BYTES {
                Err(IntelError::Unsupported(format!(
                    "entry larger than {MAX_DOCUMENT_BYTES} bytes"
                )))
            } else {
                read_capped(&mut entry)
            };
            drop(entry);
            match read {
                Ok(bytes) => self.document(&bytes, loc),
                Err(error) => self.emit(Err(RecordError {
                    locator: loc,
                    error,
                })),
            }
            self.tick(done);
        }
        Ok(())
    }

    /// One JSON document of the run's kind: one record (OSV, CVE 5) or a catalog (KEV).
    fn document(&mut self, bytes: &[u8], loc: Locator) {
        let value = match super::error::parse_value(bytes) {
            Ok(v) => v,
            Err(error) => {
                return self.emit(Err(RecordError {
                    locator: loc,
                    error,
                }))
            }
        };
        let result = match self.kind {
            FeedKind::Osv => osv_from_value(value, self.options),
            FeedKind::Cve5 => cve5_from_value(value, self.options),
            FeedKind::Csaf => csaf_from_value(value, self.options),
            FeedKind::Kev => {
                match kev_from_value(value, &loc.file, self.options) {
                    Ok(catalog) => {
                        for r in catalog.records {
                            if self.stopped {
                                break;
                            }
                            // Entry locators from the catalog carry the index; add where the catalog was.
                            let r = r.map_err(|mut e| {
                                e.locator.entry.clone_from(&loc.entry);
                                e.locator.line = loc.line;
                                e
                            });
                            self.emit(r);
                        }
                        return;
                    }
                    Err(e) => Err(e),
                }
            }
            FeedKind::Epss => Err(IntelError::Unsupported("EPSS is CSV, not JSON".into())),
        };
        self.emit(result.map_err(|error| RecordError {
            locator: loc,
            error,
        }));
    }

    fn epss(&mut self, reader: impl Read, name: &str, count: &Cell<u64>) -> Result<(), IntelError> {
        let at = Locator::file(name);
        let mut rows = parse_epss(reader);
        while !self.stopped {
            let Some(row) = rows.next() else { break };
            let loc = || Locator {
                line: Some(rows.line()),
                ..at.clone()
            };
            let r = match row {
                Ok(score) => {
                    let raw = serde_json::json!({
                        "cve": score.cve,
                        "epss": score.score,
                        "percentile": score.percentile,
                        "score_date": score.score_date.map(|d| d.to_string()),
                        "model_version": score.model_version,
                    });
                    let mut rec = IntelRecord::new(IntelSource::Epss, score.cve.clone(), raw);
                    rec.epss = Some(score);
                    Ok(rec)
                }
                Err(error) => Err(RecordError {
                    locator: loc(),
                    error,
                }),
            };
            self.emit(r);
            self.tick(count.get());
        }
        Ok(())
    }
}
