//! Standard output for the commands' reports.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes one line to standard output, stopping quietly when its reader has gone (`psirt products list | head -1`):
/// `println!` panics there (exit 101), which after an import reads as a crash although the import was stored. Any
/// other write error is told on stderr and makes the command exit 2.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    failed(writeln!(out, "{args}"));
}

/// Set once writing standard output failed otherwise than by its reader going away (a full disk): the command then
/// exits 2 ([`failed_writing`]), as what it reported was lost.
static FAILED: AtomicBool = AtomicBool::new(false);

fn failed(result: std::io::Result<()>) {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            if !FAILED.swap(true, Ordering::Relaxed) {
                eprintln!("error: writing to standard output: {e}");
            }
        }
        Ok(()) => {}
    }
}

/// Whether writing standard output failed (see [`FAILED`]); flushes what is still buffered first.
pub fn failed_writing() -> bool {
    failed(std::io::stdout().lock().flush());
    FAILED.load(Ordering::Relaxed)
}

/// Writes `text` as it is (no line end added), as [`line`] does.
pub fn text(text: &str) {
    let mut out = std::io::stdout().lock();
    failed(out.write_all(text.as_bytes()).and_then(|()| out.flush()));
}

/// `println!` through [`line`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
