//! check_consul_dns: Consul service discovery through DNS, agent and forwarder. Not implemented yet: it parses the shared options and says so.

use clap::Parser;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

/// Consul service discovery through DNS, agent and forwarder.
#[derive(Debug, Parser)]
#[command(
    name = "check_consul_dns",
    version,
    about = "Consul service discovery through DNS, agent and forwarder"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "CONSUL DNS";
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
