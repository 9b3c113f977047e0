//! Conformance tests against the shared reference data: the purl-spec suite, the vers-spec vectors, the
//! per-ecosystem ordering fixtures, plus property tests. One test binary (the oracle tests are the other).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod common;
mod fixtures;
mod osv_ranges;
mod props;
mod purl_suite;
mod vers_suite;
