//! check_ldap_paging: count a directory search completely through paged results, and report
//! what unpaged clients lose (Active Directory answers at most 1000 entries without paging).
//!
//! `cli` turns options into a config (files read under the deadline); `probe` talks to the
//! directory (I/O only) through `ldap`, a small client of its own, and writes `facts`;
//! `evaluate` judges them (pure).

mod cli;
mod evaluate;
mod facts;
pub mod ldap;
mod probe;

pub use cli::Cli;

hastack_common::plugin!(Cli, "LDAP PAGING");
