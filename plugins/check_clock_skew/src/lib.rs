//! check_clock_skew: clock offset against NTP servers, skew between peers, and the local clock's
//! own sync state.
//!
//! `cli` turns options into a [`cli::Config`]; `probe` asks the servers and the kernel (I/O
//! only); `evaluate` judges what they said (pure); `kernel` is the one `adjtimex` call.

pub mod candm;
pub mod cli;
pub mod evaluate;
mod kernel;
pub mod probe;

pub use cli::Cli;

hastack_common::plugin!(Cli, "CLOCK SKEW");
