//! check_galera: Galera cluster health, per node and cluster-wide.
//!
//! `cli` turns options into a [`cli::Config`]; `probe` reads each node (I/O only); `evaluate`
//! judges what was read (pure). This file wires them together for the shared runtime.

pub mod cli;
pub mod defaults_file;
pub mod evaluate;
pub mod probe;
pub mod status;

use std::time::Instant;

use futures_util::StreamExt;
use futures_util::future::{join, join_all};
use futures_util::stream::FuturesUnordered;
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
/// hung member is reported as such while the others still count. With `--discover`, the seeds
/// get half of that time: the members found through the first seed that answers are read at
/// once, while slower seeds still run, and keep at least the other half for themselves.
async fn check_cluster(
    config: &Config,
    members: &[Member],
    discover: bool,
    seeds: &[Member],
    ctx: &Context,
) -> Vec<MemberOutcome> {
    let deadline = ctx.parts_deadline();
    let login = &config.login;
    if !discover {
        return join_all(members.iter().map(|m| read_member(m, login, ctx, deadline))).await;
    }
    let seed_deadline = deadline
        .checked_sub(ctx.parts_budget() / 2)
        .unwrap_or(deadline);
    let mut pending: FuturesUnordered<_> = seeds
        .iter()
        .enumerate()
        .map(|(i, seed)| async move { (i, read_member(seed, login, ctx, seed_deadline).await) })
        .collect();
    let mut seed_outcomes: Vec<Option<MemberOutcome>> = vec![None; seeds.len()];
    let mut discovered: Option<Vec<String>> = None;
    while discovered.is_none() {
        let Some((i, outcome)) = pending.next().await else {
            break;
        };
        if let Ok(facts) = &outcome.result {
            discovered = Some(facts.status.incoming_addresses.clone());
        }
        seed_outcomes[i] = Some(outcome);
    }
    let Some(addresses) = discovered else {
        // Nobody answered: report the seeds as the members we know of.
        return seed_outcomes.into_iter().flatten().collect();
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
    // Members that are not seeds are read now, while the seeds still pending finish.
    let is_seed = |member: &Member| seeds.iter().position(|s| s.endpoint == member.endpoint);
    let others = join_all(
        all.iter()
            .filter(|m| is_seed(m).is_none())
            .map(|m| read_member(m, login, ctx, deadline)),
    );
    let (rest, others) = join(pending.collect::<Vec<_>>(), others).await;
    for (i, outcome) in rest {
        seed_outcomes[i] = Some(outcome);
    }
    let mut others = others.into_iter();
    all.iter()
        .filter_map(|member| match is_seed(member) {
            Some(i) => seed_outcomes[i].clone(),
            None => others.next(),
        })
        .collect()
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
