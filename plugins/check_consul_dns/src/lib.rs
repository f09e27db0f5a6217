//! check_consul_dns: service discovery through Consul's DNS interface and through a forwarder.
//!
//! `cli` turns options into a [`cli::Config`] (the Consul name built by Consul's rules);
//! `probe` asks each server directly (I/O only); `evaluate` judges the answers (pure).

pub mod cli;
pub mod evaluate;
pub mod probe;

use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

pub use cli::Cli;
use cli::Config;

impl Plugin for Cli {
    const SERVICE: &'static str = "CONSUL DNS";
    type Config = Config;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        Cli::into_config(self)
    }

    async fn check(config: Config, ctx: Context) -> Result<Report, CheckError> {
        let outcomes = probe::query_all(
            &config.servers,
            &config.question,
            &config.also_resolve,
            config.tcp,
            &ctx,
        )
        .await;
        Ok(evaluate::evaluate(
            &outcomes,
            &config.question,
            &config.judge,
        ))
    }
}
