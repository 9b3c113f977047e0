//! `psirt`: the one binary — the server, and the operator's commands beside it.

mod cli;
mod feeds_cmd;
mod import_cmd;
mod inventory_cmd;
mod keys_cmd;
mod out;
mod sbom_cmd;
mod scan_cmd;
mod serve_args;
mod versions_cmd;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: feed import and SBOM parsing allocate millions of small strings, on worker
/// threads, freed on others. On the OSV corpus it cut typed-parse time by 22–31 % and the validated pipelined
/// import's by 4–32 % on a noisy 2-core machine (`cargo bench -p psirt-formats --bench intel`, which uses the same
/// allocator; figures in README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PSIRT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run().await {
        // A report that could not be written is no success, whatever the command did.
        Ok(_) if out::failed_writing() => ExitCode::from(2),
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
