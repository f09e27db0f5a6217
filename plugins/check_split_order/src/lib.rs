//! check_split_order: an Ansible inventory generated from Terraform output, checked for hosts
//! under the wrong group header.
//!
//! `cli` validates the options; `probe` reads the files (each under a size cap enforced while
//! reading) into `facts`; `evaluate` picks the format as Ansible's plugin chain would, parses
//! (through `inventory` and `terraform`, the parsers) and judges.

pub mod cli;
pub mod evaluate;
pub mod facts;
pub mod inventory;
pub mod probe;
pub mod terraform;

pub use cli::Cli;

hastack_common::plugin!(Cli, "SPLIT ORDER");
