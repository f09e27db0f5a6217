//! check_ldap_paging: LDAP searches that an unpaged client would see truncated. Not implemented yet: it parses the shared options and says so.

use clap::Parser;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

/// LDAP searches that an unpaged client would see truncated.
#[derive(Debug, Parser)]
#[command(
    name = "check_ldap_paging",
    version,
    about = "LDAP searches that an unpaged client would see truncated"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "LDAP PAGING";
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
