//! check_galera: Galera cluster health, per node and cluster-wide.
//!
//! `cli` turns options into a `cli::Config`; `probe` reads the node or every member of the
//! cluster (I/O only) into `facts`; `evaluate` judges the facts (pure); `status` and
//! `defaults_file` parse what a server and an option file say.

pub mod cli;
pub mod defaults_file;
pub mod evaluate;
pub mod facts;
pub mod probe;
pub mod status;

pub use cli::Cli;

hastack_common::plugin!(Cli, "GALERA");
