//! `psirt`: the one binary — the server, and the operator's commands beside it.

mod cli;
mod feeds_cmd;
mod import_cmd;
mod inventory_cmd;
mod keys_cmd;
mod sbom_cmd;
mod scan_cmd;
mod serve_args;
mod versions_cmd;

use std::process::ExitCode;

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
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
