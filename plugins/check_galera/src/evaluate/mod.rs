//! Every judgement check_galera makes (pure), by concern: `node` (one node's own status),
//! `cluster` (the members compared), `history` (what changed since the previous run) and
//! `failure` (a node that gave no answer, in words). Here: the criteria, the entry point, and
//! how the report names each member and labels its metrics.

mod cluster;
mod failure;
mod history;
mod node;
#[cfg(test)]
mod tests;

use hastack_common::perfdata::ItemLabel;
use hastack_common::{CheckError, Failure, Labels, Peer, Report, Thresholds};

use crate::facts::{Facts, GaleraFailure, NodeFacts};

/// The thresholds and switches the user gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Criteria {
    /// On `wsrep_cluster_size` (from `-w/-c` or `--expected-size`).
    pub size: Thresholds,
    /// The number of members the cluster should have, when known.
    pub expected_size: Option<u64>,
    pub donor_ok: bool,
    /// `wsrep_desync=ON` (a backup desynced on purpose) is fine.
    pub desync_ok: bool,
    /// `read_only` / `super_read_only` is fine.
    pub read_only_ok: bool,
    /// On the fraction of time paused by flow control since the previous run.
    pub flow_control: Thresholds,
    /// On the receive and send queues now.
    pub recv_queue: Thresholds,
    pub send_queue: Thresholds,
    /// On how long a member that leaves now can still rejoin by IST, minutes.
    pub ist_window: Thresholds,
    /// On the spread of `wsrep_last_committed` across members.
    pub lag: Thresholds,
    /// On the largest clock difference between members, seconds.
    pub skew: Thresholds,
}

/// One node judged on its own, or the cluster member by member and as a whole, then what
/// changed since the previous run. A single node that hung is the run's timeout, with its
/// `--timeout-state`.
pub fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
    let members = Member::all(facts);
    let mut report = match (facts.cluster, members.as_slice()) {
        (false, [member]) => match member.result {
            Err(Failure::NoAnswer(timed_out)) => return Err(timed_out.clone().into()),
            _ => node::evaluate_node(member, criteria),
        },
        (_, members) => cluster::evaluate_cluster(members, criteria),
    };
    history::judge(&mut report, facts, &members, criteria);
    Ok(report)
}

/// A node as the report names it and labels its metrics.
struct Member<'a> {
    /// The name given with `--node NAME=`, else the node's own `wsrep_node_name` (a cluster
    /// member's only: a server outside any cluster still has its host name there).
    peer: Peer,
    result: Result<&'a NodeFacts, &'a Failure<GaleraFailure>>,
    /// In cluster mode, the prefix of its metrics (`node2_local_state`), unique in the output;
    /// one node's metrics are the check's own.
    item: Option<ItemLabel>,
}

impl<'a> Member<'a> {
    /// Every node read, in the order of the facts.
    fn all(facts: &'a Facts) -> Vec<Member<'a>> {
        let mut labels = Labels::new();
        facts
            .members
            .iter()
            .map(|outcome| {
                let result = outcome.result.as_ref();
                let node_name = result
                    .ok()
                    .filter(|f| f.status.is_member())
                    .and_then(|f| f.status.node_name.clone());
                let peer = outcome.peer.clone().or_named(node_name);
                let item = facts.cluster.then(|| labels.item(peer.name()));
                Member { peer, result, item }
            })
            .collect()
    }

    fn facts(&self) -> Option<&'a NodeFacts> {
        self.result.ok()
    }

    /// The short name: `node2`, or the endpoint.
    fn name(&self) -> &str {
        self.peer.name()
    }

    /// The perfdata label of this node's `metric`.
    fn label(&self, metric: &str) -> String {
        match &self.item {
            Some(item) => item.of(metric),
            None => metric.to_string(),
        }
    }
}

/// A cluster larger than `--expected-size`: a member joined that nobody planned.
fn larger_than_expected(size: u64, criteria: &Criteria) -> Option<String> {
    let expected = criteria.expected_size?;
    (size > expected).then(|| {
        format!("cluster size {size} is larger than --expected-size {expected}: a member joined that nobody planned")
    })
}
