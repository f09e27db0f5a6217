//! A whole cluster judged: the Primary components (quorum, split brain), the configuration they
//! agree on, their size, versions, last_committed lag and clock skew; then each member on its
//! own, and the summary when all is well.

use std::collections::BTreeMap;

use hastack_common::units::{round_micros, seconds, signed_seconds};
use hastack_common::{Metric, Report, State, Uom};

use super::node::judge_node;
use super::{Criteria, Member, larger_than_expected};
use crate::facts::NodeFacts;
use crate::status::{LocalState, NodeStatus};

/// A member that answered, with what it said.
type Answered<'a> = (&'a Member<'a>, &'a NodeFacts);

/// A version as compared across members: the provider's or the server's release.
type Release = fn(&NodeStatus) -> Option<&str>;

/// Every member judged on its own, then compared with the others.
pub(super) fn evaluate_cluster(members: &[Member<'_>], criteria: &Criteria) -> Report {
    let mut report = Report::new();
    let expected = criteria
        .expected_size
        .unwrap_or(members.len() as u64)
        .max(1);
    let components = Components::of(members);
    judge_quorum(&mut report, members, &components);
    judge_split_brain(&mut report, &components);
    judge_configuration(&mut report, &components.main);
    judge_size(&mut report, &components, criteria);
    judge_versions(&mut report, &components.main);
    let reachable = members.iter().filter(|m| m.result.is_ok()).count();
    report.headline(
        Metric::new("nodes_reachable", reachable)
            .min(0u8)
            .max(expected.max(members.len() as u64)),
    );
    let spread = judge_lag(&mut report, &components.main, criteria);
    let skew = judge_skew(&mut report, members, criteria);
    // Widened: a server's size is a u64 and must not overflow when doubled.
    let has_majority = u128::from(components.size) * 2 > u128::from(expected);
    judge_members(&mut report, members, criteria, has_majority);
    report.ok_summary(summary(&components, expected, skew, spread));
    report
}

/// The members in a Primary component with replication on, grouped by the state UUID they
/// report: more than one group is a split brain; the largest is the cluster.
struct Components<'a> {
    primary: Vec<Answered<'a>>,
    by_uuid: BTreeMap<&'a str, Vec<Answered<'a>>>,
    /// The largest component.
    main: Vec<Answered<'a>>,
    /// Its size, as its members report it.
    size: u64,
}

impl<'a> Components<'a> {
    fn of(members: &'a [Member<'a>]) -> Components<'a> {
        let primary: Vec<Answered<'a>> = members
            .iter()
            .filter_map(|m| m.facts().map(|f| (m, f)))
            .filter(|(_, f)| {
                f.status.is_member() && f.status.is_primary() && f.status.wsrep_on != Some(false)
            })
            .collect();
        let mut by_uuid: BTreeMap<&'a str, Vec<Answered<'a>>> = BTreeMap::new();
        for &(member, facts) in &primary {
            by_uuid
                .entry(facts.status.state_uuid.as_str())
                .or_default()
                .push((member, facts));
        }
        let main = by_uuid
            .values()
            .max_by_key(|c| c.len())
            .cloned()
            .unwrap_or_default();
        let size = main
            .iter()
            .filter_map(|(_, f)| f.status.cluster_size)
            .max()
            .unwrap_or(0);
        Components {
            primary,
            by_uuid,
            main,
            size,
        }
    }
}

/// Nobody answered, or nobody who answered is in a Primary component.
fn judge_quorum(report: &mut Report, members: &[Member<'_>], components: &Components<'_>) {
    if members.iter().all(|m| m.result.is_err()) {
        report.add(
            State::Critical,
            format!("none of the {} nodes answered", members.len()),
        );
    } else if components.primary.is_empty() {
        report.add(
            State::Critical,
            "no reachable node is in a Primary component: the cluster has lost quorum",
        );
    }
}

/// More than one Primary component, each with its own state UUID.
fn judge_split_brain(report: &mut Report, components: &Components<'_>) {
    if components.by_uuid.len() < 2 {
        return;
    }
    let parts: Vec<String> = components
        .by_uuid
        .iter()
        .map(|(uuid, c)| format!("{uuid} on {}", names(c)))
        .collect();
    report.add(
        State::Critical,
        format!(
            "split brain: {} Primary components with different state UUIDs: {}",
            components.by_uuid.len(),
            parts.join(" vs ")
        ),
    );
}

/// Members of one component on different configurations (`wsrep_cluster_conf_id`).
fn judge_configuration(report: &mut Report, main: &[Answered<'_>]) {
    let mut by_conf: BTreeMap<Option<u64>, Vec<Answered<'_>>> = BTreeMap::new();
    for &(member, facts) in main {
        by_conf
            .entry(facts.status.known_conf_id())
            .or_default()
            .push((member, facts));
    }
    if by_conf.len() < 2 {
        return;
    }
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
        format!(
            "members disagree on the cluster configuration: conf_id {} (a partition or a stale member)",
            parts.join(" vs ")
        ),
    );
}

/// The Primary component's size against `-w/-c` or `--expected-size` (judged when there is
/// one), and a cluster larger than planned.
fn judge_size(report: &mut Report, components: &Components<'_>, criteria: &Criteria) {
    let size = components.size;
    let checked = criteria.size.check("cluster_size", size).min(0u8);
    if let Some((state, why)) = checked
        .violation()
        .filter(|_| !components.primary.is_empty())
    {
        report.add(state, format!("Primary component size {size} ({why})"));
    }
    if let Some(text) = larger_than_expected(size, criteria) {
        report.add(State::Warning, text);
    }
    report.headline(checked);
}

/// A rolling upgrade left half done: members on different provider or server releases.
fn judge_versions(report: &mut Report, main: &[Answered<'_>]) {
    let releases: [(&str, Release); 2] = [
        ("provider", NodeStatus::provider_release),
        ("server", NodeStatus::server_release),
    ];
    for (what, release) in releases {
        if let Some(text) = versions_differ(main, what, release) {
            report.add(State::Warning, text);
        }
    }
}

/// Members on different versions: `rolling upgrade unfinished: node3 runs 26.4.14, the others
/// 26.4.16` (the odd ones out named against the most common version).
fn versions_differ(members: &[Answered<'_>], what: &str, release: Release) -> Option<String> {
    let mut by_version: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (member, facts) in members {
        if let Some(v) = release(&facts.status) {
            by_version.entry(v).or_default().push(member.name());
        }
    }
    if by_version.len() < 2 {
        return None;
    }
    let common = by_version
        .iter()
        .max_by_key(|(_, names)| names.len())
        .map(|(v, _)| *v)?;
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

/// The spread of `wsrep_last_committed` across the component (a distance between any two i64
/// values, so a u64), judged against `--lag-*`; the spread for the summary.
fn judge_lag(report: &mut Report, main: &[Answered<'_>], criteria: &Criteria) -> Option<u64> {
    let values: Vec<(i64, &str)> = main
        .iter()
        .filter_map(|(m, f)| f.status.last_committed.map(|lc| (lc, m.name())))
        .collect();
    if values.len() < 2 {
        return None;
    }
    let low = values.iter().min_by_key(|(lc, _)| *lc)?;
    let high = values.iter().max_by_key(|(lc, _)| *lc)?;
    let spread = high.0.abs_diff(low.0);
    let checked = criteria.lag.check("last_committed_spread", spread).min(0u8);
    if let Some((state, why)) = checked.violation() {
        report.add(
            state,
            format!(
                "last_committed differs by {spread} between {} and {} ({why})",
                low.1, high.1
            ),
        );
    }
    report.headline(checked);
    Some(spread)
}

/// The largest clock difference between two members, naming the members furthest ahead and
/// behind, judged against `--skew-*`; the skew for the summary.
fn judge_skew(report: &mut Report, members: &[Member<'_>], criteria: &Criteria) -> Option<f64> {
    let clocks: Vec<(f64, &str)> = members
        .iter()
        .filter_map(|m| {
            m.facts()
                .and_then(|f| f.clock)
                .map(|c| (c.offset, m.name()))
        })
        .collect();
    if clocks.len() < 2 {
        return None;
    }
    let ahead = clocks.iter().max_by(|a, b| a.0.total_cmp(&b.0))?;
    let behind = clocks.iter().min_by(|a, b| a.0.total_cmp(&b.0))?;
    let skew = round_micros(ahead.0 - behind.0);
    let checked = criteria
        .skew
        .check("clock_skew", skew)
        .uom(Uom::Seconds)
        .min(0u8);
    if let Some((state, why)) = checked.violation() {
        report.add(
            state,
            format!(
                "clock skew {} between {} and {} ({why})",
                seconds(skew),
                ahead.1,
                behind.1
            ),
        );
    }
    report.headline(checked);
    Some(skew)
}

/// Each member on its own: its findings (named), its line and its metrics; one that gave no
/// answer is a WARNING while the component holds a majority, else CRITICAL.
fn judge_members(
    report: &mut Report,
    members: &[Member<'_>],
    criteria: &Criteria,
    has_majority: bool,
) {
    for member in members {
        match member.result {
            Ok(facts) => {
                let judged = judge_node(&facts.status, criteria, |metric| member.label(metric));
                let state = judged.state();
                for (state, text) in judged.findings {
                    report.add(state, format!("{}: {text}", member.peer));
                }
                report.detail(state, member_line(member, facts));
                for metric in judged.metrics {
                    report.metric(metric);
                }
            }
            Err(failure) => {
                let state = match has_majority {
                    true => State::Warning,
                    false => State::Critical,
                };
                let text = failure.describe(&member.peer);
                report.add(state, text.clone()).detail(state, text);
            }
        }
    }
}

/// `node1 (127.0.0.1:3306): Synced, Primary, size 3, conf_id 3, last_committed 5, clock +1.2 ms`
fn member_line(member: &Member<'_>, facts: &NodeFacts) -> String {
    let s = &facts.status;
    let mut line = format!("{}: {}", member.peer, s.state_text());
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
        line.push_str(&format!(", clock {}", signed_seconds(clock.offset)));
    }
    line
}

/// `3 of 3 nodes Synced in one Primary component (size 3, conf_id 3), clock skew 1.2 ms,
/// last_committed spread 0`
fn summary(
    components: &Components<'_>,
    expected: u64,
    skew: Option<f64>,
    spread: Option<u64>,
) -> String {
    let synced = components
        .main
        .iter()
        .filter(|(_, f)| f.status.local_state == Some(LocalState::Synced))
        .count();
    let mut summary = format!(
        "{synced} of {expected} nodes Synced in one Primary component (size {}, conf_id {})",
        components.size,
        components
            .main
            .first()
            .and_then(|(_, f)| f.status.known_conf_id())
            .map_or("none".into(), |c| c.to_string())
    );
    if let Some(skew) = skew {
        summary.push_str(&format!(", clock skew {}", seconds(skew)));
    }
    if let Some(spread) = spread {
        summary.push_str(&format!(", last_committed spread {spread}"));
    }
    summary
}

fn names(members: &[Answered<'_>]) -> String {
    members
        .iter()
        .map(|(m, _)| m.name())
        .collect::<Vec<_>>()
        .join(", ")
}
