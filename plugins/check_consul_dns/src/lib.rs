//! check_consul_dns: service discovery through Consul's DNS interface and through a forwarder.
//!
//! `cli` turns options into a [`cli::Config`] (the Consul name built by Consul's rules);
//! `probe` asks each server directly (I/O only); `evaluate` judges the answers (pure).

pub mod cli;
pub mod evaluate;
pub mod probe;

pub use cli::Cli;

hastack_common::plugin!(Cli, "CONSUL DNS");
