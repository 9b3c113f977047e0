//! NuGet versions: SemVer 2.0 with up to four numeric components (`1.0.0.0` = `1.0.0`), optional `v`, and
//! case-insensitive pre-release labels; build metadata ignored.

use crate::version::Version;
use crate::{Result, Scheme};

pub(crate) fn parse(s: &str) -> Result<Version> {
    super::semver::parse_like(s, Scheme::NuGet, 4, false)
}
