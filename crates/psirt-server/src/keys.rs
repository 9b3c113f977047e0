//! OpenPGP for the CSAF provider, pure Rust (rPGP): generating the signing key and making the
//! detached `.asc` signature of each published CSAF document (CSAF 2.0 §7.1.18).

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, EncryptionCaps, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::types::{KeyDetails, Password};
use psirt_store::keys::{OpenPgpKey, SecretKeyLocation};

/// Which kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// Ed25519 (v4 "legacy" EdDSA, which every OpenPGP implementation verifies).
    Ed25519,
    /// RSA, 3072 bits.
    Rsa,
}

impl KeyAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::Rsa => "rsa3072",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("OpenPGP: {0}")]
    Pgp(String),
    #[error("reading the secret key file {path}: {error}")]
    File { path: String, error: std::io::Error },
}

fn pgp_err(e: impl std::fmt::Display) -> KeyError {
    KeyError::Pgp(e.to_string())
}

/// A new key pair: (fingerprint in upper-case hex, armored public key, armored secret key).
pub fn generate(
    algorithm: KeyAlgorithm,
    user_id: &str,
) -> Result<(String, String, String), KeyError> {
    let key_type = match algorithm {
        KeyAlgorithm::Ed25519 => KeyType::Ed25519Legacy,
        KeyAlgorithm::Rsa => KeyType::Rsa(3072),
    };
    // One primary key that certifies and signs: CSAF signatures need nothing else.
    let params = SecretKeyParamsBuilder::default()
        .key_type(key_type)
        .can_certify(true)
        .can_sign(true)
        .can_encrypt(EncryptionCaps::None)
        .primary_user_id(user_id.to_owned())
        .build()
        .map_err(pgp_err)?;
    let secret = params.generate(rand::thread_rng()).map_err(pgp_err)?;
    let public = SignedPublicKey::from(secret.clone());
    let fingerprint = format!("{:X}", secret.fingerprint());
    let public = public
        .to_armored_string(ArmorOptions::default())
        .map_err(pgp_err)?;
    let secret = secret
        .to_armored_string(ArmorOptions::default())
        .map_err(pgp_err)?;
    Ok((fingerprint, public, secret))
}

/// The armored secret key of `key`, wherever the admin put it.
fn secret_text(key: &OpenPgpKey) -> Result<String, KeyError> {
    match key
        .secret_location()
        .map_err(|e| KeyError::Pgp(e.to_string()))?
    {
        SecretKeyLocation::Database(k) => Ok(k),
        SecretKeyLocation::File(path) => {
            std::fs::read_to_string(&path).map_err(|error| KeyError::File { path, error })
        }
    }
}

/// The armored detached signature of `data` by `key`.
pub fn sign(key: &OpenPgpKey, data: &[u8]) -> Result<String, KeyError> {
    let (secret, _) = SignedSecretKey::from_string(&secret_text(key)?).map_err(pgp_err)?;
    let sig = DetachedSignature::sign_binary_data(
        rand::thread_rng(),
        &secret.primary_key,
        &Password::empty(),
        HashAlgorithm::Sha256,
        data,
    )
    .map_err(pgp_err)?;
    sig.to_armored_string(ArmorOptions::default())
        .map_err(pgp_err)
}

/// Checks an armored detached signature of `data` against an armored public key (what a CSAF
/// downloader does; used by the tests and by `psirt keys generate` to prove the stored key works).
pub fn verify(public_key: &str, signature: &str, data: &[u8]) -> Result<(), KeyError> {
    let (public, _) = SignedPublicKey::from_string(public_key).map_err(pgp_err)?;
    let (sig, _) = DetachedSignature::from_string(signature).map_err(pgp_err)?;
    sig.verify(&public, data).map_err(pgp_err)
}
