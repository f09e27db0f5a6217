//! check_ldap_paging: count a directory search completely through paged results, and report
//! what unpaged clients lose (Active Directory answers at most 1000 entries without paging).
//!
//! `cli` turns options into a [`cli::Config`] (files read under the deadline); `probe` talks to
//! the directory (I/O only); `evaluate` judges what it said (pure); `ber` codes the
//! paged-results control.

pub mod ber;
pub mod cli;
pub mod evaluate;
pub mod probe;

use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

pub use cli::Cli;
use cli::Config;

impl Plugin for Cli {
    const SERVICE: &'static str = "LDAP PAGING";
    type Config = Config;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, ctx: &Context) -> Result<Config, CheckError> {
        Cli::into_config(self, ctx)
    }

    async fn check(config: Config, ctx: Context) -> Result<Report, CheckError> {
        let facts = probe::probe(&config, &ctx).await?;
        Ok(evaluate::evaluate(&facts, &config.base, &config.judge))
    }
}
