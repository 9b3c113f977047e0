//! The crate's one integration-test binary (one link on 2-core CI); the modules live in tests/integration/.
// Helpers outside #[test] functions unwrap too: a failed fixture read is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "integration/common.rs"]
mod common;
#[path = "integration/intel_containers.rs"]
mod intel_containers;
#[path = "integration/intel_csaf.rs"]
mod intel_csaf;
#[path = "integration/intel_model.rs"]
mod intel_model;
#[path = "integration/intel_pipeline.rs"]
mod intel_pipeline;
#[path = "integration/intel_real.rs"]
mod intel_real;
#[path = "integration/invalid.rs"]
mod invalid;
#[path = "integration/model.rs"]
mod model;
#[path = "integration/publish.rs"]
mod publish;
#[path = "integration/publish_fixtures.rs"]
mod publish_fixtures;
#[path = "integration/publish_oracle.rs"]
mod publish_oracle;
#[path = "integration/publish_provider.rs"]
mod publish_provider;
#[path = "integration/real.rs"]
mod real;
