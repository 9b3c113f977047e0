//! Hackage (Haskell PVP `Data.Version`): integers separated by `.`, compared as lists (`1.0` < `1.0.0`).

use crate::version::Version;
use crate::{Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    Ok(Version::new(
        Scheme::Hackage,
        s,
        super::cran::int_list(s, "hackage", &['.'])?,
    ))
}
