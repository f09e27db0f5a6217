//! Every judgement check_galera makes, as pure functions from what the nodes reported to a
//! report: one node on its own, and a whole cluster compared member by member.

use std::collections::BTreeMap;
use std::fmt;

use hastack_common::history::Baseline;
use hastack_common::range::Thresholds;
use hastack_common::runtime::TimedOut;
use hastack_common::units::round_micros;
use hastack_common::{CheckError, Metric, Report, State, Uom};

use crate::status::{LocalState, NodeStatus};

mod history;

pub use history::record;

/// The thresholds and switches the user gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgement {
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

/// A node's clock as read over its connection: `server time - local midpoint of the query`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockSample {
    /// Seconds the server's clock is ahead of ours (negative: behind).
    pub offset: f64,
    /// Round trip of the clock query, seconds: the uncertainty of `offset` is half of it.
    pub round_trip: f64,
}

/// What a node answered.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub status: NodeStatus,
    pub clock: Option<ClockSample>,
}

/// Why a node gave no facts.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The deadline passed during a named stage.
    TimedOut(TimedOut),
    /// Refused, unreachable, access denied, TLS failure...: the cause in words.
    Failed(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::TimedOut(t) => t.fmt(f),
            Failure::Failed(cause) => f.write_str(cause),
        }
    }
}

/// One member of a cluster check: who it is and what came back.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberOutcome {
    /// The name the user gave (`--node node2=HOST`), if any.
    pub name: Option<String>,
    /// `HOST:PORT` or the socket path.
    pub endpoint: String,
    pub result: Result<NodeFacts, Failure>,
}

impl MemberOutcome {
    /// The short name: given name, else `wsrep_node_name`, else the endpoint.
    fn name(&self) -> String {
        self.name
            .clone()
            // A server outside any cluster still has a default wsrep_node_name (its host name).
            .or_else(|| {
                self.result
                    .as_ref()
                    .ok()
                    .filter(|f| f.status.is_member())
                    .and_then(|f| f.status.node_name.clone())
            })
            .unwrap_or_else(|| self.endpoint.clone())
    }

    /// `node2 (127.0.0.1:3307)`, or just the endpoint when there is no name.
    fn label(&self) -> String {
        let name = self.name();
        if name == self.endpoint {
            name
        } else {
            format!("{name} ({})", self.endpoint)
        }
    }
}

/// What was read: one node, or every member of a cluster (in the order named, discovered
/// members after them), when, and what the previous run left.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub cluster: bool,
    pub members: Vec<MemberOutcome>,
    /// When the members were read, Unix seconds.
    pub read_at: f64,
    pub history: History,
}

/// The previous run's record, and what became of this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub baseline: Baseline,
    /// Why this run's record could not be kept, if it could not.
    pub unkept: Option<String>,
    /// `--state-dir` was given: a record that cannot be kept is worth a WARNING.
    pub asked: bool,
}

/// One node judged on its own, or the cluster member by member and as a whole, then what
/// changed since the previous run. A single node that hung is the run's timeout, with its
/// `--timeout-state`.
pub fn evaluate(facts: &Facts, judge: &Judgement) -> Result<Report, CheckError> {
    let mut report = match (facts.cluster, facts.members.as_slice()) {
        (false, [outcome]) => match &outcome.result {
            Err(Failure::TimedOut(timed_out)) => return Err(timed_out.clone().into()),
            _ => evaluate_node(outcome, judge),
        },
        (_, members) => evaluate_cluster(members, judge),
    };
    history::judge(&mut report, facts, judge);
    Ok(report)
}

/// Judge one node on its own (also used for each member of a cluster).
pub fn judge_node(status: &NodeStatus, judge: &Judgement) -> Vec<(State, String)> {
    let mut findings = Vec::new();
    if !status.is_member() {
        let mut why = vec![format!(
            "wsrep_cluster_status={}",
            if status.cluster_status.is_empty() {
                "none"
            } else {
                &status.cluster_status
            }
        )];
        if status.provider.is_empty() {
            why.push("no wsrep provider loaded".into());
        }
        if let Some(size) = status.cluster_size {
            why.push(format!("cluster size {size}"));
        }
        findings.push((
            State::Critical,
            format!("not a Galera cluster member ({})", why.join(", ")),
        ));
        return findings;
    }
    if status.wsrep_on == Some(false) {
        findings.push((
            State::Critical,
            "wsrep_on=OFF globally: the node still reports Primary and ready, but its own writes are not \
             replicated and its data diverges from the cluster"
                .into(),
        ));
    }
    let mut down = Vec::new();
    if !status.is_primary() {
        down.push(format!("cluster status {}", status.cluster_status));
    }
    if status.ready == Some(false) {
        down.push("wsrep_ready=OFF".into());
    }
    if status.connected == Some(false) {
        down.push("wsrep_connected=OFF".into());
    }
    if status.local_state == Some(LocalState::Initialized) {
        down.push(status.state_text());
    }
    if !down.is_empty() {
        let why = if !status.is_primary() {
            "not in a Primary component (quorum lost): it refuses queries"
        } else if status.ready == Some(false) {
            "it refuses queries"
        } else if status.connected == Some(false) {
            "not connected to the cluster"
        } else {
            "not part of the cluster yet"
        };
        findings.push((State::Critical, format!("{}: {why}", down.join(", "))));
    }
    if status.rejects_queries() {
        findings.push((
            State::Critical,
            format!(
                "rejects client queries (wsrep_reject_queries={})",
                status.reject_queries.as_deref().unwrap_or("?")
            ),
        ));
    }
    for (on, name) in [
        (status.read_only, "read_only"),
        (status.super_read_only, "super_read_only"),
    ] {
        if on == Some(true) && !judge.read_only_ok {
            findings.push((
                State::Warning,
                format!("{name}=ON: clients cannot write here (--read-only-ok accepts this)"),
            ));
        }
    }
    let desynced_on_purpose = status.desync == Some(true);
    match status.local_state {
        Some(LocalState::DonorDesynced) if desynced_on_purpose => {
            if !judge.desync_ok {
                findings.push((
                    State::Warning,
                    "desynced on purpose (wsrep_desync=ON: a backup?): it does not hold the cluster back, and falls behind it (--desync-ok accepts this)".into(),
                ));
            }
        }
        Some(LocalState::DonorDesynced) if status.donor_rejects_queries == Some(true) => {
            findings.push((
                State::Warning,
                format!(
                    "{}: donating a state transfer, and rejecting client queries meanwhile (wsrep_sst_donor_rejects_queries=ON)",
                    status.state_text()
                ),
            ));
        }
        Some(LocalState::Synced) | Some(LocalState::Initialized) | None => {}
        Some(LocalState::DonorDesynced) if judge.donor_ok => {}
        Some(LocalState::Joining) | Some(LocalState::Joined) => {
            findings.push((State::Warning, format!("{}: still catching up with the cluster", status.state_text())));
        }
        Some(LocalState::DonorDesynced) => findings.push((
            State::Warning,
            format!(
                "{}: donating a state transfer or desynced, not applying writes in step (--donor-ok accepts this)",
                status.state_text()
            ),
        )),
        Some(LocalState::Other(code)) => {
            findings.push((State::Unknown, format!("unrecognised local state {code} ({})", status.state_text())));
        }
    }
    let mut threshold = |value: Option<f64>, thresholds: &Thresholds, what: &str| {
        if let Some((value, (state, why))) =
            value.and_then(|v| thresholds.violation(v).map(|found| (v, found)))
        {
            findings.push((state, format!("{what} {} ({why})", format_number(value))));
        }
    };
    threshold(
        status.recv_queue.map(|q| q as f64),
        &judge.recv_queue,
        "receive queue",
    );
    threshold(
        status.send_queue.map(|q| q as f64),
        &judge.send_queue,
        "send queue",
    );
    findings
}

/// The per-node metrics, labels prefixed with `prefix` (empty for a single node).
fn node_metrics(prefix: &str, status: &NodeStatus, judge: &Judgement) -> Vec<Metric> {
    let mut metrics = Vec::new();
    let label = |name: &str| format!("{prefix}{name}");
    if let Some(state) = status.local_state {
        metrics.push(
            Metric::new(label("local_state"), state.code())
                .min(0u8)
                .max(4u8),
        );
    }
    if let Some(v) = status.recv_queue {
        metrics.push(
            Metric::new(label("local_recv_queue"), v)
                .thresholds(judge.recv_queue.clone())
                .min(0u8),
        );
    }
    if let Some(v) = status.send_queue {
        metrics.push(
            Metric::new(label("local_send_queue"), v)
                .thresholds(judge.send_queue.clone())
                .min(0u8),
        );
    }
    if let Some(active) = status.flow_control_active {
        metrics.push(
            Metric::new(label("flow_control_active"), u8::from(active))
                .min(0u8)
                .max(1u8),
        );
    }
    // Galera's averages run since the server started (or FLUSH STATUS): perfdata, labelled so,
    // never judged (a node paused half of every minute today reads 0.0001 after months).
    for (name, value) in [
        (
            "flow_control_paused_since_start",
            status.flow_control_paused,
        ),
        ("local_recv_queue_avg_since_start", status.recv_queue_avg),
        ("local_send_queue_avg_since_start", status.send_queue_avg),
    ] {
        if let Some(v) = value {
            metrics.push(Metric::new(label(name), v).min(0u8));
        }
    }
    let counters = [
        ("local_cert_failures", status.cert_failures.map(i128::from)),
        ("local_bf_aborts", status.bf_aborts.map(i128::from)),
        (
            "flow_control_sent",
            status.flow_control_sent.map(i128::from),
        ),
        ("last_committed", status.last_committed.map(i128::from)),
    ];
    for (name, value) in counters {
        if let Some(v) = value {
            metrics.push(Metric::new(label(name), hastack_common::Value::Int(v)).uom(Uom::Counter));
        }
    }
    metrics
}

/// One node on its own.
fn evaluate_node(outcome: &MemberOutcome, judge: &Judgement) -> Report {
    let mut report = Report::new();
    report.subject(outcome.label());
    let facts = match &outcome.result {
        Ok(facts) => facts,
        Err(cause) => {
            report.add(State::Critical, cause.to_string());
            return report;
        }
    };
    let status = &facts.status;
    for (state, text) in judge_node(status, judge) {
        report.add(state, text);
    }
    if status.is_member() {
        if let Some(size) = status.cluster_size {
            if let Some((state, why)) = judge.size.violation(size as f64) {
                report.add(state, format!("cluster size {size} ({})", why));
            }
            if let Some(text) = larger_than_expected(size, judge) {
                report.add(State::Warning, text);
            }
            report.headline(
                Metric::new("cluster_size", size)
                    .thresholds(judge.size.clone())
                    .min(0u8),
            );
        }
        let accepted = match status.local_state {
            Some(LocalState::DonorDesynced) if status.desync == Some(true) && judge.desync_ok => {
                " (wsrep_desync=ON, accepted by --desync-ok)"
            }
            Some(LocalState::DonorDesynced) if judge.donor_ok => " (accepted by --donor-ok)",
            _ => "",
        };
        report.ok_summary(format!(
            "{}{accepted}, {}, cluster size {}",
            status.state_text(),
            status.cluster_status,
            status
                .cluster_size
                .map_or("unknown".into(), |s| s.to_string())
        ));
        for metric in node_metrics("", status, judge) {
            report.metric(metric);
        }
    }
    verbose_details(&mut report, status, facts.clock);
    report
}

fn verbose_details(report: &mut Report, status: &NodeStatus, clock: Option<ClockSample>) {
    report.detail_at(
        1,
        State::Ok,
        format!(
            "state uuid {}, conf_id {}, last_committed {}, incoming {}",
            if status.state_uuid.is_empty() {
                "none"
            } else {
                &status.state_uuid
            },
            status
                .known_conf_id()
                .map_or("none".into(), |c| c.to_string()),
            status
                .last_committed
                .map_or("none".into(), |c| c.to_string()),
            if status.incoming_addresses.is_empty() {
                "none".into()
            } else {
                status.incoming_addresses.join(",")
            }
        ),
    );
    if let Some(clock) = clock {
        report.detail_at(
            2,
            State::Ok,
            format!(
                "clock offset {}s (round trip {}s)",
                format_number(clock.offset),
                format_number(clock.round_trip)
            ),
        );
    }
}

/// A whole cluster: every member judged on its own, then compared with the others.
fn evaluate_cluster(members: &[MemberOutcome], judge: &Judgement) -> Report {
    let mut report = Report::new();
    let expected = judge.expected_size.unwrap_or(members.len() as u64).max(1);

    // Members that answered and are in a Primary component with replication on.
    let primary: Vec<(&MemberOutcome, &NodeFacts)> = members
        .iter()
        .filter_map(|m| m.result.as_ref().ok().map(|f| (m, f)))
        .filter(|(_, f)| {
            f.status.is_member() && f.status.is_primary() && f.status.wsrep_on != Some(false)
        })
        .collect();
    let mut components: BTreeMap<&str, Vec<(&MemberOutcome, &NodeFacts)>> = BTreeMap::new();
    for &(member, facts) in &primary {
        components
            .entry(facts.status.state_uuid.as_str())
            .or_default()
            .push((member, facts));
    }
    let main = components
        .values()
        .max_by_key(|c| c.len())
        .cloned()
        .unwrap_or_default();
    let component_size = main
        .iter()
        .filter_map(|(_, f)| f.status.cluster_size)
        .max()
        .unwrap_or(0);
    // Widened: a server's size is a u64 and must not overflow when doubled.
    let has_majority = u128::from(component_size) * 2 > u128::from(expected);

    let reachable = members.iter().filter(|m| m.result.is_ok()).count();
    if reachable == 0 {
        report.add(
            State::Critical,
            format!("none of the {} nodes answered", members.len()),
        );
    } else if primary.is_empty() {
        report.add(
            State::Critical,
            "no reachable node is in a Primary component: the cluster has lost quorum",
        );
    }

    if components.len() > 1 {
        let parts: Vec<String> = components
            .iter()
            .map(|(uuid, c)| format!("{uuid} on {}", names(c)))
            .collect();
        report.add(
            State::Critical,
            format!(
                "split brain: {} Primary components with different state UUIDs: {}",
                components.len(),
                parts.join(" vs ")
            ),
        );
    }
    let mut by_conf: BTreeMap<Option<u64>, Vec<(&MemberOutcome, &NodeFacts)>> = BTreeMap::new();
    for &(member, facts) in &main {
        by_conf
            .entry(facts.status.known_conf_id())
            .or_default()
            .push((member, facts));
    }
    if by_conf.len() > 1 {
        let parts: Vec<String> = by_conf
            .iter()
            .map(|(id, c)| {
                format!(
                    "{} on {}",
                    id.map_or("none".into(), |i| i.to_string()),
                    names(c)
                )
            })
            .collect();
        report.add(
            State::Critical,
            format!("members disagree on the cluster configuration: conf_id {} (a partition or a stale member)", parts.join(" vs ")),
        );
    }

    if let Some((state, why)) = judge
        .size
        .violation(component_size as f64)
        .filter(|_| !primary.is_empty())
    {
        report.add(
            state,
            format!("Primary component size {component_size} ({why})"),
        );
    }
    if let Some(text) = larger_than_expected(component_size, judge) {
        report.add(State::Warning, text);
    }
    for (what, version) in [
        (
            "provider",
            (|s: &NodeStatus| s.provider_release().map(str::to_string))
                as fn(&NodeStatus) -> Option<String>,
        ),
        ("server", |s: &NodeStatus| {
            s.server_release().map(str::to_string)
        }),
    ] {
        if let Some(text) = versions_differ(&main, what, version) {
            report.add(State::Warning, text);
        }
    }
    report.headline(
        Metric::new("cluster_size", component_size)
            .thresholds(judge.size.clone())
            .min(0u8),
    );
    report.headline(
        Metric::new("nodes_reachable", reachable)
            .min(0u8)
            .max(expected.max(members.len() as u64)),
    );

    let spread = last_committed_spread(&main);
    if let Some((spread, low, high)) = &spread {
        if let Some((state, why)) = judge.lag.violation(*spread as f64) {
            report.add(
                state,
                format!(
                    "last_committed differs by {spread} between {low} and {high} ({})",
                    why
                ),
            );
        }
        report.headline(
            Metric::new("last_committed_spread", *spread)
                .thresholds(judge.lag.clone())
                .min(0u8),
        );
    }

    let skew = clock_skew(members);
    if let Some((skew, ahead, behind)) = &skew {
        if let Some((state, why)) = judge.skew.violation(*skew) {
            report.add(
                state,
                format!(
                    "clock skew {}s between {ahead} and {behind} ({})",
                    format_number(*skew),
                    why
                ),
            );
        }
        report.headline(
            Metric::new("clock_skew", *skew)
                .uom(Uom::Seconds)
                .thresholds(judge.skew.clone())
                .min(0u8),
        );
    }

    // Each member on its own.
    for member in members {
        let label = member.label();
        match &member.result {
            Ok(facts) => {
                let findings = judge_node(&facts.status, judge);
                let state = findings.iter().map(|(s, _)| *s).max().unwrap_or(State::Ok);
                for (state, text) in findings {
                    report.add(state, format!("{label}: {text}"));
                }
                report.detail(state, member_line(member, facts));
                for metric in node_metrics(
                    &format!("{}_", metric_prefix(&member.name())),
                    &facts.status,
                    judge,
                ) {
                    report.metric(metric);
                }
            }
            Err(cause) => {
                let state = if has_majority {
                    State::Warning
                } else {
                    State::Critical
                };
                report.add(state, format!("{label} unreachable: {cause}"));
                report.detail(
                    state,
                    format!("{} {}: {cause}", member.name(), member.endpoint),
                );
            }
        }
    }

    let synced = main
        .iter()
        .filter(|(_, f)| f.status.local_state == Some(LocalState::Synced))
        .count();
    let mut summary = format!(
        "{synced} of {expected} nodes Synced in one Primary component (size {component_size}, conf_id {})",
        main.first()
            .and_then(|(_, f)| f.status.known_conf_id())
            .map_or("none".into(), |c| c.to_string())
    );
    if let Some((skew, _, _)) = skew {
        summary.push_str(&format!(", clock skew {}s", format_number(skew)));
    }
    if let Some((spread, _, _)) = spread {
        summary.push_str(&format!(", last_committed spread {spread}"));
    }
    report.ok_summary(summary);
    report
}

/// A cluster larger than `--expected-size`: a member joined that nobody planned.
fn larger_than_expected(size: u64, judge: &Judgement) -> Option<String> {
    let expected = judge.expected_size?;
    (size > expected).then(|| {
        format!("cluster size {size} is larger than --expected-size {expected}: a member joined that nobody planned")
    })
}

/// Members on different versions: `rolling upgrade unfinished: node3 runs 26.4.14, the others
/// 26.4.16` (the odd ones out named against the most common version).
fn versions_differ(
    members: &[(&MemberOutcome, &NodeFacts)],
    what: &str,
    version: fn(&NodeStatus) -> Option<String>,
) -> Option<String> {
    let mut by_version: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (member, facts) in members {
        if let Some(v) = version(&facts.status) {
            by_version.entry(v).or_default().push(member.name());
        }
    }
    if by_version.len() < 2 {
        return None;
    }
    let common = by_version
        .iter()
        .max_by_key(|(_, names)| names.len())
        .map(|(v, _)| v.clone())?;
    let odd: Vec<String> = by_version
        .iter()
        .filter(|(v, _)| **v != common)
        .map(|(v, names)| format!("{} runs {v}", names.join(", ")))
        .collect();
    Some(format!(
        "rolling upgrade unfinished ({what} version): {}, the others {common}",
        odd.join(" and ")
    ))
}

/// `node1: Synced, Primary, size 3, conf_id 3, last_committed 5, clock +0.0012s`
fn member_line(member: &MemberOutcome, facts: &NodeFacts) -> String {
    let s = &facts.status;
    let mut line = format!("{} {}: {}", member.name(), member.endpoint, s.state_text());
    if s.is_member() {
        line.push_str(&format!(
            ", {}, size {}",
            s.cluster_status,
            s.cluster_size.unwrap_or(0)
        ));
        if let Some(id) = s.known_conf_id() {
            line.push_str(&format!(", conf_id {id}"));
        }
        if let Some(lc) = s.last_committed {
            line.push_str(&format!(", last_committed {lc}"));
        }
    } else {
        line.push_str(", not a cluster member");
    }
    if s.wsrep_on == Some(false) {
        line.push_str(", wsrep_on=OFF");
    }
    if let Some(clock) = facts.clock {
        let sign = if clock.offset >= 0.0 { "+" } else { "" };
        line.push_str(&format!(", clock {sign}{}s", format_number(clock.offset)));
    }
    line
}

fn names(members: &[(&MemberOutcome, &NodeFacts)]) -> String {
    members
        .iter()
        .map(|(m, _)| m.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The spread of `wsrep_last_committed` (a distance between any two i64 values, so a u64) and
/// the names of the lowest and highest members.
fn last_committed_spread(main: &[(&MemberOutcome, &NodeFacts)]) -> Option<(u64, String, String)> {
    let values: Vec<(i64, String)> = main
        .iter()
        .filter_map(|(m, f)| f.status.last_committed.map(|lc| (lc, m.name())))
        .collect();
    if values.len() < 2 {
        return None;
    }
    let low = values.iter().min_by_key(|(lc, _)| *lc)?;
    let high = values.iter().max_by_key(|(lc, _)| *lc)?;
    Some((high.0.abs_diff(low.0), low.1.clone(), high.1.clone()))
}

/// The largest clock difference between two members, and the members furthest ahead and behind.
fn clock_skew(members: &[MemberOutcome]) -> Option<(f64, String, String)> {
    let clocks: Vec<(f64, String)> = members
        .iter()
        .filter_map(|m| {
            m.result
                .as_ref()
                .ok()
                .and_then(|f| f.clock)
                .map(|c| (c.offset, m.name()))
        })
        .collect();
    if clocks.len() < 2 {
        return None;
    }
    let ahead = clocks.iter().max_by(|a, b| a.0.total_cmp(&b.0))?;
    let behind = clocks.iter().min_by(|a, b| a.0.total_cmp(&b.0))?;
    Some((
        round_micros(ahead.0 - behind.0),
        ahead.1.clone(),
        behind.1.clone(),
    ))
}

/// A perfdata-safe label prefix from a node name (`127.0.0.1:3307` -> `127.0.0.1_3307`).
fn metric_prefix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A reading for text: at most 6 decimals, no exponent, no trailing zeros.
pub fn format_number(x: f64) -> String {
    hastack_common::Value::Float(round_micros(x)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::tests::fixture;

    fn range(s: &str) -> Option<hastack_common::Range> {
        Some(s.parse().expect("range"))
    }

    /// A member built from a real capture. The captures come from two runs of the test cluster
    /// (node1's from one, node2's and node3's healthy ones from another), so each gets the same
    /// state UUID here, as members of one cluster have.
    fn node(name: &str, port: u16, capture: &str) -> MemberOutcome {
        let mut status = fixture(capture);
        status.state_uuid = "bad12cf1-e826-11f1-88fb-2afecc59c6af".into();
        MemberOutcome {
            name: Some(name.into()),
            endpoint: format!("127.0.0.1:{port}"),
            result: Ok(NodeFacts {
                status,
                clock: Some(ClockSample {
                    offset: 0.0,
                    round_trip: 0.0002,
                }),
            }),
        }
    }

    fn down(name: &str, port: u16, cause: &str) -> MemberOutcome {
        MemberOutcome {
            name: Some(name.into()),
            endpoint: format!("127.0.0.1:{port}"),
            result: Err(Failure::Failed(cause.into())),
        }
    }

    fn single(capture: &str, judge: &Judgement) -> (State, String) {
        let outcome = MemberOutcome {
            name: None,
            ..node("unused", 3306, capture)
        };
        let report = evaluate_node(&outcome, judge);
        (report.state(), report.render("GALERA", 0))
    }

    #[test]
    fn single_node_table_over_real_captures() {
        let plain = Judgement::default();
        let donor_ok = Judgement {
            donor_ok: true,
            ..Judgement::default()
        };
        let sized = Judgement {
            size: Thresholds::new(range("3:"), range("2:")),
            ..Judgement::default()
        };
        let fc = Judgement {
            flow_control: Thresholds::new(range("0.1"), range("0.5")),
            recv_queue: Thresholds::new(range("10"), range("100")),
            ..Judgement::default()
        };
        let table: Vec<(&str, &Judgement, State, &str)> = vec![
            (
                "a0-healthy-node1",
                &plain,
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Synced, Primary, cluster size 3 |",
            ),
            (
                "a0-healthy-node2",
                &sized,
                State::Ok,
                "GALERA OK - node2 (127.0.0.1:3306): Synced, Primary, cluster size 3 |",
            ),
            (
                "a-one-killed-node1",
                &plain,
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Synced, Primary, cluster size 2 |",
            ),
            (
                "a-one-killed-node1",
                &sized,
                State::Warning,
                "GALERA WARNING - node1 (127.0.0.1:3306): cluster size 2 (outside 3:) |",
            ),
            (
                "b-two-killed-node1",
                &plain,
                State::Critical,
                "GALERA CRITICAL - node1 (127.0.0.1:3306): cluster status non-Primary, wsrep_ready=OFF, Initialized: not in a Primary component (quorum lost): it refuses queries |",
            ),
            (
                "b-two-killed-node1",
                &sized,
                State::Critical,
                "GALERA CRITICAL - node1 (127.0.0.1:3306): cluster status non-Primary",
            ),
            (
                "c-desync-node2",
                &plain,
                State::Warning,
                "GALERA WARNING - node2 (127.0.0.1:3306): Donor/Desynced: donating a state transfer or desynced",
            ),
            (
                "c-desync-node2",
                &donor_ok,
                State::Ok,
                "GALERA OK - node2 (127.0.0.1:3306): Donor/Desynced (accepted by --donor-ok), Primary, cluster size 3 |",
            ),
            (
                "c-desync-node1-peer",
                &plain,
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Synced",
            ),
            (
                "d-global-wsrep_on-OFF-node3",
                &plain,
                State::Critical,
                "GALERA CRITICAL - node3 (127.0.0.1:3306): wsrep_on=OFF globally: the node still reports Primary and ready, but its own writes are not replicated",
            ),
            (
                "e-ftwrl-node2",
                &fc,
                State::Warning,
                "GALERA WARNING - node2 (127.0.0.1:3306): Donor/Desynced: donating",
            ),
            (
                // The queue now, not its average since the start; flow control needs the
                // previous run (its since-start fraction is perfdata only).
                "e-locktables-node2-locked",
                &fc,
                State::Warning,
                "GALERA WARNING - node2 (127.0.0.1:3306): receive queue 29 (outside 10) |",
            ),
            (
                "e-locktables-node1-writer",
                &fc,
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Synced, Primary, cluster size 3 |",
            ),
            (
                "f-sst-in-progress-node1",
                &plain,
                State::Warning,
                "GALERA WARNING - node1 (127.0.0.1:3306): Donor/Desynced",
            ),
            (
                "f-sst-in-progress-node2",
                &plain,
                State::Ok,
                "GALERA OK - node2 (127.0.0.1:3306): Synced",
            ),
            (
                "h-plain-mariadb-no-galera",
                &plain,
                State::Critical,
                "GALERA CRITICAL - 127.0.0.1:3306: not a Galera cluster member (wsrep_cluster_status=Disconnected, no wsrep provider loaded, cluster size 0)",
            ),
        ];
        for (capture, judge, state, prefix) in table {
            let (got_state, text) = single(capture, judge);
            assert_eq!(got_state, state, "{capture}: {text}");
            assert!(
                text.starts_with(prefix),
                "{capture}:\n{text}\nexpected prefix:\n{prefix}"
            );
        }
    }

    #[test]
    fn single_node_perfdata_is_exact() {
        let judge = Judgement {
            size: Thresholds::new(range("3:"), range("2:")),
            flow_control: Thresholds::new(range("0.1"), range("0.5")),
            ..Judgement::default()
        };
        let report = evaluate_node(&node("node1", 3306, "a0-healthy-node1"), &judge);
        let line = report.render("GALERA", 0);
        let perf = line.split(" | ").nth(1).expect("perfdata");
        assert_eq!(
            perf,
            "cluster_size=3;;;0 local_state=4;;;0;4 local_recv_queue=0;;;0 local_send_queue=0;;;0 flow_control_active=0;;;0;1 \
             flow_control_paused_since_start=0;;;0 local_recv_queue_avg_since_start=0.2;;;0 local_send_queue_avg_since_start=0.5;;;0 \
             local_cert_failures=0c local_bf_aborts=0c flow_control_sent=0c last_committed=3c"
        );
    }

    #[test]
    fn unreachable_single_node_is_critical_with_the_cause() {
        let report = evaluate_node(
            &down("node2", 3307, "connection refused"),
            &Judgement::default(),
        );
        assert_eq!(
            report.render("GALERA", 0),
            "GALERA CRITICAL - node2 (127.0.0.1:3307): connection refused"
        );
    }

    #[test]
    fn healthy_cluster() {
        let members = [
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            node("node3", 3308, "a0-healthy-node3"),
        ];
        let report = evaluate_cluster(&members, &Judgement::default());
        let text = report.render("GALERA", 0);
        assert_eq!(report.state(), State::Ok, "{text}");
        assert!(text.starts_with("GALERA OK - 3 of 3 nodes Synced in one Primary component (size 3, conf_id 3), clock skew 0s, last_committed spread 0 | cluster_size=3;;;0 nodes_reachable=3;;;0;3 last_committed_spread=0;;;0 clock_skew=0s;;;0 node1_local_state=4"), "{text}");
        assert!(text.contains("\n\\_ [OK] node2 127.0.0.1:3307: Synced, Primary, size 3, conf_id 3, last_committed 3, clock +0s"), "{text}");
    }

    #[test]
    fn one_member_down_is_warning_while_the_majority_holds() {
        let members = [
            node("node1", 3306, "a-one-killed-node1"),
            node("node2", 3307, "a-one-killed-node2"),
            down("node3", 3308, "connection refused"),
        ];
        let report = evaluate_cluster(&members, &Judgement::default());
        let text = report.render("GALERA", 0);
        assert_eq!(report.state(), State::Warning, "{text}");
        assert!(
            text.starts_with(
                "GALERA WARNING - node3 (127.0.0.1:3308) unreachable: connection refused |"
            ),
            "{text}"
        );
        assert!(text.contains("\n\\_ [WARNING] node3 127.0.0.1:3308: connection refused"));
    }

    #[test]
    fn two_members_down_is_critical() {
        let members = [
            node("node1", 3306, "b-two-killed-node1"),
            down("node2", 3307, "connection refused"),
            down("node3", 3308, "connection refused"),
        ];
        let report = evaluate_cluster(&members, &Judgement::default());
        let text = report.render("GALERA", 0);
        assert_eq!(report.state(), State::Critical);
        let summary = text.lines().next().unwrap_or("");
        assert!(
            summary.contains("node2 (127.0.0.1:3307) unreachable: connection refused"),
            "{summary}"
        );
        assert!(
            summary.contains("node1 (127.0.0.1:3306): cluster status non-Primary"),
            "{summary}"
        );
        assert!(
            summary.contains("no reachable node is in a Primary component"),
            "{summary}"
        );
        let none = [
            down("node1", 1, "connection refused"),
            down("node2", 2, "timed out"),
        ];
        assert!(
            evaluate_cluster(&none, &Judgement::default())
                .render("G", 0)
                .contains("none of the 2 nodes answered")
        );
    }

    #[test]
    fn expected_size_decides_the_majority() {
        // Two nodes listed, both fine, but five expected: the component of 3 holds a majority of 5.
        let members = [
            node("node1", 3306, "a0-healthy-node1"),
            down("node4", 3309, "connection refused"),
        ];
        let judge = Judgement {
            expected_size: Some(5),
            ..Judgement::default()
        };
        assert_eq!(evaluate_cluster(&members, &judge).state(), State::Warning);
        let judge = Judgement {
            expected_size: Some(7),
            ..Judgement::default()
        };
        assert_eq!(evaluate_cluster(&members, &judge).state(), State::Critical);
    }

    #[test]
    fn split_brain_and_conf_id_mismatch() {
        let mut other = node("node3", 3308, "a0-healthy-node3");
        if let Ok(f) = &mut other.result {
            f.status.state_uuid = "ffffffff-0000-0000-0000-000000000000".into();
        }
        let members = [
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            other,
        ];
        let text = evaluate_cluster(&members, &Judgement::default()).render("GALERA", 0);
        assert!(text.starts_with("GALERA CRITICAL - split brain: 2 Primary components with different state UUIDs: bad12cf1-e826-11f1-88fb-2afecc59c6af on node1, node2 vs ffffffff-0000-0000-0000-000000000000 on node3"), "{text}");

        let members = [
            node("node1", 3306, "a-one-killed-node1"),
            node("node2", 3307, "a0-healthy-node2"),
        ];
        let text = evaluate_cluster(&members, &Judgement::default()).render("GALERA", 0);
        assert!(text.starts_with("GALERA CRITICAL - members disagree on the cluster configuration: conf_id 3 on node2 vs 4 on node1"), "{text}");
    }

    #[test]
    fn wsrep_on_off_member_is_critical_and_left_out_of_the_component() {
        let members = [
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            node("node3", 3308, "d-global-wsrep_on-OFF-node3"),
        ];
        let report = evaluate_cluster(&members, &Judgement::default());
        let text = report.render("GALERA", 0);
        assert_eq!(report.state(), State::Critical);
        assert!(
            text.starts_with("GALERA CRITICAL - node3 (127.0.0.1:3308): wsrep_on=OFF globally"),
            "{text}"
        );
        assert!(text.contains("\\_ [CRITICAL] node3 127.0.0.1:3308: no local state, Primary, size 3, conf_id 3, wsrep_on=OFF"), "{text}");
    }

    #[test]
    fn clock_skew_names_the_two_nodes_furthest_apart() {
        let mut members = vec![
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            node("node3", 3308, "a0-healthy-node3"),
        ];
        for (member, offset) in members.iter_mut().zip([0.25, -1900.5, 0.0]) {
            if let Ok(f) = &mut member.result {
                f.clock = Some(ClockSample {
                    offset,
                    round_trip: 0.001,
                });
            }
        }
        let judge = Judgement {
            skew: Thresholds::new(range("1"), range("5")),
            ..Judgement::default()
        };
        let report = evaluate_cluster(&members, &judge);
        let text = report.render("GALERA", 0);
        assert!(
            text.starts_with(
                "GALERA CRITICAL - clock skew 1900.75s between node1 and node2 (outside 5) |"
            ),
            "{text}"
        );
        assert!(text.contains(" clock_skew=1900.75s;1;5;0 "), "{text}");
    }

    #[test]
    fn last_committed_lag() {
        let mut members = vec![
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
        ];
        if let Ok(f) = &mut members[1].result {
            f.status.last_committed = Some(503);
        }
        let judge = Judgement {
            lag: Thresholds::new(range("100"), range("1000")),
            ..Judgement::default()
        };
        let text = evaluate_cluster(&members, &judge).render("GALERA", 0);
        assert!(text.starts_with("GALERA WARNING - last_committed differs by 500 between node1 and node2 (outside 100) |"), "{text}");
        assert!(
            text.contains(" last_committed_spread=500;100;1000;0 "),
            "{text}"
        );
    }

    /// Fuzz finding (galera_status, crash-7a08807f): last_committed values a subtraction of
    /// two i64 overflows on; the spread is the distance, whatever the values.
    #[test]
    fn last_committed_spread_of_any_values_is_the_distance() {
        let rows = "wsrep_last_committed\t8440000000377705147\nwsrep_cluster_status\tPrimary\nwsrep_provider_name\tG\n";
        let rows: std::collections::HashMap<String, String> = rows
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found = NodeStatus::parse(&rows, &std::collections::HashMap::new()).expect("parse");
        let member = |name: &str, last_committed: i64| MemberOutcome {
            name: Some(name.to_string()),
            endpoint: format!("127.0.0.1:{}", 3300 + name.len()),
            result: Ok(NodeFacts {
                status: NodeStatus {
                    last_committed: Some(last_committed),
                    ..found.clone()
                },
                clock: None,
            }),
        };
        let judge = Judgement {
            lag: Thresholds::new(range("100"), range("1000")),
            ..Judgement::default()
        };
        for (low, high, spread) in [
            (
                -8440000000377705147,
                8440000000377705147,
                "16880000000755410294",
            ),
            (i64::MIN, i64::MAX, "18446744073709551615"),
        ] {
            let members = [member("node1", low), member("node22", high)];
            let text = evaluate_cluster(&members, &judge).render("GALERA", 0);
            assert!(
                text.starts_with(&format!("GALERA CRITICAL - last_committed differs by {spread} between node1 and node22 (outside 1000) |")),
                "{text}"
            );
            assert!(
                text.contains(&format!(" last_committed_spread={spread};100;1000;0 ")),
                "{text}"
            );
        }
    }

    /// A cluster size near u64::MAX (no server sends it, but a broken one might): doubling it
    /// for the majority must not overflow.
    #[test]
    fn huge_cluster_sizes_do_not_overflow_the_majority() {
        let mut members = vec![
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            MemberOutcome {
                name: Some("node3".into()),
                endpoint: "127.0.0.1:3308".into(),
                result: Err(Failure::Failed("connection refused".into())),
            },
        ];
        for member in &mut members {
            if let Ok(f) = &mut member.result {
                f.status.cluster_size = Some(u64::MAX);
            }
        }
        let judge = Judgement {
            expected_size: Some(3),
            ..Judgement::default()
        };
        let text = evaluate_cluster(&members, &judge).render("GALERA", 0);
        assert!(
            text.starts_with(
                "GALERA WARNING - cluster size 18446744073709551615 is larger than --expected-size 3: a member joined that nobody planned / node3 (127.0.0.1:3308) unreachable: connection refused |"
            ),
            "{text}"
        );
        assert!(
            text.contains(" cluster_size=18446744073709551615;;;0 "),
            "{text}"
        );
    }

    #[test]
    fn cluster_size_thresholds_apply_to_the_primary_component() {
        let members = [
            node("node1", 3306, "a-one-killed-node1"),
            node("node2", 3307, "a-one-killed-node2"),
        ];
        let judge = Judgement {
            size: Thresholds::new(range("3:"), range("2:")),
            ..Judgement::default()
        };
        let text = evaluate_cluster(&members, &judge).render("GALERA", 0);
        assert!(
            text.starts_with("GALERA WARNING - Primary component size 2 (outside 3:) |"),
            "{text}"
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(2.51089e-05), "0.000025");
        assert_eq!(format_number(1900.1234567), "1900.123457");
        assert_eq!(format_number(0.0), "0");
    }

    /// A member whose counters are `counters` (uptime, paused ns, fc sent, last committed,
    /// replicated, received), Synced, gcache 64 MiB.
    fn counted(name: &str, port: u16, counters: [u64; 6]) -> MemberOutcome {
        let mut member = node(name, port, "a0-healthy-node1");
        if let Ok(f) = &mut member.result {
            let s = &mut f.status;
            s.uptime = Some(counters[0]);
            s.flow_control_paused_ns = Some(counters[1]);
            s.flow_control_sent = Some(counters[2]);
            s.last_committed = Some(counters[3] as i64);
            s.replicated_bytes = Some(counters[4]);
            s.received_bytes = Some(counters[5]);
            s.cert_failures = Some(0);
            s.bf_aborts = Some(0);
            s.gcache_size = Some(64 << 20);
            s.cached_downto = Some(1);
            s.incoming_addresses = vec![];
        }
        member
    }

    fn facts(cluster: bool, members: Vec<MemberOutcome>, baseline: Baseline, at: f64) -> Facts {
        Facts {
            cluster,
            members,
            read_at: at,
            history: History {
                baseline,
                unkept: None,
                asked: false,
            },
        }
    }

    /// The previous run's record of `members` at `at`.
    fn earlier(members: &[MemberOutcome], at: f64) -> Baseline {
        Baseline::Found(hastack_common::history::Record {
            saved_at: at,
            values: record(members, at, &Baseline::None(String::new()), false),
        })
    }

    #[test]
    fn flow_control_is_judged_over_the_interval_not_since_the_start() {
        let judge = Judgement {
            flow_control: Thresholds::new(range("0.1"), range("0.5")),
            ..Judgement::default()
        };
        // Paused 30 of the last 60 s; since the start (months) the average reads tiny.
        let before = [counted(
            "node1",
            3306,
            [1_000_000, 1_000_000_000, 0, 100, 0, 0],
        )];
        let mut now = counted(
            "node1",
            3306,
            [1_000_060, 31_000_000_000, 0, 160, 600_000, 0],
        );
        if let Ok(f) = &mut now.result {
            f.status.flow_control_paused = Some(0.0001);
        }
        let report = evaluate(
            &facts(false, vec![now], earlier(&before, 1000.0), 1060.0),
            &judge,
        )
        .expect("report");
        let out = report.render("GALERA", 1);
        assert!(
            out.starts_with("GALERA WARNING - node1 (127.0.0.1:3306): paused by flow control 50% of the last 1 min (outside 0.1)"),
            "{out}"
        );
        for item in [
            " flow_control_paused=0.5;0.1;0.5;0;1 ",
            " commits_per_second=1;;;0 ",
            " replicated_bytes_per_second=10000;;;0 ",
            " flow_control_paused_since_start=0.0001;;;0 ",
        ] {
            assert!(out.contains(item), "{item}: {out}");
        }
        // gcache 64 MiB at 10000 B/s: about 112 min.
        assert!(out.contains("a member that leaves now can rejoin by IST for about 112 min (gcache 64.0 MiB at 9.8 KiB/s)"), "{out}");
        // No baseline (first run): not judged, said at -v.
        let first = evaluate(
            &facts(
                false,
                vec![counted("node1", 3306, [1, 1, 0, 1, 0, 0])],
                Baseline::None("no record of an earlier run yet".into()),
                1.0,
            ),
            &judge,
        )
        .expect("report")
        .render("GALERA", 1);
        assert!(first.starts_with("GALERA OK"), "{first}");
        assert!(
            first.contains("no baseline from an earlier run: no record of an earlier run yet"),
            "{first}"
        );
    }

    #[test]
    fn a_restart_or_a_clock_gone_back_resets_the_baseline() {
        let judge = Judgement {
            flow_control: Thresholds::new(range("0.1"), range("0.5")),
            ..Judgement::default()
        };
        let before = [counted(
            "node1",
            3306,
            [1_000_000, 50_000_000_000, 0, 100, 0, 0],
        )];
        let restarted = counted("node1", 3306, [30, 1_000_000_000, 0, 101, 0, 0]);
        let out = evaluate(
            &facts(
                false,
                vec![restarted.clone()],
                earlier(&before, 1000.0),
                1060.0,
            ),
            &judge,
        )
        .expect("report")
        .render("GALERA", 1);
        assert!(out.starts_with("GALERA OK"), "{out}");
        assert!(
            out.contains("node1: no rates this time: the server restarted since the previous run"),
            "{out}"
        );
        let back = evaluate(
            &facts(false, vec![restarted], earlier(&before, 1000.0), 900.0),
            &judge,
        )
        .expect("report")
        .render("GALERA", 1);
        assert!(
            back.contains("no rates this time: the clock went back since the previous run"),
            "{back}"
        );
    }

    #[test]
    fn the_member_that_sends_flow_control_is_named() {
        let judge = Judgement {
            flow_control: Thresholds::new(range("0.1"), range("0.5")),
            ..Judgement::default()
        };
        let before = [
            counted("node1", 3306, [1000, 0, 0, 100, 0, 0]),
            counted("node2", 3307, [1000, 0, 0, 100, 0, 0]),
        ];
        let now = vec![
            counted("node1", 3306, [1300, 120_000_000_000, 0, 400, 0, 0]),
            counted("node2", 3307, [1300, 120_000_000_000, 14, 400, 0, 0]),
        ];
        let out = evaluate(&facts(true, now, earlier(&before, 1000.0), 1300.0), &judge)
            .expect("report")
            .render("GALERA", 0);
        assert!(
            out.contains(
                "GALERA WARNING - paused by flow control 40% of the last 5 min (outside 0.1): node2 sent 14 flow control messages, it is the slow node |"
            ),
            "{out}"
        );
        assert!(out.starts_with("GALERA WARNING - "), "{out}");
    }

    #[test]
    fn the_ist_window_of_a_cluster_is_the_widest_donors() {
        let judge = Judgement {
            ist_window: Thresholds::new(range("200:"), range("30:")),
            ..Judgement::default()
        };
        let before = [
            counted("node1", 3306, [1000, 0, 0, 100, 0, 0]),
            counted("node2", 3307, [1000, 0, 0, 100, 0, 0]),
        ];
        // 10000 B/s through each; node1 keeps 64 MiB (112 min), node2 16 MiB (28 min).
        let mut now = vec![
            counted("node1", 3306, [1060, 0, 0, 160, 600_000, 0]),
            counted("node2", 3307, [1060, 0, 0, 160, 0, 600_000]),
        ];
        if let Ok(f) = &mut now[1].result {
            f.status.gcache_size = Some(16 * 1024 * 1024);
        }
        let out = evaluate(&facts(true, now, earlier(&before, 1000.0), 1060.0), &judge)
            .expect("report")
            .render("GALERA", 0);
        assert!(
            out.starts_with("GALERA WARNING - a member that leaves now can rejoin by IST for about 112 min (gcache 64.0 MiB at 9.8 KiB/s) (donor node1) (outside 200: minutes)"),
            "{out}"
        );
        for item in [
            " node1_ist_window_minutes=111.848;;;0 ",
            " node2_ist_window_minutes=27.962;;;0",
        ] {
            assert!(out.contains(item), "{item}: {out}");
        }
    }

    #[test]
    fn a_member_that_left_is_named_and_one_beyond_the_gcache_needs_sst() {
        let judge = Judgement::default();
        let mut gone = counted("node3", 3308, [1000, 0, 0, 50, 0, 0]);
        gone.name = Some("node3".into());
        let before = [
            counted("node1", 3306, [1000, 0, 0, 100, 0, 0]),
            counted("node2", 3307, [1000, 0, 0, 100, 0, 0]),
            gone,
        ];
        // Discovered again without node3; the donors' gcaches start after its position.
        let mut now = vec![
            counted("node1", 3306, [1600, 0, 0, 900, 0, 0]),
            counted("node2", 3307, [1600, 0, 0, 900, 0, 0]),
        ];
        for m in &mut now {
            if let Ok(f) = &mut m.result {
                f.status.cached_downto = Some(500);
            }
        }
        let out = evaluate(&facts(true, now, earlier(&before, 1000.0), 1600.0), &judge)
            .expect("report")
            .render("GALERA", 0);
        assert!(out.contains("127.0.0.1:3308 left the cluster: last seen 10 min ago (--forget after a planned removal)"), "{out}");
        assert!(out.contains("127.0.0.1:3308 will need a full state transfer (SST) to rejoin: its last_committed 50 is older than every donor's gcache (from 500)"), "{out}");
        // --forget: the record is set aside, nothing is said.
        let forgotten = Baseline::None("--forget: the previous run's record is set aside".into());
        let out = evaluate(
            &facts(
                true,
                vec![counted("node1", 3306, [1, 0, 0, 1, 0, 0])],
                forgotten,
                1600.0,
            ),
            &judge,
        )
        .expect("report")
        .render("GALERA", 0);
        assert!(!out.contains("left the cluster"), "{out}");
    }

    #[test]
    fn a_record_that_cannot_be_kept_warns_only_when_history_was_asked_for() {
        let judge = Judgement::default();
        let mut f = facts(
            false,
            vec![counted("node1", 3306, [1, 0, 0, 1, 0, 0])],
            Baseline::None("x".into()),
            1.0,
        );
        f.history.unkept = Some("cannot write in /sys: permission denied".into());
        let quiet = evaluate(&f, &judge).expect("report");
        assert_eq!(quiet.state(), State::Ok);
        f.history.asked = true;
        let out = evaluate(&f, &judge).expect("report").render("GALERA", 0);
        assert!(out.starts_with("GALERA WARNING - node1 (127.0.0.1:3306): no history kept for the next run: cannot write in /sys: permission denied"), "{out}");
    }

    #[test]
    fn whether_clients_can_use_the_node() {
        let with = |f: fn(&mut NodeStatus)| {
            let mut m = node("node1", 3306, "a0-healthy-node1");
            if let Ok(facts) = &mut m.result {
                f(&mut facts.status);
            }
            m
        };
        let plain = Judgement::default();
        let table: [(MemberOutcome, Judgement, State, &str); 9] = [
            (
                with(|s| s.reject_queries = Some("ALL".into())),
                Judgement::default(),
                State::Critical,
                "GALERA CRITICAL - node1 (127.0.0.1:3306): rejects client queries (wsrep_reject_queries=ALL)",
            ),
            (
                with(|s| s.reject_queries = Some("ALL_KILL".into())),
                Judgement::default(),
                State::Critical,
                "GALERA CRITICAL - node1 (127.0.0.1:3306): rejects client queries (wsrep_reject_queries=ALL_KILL)",
            ),
            (
                with(|s| s.reject_queries = Some("NONE".into())),
                Judgement::default(),
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Synced",
            ),
            // MySQL's and Percona XtraDB Cluster's super_read_only (MariaDB has none).
            (
                with(|s| s.super_read_only = Some(true)),
                Judgement::default(),
                State::Warning,
                "GALERA WARNING - node1 (127.0.0.1:3306): super_read_only=ON: clients cannot write here (--read-only-ok accepts this)",
            ),
            (
                with(|s| s.read_only = Some(true)),
                Judgement::default(),
                State::Warning,
                "GALERA WARNING - node1 (127.0.0.1:3306): read_only=ON: clients cannot write here (--read-only-ok accepts this)",
            ),
            (
                with(|s| s.read_only = Some(true)),
                Judgement {
                    read_only_ok: true,
                    ..Judgement::default()
                },
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Synced",
            ),
            (
                with(|s| {
                    s.desync = Some(true);
                    s.local_state = Some(LocalState::DonorDesynced);
                    s.local_state_comment = Some("Donor/Desynced".into());
                }),
                Judgement::default(),
                State::Warning,
                "GALERA WARNING - node1 (127.0.0.1:3306): desynced on purpose (wsrep_desync=ON: a backup?)",
            ),
            (
                with(|s| {
                    s.desync = Some(true);
                    s.local_state = Some(LocalState::DonorDesynced);
                    s.local_state_comment = Some("Donor/Desynced".into());
                }),
                Judgement {
                    desync_ok: true,
                    ..Judgement::default()
                },
                State::Ok,
                "GALERA OK - node1 (127.0.0.1:3306): Donor/Desynced (wsrep_desync=ON, accepted by --desync-ok), Primary",
            ),
            (
                with(|s| {
                    s.local_state = Some(LocalState::DonorDesynced);
                    s.local_state_comment = Some("Donor/Desynced".into());
                    s.donor_rejects_queries = Some(true);
                }),
                Judgement {
                    donor_ok: true,
                    ..Judgement::default()
                },
                State::Warning,
                "GALERA WARNING - node1 (127.0.0.1:3306): Donor/Desynced: donating a state transfer, and rejecting client queries meanwhile (wsrep_sst_donor_rejects_queries=ON)",
            ),
        ];
        for (member, judge, state, line) in table {
            let report = evaluate_node(&member, &judge);
            let out = report.render("GALERA", 0);
            assert_eq!(report.state(), state, "{out}");
            assert!(out.starts_with(line), "{out}");
        }
        let _ = plain;
    }

    #[test]
    fn versions_that_differ_and_a_cluster_larger_than_expected() {
        let mut members = vec![
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            node("node3", 3308, "a0-healthy-node3"),
        ];
        for (i, m) in members.iter_mut().enumerate() {
            if let Ok(f) = &mut m.result {
                f.status.provider_version = Some(match i {
                    2 => "26.4.14(r1)".into(),
                    _ => "26.4.16(r2)".into(),
                });
                f.status.cluster_size = Some(4);
            }
        }
        let judge = Judgement {
            expected_size: Some(3),
            ..Judgement::default()
        };
        let out = evaluate_cluster(&members, &judge).render("GALERA", 0);
        assert!(out.contains("cluster size 4 is larger than --expected-size 3: a member joined that nobody planned"), "{out}");
        assert!(out.contains("rolling upgrade unfinished (provider version): node3 runs 26.4.14, the others 26.4.16"), "{out}");

        // Server versions: compared by release; what a build or a log appends is not a version.
        let table = [
            (
                [
                    "10.11.19-MariaDB-0+deb12u1",
                    "10.11.19-MariaDB-0+deb12u1-log",
                    "10.11.19-MariaDB-0+deb12u1",
                ],
                None,
            ),
            (
                [
                    "10.11.19-MariaDB-log",
                    "10.11.19-MariaDB-0+deb12u1",
                    "10.11.19-MariaDB",
                ],
                None,
            ),
            (
                [
                    "10.11.19-MariaDB",
                    "10.11.19-MariaDB",
                    "10.11.20-MariaDB-log",
                ],
                Some(
                    "rolling upgrade unfinished (server version): node3 runs 10.11.20, the others 10.11.19",
                ),
            ),
        ];
        for (versions, finding) in table {
            let mut members = vec![
                node("node1", 3306, "a0-healthy-node1"),
                node("node2", 3307, "a0-healthy-node2"),
                node("node3", 3308, "a0-healthy-node3"),
            ];
            for (m, version) in members.iter_mut().zip(versions) {
                if let Ok(f) = &mut m.result {
                    f.status.version = Some(version.into());
                }
            }
            let report = evaluate_cluster(&members, &Judgement::default());
            let out = report.render("GALERA", 0);
            match finding {
                Some(text) => {
                    assert_eq!(report.state(), State::Warning, "{out}");
                    assert!(out.contains(text), "{out}");
                }
                None => assert!(!out.contains("rolling upgrade"), "{versions:?}: {out}"),
            }
        }
    }
}
