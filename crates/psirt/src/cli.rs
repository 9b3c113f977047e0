use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use psirt_domain::Role;
use psirt_store::audit::ChainReport;
use psirt_store::users::NewUser;
use psirt_store::{Actor, Store, SystemClock};

use crate::feeds_cmd::{self, FeedsCommand};
use crate::import_cmd::{self, ImportCommand};
use crate::inventory_cmd::{self, ProductsCommand};
use crate::keys_cmd::{self, KeysCommand};
use crate::out::outln;
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
    /// Database: sqlite:FILE (default; created if missing, except by `scan`, which only reads) or
    /// postgres://user@host/db.
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

// Parsed once per process: the size of the `serve` variant does not matter.
#[allow(clippy::large_enum_variant)]
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
        /// Advisory ids are `<PREFIX>-SA-<YEAR>-<NNNN>`.
        #[arg(long, env = "PSIRT_ADVISORY_PREFIX", default_value = "PSIRT")]
        advisory_prefix: String,
        /// The publisher named in advisories and the CSAF provider metadata.
        #[arg(long, env = "PSIRT_PUBLISHER_NAME", default_value = "PSIRT")]
        publisher_name: String,
        /// The publisher's namespace URL (default: the public URL).
        #[arg(long, env = "PSIRT_PUBLISHER_NAMESPACE", default_value = "")]
        publisher_namespace: String,
        /// Security contact (e-mail or URL): CSAF contact details and security.txt `Contact`.
        #[arg(long, env = "PSIRT_SECURITY_CONTACT", default_value = "")]
        security_contact: String,
        /// The CNA's organisation UUID and short name written into CVE records.
        #[arg(
            long,
            env = "PSIRT_CNA_ORG_ID",
            default_value = "00000000-0000-4000-8000-000000000000"
        )]
        cna_org_id: String,
        #[arg(long, env = "PSIRT_CNA_SHORT_NAME", default_value = "psirt")]
        cna_short_name: String,
        /// security.txt `Policy` URL (default: the reporting page).
        #[arg(long, env = "PSIRT_SECURITY_POLICY", default_value = "")]
        security_policy: String,
        /// security.txt `Preferred-Languages`.
        #[arg(long, env = "PSIRT_PREFERRED_LANGUAGES", default_value = "en")]
        preferred_languages: String,
        /// security.txt `Acknowledgments` URL (default: the hall of fame).
        #[arg(long, env = "PSIRT_SECURITY_ACKNOWLEDGMENTS", default_value = "")]
        security_acknowledgments: String,
        /// security.txt `Expires`: this many days after each request.
        #[arg(long, env = "PSIRT_SECURITY_TXT_DAYS", default_value_t = 180)]
        security_txt_days: i64,
        #[command(flatten)]
        ops: crate::serve_args::OpsArgs,
    },
    /// Import other vendors' advisories (CSAF 2.0) as intel records.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// OpenPGP signing key of the CSAF provider.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
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
            outln!("{}", serde_json::to_string_pretty(&cvss.breakdown())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Versions { command } => {
            outln!("{}", versions_cmd::run(command)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            public_url,
            secure_cookies,
            advisory_prefix,
            publisher_name,
            publisher_namespace,
            security_contact,
            cna_org_id,
            cna_short_name,
            security_policy,
            preferred_languages,
            security_acknowledgments,
            security_txt_days,
            ops,
        } => {
            let store = open(&cli.database_url).await?;
            if let Some(password) = store.bootstrap_admin().await? {
                outln!("created the first account: admin");
                outln!(
                    "one-time password (shown once, must be changed at first login): {password}"
                );
                // Shown once: lost, the account could not be used.
                if crate::out::failed_writing() {
                    anyhow::bail!(
                        "the first account's one-time password could not be written; set a new one with `psirt users reset-password admin`"
                    );
                }
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            outln!(
                "psirt listening on http://{listen} ({} database)",
                store.backend()
            );
            psirt_domain::advisory::check_prefix(&advisory_prefix)
                .map_err(|e| anyhow::anyhow!("--advisory-prefix {e}"))?;
            let mut config = psirt_server::Config {
                public_url,
                secure_cookies,
                publisher: psirt_server::publish::PublisherConfig {
                    prefix: advisory_prefix,
                    name: publisher_name,
                    namespace: publisher_namespace,
                    contact: security_contact,
                    cna_org_id,
                    cna_short_name,
                    policy_url: security_policy,
                    preferred_languages,
                    acknowledgments_url: security_acknowledgments,
                    security_txt_days,
                },
                ..Default::default()
            };
            ops.apply(&mut config);
            psirt_server::serve(listener, store, config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = open(&cli.database_url).await?;
            outln!("{} database is up to date", store.backend());
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
                    outln!("audit chain intact: {events} events, head {head}");
                    Ok(ExitCode::SUCCESS)
                }
                ChainReport::Broken(b) => {
                    outln!("audit chain BROKEN at event {}: {}", b.seq, b.reason);
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Users { command } => users(&cli.database_url, command).await,
        Command::Feeds { command } => {
            let store = open(&cli.database_url).await?;
            let whole = feeds_cmd::run(&store, command).await?;
            Ok(if whole {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Scan { file, format } => {
            // Read as it is: not created, not migrated (see `Store::open_existing`).
            let store = Store::open_existing(&cli.database_url, Arc::new(SystemClock))
                .await
                .with_context(|| format!("opening {}", cli.database_url))?;
            let affected = scan_cmd::run(&store, file, format).await?;
            Ok(if affected {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Import { command } => {
            let store = open(&cli.database_url).await?;
            let all = import_cmd::run(&store, command).await?;
            Ok(if all {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Keys { command } => {
            let store = open(&cli.database_url).await?;
            keys_cmd::run(&store, command).await?;
            Ok(ExitCode::SUCCESS)
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
            outln!("created {} ({})", user.username, user.role);
            if generated {
                outln!("one-time password (must be changed at first login): {password}");
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
            outln!("one-time password for {username} (must be changed at next login): {password}");
        }
        UsersCommand::List => {
            for u in store.users().await? {
                let state = if u.disabled { " (disabled)" } else { "" };
                outln!("{}\t{}{state}", u.username, u.role);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
