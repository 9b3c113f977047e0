//! What the three validator sets (SBOM import, intel import, publishing) share: each vendored
//! schema is compiled once per process, on first use, and violations are reported with their JSON
//! Pointer and a message that does not quote a whole (possibly huge) offending value.

use std::sync::OnceLock;

use jsonschema::{ValidationError, Validator};
use serde_json::Value;

type Compiled = Result<Validator, String>;

/// `N` lazily compiled validators, indexed by the caller's schema enum.
pub(crate) struct Validators<const N: usize>([OnceLock<Compiled>; N]);

impl<const N: usize> Validators<N> {
    pub(crate) const fn new() -> Self {
        Self([const { OnceLock::new() }; N])
    }

    /// The validator at `index`, compiled by `compile` the first time; `Err` carries the
    /// compilation error (a bug in the crate, not in the input). An out-of-range index is a bug too.
    pub(crate) fn get(
        &self,
        index: usize,
        compile: impl FnOnce() -> Compiled,
    ) -> Result<&Validator, String> {
        let cell = self
            .0
            .get(index)
            .ok_or_else(|| format!("no validator slot {index}"))?;
        cell.get_or_init(compile).as_ref().map_err(Clone::clone)
    }
}

/// Parses a vendored schema's text.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// A violation as (JSON Pointer, message).
pub(crate) fn describe(e: &ValidationError<'_>) -> (String, String) {
    let full = e.to_string();
    // anyOf/oneOf errors print the whole offending value, which may be a large object: mask it
    // then, the pointer says where it is.
    let message = if full.len() > 300 {
        e.masked().to_string()
    } else {
        full
    };
    (e.instance_path().as_str().to_string(), message)
}
