//! Containers: what `psirt feeds import KIND PATH` is given, walked record by record.
//!
//! | PATH | read as |
//! |---|---|
//! | directory | recursively (symbolic links followed, each directory once; one that cannot be read is a bad record), sorted: every `*.json` (CVE 5: `CVE-*.json`, so cvelistV5's `delta*.json` are skipped; EPSS: `*.csv`, `*.csv.gz`); for OSV also every container below (`*.json.gz`, JSON Lines, `*.zip`: a folder of per-ecosystem `all.zip` or `.jsonl.gz` exports) |
//! | `*.json`, `*.json.gz` | one document (one record; for KEV the catalog) |
//! | `*.jsonl`, `*.ndjson`, `*.jsonl.gz` | one document per non-empty line |
//! | `*.zip` | every `*.json` entry (OSV `all.zip`; cvelistV5 zips: `CVE-*.json` entries only; `/` or `\` between folders); for CVE 5 a `*.zip` entry is read as a zip in turn, one level deep (the CVE Program's baseline `…_all_CVEs_at_midnight.zip.zip` holds `cves.zip`), its entries named `inner.zip!path` |
//! | `*.csv`, `*.csv.gz` (EPSS) | one record per row |
//!
//! Per-record problems — bad JSON, schema violations, an unreadable zip entry, a truncated gzip member — become
//! [`RecordError`]s handed to the callback with a [`Locator`], and reading goes on with the next record (for a
//! broken gzip stream: with the next file). Only a PATH that cannot be opened or is not a supported container, or a
//! zip whose directory cannot be read, stops the run with an [`IntelError`].
//!
//! JSON Lines files and zips are read in a pipeline when more than one thread is available: one thread decompresses
//! and splits (lines, zip entries) into batches, worker threads parse the batches, and the calling thread hands the
//! records to the callback in the input's order (with their locators, progress as before). A `Break` from the
//! callback stops the reader and the workers; at most the batches already queued are parsed in vain. Single
//! `.json` documents, EPSS and the walk over a directory stay on the calling thread (a directory's `.jsonl[.gz]`
//! files and zips are each pipelined).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use super::csaf::csaf_from_value;
use super::cve5::cve5_from_value;
use super::error::{IntelError, Locator, RecordError};
use super::kev::kev_from_value;
use super::osv::osv_from_text;
use super::{parse_epss, IntelRecord, IntelSource, RawRecord};
use crate::ParseOptions;

/// Largest single document (file, zip entry, decompressed `.json.gz`, JSON line) read: far above any real record
/// (the KEV catalog is ~1.3 MB) and, with the pipeline's in-flight budget (64 MiB of input, or one document when
/// larger), a bound on what a zip or gzip bomb can make us allocate.
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
/// `ControlFlow::Break(())` to stop early) and `progress` now and then, both on the calling thread and in the input's
/// order. JSON Lines and zips are parsed on `available_parallelism` worker threads (see the module doc for the
/// containers and the pipeline).
pub fn read_feed(
    kind: FeedKind,
    path: &Path,
    options: &ParseOptions,
    on_record: &mut dyn FnMut(Result<IntelRecord, RecordError>) -> ControlFlow<()>,
    progress: &mut dyn FnMut(FeedProgress),
) -> Result<FeedSummary, IntelError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    read_feed_threads(kind, path, options, threads, on_record, progress)
}

/// [`read_feed`] with `threads` parsing threads instead of `available_parallelism` (plus a reading thread; 1:
/// everything on the calling thread). For benchmarks and tests.
#[doc(hidden)]
pub fn read_feed_threads(
    kind: FeedKind,
    path: &Path,
    options: &ParseOptions,
    threads: usize,
    on_record: &mut dyn FnMut(Result<IntelRecord, RecordError>) -> ControlFlow<()>,
    progress: &mut dyn FnMut(FeedProgress),
) -> Result<FeedSummary, IntelError> {
    let meta = std::fs::metadata(path).map_err(|e| io_at(e, path))?;
    let mut run = Run {
        kind,
        options,
        threads: threads.max(1),
        scratch: Vec::new(),
        on_record,
        progress,
        state: FeedProgress::default(),
        base: 0,
        documents: 0,
        stopped: false,
    };
    if meta.is_dir() {
        // The directory itself must be readable; below it, what cannot be read is a bad record.
        std::fs::read_dir(path).map_err(|e| io_at(e, path))?;
        let mut walked = Walk {
            kind,
            seen: std::collections::HashSet::new(),
            files: Vec::new(),
            unreadable: Vec::new(),
        };
        walked.dir(path);
        for e in walked.unreadable {
            run.emit(Err(e));
        }
        let mut files = walked.files;
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

/// The files a directory import reads, with their sizes. Symbolic links are followed (a git-annex or DataLad
/// checkout is all links), each directory entered and each file read once (a link back up is no loop, a link beside
/// its target no second copy); version control folders (`.git`) are skipped. A directory or wanted file that cannot be read
/// (permissions, a broken link) is one bad record, as a file that cannot be read is: the rest is imported.
struct Walk {
    kind: FeedKind,
    /// Canonical paths of the directories entered and the files taken.
    seen: std::collections::HashSet<PathBuf>,
    files: Vec<(PathBuf, u64)>,
    unreadable: Vec<RecordError>,
}

/// Folders of version control tools, not walked.
const VCS_FOLDERS: [&str; 5] = [".git", ".hg", ".svn", ".bzr", ".datalad"];

impl Walk {
    fn dir(&mut self, dir: &Path) {
        let entered = std::fs::canonicalize(dir).and_then(|c| {
            let first = self.seen.insert(c);
            std::fs::read_dir(dir).map(|entries| first.then_some(entries))
        });
        let entries = match entered {
            Ok(Some(entries)) => entries,
            Ok(None) => return,
            Err(e) => return self.unreadable(dir, e),
        };
        // In name order: which of two paths to one directory or file is kept does not depend on the file system.
        let mut names = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => names.push(entry.file_name()),
                // A listing that stops part-way is a cut (the rest of the directory is not read); the entries
                // read before it are still walked.
                Err(e) => {
                    self.unreadable.push(RecordError {
                        locator: Locator::file(dir.display().to_string()),
                        error: IntelError::Cut(format!("{}: {e}", dir.display())),
                    });
                    break;
                }
            }
        }
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            // Version control's own folders (a git-annex checkout keeps every file's content under `.git` too); other
            // hidden names are read (a CSAF mirror's `.well-known`).
            if VCS_FOLDERS.contains(&&*name) {
                continue;
            }
            let wanted = wanted_in_directory(self.kind, &name);
            // `metadata` follows a link (`DirEntry::metadata` would not).
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => self.dir(&path),
                Ok(m) if m.is_file() && wanted => {
                    // A file reached twice (a link beside its target) is read once.
                    let first = std::fs::canonicalize(&path).map_or(true, |c| self.seen.insert(c));
                    if first {
                        self.files.push((path, m.len()));
                    }
                }
                Ok(_) => {}
                Err(e) if wanted => self.unreadable(&path, e),
                // A broken link or an unreadable entry of a name not read anyway (could it be a directory? a link
                // to one that is gone is nothing to read either).
                Err(_) => {}
            }
        }
    }

    fn unreadable(&mut self, path: &Path, e: std::io::Error) {
        self.unreadable.push(RecordError {
            locator: Locator::file(path.display().to_string()),
            error: io_at(e, path),
        });
    }
}

/// Whether a file found in a directory is read: what [`wanted`] takes and, for OSV, the containers of records
/// (OSV is exported as one `all.zip` or JSON Lines file per ecosystem; a mirror of those is a folder of them). A
/// mirror of the OSV bucket holds each record twice (its `.json` and its ecosystem's `all.zip`): both are read, the
/// second copy is unchanged.
fn wanted_in_directory(kind: FeedKind, name: &str) -> bool {
    const OSV_CONTAINERS: [&str; 5] = [".json.gz", ".jsonl", ".ndjson", ".jsonl.gz", ".zip"];
    wanted(kind, name)
        || (kind == FeedKind::Osv && OSV_CONTAINERS.iter().any(|s| name.ends_with(s)))
}

/// Whether a file (or zip entry) name inside a directory (or zip) holds records of `kind`.
fn wanted(kind: FeedKind, name: &str) -> bool {
    // Zips written on Windows may separate with `\`.
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match kind {
        FeedKind::Osv | FeedKind::Kev | FeedKind::Csaf => base.ends_with(".json"),
        FeedKind::Cve5 => base.starts_with("CVE-") && base.ends_with(".json"),
        FeedKind::Epss => base.ends_with(".csv") || base.ends_with(".csv.gz"),
    }
}

/// Counts bytes read from the underlying file, for progress (read on the thread that reads the file).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads at most [`MAX_DOCUMENT_BYTES`]; more is an error, not a truncation.
fn read_capped(reader: impl Read) -> Result<Vec<u8>, IntelError> {
    read_at_most(reader, MAX_DOCUMENT_BYTES)?.ok_or_else(|| {
        IntelError::Unsupported(format!("document larger than {MAX_DOCUMENT_BYTES} bytes"))
    })
}

/// All of `reader` when it holds at most `limit` bytes; `None` when it holds more (`limit + 1` were read).
fn read_at_most(reader: impl Read, limit: u64) -> Result<Option<Vec<u8>>, IntelError> {
    let mut buf = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| IntelError::Cut(e.to_string()))?;
    Ok((buf.len() as u64 <= limit).then_some(buf))
}

pub(super) struct Run<'r> {
    pub(super) kind: FeedKind,
    pub(super) options: &'r ParseOptions,
    /// Parsing threads; 1: no pipeline.
    pub(super) threads: usize,
    /// Reused by [`Run::document`].
    pub(super) scratch: Vec<Result<IntelRecord, RecordError>>,
    pub(super) on_record: &'r mut dyn FnMut(Result<IntelRecord, RecordError>) -> ControlFlow<()>,
    pub(super) progress: &'r mut dyn FnMut(FeedProgress),
    pub(super) state: FeedProgress,
    /// Bytes of the files finished before the current one.
    pub(super) base: u64,
    pub(super) documents: u64,
    pub(super) stopped: bool,
}

impl Run<'_> {
    pub(super) fn emit(&mut self, r: Result<IntelRecord, RecordError>) {
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
    pub(super) fn tick(&mut self, current: u64) {
        if self.state.records % PROGRESS_EVERY == 0 {
            self.state.bytes_read = (self.base + current).min(self.state.bytes_total);
            (self.progress)(self.state);
        }
    }

    fn file(&mut self, path: &Path) -> Result<(), IntelError> {
        let name = path.display().to_string();
        let lower = name.to_ascii_lowercase();
        let file = File::open(path).map_err(|e| io_at(e, path))?;
        let count = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: file,
            count: Arc::clone(&count),
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

    /// JSON Lines: one document per line (see [`split_lines`]).
    fn lines(&mut self, reader: impl BufRead + Send, name: &str, count: &Arc<AtomicU64>) {
        let at = Locator::file(name);
        let count = Arc::clone(count);
        self.source(move |sink| {
            split_lines(reader, &at, &count, sink);
            0
        });
    }

    fn zip(&mut self, path: &Path, name: &str) -> Result<(), IntelError> {
        let file = File::open(path).map_err(|e| io_at(e, path))?;
        let size = file.metadata().map_err(|e| io_at(e, path))?.len();
        let archive = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| IntelError::Zip(format!("{name}: {e}")))?;
        let at = Locator::file(name);
        let kind = self.kind;
        self.source(move |sink| zip_entries(kind, archive, size, &at, sink));
        Ok(())
    }

    /// Runs `produce` (documents and errors of one file, in order) and hands what it yields to the callback: on this
    /// thread one by one, or through the pipeline. `produce` returns the documents it opened (zip entries).
    fn source(&mut self, produce: impl FnOnce(&mut dyn Sink) -> u64 + Send) {
        let documents = if self.threads > 1 {
            self.pipeline(produce)
        } else {
            produce(&mut Inline {
                run: self,
                line: Vec::new(),
            })
        };
        self.documents += documents;
    }

    /// One JSON document of the run's kind, parsed here: one record (OSV, CVE 5) or a catalog (KEV).
    fn document(&mut self, bytes: &[u8], loc: Locator) {
        let mut out = std::mem::take(&mut self.scratch);
        parse_document(self.kind, self.options, bytes, loc, &mut out);
        for r in out.drain(..) {
            if self.stopped {
                break;
            }
            self.emit(r);
        }
        self.scratch = out;
    }

    fn epss(&mut self, reader: impl Read, name: &str, count: &AtomicU64) -> Result<(), IntelError> {
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
                    let raw = RawRecord::from_value(&serde_json::json!({
                        "cve": score.cve,
                        "epss": score.score,
                        "percentile": score.percentile,
                        "score_date": score.score_date.map(|d| d.to_string()),
                        "model_version": score.model_version,
                    }));
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
            self.tick(count.load(Ordering::Relaxed));
        }
        Ok(())
    }
}

/// Where a producer ([`split_lines`], [`zip_entries`]) puts what it reads, in order. `at` is the progress position
/// (bytes of the file consumed). `Break`: stop reading.
pub(super) trait Sink {
    /// Where the next document is read into: appended to this buffer, then [`Sink::commit`]ted (or
    /// [`Sink::discard`]ed) with the length the buffer had before. Saves a copy of every line.
    fn buffer(&mut self) -> &mut Vec<u8>;
    fn commit(&mut self, start: usize, loc: Locator, at: u64) -> ControlFlow<()>;
    fn discard(&mut self, start: usize) {
        self.buffer().truncate(start);
    }
    fn document(&mut self, bytes: &[u8], loc: Locator, at: u64) -> ControlFlow<()> {
        let buf = self.buffer();
        let start = buf.len();
        buf.extend_from_slice(bytes);
        self.commit(start, loc, at)
    }
    fn error(&mut self, error: RecordError, at: u64) -> ControlFlow<()>;
}

/// Parses and emits on the calling thread.
struct Inline<'a, 'r> {
    run: &'a mut Run<'r>,
    line: Vec<u8>,
}

impl Sink for Inline<'_, '_> {
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.line
    }

    fn commit(&mut self, start: usize, loc: Locator, at: u64) -> ControlFlow<()> {
        self.run
            .document(self.line.get(start..).unwrap_or_default(), loc);
        self.line.clear();
        self.run.tick(at);
        self.flow()
    }

    fn document(&mut self, bytes: &[u8], loc: Locator, at: u64) -> ControlFlow<()> {
        self.run.document(bytes, loc);
        self.run.tick(at);
        self.flow()
    }

    fn error(&mut self, error: RecordError, at: u64) -> ControlFlow<()> {
        self.run.emit(Err(error));
        self.run.tick(at);
        self.flow()
    }
}

impl Inline<'_, '_> {
    fn flow(&self) -> ControlFlow<()> {
        if self.run.stopped {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// One JSON document of `kind` into `out`: one record or its error (OSV, CVE 5, CSAF), or a KEV catalog's entries.
/// [`parse_document_unguarded`], with a panic (a bug in a codec) turned into that record's error: one record
/// must not end an import of thousands (the panic message still goes to stderr).
pub(super) fn parse_document(
    kind: FeedKind,
    options: &ParseOptions,
    bytes: &[u8],
    loc: Locator,
    out: &mut Vec<Result<IntelRecord, RecordError>>,
) {
    let locator = loc.clone();
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse_document_unguarded(kind, options, bytes, loc, out)
    }));
    if parsed.is_err() {
        out.clear();
        out.push(Err(RecordError {
            locator,
            error: IntelError::Model {
                pointer: String::new(),
                message: "internal error while reading this record (a psirt bug, please report it); the rest \
                          of the feed is read"
                    .into(),
            },
        }));
    }
}

fn parse_document_unguarded(
    kind: FeedKind,
    options: &ParseOptions,
    bytes: &[u8],
    loc: Locator,
    out: &mut Vec<Result<IntelRecord, RecordError>>,
) {
    let result = match kind {
        // OSV reads its model from the text (no `Value` unless validating).
        FeedKind::Osv => super::error::utf8(bytes).and_then(|text| osv_from_text(text, options)),
        FeedKind::Epss => Err(IntelError::Unsupported("EPSS is CSV, not JSON".into())),
        FeedKind::Cve5 | FeedKind::Csaf | FeedKind::Kev => {
            match super::error::parse_value(bytes) {
                Err(e) => Err(e),
                Ok(value) if kind == FeedKind::Cve5 => cve5_from_value(value, options),
                Ok(value) if kind == FeedKind::Csaf => csaf_from_value(value, options),
                Ok(value) => match kev_from_value(value, &loc.file, options) {
                    Ok(catalog) => {
                        // Entry locators from the catalog carry the index; add where the catalog was.
                        out.extend(catalog.records.into_iter().map(|r| {
                            r.map_err(|mut e| {
                                e.locator.entry.clone_from(&loc.entry);
                                e.locator.line = loc.line;
                                e
                            })
                        }));
                        return;
                    }
                    Err(e) => Err(e),
                },
            }
        }
    };
    out.push(result.map_err(|error| RecordError {
        locator: loc,
        error,
    }));
}

/// JSON Lines: one document per non-blank line, `at`'s locator with the 1-based line. A line over
/// [`MAX_DOCUMENT_BYTES`] or a read error (truncated gzip) ends the file with one error.
fn split_lines(mut reader: impl BufRead, at: &Locator, count: &AtomicU64, sink: &mut dyn Sink) {
    let mut n = 0u64;
    loop {
        let buf = sink.buffer();
        let start = buf.len();
        // Bounded like whole documents: a newline-free gzip bomb must not grow one line without limit.
        let read = (&mut reader)
            .take(MAX_DOCUMENT_BYTES + 1)
            .read_until(b'\n', buf);
        let line = buf.get(start..).unwrap_or_default();
        let (too_long, blank) = (
            line.len() as u64 > MAX_DOCUMENT_BYTES,
            line.iter().all(u8::is_ascii_whitespace),
        );
        match read {
            Ok(0) => break,
            Ok(_) if too_long => {
                sink.discard(start);
                let loc = Locator {
                    line: Some(n + 1),
                    ..at.clone()
                };
                // The rest of the file is not read: a cut, not one bad record.
                let error = IntelError::Cut(format!(
                    "line longer than {MAX_DOCUMENT_BYTES} bytes; the rest of the file is not read"
                ));
                let _ = sink.error(
                    RecordError {
                        locator: loc,
                        error,
                    },
                    count.load(Ordering::Relaxed),
                );
                break;
            }
            Ok(_) => {
                n += 1;
                if blank {
                    sink.discard(start);
                    continue;
                }
                let loc = Locator {
                    line: Some(n),
                    ..at.clone()
                };
                if sink
                    .commit(start, loc, count.load(Ordering::Relaxed))
                    .is_break()
                {
                    break;
                }
            }
            Err(e) => {
                sink.discard(start);
                let loc = Locator {
                    line: Some(n + 1),
                    ..at.clone()
                };
                let _ = sink.error(
                    RecordError {
                        locator: loc,
                        error: IntelError::Cut(e.to_string()),
                    },
                    count.load(Ordering::Relaxed),
                );
                break;
            }
        }
    }
}

/// Every wanted entry of a zip (OSV `all.zip`, cvelistV5); returns the documents opened.
fn zip_entries(
    kind: FeedKind,
    archive: zip::ZipArchive<BufReader<File>>,
    archive_bytes: u64,
    at: &Locator,
    sink: &mut dyn Sink,
) -> u64 {
    let limit = archive_bytes
        .saturating_mul(MAX_INFLATION)
        .saturating_add(INFLATION_SLACK);
    let mut walk = ZipWalk {
        kind,
        sink,
        documents: 0,
        stopped: false,
        limit,
        left: limit,
    };
    walk.entries(archive, at, "", 0);
    walk.documents
}

/// Largest zip inside a zip that is read (copied to a temporary file first): the CVE Program's baseline's `cves.zip`
/// is about 0.5 GB.
const MAX_NESTED_ZIP_BYTES: u64 = 2 << 30;

/// What an archive may inflate to in all: [`MAX_INFLATION`] times its size, plus [`INFLATION_SLACK`]. A zip's
/// entries may all point at the same compressed data (or understate their sizes): a few kilobytes then inflate
/// to gigabytes, entry after entry, within each entry's own limit. Feeds' JSON inflates some 5–20 times.
const MAX_INFLATION: u64 = 100;
const INFLATION_SLACK: u64 = 1 << 30;

struct ZipWalk<'s> {
    kind: FeedKind,
    sink: &'s mut dyn Sink,
    documents: u64,
    stopped: bool,
    /// The archive's inflation limit, and what is left of it.
    limit: u64,
    left: u64,
}

impl ZipWalk<'_> {
    /// The entries of `archive`, named `prefix` + their name; progress positions from `base` on. A `.zip` entry of
    /// the outermost archive of a CVE 5 feed is read as a zip in turn (the CVE Program's daily baseline,
    /// `…_all_CVEs_at_midnight.zip.zip`, holds one `cves.zip`), one level deep only.
    fn entries(
        &mut self,
        mut archive: zip::ZipArchive<BufReader<File>>,
        at: &Locator,
        prefix: &str,
        base: u64,
    ) {
        let mut done = base;
        for i in 0..archive.len() {
            if self.stopped {
                return;
            }
            // An entry that is not read is not opened either: one psirt cannot open (a method it does not read, a
            // password) is a bad record only when it is wanted.
            let (nests, read) = {
                let name = archive.name_for_index(i).unwrap_or_default();
                (self.nests(prefix, name), wanted(self.kind, name))
            };
            if !nests && !read {
                done += archive.by_index_raw(i).map_or(0, |e| e.compressed_size());
                continue;
            }
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    let loc = Locator {
                        entry: Some(format!("{prefix}#{i}").into()),
                        ..at.clone()
                    };
                    self.error(loc, IntelError::Zip(e.to_string()), done);
                    continue;
                }
            };
            let name = format!("{prefix}{}", entry.name());
            let compressed = entry.compressed_size();
            let loc = Locator {
                entry: Some(name.as_str().into()),
                ..at.clone()
            };
            // (A folder's entry is neither read nor nested: its name ends in `/`.)
            if nests {
                let inner = if entry.size() > MAX_NESTED_ZIP_BYTES {
                    Err(IntelError::Unsupported(format!(
                        "zip entry larger than {MAX_NESTED_ZIP_BYTES} bytes"
                    )))
                } else {
                    copy_to_temporary(&mut entry, self.left)
                };
                drop(entry);
                match inner {
                    Ok(Some((inner, copied))) => {
                        self.left -= copied;
                        self.entries(inner, at, &format!("{name}!"), done)
                    }
                    Ok(None) => {
                        let e = self.over_limit();
                        self.error(loc, e, done);
                        self.stopped = true;
                    }
                    Err(e) => self.error(loc, e, done),
                }
                done += compressed;
                continue;
            }
            done += compressed;
            self.documents += 1;
            // An entry whose size is known to be too large is refused before reading it.
            let read = if entry.size() > MAX_DOCUMENT_BYTES {
                Err(IntelError::Unsupported(format!(
                    "entry larger than {MAX_DOCUMENT_BYTES} bytes"
                )))
            } else if self.left < MAX_DOCUMENT_BYTES {
                match read_at_most(&mut entry, self.left) {
                    Ok(Some(bytes)) => Ok(bytes),
                    Ok(None) => {
                        self.stopped = true;
                        Err(self.over_limit())
                    }
                    Err(e) => Err(e),
                }
            } else {
                read_capped(&mut entry)
            };
            drop(entry);
            if let Ok(bytes) = &read {
                self.left -= bytes.len() as u64;
            }
            let flow = match read {
                Ok(bytes) => self.sink.document(&bytes, loc, done),
                Err(error) => self.sink.error(
                    RecordError {
                        locator: loc,
                        error,
                    },
                    done,
                ),
            };
            self.stopped |= flow.is_break();
        }
    }

    /// Whether an entry is a zip read in turn: CVE 5 only (the baseline's `cves.zip`), in the outermost archive only.
    fn nests(&self, prefix: &str, name: &str) -> bool {
        self.kind == FeedKind::Cve5
            && prefix.is_empty()
            && name.to_ascii_lowercase().ends_with(".zip")
    }

    fn over_limit(&self) -> IntelError {
        IntelError::Cut(format!(
            "the archive inflates to more than {} bytes ({MAX_INFLATION} times its size, and 1 GiB): not a feed \
             export (entries sharing their data?); the rest is not read",
            self.limit
        ))
    }

    fn error(&mut self, locator: Locator, error: IntelError, at: u64) {
        self.stopped |= self
            .sink
            .error(RecordError { locator, error }, at)
            .is_break();
    }
}

type ZipFile = zip::ZipArchive<BufReader<File>>;

/// A zip entry that is a zip, copied to an anonymous temporary file (removed when closed) and opened, with the
/// bytes copied; `None` when it inflates to more than `left` (the archive's inflation left).
fn copy_to_temporary(
    entry: &mut impl Read,
    left: u64,
) -> Result<Option<(ZipFile, u64)>, IntelError> {
    let mut file = tempfile::tempfile()?;
    // Reading the entry failing (it does not inflate or check) is a cut; writing the temporary file, an I/O error.
    let mut buf = vec![0u8; 1 << 16];
    let mut copied = 0u64;
    let mut limited = entry.take(MAX_NESTED_ZIP_BYTES.min(left) + 1);
    loop {
        let n = limited
            .read(&mut buf)
            .map_err(|e| IntelError::Cut(e.to_string()))?;
        if n == 0 {
            break;
        }
        std::io::Write::write_all(&mut file, &buf[..n])?;
        copied += n as u64;
    }
    if copied > MAX_NESTED_ZIP_BYTES {
        return Err(IntelError::Unsupported(format!(
            "zip entry larger than {MAX_NESTED_ZIP_BYTES} bytes"
        )));
    }
    if copied > left {
        return Ok(None);
    }
    let archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| IntelError::Zip(e.to_string()))?;
    Ok(Some((archive, copied)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        buf: Vec<u8>,
        documents: usize,
        errors: Vec<IntelError>,
    }

    impl Sink for Collect {
        fn buffer(&mut self) -> &mut Vec<u8> {
            &mut self.buf
        }
        fn commit(&mut self, start: usize, _: Locator, _: u64) -> ControlFlow<()> {
            self.buf.truncate(start);
            self.documents += 1;
            ControlFlow::Continue(())
        }
        fn error(&mut self, error: RecordError, _: u64) -> ControlFlow<()> {
            self.errors.push(error.error);
            ControlFlow::Continue(())
        }
    }

    /// Entries that inflate past the archive's limit in all (each within its own) end the walk with one cut.
    #[test]
    fn an_archive_is_read_up_to_its_inflation_limit() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        let mut w = zip::ZipWriter::new(File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for i in 0..5 {
            w.start_file(format!("r{i}.json"), opts).unwrap();
            w.write_all(format!("{{\"pad\":\"{}\"}}", "0".repeat(4000)).as_bytes())
                .unwrap();
        }
        w.finish().unwrap();
        let archive = zip::ZipArchive::new(BufReader::new(File::open(&path).unwrap())).unwrap();
        let mut sink = Collect::default();
        let mut walk = ZipWalk {
            kind: FeedKind::Osv,
            sink: &mut sink,
            documents: 0,
            stopped: false,
            limit: 10_000,
            left: 10_000,
        };
        walk.entries(archive, &Locator::file("all.zip"), "", 0);
        assert!(walk.stopped);
        assert_eq!(sink.documents, 2);
        match &sink.errors[..] {
            [IntelError::Cut(message)] => {
                assert!(
                    message.contains("inflates to more than 10000 bytes"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
