//! Standard output for the commands' reports.

use std::io::Write;

/// Writes one line to standard output, stopping quietly when its reader has gone (`psirt products list | head -1`):
/// `println!` panics there (exit 101), which after an import reads as a crash although the import was stored. Any
/// other write error is told on stderr, once per line.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{args}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => eprintln!("warning: writing to standard output: {e}"),
        Ok(()) => {}
    }
}

/// Writes `text` as it is (no line end added), as [`line`] does.
pub fn text(text: &str) {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => eprintln!("warning: writing to standard output: {e}"),
        Ok(()) => {}
    }
}

/// `println!` through [`line`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
