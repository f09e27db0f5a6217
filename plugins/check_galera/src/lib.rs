//! check_galera: Galera cluster health, per node and cluster-wide.
//!
//! `cli` turns options into a [`cli::Config`]; `probe` reads each node (I/O only); `evaluate`
//! judges what was read (pure). This file wires them together for the shared runtime.

pub mod cli;
pub mod defaults_file;
pub mod evaluate;
pub mod probe;
pub mod status;

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report};

pub use cli::Cli;
use cli::{Config, Member, Mode, parse_address};
use evaluate::{MemberOutcome, evaluate_cluster, evaluate_node};
use probe::{Login, ProbeError, probe};

impl Plugin for Cli {
    const SERVICE: &'static str = "GALERA";
    type Config = Config;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, ctx: &Context) -> Result<Config, CheckError> {
        Cli::into_config(self, ctx)
    }

    async fn check(config: Config, ctx: Context) -> Result<Report, CheckError> {
        match &config.mode {
            Mode::Single(endpoint) => {
                let result = match probe(endpoint, &config.login, false, &ctx, ctx.deadline()).await
                {
                    Ok(facts) => Ok(facts),
                    // A single node that hangs is the run's timeout, with its state.
                    Err(ProbeError::TimedOut(timed_out)) => return Err(timed_out.into()),
                    Err(ProbeError::Failed(cause)) => Err(cause),
                };
                let outcome = MemberOutcome {
                    name: None,
                    endpoint: endpoint.to_string(),
                    result,
                };
                Ok(evaluate_node(&outcome, &config.judge))
            }
            Mode::Cluster {
                members,
                discover,
                seeds,
            } => {
                let outcomes = check_cluster(&config, members, *discover, seeds, &ctx).await;
                Ok(evaluate_cluster(&outcomes, &config.judge))
            }
        }
    }
}

/// Every member is read concurrently, each bounded a little before the run's deadline so one
/// hung member is reported as such while the others still count.
async fn check_cluster(
    config: &Config,
    members: &[Member],
    discover: bool,
    seeds: &[Member],
    ctx: &Context,
) -> Vec<MemberOutcome> {
    let margin = (ctx.timeout() / 10).min(Duration::from_secs(1));
    let deadline = ctx
        .deadline()
        .checked_sub(margin)
        .unwrap_or_else(Instant::now);
    let login = &config.login;
    if !discover {
        return join_all(members.iter().map(|m| read_member(m, login, ctx, deadline))).await;
    }
    let seed_outcomes = join_all(seeds.iter().map(|m| read_member(m, login, ctx, deadline))).await;
    let discovered = seed_outcomes
        .iter()
        .find_map(|o| o.result.as_ref().ok())
        .map(|facts| facts.status.incoming_addresses.clone());
    let Some(addresses) = discovered else {
        // Nobody answered: report the seeds as the members we know of.
        return seed_outcomes;
    };
    let mut all: Vec<Member> = members.to_vec();
    for address in &addresses {
        // Entries Galera could not fill in (`AUTO`, `0.0.0.0`) cannot be reached from here.
        if let Ok(endpoint) = parse_address(address, config.default_port) {
            let unusable = matches!(&endpoint, probe::Endpoint::Tcp { host, .. } if host == "AUTO" || host == "0.0.0.0");
            if !unusable && !all.iter().any(|m| m.endpoint == endpoint) {
                all.push(Member {
                    name: None,
                    endpoint,
                });
            }
        }
    }
    let pending = all.iter().map(|member| {
        // A seed already read is not read again.
        let earlier = seeds
            .iter()
            .zip(&seed_outcomes)
            .find(|(seed, _)| seed.endpoint == member.endpoint)
            .map(|(_, outcome)| outcome.clone());
        async move {
            match earlier {
                Some(outcome) => outcome,
                None => read_member(member, login, ctx, deadline).await,
            }
        }
    });
    join_all(pending).await
}

async fn read_member(
    member: &Member,
    login: &Login,
    ctx: &Context,
    deadline: Instant,
) -> MemberOutcome {
    let result = probe(&member.endpoint, login, true, ctx, deadline)
        .await
        .map_err(|e| e.to_string());
    MemberOutcome {
        name: member.name.clone(),
        endpoint: member.endpoint.to_string(),
        result,
    }
}
