//! check_clock_skew: Clock offset against NTP servers and skew between peers. Not implemented yet: it parses the shared options and says so.

use clap::Parser;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

/// Clock offset against NTP servers and skew between peers.
#[derive(Debug, Parser)]
#[command(
    name = "check_clock_skew",
    version,
    about = "Clock offset against NTP servers and skew between peers"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "CLOCK SKEW";
    type Config = ();

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, _ctx: &Context) -> Result<(), CheckError> {
        Ok(())
    }

    async fn check(_config: (), _ctx: Context) -> Result<Report, CheckError> {
        Err(CheckError::unknown("not implemented yet"))
    }
}
