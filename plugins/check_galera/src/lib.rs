//! check_galera: Galera cluster health, per node and cluster-wide. Not implemented yet: it parses the shared options and says so.

use clap::Parser;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

/// Galera cluster health, per node and cluster-wide.
#[derive(Debug, Parser)]
#[command(
    name = "check_galera",
    version,
    about = "Galera cluster health, per node and cluster-wide"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "GALERA";
    type Config = ();

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self) -> Result<(), CheckError> {
        Ok(())
    }

    async fn check(_config: (), _ctx: Context) -> Result<Report, CheckError> {
        Err(CheckError::unknown("not implemented yet"))
    }
}
