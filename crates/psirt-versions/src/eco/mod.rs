//! One module per version scheme. Each exposes `parse(&str) -> Result<Version>` building the sort key.

pub mod alpine;
pub mod composer;
pub mod cran;
pub mod debian;
pub mod generic;
pub mod hackage;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;
