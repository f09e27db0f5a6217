//! One node's own status judged (also each member of a cluster): membership, replication,
//! quorum, whether clients can use it, its local state and its queues; its metrics; and the
//! report for one node on its own, with its details at -v.

use hastack_common::units::{seconds, signed_seconds};
use hastack_common::{Checked, Metric, Report, State, Uom, Value};

use super::{Criteria, Member, larger_than_expected};
use crate::facts::ClockSample;
use crate::status::{LocalState, NodeStatus};

/// What a node's own status says: the findings, and its metrics (the judged ones with their
/// thresholds) when it is a cluster member.
pub(super) struct Judged {
    pub(super) findings: Vec<(State, String)>,
    pub(super) metrics: Vec<Metric>,
}

impl Judged {
    /// The worst finding's state.
    pub(super) fn state(&self) -> State {
        self.findings
            .iter()
            .map(|(s, _)| *s)
            .max()
            .unwrap_or(State::Ok)
    }
}

/// Judge one node on its own; `label` names its metrics.
pub(super) fn judge_node(
    status: &NodeStatus,
    criteria: &Criteria,
    label: impl Fn(&str) -> String,
) -> Judged {
    if !status.is_member() {
        return Judged {
            findings: vec![(State::Critical, not_a_member(status))],
            metrics: Vec::new(),
        };
    }
    let mut findings = Vec::new();
    findings.extend(replication_off(status));
    findings.extend(out_of_the_cluster(status));
    findings.extend(clients_turned_away(status, criteria));
    findings.extend(local_state(status, criteria));
    let receive = status.recv_queue.map(|q| {
        let checked = criteria
            .recv_queue
            .check(label("local_recv_queue"), q)
            .min(0u8);
        (checked, "receive queue", q)
    });
    let send = status.send_queue.map(|q| {
        let checked = criteria
            .send_queue
            .check(label("local_send_queue"), q)
            .min(0u8);
        (checked, "send queue", q)
    });
    for (checked, what, value) in receive.iter().chain(&send) {
        if let Some((state, why)) = checked.violation() {
            findings.push((state, format!("{what} {value} ({why})")));
        }
    }
    let metrics = node_metrics(
        status,
        receive.map(|(checked, _, _)| checked),
        send.map(|(checked, _, _)| checked),
        label,
    );
    Judged { findings, metrics }
}

/// Why a server is not part of any cluster: no provider, `Disconnected`, or size 0.
fn not_a_member(status: &NodeStatus) -> String {
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
    format!("not a Galera cluster member ({})", why.join(", "))
}

/// Replication switched off with `wsrep_on=OFF`: the node looks healthy and diverges.
fn replication_off(status: &NodeStatus) -> Option<(State, String)> {
    (status.wsrep_on == Some(false)).then(|| {
        (
            State::Critical,
            "wsrep_on=OFF globally: the node still reports Primary and ready, but its own writes are not \
             replicated and its data diverges from the cluster"
                .into(),
        )
    })
}

/// Not in a Primary component, not ready, not connected or not joined yet.
fn out_of_the_cluster(status: &NodeStatus) -> Option<(State, String)> {
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
    if down.is_empty() {
        return None;
    }
    let why = if !status.is_primary() {
        "not in a Primary component (quorum lost): it refuses queries"
    } else if status.ready == Some(false) {
        "it refuses queries"
    } else if status.connected == Some(false) {
        "not connected to the cluster"
    } else {
        "not part of the cluster yet"
    };
    Some((State::Critical, format!("{}: {why}", down.join(", "))))
}

/// Whether clients can use the node: `wsrep_reject_queries`, `read_only`, `super_read_only`.
fn clients_turned_away(status: &NodeStatus, criteria: &Criteria) -> Vec<(State, String)> {
    let mut findings = Vec::new();
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
        if on == Some(true) && !criteria.read_only_ok {
            findings.push((
                State::Warning,
                format!("{name}=ON: clients cannot write here (--read-only-ok accepts this)"),
            ));
        }
    }
    findings
}

/// The local state: joining, donating, desynced on purpose, or one Galera does not define.
fn local_state(status: &NodeStatus, criteria: &Criteria) -> Option<(State, String)> {
    let state = status.state_text();
    match status.local_state? {
        LocalState::DonorDesynced if status.desync == Some(true) => (!criteria.desync_ok).then(|| {
            (
                State::Warning,
                "desynced on purpose (wsrep_desync=ON: a backup?): it does not hold the cluster back, and falls behind it (--desync-ok accepts this)".into(),
            )
        }),
        LocalState::DonorDesynced if status.donor_rejects_queries == Some(true) => Some((
            State::Warning,
            format!(
                "{state}: donating a state transfer, and rejecting client queries meanwhile (wsrep_sst_donor_rejects_queries=ON)"
            ),
        )),
        LocalState::Synced | LocalState::Initialized => None,
        LocalState::DonorDesynced if criteria.donor_ok => None,
        LocalState::Joining | LocalState::Joined => Some((
            State::Warning,
            format!("{state}: still catching up with the cluster"),
        )),
        LocalState::DonorDesynced => Some((
            State::Warning,
            format!(
                "{state}: donating a state transfer or desynced, not applying writes in step (--donor-ok accepts this)"
            ),
        )),
        LocalState::Other(code) => Some((
            State::Unknown,
            format!("unrecognised local state {code} ({state})"),
        )),
    }
}

/// The node's metrics: its state, the queues as judged, flow control, Galera's since-start
/// averages (perfdata only) and its counters.
fn node_metrics(
    status: &NodeStatus,
    receive: Option<Checked>,
    send: Option<Checked>,
    label: impl Fn(&str) -> String,
) -> Vec<Metric> {
    let mut metrics = Vec::new();
    if let Some(state) = status.local_state {
        metrics.push(
            Metric::new(label("local_state"), state.code())
                .min(0u8)
                .max(4u8),
        );
    }
    metrics.extend(receive.into_iter().chain(send).map(Metric::from));
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
            metrics.push(Metric::new(label(name), Value::Int(v)).uom(Uom::Counter));
        }
    }
    metrics
}

/// One node on its own: why it gave no answer, or its status judged, with the cluster size it
/// reports.
pub(super) fn evaluate_node(member: &Member<'_>, criteria: &Criteria) -> Report {
    let mut report = Report::new();
    let facts = match member.result {
        Ok(facts) => facts,
        Err(failure) => {
            report.add(failure.state(), failure.describe(&member.peer));
            return report;
        }
    };
    report.subject(member.peer.to_string());
    let status = &facts.status;
    let judged = judge_node(status, criteria, |metric| member.label(metric));
    for (state, text) in judged.findings {
        report.add(state, text);
    }
    if status.is_member() {
        if let Some(size) = status.cluster_size {
            judge_size(&mut report, size, criteria);
        }
        report.ok_summary(ok_summary(status, criteria));
    }
    for metric in judged.metrics {
        report.metric(metric);
    }
    verbose_details(&mut report, status, facts.clock);
    report
}

/// The cluster size this node reports, against `-w/-c` or `--expected-size`.
fn judge_size(report: &mut Report, size: u64, criteria: &Criteria) {
    let checked = criteria.size.check("cluster_size", size).min(0u8);
    if let Some((state, why)) = checked.violation() {
        report.add(state, format!("cluster size {size} ({why})"));
    }
    if let Some(text) = larger_than_expected(size, criteria) {
        report.add(State::Warning, text);
    }
    report.headline(checked);
}

/// `Synced, Primary, cluster size 3`, with what an option accepted.
fn ok_summary(status: &NodeStatus, criteria: &Criteria) -> String {
    let accepted = match status.local_state {
        Some(LocalState::DonorDesynced) if status.desync == Some(true) && criteria.desync_ok => {
            " (wsrep_desync=ON, accepted by --desync-ok)"
        }
        Some(LocalState::DonorDesynced) if criteria.donor_ok => " (accepted by --donor-ok)",
        _ => "",
    };
    format!(
        "{}{accepted}, {}, cluster size {}",
        status.state_text(),
        status.cluster_status,
        status
            .cluster_size
            .map_or("unknown".into(), |s| s.to_string())
    )
}

/// At -v the cluster's identity and position as this node sees it; at -vv its clock.
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
                "clock offset {} (round trip {})",
                signed_seconds(clock.offset),
                seconds(clock.round_trip)
            ),
        );
    }
}
