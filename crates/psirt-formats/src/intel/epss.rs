//! FIRST EPSS daily CSV (`epss_scores-YYYY-MM-DD.csv[.gz]`):
//!
//! ```text
//! #model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z
//! cve,epss,percentile
//! CVE-2024-0001,0.00043,0.10423
//! ```
//!
//! The comment line and the header are optional (older files have neither). Rows are streamed: a daily file has
//! ~300k of them and nothing needs them all at once.

use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use time::Date;

use super::error::IntelError;
use super::{dates, EpssScore};

/// Reads EPSS rows from a reader; gzip input is detected by its magic bytes and decompressed.
pub fn parse_epss<'a>(reader: impl Read + 'a) -> EpssReader<'a> {
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    let gzip = matches!(buffered.fill_buf(), Ok(b) if b.starts_with(&[0x1f, 0x8b]));
    let inner: Box<dyn BufRead + 'a> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    EpssReader {
        inner,
        line: 0,
        buf: Vec::new(),
        score_date: None,
        model_version: None,
        header_seen: false,
        done: false,
    }
}

/// Iterator over the rows: `Ok(score)` per row, `Err` per bad line ([`IntelError::Csv`] with its line — a line
/// that is not UTF-8 too), and an I/O error or a `score_date` that cannot be read ends the iteration.
/// Longest line read: a row is some 40 bytes and the comment line a few dozen. Without a bound a gzip stream that
/// never emits a newline would grow one line until memory runs out.
const MAX_LINE_BYTES: u64 = 64 << 10;

pub struct EpssReader<'a> {
    inner: Box<dyn BufRead + 'a>,
    line: u64,
    buf: Vec<u8>,
    score_date: Option<Date>,
    model_version: Option<String>,
    header_seen: bool,
    done: bool,
}

impl EpssReader<'_> {
    /// The 1-based number of the line last read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// `score_date` of the comment line (known once the first row has been read).
    pub fn score_date(&self) -> Option<Date> {
        self.score_date
    }

    /// `model_version` of the comment line.
    pub fn model_version(&self) -> Option<&str> {
        self.model_version.as_deref()
    }

    fn comment(&mut self, text: &str) -> Result<(), IntelError> {
        for part in text.trim_start_matches('#').split(',') {
            match part.split_once(':') {
                Some(("model_version", v)) => self.model_version = Some(v.trim().to_string()),
                // `2025-08-25T12:55:00Z` or `2023-03-20T00:00:00+0000`: the day is what matters.
                // Unreadable, it ends the file: its rows, taken as undated, would replace newer scores.
                Some(("score_date", v)) => {
                    let day = v.trim().get(..10).unwrap_or(v);
                    self.score_date = Some(dates::date(day, "").map_err(|e| {
                        IntelError::Cut(format!(
                            "line {}: score_date {}: {e}; the rows are not read (their day unknown)",
                            self.line,
                            excerpt(v)
                        ))
                    })?);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn csv(&self, message: impl Into<String>) -> IntelError {
        IntelError::Csv {
            line: self.line,
            message: message.into(),
        }
    }

    fn row(&self, text: &str) -> Result<EpssScore, IntelError> {
        let mut fields = text.split(',');
        let (Some(cve), Some(epss), Some(pct), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(self.csv(format!(
                "expected 3 fields (cve,epss,percentile): {}",
                excerpt(text)
            )));
        };
        let cve = cve.trim();
        if !psirt_domain::deadline::cra::is_cve_id(cve) {
            return Err(self.csv(format!("not a CVE id: {}", excerpt(cve))));
        }
        let num = |name: &str, s: &str| -> Result<f64, IntelError> {
            match s.trim().parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                _ => Err(self.csv(format!("{name} is not a number in [0, 1]: {}", excerpt(s)))),
            }
        };
        Ok(EpssScore {
            cve: cve.to_string(),
            score: num("epss", epss)?,
            percentile: num("percentile", pct)?,
            score_date: self.score_date,
            model_version: self.model_version.clone(),
        })
    }
}

/// What an error quotes of a bad row: enough to find it, not the whole line — a feed source's download is whatever
/// its URL answered (a login page, an internal service's reply), and the error report is kept.
fn excerpt(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{:?}…", &text[..at]),
        None => format!("{text:?}"),
    }
}

impl Iterator for EpssReader<'_> {
    type Item = Result<EpssScore, IntelError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            // Bytes, not `read_line`: a line that is not UTF-8 is one bad row, and reading goes on after it.
            match (&mut self.inner)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(0) => self.done = true,
                Ok(n) if n as u64 > MAX_LINE_BYTES => {
                    self.done = true;
                    self.line += 1;
                    // The rest of the file is not read: a cut, not one bad row.
                    return Some(Err(IntelError::Cut(format!(
                        "line {} longer than {MAX_LINE_BYTES} bytes: not an EPSS CSV; the rest is not read",
                        self.line
                    ))));
                }
                Ok(_) => {
                    self.line += 1;
                    let text = std::mem::take(&mut self.buf);
                    let result = match std::str::from_utf8(&text) {
                        Err(e) => Some(Err(self.csv(format!("not UTF-8 text: {e}")))),
                        Ok(t) => self.line_of(t),
                    };
                    self.buf = text;
                    match result {
                        Some(Err(IntelError::Cut(message))) => {
                            self.done = true;
                            return Some(Err(IntelError::Cut(message)));
                        }
                        Some(result) => return Some(result),
                        None => {}
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(IntelError::Cut(e.to_string())));
                }
            }
        }
        None
    }
}

impl EpssReader<'_> {
    /// What one line holds: a row, an error, or nothing (blank, header, a readable comment).
    fn line_of(&mut self, text: &str) -> Option<Result<EpssScore, IntelError>> {
        let t = text
            .trim_end_matches(['\r', '\n'])
            .trim_start_matches('\u{feff}');
        if t.trim().is_empty() {
            None
        } else if t.starts_with('#') {
            self.comment(t).err().map(Err)
        } else if !self.header_seen && t.to_ascii_lowercase().starts_with("cve,") {
            self.header_seen = true;
            None
        } else {
            self.header_seen = true;
            Some(self.row(t))
        }
    }
}
