//! The crate's one integration-test binary (one link on 2-core CI); the modules live in tests/integration/.

#[path = "integration/common.rs"]
mod common;
#[path = "integration/invalid.rs"]
mod invalid;
#[path = "integration/model.rs"]
mod model;
#[path = "integration/real.rs"]
mod real;
