//! check_ldap_paging: count a directory search completely through paged results, and report
//! what unpaged clients lose (Active Directory answers at most 1000 entries without paging).
//!
//! `cli` turns options into a [`cli::Config`] (files read under the deadline); `probe` talks to
//! the directory (I/O only) through `ldap`, a small client of its own; `evaluate` judges what
//! it said (pure).

pub mod cli;
pub mod evaluate;
pub mod ldap;
pub mod probe;

pub use cli::Cli;

hastack_common::plugin!(Cli, "LDAP PAGING");
