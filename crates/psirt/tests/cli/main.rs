//! The `psirt` binary run as a user runs it: stdout, stderr and exit status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disclosure;
mod feeds;
mod inventory;
mod serve;
mod versions;
