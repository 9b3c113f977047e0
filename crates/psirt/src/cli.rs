use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use psirt_domain::Role;
use psirt_store::audit::ChainReport;
use psirt_store::users::NewUser;
use psirt_store::{Actor, Store, SystemClock};

use crate::feeds_cmd::{self, FeedsCommand};
use crate::inventory_cmd::{self, ProductsCommand};
use crate::sbom_cmd::{self, SbomCommand};
use crate::scan_cmd::{self, ScanFormat};
use crate::versions_cmd::{self, VersionsCommand};

#[derive(Parser)]
#[command(
    name = "psirt",
    version,
    about = "A self-hostable platform for a Product Security Incident Response Team"
)]
struct Cli {
    /// Database: sqlite:FILE (default, created if missing) or postgres://user@host/db.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:psirt.db",
        global = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start psirt (web UI, reporter portal, REST API). Creates `admin` on first start.
    Serve {
        #[arg(long, env = "PSIRT_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// The public base URL (tracking links are built from it).
        #[arg(
            long,
            env = "PSIRT_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
        /// Mark cookies Secure (set when served over HTTPS).
        #[arg(long, env = "PSIRT_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Audit trail commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Staff accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Score a CVSS vector (v2, v3.0, v3.1, v4.0) and print its breakdown as JSON.
    Cvss { vector: String },
    /// Products and their versions (the inventory SBOMs attach to).
    Products {
        #[command(subcommand)]
        command: ProductsCommand,
    },
    /// SBOMs of product versions.
    Sbom {
        #[command(subcommand)]
        command: SbomCommand,
    },
    /// Version ordering and `vers:` ranges: why did an advisory match (or not)?
    Versions {
        #[command(subcommand)]
        command: VersionsCommand,
    },
    /// Public vulnerability feeds: import OSV, CVE 5, KEV and EPSS data.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Match an SBOM file against the local intel database without storing it; exit status 1
    /// when a component is affected.
    Scan {
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "table")]
        format: ScanFormat,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exit 1 and name the first broken link if it is not intact.
    Verify,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account; the password is read from PSIRT_PASSWORD or generated and printed.
    Create {
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Reset a password (generated, printed once, must be changed at next login).
    ResetPassword { username: String },
    /// List accounts.
    List,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|e: psirt_domain::DomainError| e.to_string())
}

async fn open(url: &str) -> anyhow::Result<Store> {
    Store::connect(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("opening {url}"))
}

pub async fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Cvss { vector } => {
            let cvss = psirt_cvss::parse(&vector)?;
            println!("{}", serde_json::to_string_pretty(&cvss.breakdown())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Versions { command } => {
            println!("{}", versions_cmd::run(command)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            public_url,
            secure_cookies,
        } => {
            let store = open(&cli.database_url).await?;
            if let Some(password) = store.bootstrap_admin().await? {
                println!("created the first account: admin");
                println!(
                    "one-time password (shown once, must be changed at first login): {password}"
                );
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            println!(
                "psirt listening on http://{listen} ({} database)",
                store.backend()
            );
            let config = psirt_server::Config {
                public_url,
                secure_cookies,
                ..Default::default()
            };
            psirt_server::serve(listener, store, config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = open(&cli.database_url).await?;
            println!("{} database is up to date", store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = open(&cli.database_url).await?;
            let report = store
                .verify_audit_chain(|n| {
                    if n > 0 && n % 10_000 == 0 {
                        eprintln!("checked {n} events...");
                    }
                })
                .await?;
            match report {
                ChainReport::Intact { events, head } => {
                    println!("audit chain intact: {events} events, head {head}");
                    Ok(ExitCode::SUCCESS)
                }
                ChainReport::Broken(b) => {
                    println!("audit chain BROKEN at event {}: {}", b.seq, b.reason);
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Users { command } => users(&cli.database_url, command).await,
        Command::Feeds { command } => {
            let store = open(&cli.database_url).await?;
            feeds_cmd::run(&store, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan { file, format } => {
            let store = open(&cli.database_url).await?;
            let affected = scan_cmd::run(&store, file, format).await?;
            Ok(if affected {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Sbom { command } => {
            let store = open(&cli.database_url).await?;
            sbom_cmd::run(&store, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Products { command } => {
            let store = open(&cli.database_url).await?;
            inventory_cmd::run(&store, command).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn users(url: &str, command: UsersCommand) -> anyhow::Result<ExitCode> {
    let store = open(url).await?;
    let operator = Actor::System("cli");
    match command {
        UsersCommand::Create { username, role } => {
            let (password, generated) = match std::env::var("PSIRT_PASSWORD") {
                Ok(p) => (p, false),
                Err(_) => (psirt_store::secrets::random_password()?, true),
            };
            let user = store
                .create_user(
                    &operator,
                    NewUser {
                        username,
                        role,
                        password: password.clone(),
                        display_name: String::new(),
                        email: String::new(),
                        must_change_password: true,
                    },
                )
                .await?;
            println!("created {} ({})", user.username, user.role);
            if generated {
                println!("one-time password (must be changed at first login): {password}");
            }
        }
        UsersCommand::ResetPassword { username } => {
            let Some(user) = store
                .users()
                .await?
                .into_iter()
                .find(|u| u.username == username)
            else {
                bail!("no user named {username}");
            };
            let password = psirt_store::secrets::random_password()?;
            store
                .set_password(&operator, user.id, None, &password, true)
                .await?;
            println!(
                "one-time password for {username} (must be changed at next login): {password}"
            );
        }
        UsersCommand::List => {
            for u in store.users().await? {
                let state = if u.disabled { " (disabled)" } else { "" };
                println!("{}\t{}{state}", u.username, u.role);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
