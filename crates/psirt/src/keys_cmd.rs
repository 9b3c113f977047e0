//! `psirt keys generate`: makes the CSAF provider's OpenPGP signing key (pure-Rust rPGP) and
//! stores it; the secret key goes into the database or, if the admin names a file, only there.

use std::path::PathBuf;

use crate::out::outln;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use psirt_server::keys::{generate, sign, verify, KeyAlgorithm};
use psirt_store::keys::SecretKeyLocation;
use psirt_store::{Actor, Store};

#[derive(Clone, Copy, ValueEnum)]
pub enum Algorithm {
    Ed25519,
    Rsa,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Generate a signing key; it becomes the key CSAF documents are signed with.
    Generate {
        /// The key's User ID, e.g. "ACME PSIRT <psirt@acme.example>".
        #[arg(long)]
        user_id: String,
        #[arg(long, value_enum, default_value = "ed25519")]
        algorithm: Algorithm,
        /// Keep the armored secret key in this file (created, mode 0600) instead of the database.
        #[arg(long)]
        secret_file: Option<PathBuf>,
    },
    /// Print the armored public key in use.
    Show,
}

pub async fn run(store: &Store, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate {
            user_id,
            algorithm,
            secret_file,
        } => {
            let algorithm = match algorithm {
                Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
                Algorithm::Rsa => KeyAlgorithm::Rsa,
            };
            let (fingerprint, public, secret) = generate(algorithm, &user_id)?;
            let location = match secret_file {
                Some(path) => {
                    write_secret(&path, &secret)?;
                    SecretKeyLocation::File(path.display().to_string())
                }
                None => SecretKeyLocation::Database(secret),
            };
            let key = store
                .add_openpgp_key(
                    &Actor::System("cli"),
                    &fingerprint,
                    algorithm.name(),
                    &public,
                    location,
                )
                .await?;
            // Prove the stored key signs and verifies before anyone relies on it.
            let probe = b"psirt signing check";
            verify(&key.public_key, &sign(&key, probe)?, probe)?;
            outln!("generated {} key {}", algorithm.name(), key.fingerprint);
            Ok(())
        }
        KeysCommand::Show => {
            let key = store
                .active_openpgp_key()
                .await?
                .context("no signing key: run `psirt keys generate`")?;
            crate::out::text(&key.public_key);
            Ok(())
        }
    }
}

fn write_secret(path: &PathBuf, secret: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(secret.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
