//! check_clock_skew: clock offset against NTP servers, skew between peers, and the local clock's
//! own sync state.
//!
//! `cli` turns options into a [`cli::Config`]; `probe` asks the servers, chronyd and the
//! kernel (I/O only) and fills `facts`; `evaluate` judges the facts (pure); `candm` is chronyd's
//! command protocol (a parser) and `kernel` the one `adjtimex` call.

pub mod candm;
pub mod cli;
pub mod evaluate;
pub mod facts;
mod kernel;
pub mod probe;

pub use cli::Cli;

hastack_common::plugin!(Cli, "CLOCK SKEW");
