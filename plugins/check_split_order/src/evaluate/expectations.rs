//! What the operator expects of the inventory: the groups the options name exist, each
//! `-g NAME=RANGE` group holds as many hosts as its range allows, `--order` sections come in
//! that order, and `--exclusive` groups share no host.

use std::collections::{HashMap, HashSet};

use hastack_common::units::plural;
use hastack_common::{Labels, Report, State, Thresholds};

use super::{Expectations, Read, detail_names, some_names};
use crate::inventory::{BUILTIN_GROUPS, HostSet, Inventory};

/// The groups the options name, as the inventory has them: missing ones left out, counted
/// ones remembered.
pub(super) struct Named<'a> {
    inv: &'a Inventory<'a>,
    missing: HashSet<String>,
    counted: HashMap<usize, usize>,
}

impl Named<'_> {
    /// The group called `name`, unless the inventory lacks it (reported already).
    pub(super) fn group(&self, name: &str) -> Option<usize> {
        self.inv
            .group_id(name)
            .filter(|_| !self.missing.contains(name))
    }

    /// The hosts group `id` holds.
    pub(super) fn count(&self, id: usize) -> usize {
        self.counted
            .get(&id)
            .copied()
            .unwrap_or_else(|| self.inv.hosts_of(id).len())
    }
}

pub(super) fn judge<'a>(report: &mut Report, read: &Read<'a>, expect: &Expectations) -> Named<'a> {
    let mut named = Named {
        inv: read.inv,
        missing: missing_groups(report, read, expect),
        counted: HashMap::new(),
    };
    named.counted = counts(report, read, expect, &named);
    order(report, read, expect, &named);
    exclusive(report, read, expect, &named);
    named
}

/// Groups the options name that the inventory does not have.
fn missing_groups(report: &mut Report, read: &Read<'_>, expect: &Expectations) -> HashSet<String> {
    let mut missing = HashSet::new();
    for name in expect.named_groups() {
        let present = read.inv.group_id(name).is_some_and(|g| {
            read.inv.groups[g].declared_at.is_some() || BUILTIN_GROUPS.contains(&name)
        });
        if !present {
            report.add(State::Critical, format!("[{name}] is not in {}", read.file));
            missing.insert(name.to_string());
        }
    }
    missing
}

/// `-g NAME=RANGE`: each group's hosts, judged CRITICAL outside the range, with perfdata
/// `{group}_hosts`.
fn counts(
    report: &mut Report,
    read: &Read<'_>,
    expect: &Expectations,
    named: &Named<'_>,
) -> HashMap<usize, usize> {
    let mut counted = HashMap::new();
    let mut labels = Labels::new();
    for (name, range) in &expect.counts {
        let Some(id) = named.group(name) else {
            continue;
        };
        let hosts = read.inv.hosts_of(id);
        counted.insert(id, hosts.len());
        let checked = Thresholds::new(None, Some(range.clone()))
            .check(labels.item(name).of("hosts"), hosts.len())
            .min(0u8);
        let state = checked.state();
        let names = read.host_names(&hosts);
        // All well: the summary has the count; the names only at -v.
        let level = if state == State::Ok { 1 } else { 0 };
        report.detail_at(
            level,
            state,
            format!(
                "[{name}] {}: {}",
                plural(hosts.len(), "host", "hosts"),
                detail_names(&names)
            ),
        );
        // An empty group is already reported, with the likelier cause.
        if let (Some((state, why)), false) = (checked.violation(), hosts.is_empty()) {
            report.add(
                state,
                format!(
                    "[{name}] holds {} ({why}): {}",
                    plural(hosts.len(), "host", "hosts"),
                    some_names(&names)
                ),
            );
        }
        report.metric(checked);
    }
    counted
}

/// `--order`: each named group's first section after the one named before it.
fn order(report: &mut Report, read: &Read<'_>, expect: &Expectations, named: &Named<'_>) {
    let placed: Vec<(&str, usize)> = expect
        .order
        .iter()
        .filter_map(|name| {
            named
                .group(name)
                .and_then(|g| read.inv.first_section(g))
                .map(|line| (name.as_str(), line))
        })
        .collect();
    for pair in placed.windows(2) {
        let ((a, a_line), (b, b_line)) = (pair[0], pair[1]);
        if a_line > b_line {
            report.add(
                State::Critical,
                format!(
                    "[{b}] ({}) comes before [{a}] ({}): expected order {}",
                    read.at(b_line),
                    read.at(a_line),
                    expect.order.join(", ")
                ),
            );
        }
    }
}

/// `--exclusive`: no host in two groups of one set.
fn exclusive(report: &mut Report, read: &Read<'_>, expect: &Expectations, named: &Named<'_>) {
    let inv = read.inv;
    for set in &expect.exclusive {
        let ids: Vec<(usize, HostSet)> = set
            .iter()
            .filter_map(|n| named.group(n).map(|g| (g, inv.members(g))))
            .collect();
        let mut shared: HashMap<(usize, usize), Vec<String>> = HashMap::new();
        for host in 0..inv.hosts.len() {
            for (i, (a, a_members)) in ids.iter().enumerate() {
                if !a_members.contains(host) {
                    continue;
                }
                for (b, b_members) in &ids[i + 1..] {
                    if b_members.contains(host) {
                        shared
                            .entry((*a, *b))
                            .or_default()
                            .push(inv.hosts[host].name.to_string());
                    }
                }
            }
        }
        let mut pairs: Vec<_> = shared.into_iter().collect();
        pairs.sort();
        for ((a, b), hosts) in pairs {
            let (a, b) = (&inv.groups[a].name, &inv.groups[b].name);
            report.add(
                State::Critical,
                format!(
                    "{} in both [{a}] and [{b}], which --exclusive keeps apart: {}",
                    plural(hosts.len(), "host is", "hosts are"),
                    some_names(&hosts)
                ),
            );
            report.detail(
                State::Critical,
                format!("in both [{a}] and [{b}]: {}", detail_names(&hosts)),
            );
        }
    }
}
