//! check_consul_dns: service discovery through Consul's DNS interface and through a forwarder.
//!
//! `cli` turns options into a [`cli::Config`] (the Consul name built by Consul's rules);
//! `probe` asks each server directly (I/O only) and fills `facts`; `evaluate` judges the facts
//! (pure); `wire` names what is wrong with an answer that does not decode (a parser).

pub mod cli;
pub mod evaluate;
pub mod facts;
pub mod probe;
pub mod wire;

pub use cli::Cli;

hastack_common::plugin!(Cli, "CONSUL DNS");
