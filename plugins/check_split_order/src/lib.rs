//! check_split_order: Ansible inventory structure against expectations and Terraform output.

pub mod inventory;
pub mod yaml;

use clap::Parser;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

/// Ansible inventory structure against expectations and Terraform output.
#[derive(Debug, Parser)]
#[command(name = "check_split_order", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "SPLIT ORDER";
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
