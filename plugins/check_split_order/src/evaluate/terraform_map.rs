//! Terraform's addresses (`--map OUTPUT=GROUP`) against the groups they are mapped to: hosts
//! under the wrong header, addresses the inventory lacks, and hosts of a mapped group that no
//! output lists.

use hastack_common::units::plural;
use hastack_common::{Report, State};

use super::expectations::Named;
use super::{Expectations, NAMES_IN_DETAIL, detail_names, some_names};
use crate::inventory::{HostSet, Inventory};

pub(super) fn judge(
    report: &mut Report,
    inv: &Inventory,
    expect: &Expectations,
    named: &Named<'_>,
) {
    let mapped: Vec<(usize, &str, HostSet)> = expect
        .maps
        .iter()
        .filter_map(|(_, g, _)| named.group(g).map(|id| (id, g.as_str(), inv.members(id))))
        .collect();
    let placed = Placed::find(inv, expect, named, &mapped);
    report_listed(report, &placed.misplaced, "misplaced hosts", |text| {
        text.clone()
    });
    if !placed.misplaced.is_empty() {
        report.add(
            State::Critical,
            format!(
                "{} misplaced: {}",
                plural(placed.misplaced.len(), "host", "hosts"),
                some_names(&placed.misplaced)
            ),
        );
    }
    report_listed(
        report,
        &placed.absent,
        "addresses not in the inventory",
        |text| format!("{text} is not in the inventory"),
    );
    if !placed.absent.is_empty() {
        report.add(
            State::Critical,
            format!(
                "{} from Terraform not in the inventory: {}",
                plural(placed.absent.len(), "address", "addresses"),
                some_names(&placed.absent)
            ),
        );
    }
    unlisted(report, inv, &mapped, &placed.listed);
}

/// Long-output lines for `items`, at most [`NAMES_IN_DETAIL`], then how many more `what`.
fn report_listed(
    report: &mut Report,
    items: &[String],
    what: &str,
    line: impl Fn(&String) -> String,
) {
    for text in items.iter().take(NAMES_IN_DETAIL) {
        report.detail(State::Critical, line(text));
    }
    if items.len() > NAMES_IN_DETAIL {
        report.detail(
            State::Critical,
            format!("and {} more {what}", items.len() - NAMES_IN_DETAIL),
        );
    }
}

/// Where Terraform's addresses are in the inventory.
struct Placed {
    /// `web1 (10.0.0.21) is under [a] but belongs under [b] (output web_ips)`.
    misplaced: Vec<String>,
    /// `10.0.0.9 (output web_ips)`: no host has it.
    absent: Vec<String>,
    /// By host: some mapped output names it.
    listed: Vec<bool>,
}

impl Placed {
    fn find(
        inv: &Inventory,
        expect: &Expectations,
        named: &Named<'_>,
        mapped: &[(usize, &str, HostSet)],
    ) -> Placed {
        let by_address = by_address(inv);
        let mut placed = Placed {
            misplaced: Vec::new(),
            absent: Vec::new(),
            listed: vec![false; inv.hosts.len()],
        };
        for (output, group, addresses) in &expect.maps {
            let Some(target) = named.group(group) else {
                continue;
            };
            for address in addresses {
                let hosts = hosts_at(&by_address, address);
                if hosts.is_empty() {
                    placed.absent.push(format!("{address} (output {output})"));
                }
                for host in hosts {
                    placed.listed[host] = true;
                    let line = misplacement(inv, mapped, (target, group), host, address, output);
                    placed.misplaced.extend(line);
                }
            }
        }
        placed
    }
}

/// Which hosts an address names, by host name or by `ansible_host`: sorted, to be searched.
fn by_address<'a>(inv: &'a Inventory) -> Vec<(&'a str, usize)> {
    let mut by_address: Vec<(&str, usize)> = Vec::with_capacity(inv.hosts.len() * 2);
    for (id, host) in inv.hosts.iter().enumerate() {
        by_address.push((&host.name, id));
        if let Some(address) = host.ansible_host.as_deref().filter(|a| *a != &*host.name) {
            by_address.push((address, id));
        }
    }
    by_address.sort_unstable();
    by_address
}

fn hosts_at(by_address: &[(&str, usize)], address: &str) -> Vec<usize> {
    let start = by_address.partition_point(|(a, _)| *a < address);
    by_address[start..]
        .iter()
        .take_while(|(a, _)| *a == address)
        .map(|(_, id)| *id)
        .collect()
}

/// What is wrong with `host`'s place, which output `output` maps to `target`: under another
/// mapped group instead, or also.
fn misplacement(
    inv: &Inventory,
    mapped: &[(usize, &str, HostSet)],
    (target, group): (usize, &str),
    host: usize,
    address: &str,
    output: &str,
) -> Option<String> {
    let in_target = mapped
        .iter()
        .any(|(g, _, members)| *g == target && members.contains(host));
    let others: Vec<String> = mapped
        .iter()
        .filter(|(g, _, members)| *g != target && members.contains(host))
        .map(|(_, n, _)| format!("[{n}]"))
        .collect();
    if in_target && others.is_empty() {
        return None;
    }
    let name = &inv.hosts[host].name;
    let label = match **name == *address {
        true => name.to_string(),
        false => format!("{name} ({address})"),
    };
    Some(match in_target {
        false => {
            let place = match others.is_empty() {
                true => "in none of the mapped groups".to_string(),
                false => format!("under {}", others.join(" and ")),
            };
            format!("{label} is {place} but belongs under [{group}] (output {output})")
        }
        true => format!(
            "{label} is under [{group}] but also under {} (output {output})",
            others.join(" and ")
        ),
    })
}

/// Hosts in a mapped group that no mapped output lists at all.
fn unlisted(
    report: &mut Report,
    inv: &Inventory,
    mapped: &[(usize, &str, HostSet)],
    listed: &[bool],
) {
    for (id, name, _) in mapped {
        let extra: Vec<String> = inv
            .hosts_of(*id)
            .into_iter()
            .filter(|&h| !listed[h])
            .map(|h| inv.hosts[h].name.to_string())
            .collect();
        if !extra.is_empty() {
            report.add(
                State::Warning,
                format!(
                    "[{name}] holds {} that no mapped Terraform output lists: {}",
                    plural(extra.len(), "host", "hosts"),
                    some_names(&extra)
                ),
            );
            report.detail(
                State::Warning,
                format!("[{name}] not in Terraform: {}", detail_names(&extra)),
            );
        }
    }
}
