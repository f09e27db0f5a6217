//! check_clock_skew: clock offset against NTP servers, skew between peers, and the local clock's
//! own sync state.
//!
//! `cli` turns options into a [`cli::Config`]; `probe` asks the servers and the kernel (I/O
//! only); `evaluate` judges what they said (pure). This file wires them for the shared runtime.

pub mod cli;
pub mod evaluate;
mod kernel;
pub mod probe;

use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

pub use cli::Cli;
use cli::Config;

impl Plugin for Cli {
    const SERVICE: &'static str = "CLOCK SKEW";
    type Config = Config;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        Cli::into_config(self)
    }

    async fn check(config: Config, ctx: Context) -> Result<Report, CheckError> {
        let local = match config.local_sync {
            true => Some(probe::local_clock().map_err(CheckError::unknown)?),
            false => None,
        };
        let servers = probe::query_all(&config.servers, config.samples, &ctx).await;
        Ok(evaluate::evaluate(&servers, local.as_ref(), &config.judge))
    }
}
