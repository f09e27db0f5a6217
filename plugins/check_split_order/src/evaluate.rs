//! Every judgement check_split_order makes, as a pure function from a parsed inventory (and
//! Terraform's addresses) to a report.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use hastack_common::input::{InputError, InputProblem};
use hastack_common::range::Thresholds;
use hastack_common::report::plural;
use hastack_common::{CheckError, Metric, Range, Report, State};

use crate::inventory::{
    BUILTIN_GROUPS, Format, HostSet, Inventory, ini, invalid_group_chars, parse,
};
use crate::terraform;

/// What the user expects of the inventory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expectations {
    /// `-g NAME=RANGE`: how many hosts a group must hold.
    pub counts: Vec<(String, Range)>,
    /// `--order`: the order of the groups' sections in the file.
    pub order: Vec<String>,
    /// `--exclusive`: sets of groups no host may share.
    pub exclusive: Vec<Vec<String>>,
    pub allow_ungrouped: bool,
    /// `--map OUTPUT=GROUP` with the output's addresses: (output, group, addresses).
    pub maps: Vec<(String, String, Vec<String>)>,
}

impl Expectations {
    /// Every group the options name, in first-mentioned order.
    pub fn named_groups(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        let all = self
            .counts
            .iter()
            .map(|(g, _)| g.as_str())
            .chain(self.order.iter().map(String::as_str))
            .chain(self.exclusive.iter().flatten().map(String::as_str))
            .chain(self.maps.iter().map(|(_, g, _)| g.as_str()));
        for name in all {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

/// How many names a summary lists before "and N more".
const NAMES_IN_SUMMARY: usize = 5;

/// How many names (or lines) the long output lists: enough to act on, not a 10,000-host dump.
const NAMES_IN_DETAIL: usize = 100;

/// `a, b, c and 4 more`
fn some_names(names: &[String]) -> String {
    some_joined(names, ", ", NAMES_IN_SUMMARY)
}

/// Names for a long-output line.
fn detail_names(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        some_joined(names, ", ", NAMES_IN_DETAIL)
    }
}

fn some_joined(items: &[String], separator: &str, cap: usize) -> String {
    if items.len() <= cap {
        items.join(separator)
    } else {
        format!(
            "{} and {} more",
            items[..cap].join(separator),
            items.len() - cap
        )
    }
}

/// A file as the probe read it: its bytes, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub bytes: Result<Vec<u8>, InputError>,
}

/// What the probe read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub inventory: File,
    pub terraform_output: Option<File>,
}

/// How the inventory is read and judged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Criteria {
    /// `--format`; `None`: as Ansible's plugin chain decides.
    pub format: Option<Format>,
    pub counts: Vec<(String, Range)>,
    pub order: Vec<String>,
    pub exclusive: Vec<Vec<String>>,
    pub allow_ungrouped: bool,
    /// `--map OUTPUT=GROUP`: (output, group).
    pub maps: Vec<(String, String)>,
}

/// Parse what was read and judge it: an unreadable or oversized file is UNKNOWN naming it, an
/// inventory that does not parse CRITICAL at `file:line`.
pub fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
    let maps = match &facts.terraform_output {
        Some(file) => {
            let json = contents(file)?;
            terraform::read_maps(json, &criteria.maps).map_err(|why| {
                CheckError::usage(format!(
                    "Terraform output file '{}': {why}",
                    file.path.display()
                ))
            })?
        }
        None => Vec::new(),
    };
    let bytes = contents(&facts.inventory)?;
    let path = &facts.inventory.path;
    let decoded = ini::decode(bytes);
    let (format, parsed) = parse(bytes, decoded.as_deref(), path, criteria.format);
    let file = path.display().to_string();
    let inventory =
        parsed.map_err(|e| CheckError::critical(format!("{file}:{}: {}", e.line, e.message)))?;
    let expect = Expectations {
        counts: criteria.counts.clone(),
        order: criteria.order.clone(),
        exclusive: criteria.exclusive.clone(),
        allow_ungrouped: criteria.allow_ungrouped,
        maps,
    };
    Ok(judge_inventory(&file, format, &inventory, &expect))
}

/// A file's bytes; over the cap, the error says how to raise it.
fn contents(file: &File) -> Result<&[u8], CheckError> {
    match &file.bytes {
        Ok(bytes) => Ok(bytes),
        Err(
            error @ InputError {
                problem: InputProblem::TooLarge(_),
                ..
            },
        ) => Err(CheckError::usage(format!(
            "{error} (--max-file-size raises it)"
        ))),
        Err(error) => Err(error.clone().into()),
    }
}

/// Judge `inv` (read from `file`) against `expect`.
pub fn judge_inventory(
    file: &str,
    format: Format,
    inv: &Inventory,
    expect: &Expectations,
) -> Report {
    let mut report = Report::new();
    let at = |line: usize| format!("{file}:{line}");
    let host_names = |hosts: &[usize]| {
        hosts
            .iter()
            .map(|&h| inv.hosts[h].name.to_string())
            .collect::<Vec<_>>()
    };

    // Names Ansible warns about but keeps as written.
    let mut odd_names = Vec::new();
    for group in &inv.groups {
        let bad = invalid_group_chars(&group.name);
        if let (false, Some(line)) = (bad.is_empty(), group.declared_at) {
            let chars: Vec<String> = bad.iter().map(|c| format!("\"{c}\"")).collect();
            odd_names.push(format!(
                "[{}] ({}) {}",
                group.name,
                at(line),
                chars.join(", ")
            ));
        }
    }
    if !odd_names.is_empty() {
        report.add(
            State::Warning,
            format!(
                "{} with invalid characters, kept as written as Ansible keeps them, with its warning \"Invalid characters were found in group names but not replaced\": {}",
                plural(odd_names.len(), "group name", "group names"),
                some_joined(&odd_names, ", ", NAMES_IN_SUMMARY)
            ),
        );
        for text in odd_names.iter().take(NAMES_IN_DETAIL) {
            report.detail(
                State::Warning,
                format!("{text}: invalid character(s) in group name, not replaced"),
            );
        }
    }
    let both: Vec<String> = inv
        .groups
        .iter()
        .filter(|g| inv.host_id(&g.name).is_some())
        .map(|g| g.name.to_string())
        .collect();
    if !both.is_empty() {
        report.add(
            State::Warning,
            format!(
                "Found both group and host with same name: {}",
                some_names(&both)
            ),
        );
    }

    // Hosts in no group of their own: Ansible's `ungrouped`, however they were written.
    let ungrouped = inv.ungrouped();
    if let Some(&first) = ungrouped.first() {
        let names = host_names(&ungrouped);
        let (state, hint) = if expect.allow_ungrouped {
            (State::Ok, "")
        } else {
            (State::Critical, " (--allow-ungrouped accepts this)")
        };
        report.add(
            state,
            format!(
                "{} in no group but Ansible's ungrouped ({}): {}{hint}",
                plural(names.len(), "host", "hosts"),
                at(inv.hosts[first].line),
                some_names(&names)
            ),
        );
        report.detail(state, format!("ungrouped: {}", detail_names(&names)));
    }

    // Groups that exist but hold nothing: one finding for all of them, so that many empty
    // groups cannot crowd another finding out of the summary.
    let filled = inv.non_empty();
    let empty: Vec<(&str, String)> = inv
        .groups
        .iter()
        .enumerate()
        .filter(|(id, group)| !BUILTIN_GROUPS.contains(&&*group.name) && !filled[*id])
        .filter_map(|(_, group)| group.declared_at.map(|line| (&*group.name, at(line))))
        .collect();
    let (one, many) = match format {
        Format::Ini => (
            "its hosts may have landed under an earlier header",
            "their hosts may have landed under earlier headers",
        ),
        Format::Yaml => ("it lists no hosts", "they list no hosts"),
    };
    match empty.as_slice() {
        [] => {}
        [(name, place)] => {
            report.add(
                State::Critical,
                format!("[{name}] is empty ({place}): {one}"),
            );
        }
        groups => {
            let groups: Vec<String> = groups
                .iter()
                .map(|(name, place)| format!("[{name}] ({place})"))
                .collect();
            report.add(
                State::Critical,
                format!(
                    "{} groups are empty: {}: {many}",
                    groups.len(),
                    some_joined(&groups, ", ", NAMES_IN_SUMMARY)
                ),
            );
            report.detail(
                State::Critical,
                format!("empty groups: {}", detail_names(&groups)),
            );
        }
    }

    // Groups the options name that the inventory does not have.
    let mut missing = HashSet::new();
    for name in expect.named_groups() {
        let present = inv
            .group_id(name)
            .is_some_and(|g| inv.groups[g].declared_at.is_some() || BUILTIN_GROUPS.contains(&name));
        if !present {
            report.add(State::Critical, format!("[{name}] is not in {file}"));
            missing.insert(name.to_string());
        }
    }
    let group_of = |name: &str| inv.group_id(name).filter(|_| !missing.contains(name));

    // Cardinality.
    let mut counted: HashMap<usize, usize> = HashMap::new();
    for (name, range) in &expect.counts {
        let Some(id) = group_of(name) else { continue };
        let hosts = inv.hosts_of(id);
        counted.insert(id, hosts.len());
        let thresholds = Thresholds::new(None, Some(range.clone()));
        report.metric(
            Metric::new(format!("hosts_{name}"), hosts.len())
                .thresholds(thresholds)
                .min(0u8),
        );
        let state = if range.alerts(hosts.len() as f64) {
            State::Critical
        } else {
            State::Ok
        };
        let names = host_names(&hosts);
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
        if state != State::Ok && !hosts.is_empty() {
            report.add(
                state,
                format!(
                    "[{name}] holds {} ({}): {}",
                    plural(hosts.len(), "host", "hosts"),
                    range.violation(),
                    some_names(&names)
                ),
            );
        }
    }

    // Section order.
    let placed: Vec<(&str, usize)> = expect
        .order
        .iter()
        .filter_map(|name| {
            group_of(name)
                .and_then(|g| inv.first_section(g))
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
                    at(b_line),
                    at(a_line),
                    expect.order.join(", ")
                ),
            );
        }
    }

    // Exclusive groups.
    for set in &expect.exclusive {
        let ids: Vec<(usize, HostSet)> = set
            .iter()
            .filter_map(|n| group_of(n).map(|g| (g, inv.members(g))))
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

    // Terraform's addresses against the groups they are mapped to.
    if !expect.maps.is_empty() {
        map_findings(&mut report, inv, expect, &group_of);
    }

    // Perfdata and the all-clear summary.
    let declared = inv
        .groups
        .iter()
        .filter(|g| g.declared_at.is_some() && !BUILTIN_GROUPS.contains(&&*g.name))
        .count();
    report.headline(Metric::new("hosts", inv.hosts.len()).min(0u8));
    report.headline(Metric::new("groups", declared).min(0u8));
    let checked: Vec<String> = expect
        .named_groups()
        .iter()
        .filter_map(|n| {
            group_of(n).map(|g| {
                let count = counted
                    .get(&g)
                    .copied()
                    .unwrap_or_else(|| inv.hosts_of(g).len());
                format!("[{n}] {count}")
            })
        })
        .collect();
    let mut summary = format!(
        "{file}: {} in {}",
        plural(inv.hosts.len(), "host", "hosts"),
        plural(declared, "group", "groups")
    );
    if !checked.is_empty() {
        summary.push_str(&format!(" ({})", checked.join(", ")));
    }
    let mut confirmed = Vec::new();
    if !expect.order.is_empty() {
        confirmed.push("section order");
    }
    if !expect.exclusive.is_empty() {
        confirmed.push("exclusive groups");
    }
    if !expect.maps.is_empty() {
        confirmed.push("Terraform addresses");
    }
    if let Some((last, rest)) = confirmed.split_last() {
        let listed = match rest {
            [] => last.to_string(),
            _ => format!("{} and {last}", rest.join(", ")),
        };
        summary.push_str(&format!(", {listed} as expected"));
    }
    report.ok_summary(summary);
    report
}

fn map_findings(
    report: &mut Report,
    inv: &Inventory,
    expect: &Expectations,
    group_of: &dyn Fn(&str) -> Option<usize>,
) {
    // Which hosts an address names, by host name or by ansible_host: sorted, searched.
    let mut by_address: Vec<(&str, usize)> = Vec::with_capacity(inv.hosts.len() * 2);
    for (id, host) in inv.hosts.iter().enumerate() {
        by_address.push((&host.name, id));
        if let Some(address) = host.ansible_host.as_deref().filter(|a| *a != &*host.name) {
            by_address.push((address, id));
        }
    }
    by_address.sort_unstable();
    let hosts_at = |address: &str| -> Vec<usize> {
        let start = by_address.partition_point(|(a, _)| *a < address);
        by_address[start..]
            .iter()
            .take_while(|(a, _)| *a == address)
            .map(|(_, id)| *id)
            .collect()
    };
    let mapped: Vec<(usize, &str, HostSet)> = expect
        .maps
        .iter()
        .filter_map(|(_, g, _)| group_of(g).map(|id| (id, g.as_str(), inv.members(id))))
        .collect();
    let member_of = |group: usize, host: usize| {
        mapped
            .iter()
            .any(|(g, _, members)| *g == group && members.contains(host))
    };
    let mut listed = vec![false; inv.hosts.len()];
    let mut misplaced = Vec::new();
    let mut absent = Vec::new();
    for (output, group, addresses) in &expect.maps {
        let Some(target) = group_of(group) else {
            continue;
        };
        for address in addresses {
            let mut found = false;
            for host in hosts_at(address) {
                found = true;
                listed[host] = true;
                let in_target = member_of(target, host);
                let others: Vec<String> = mapped
                    .iter()
                    .filter(|(g, _, members)| *g != target && members.contains(host))
                    .map(|(_, n, _)| format!("[{n}]"))
                    .collect();
                if in_target && others.is_empty() {
                    continue;
                }
                let name = &inv.hosts[host].name;
                let label = if **name == **address {
                    name.to_string()
                } else {
                    format!("{name} ({address})")
                };
                if !in_target {
                    let place = if others.is_empty() {
                        "in none of the mapped groups".to_string()
                    } else {
                        format!("under {}", others.join(" and "))
                    };
                    misplaced.push(format!(
                        "{label} is {place} but belongs under [{group}] (output {output})"
                    ));
                } else {
                    misplaced.push(format!(
                        "{label} is under [{group}] but also under {} (output {output})",
                        others.join(" and ")
                    ));
                }
            }
            if !found {
                absent.push(format!("{address} (output {output})"));
            }
        }
    }
    for text in misplaced.iter().take(NAMES_IN_DETAIL) {
        report.detail(State::Critical, text.clone());
    }
    if misplaced.len() > NAMES_IN_DETAIL {
        report.detail(
            State::Critical,
            format!(
                "and {} more misplaced hosts",
                misplaced.len() - NAMES_IN_DETAIL
            ),
        );
    }
    if !misplaced.is_empty() {
        report.add(
            State::Critical,
            format!(
                "{} misplaced: {}",
                plural(misplaced.len(), "host", "hosts"),
                some_joined(&misplaced, ", ", NAMES_IN_SUMMARY)
            ),
        );
    }
    for text in absent.iter().take(NAMES_IN_DETAIL) {
        report.detail(State::Critical, format!("{text} is not in the inventory"));
    }
    if absent.len() > NAMES_IN_DETAIL {
        report.detail(
            State::Critical,
            format!(
                "and {} more addresses not in the inventory",
                absent.len() - NAMES_IN_DETAIL
            ),
        );
    }
    if !absent.is_empty() {
        report.add(
            State::Critical,
            format!(
                "{} from Terraform not in the inventory: {}",
                plural(absent.len(), "address", "addresses"),
                some_names(&absent)
            ),
        );
    }
    // Hosts in a mapped group that no mapped output lists at all.
    for (id, name, _) in &mapped {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{parse_ini, parse_yaml};

    /// The story: Terraform's local-exec wrote hosts in creation order, so the three hosts meant
    /// for two groups all landed under the first header and the second header came last, empty.
    pub(crate) const STORY_BAD: &str = "\
[monitoring_servers]
mon1 ansible_host=10.0.0.10
web1 ansible_host=10.0.0.21
web2 ansible_host=10.0.0.22

[webservers]
";

    pub(crate) const STORY_GOOD: &str = "\
[monitoring_servers]
mon1 ansible_host=10.0.0.10

[webservers]
web1 ansible_host=10.0.0.21
web2 ansible_host=10.0.0.22
";

    fn range(s: &str) -> Range {
        s.parse().expect("range")
    }

    fn story_expectations() -> Expectations {
        Expectations {
            counts: vec![
                ("monitoring_servers".into(), range("1:1")),
                ("webservers".into(), range("2:")),
            ],
            order: vec!["monitoring_servers".into(), "webservers".into()],
            exclusive: vec![vec!["monitoring_servers".into(), "webservers".into()]],
            allow_ungrouped: false,
            maps: vec![
                (
                    "monitoring_ip".into(),
                    "monitoring_servers".into(),
                    vec!["10.0.0.10".into()],
                ),
                (
                    "web_ips".into(),
                    "webservers".into(),
                    vec!["10.0.0.21".into(), "10.0.0.22".into()],
                ),
            ],
        }
    }

    fn render(text: &str, expect: &Expectations) -> (State, String) {
        let inv = parse_ini(text).expect("parse");
        let report = judge_inventory("hosts.ini", Format::Ini, &inv, expect);
        (report.state(), report.render("SPLIT ORDER", 0))
    }

    #[test]
    fn the_story_file_is_critical_naming_both_problems() {
        let (state, text) = render(STORY_BAD, &story_expectations());
        assert_eq!(state, State::Critical);
        let first = text.lines().next().unwrap_or("");
        assert!(first.starts_with("SPLIT ORDER CRITICAL - [webservers] is empty (hosts.ini:6): its hosts may have landed under an earlier header / \
            [monitoring_servers] holds 3 hosts (outside 1:1): mon1, web1, web2 / \
            2 hosts misplaced: web1 (10.0.0.21) is under [monitoring_servers] but belongs under [webservers] (output web_ips), \
            web2 (10.0.0.22) is under [monitoring_servers] but belongs under [webservers] (output web_ips) |"), "{text}");
        assert!(
            first.ends_with(
                "| hosts=3;;;0 groups=2;;;0 hosts_monitoring_servers=3;;;0 hosts_webservers=0;;;0"
            ),
            "{first}"
        );
        assert!(
            text.contains("\n\\_ [CRITICAL] [monitoring_servers] 3 hosts: mon1, web1, web2"),
            "{text}"
        );
        assert!(text.contains("\n\\_ [CRITICAL] web1 (10.0.0.21) is under [monitoring_servers] but belongs under [webservers] (output web_ips)"), "{text}");
    }

    #[test]
    fn the_corrected_file_is_ok() {
        let (state, text) = render(STORY_GOOD, &story_expectations());
        assert_eq!(state, State::Ok, "{text}");
        assert!(text.starts_with("SPLIT ORDER OK - hosts.ini: 3 hosts in 2 groups ([monitoring_servers] 1, [webservers] 2), section order, exclusive groups and Terraform addresses as expected | hosts=3;;;0 groups=2;;;0 hosts_monitoring_servers=1;;;0 hosts_webservers=2;;;0"), "{text}");
    }

    #[test]
    fn yaml_story_too() {
        let bad = "all:\n  children:\n    monitoring_servers:\n      hosts:\n        mon1: {ansible_host: 10.0.0.10}\n        web1: {ansible_host: 10.0.0.21}\n        web2: {ansible_host: 10.0.0.22}\n    webservers:\n";
        let inv = parse_yaml(bad).expect("parse");
        let report = judge_inventory("hosts.yml", Format::Yaml, &inv, &story_expectations());
        let text = report.render("SPLIT ORDER", 0);
        assert!(text.starts_with("SPLIT ORDER CRITICAL - [webservers] is empty (hosts.yml:8): it lists no hosts / [monitoring_servers] holds 3 hosts (outside 1:1)"), "{text}");
        let good = "all:\n  children:\n    monitoring_servers:\n      hosts:\n        mon1: {ansible_host: 10.0.0.10}\n    webservers:\n      hosts:\n        web1: {ansible_host: 10.0.0.21}\n        web2: {ansible_host: 10.0.0.22}\n";
        let inv = parse_yaml(good).expect("parse");
        assert_eq!(
            judge_inventory("hosts.yml", Format::Yaml, &inv, &story_expectations()).state(),
            State::Ok
        );
    }

    #[test]
    fn order_violations_name_both_sections() {
        let text = "[webservers]\nweb1\n\n[monitoring_servers]\nmon1\n";
        let expect = Expectations {
            order: vec!["monitoring_servers".into(), "webservers".into()],
            ..Expectations::default()
        };
        let (state, out) = render(text, &expect);
        assert_eq!(state, State::Critical);
        assert!(out.starts_with("SPLIT ORDER CRITICAL - [webservers] (hosts.ini:1) comes before [monitoring_servers] (hosts.ini:4): expected order monitoring_servers, webservers |"), "{out}");
    }

    #[test]
    fn exclusive_groups_and_children() {
        let text = "[a]\nh1\nh2\n[b]\nh2\n[c:children]\na\n[d]\nh1\n";
        let expect = Expectations {
            exclusive: vec![vec!["c".into(), "d".into()], vec!["a".into(), "b".into()]],
            ..Expectations::default()
        };
        let (state, out) = render(text, &expect);
        assert_eq!(state, State::Critical);
        let first = out.lines().next().unwrap_or("");
        assert!(
            first.contains("1 host is in both [c] and [d], which --exclusive keeps apart: h1"),
            "{first}"
        );
        assert!(
            first.contains("1 host is in both [a] and [b], which --exclusive keeps apart: h2"),
            "{first}"
        );
    }

    #[test]
    fn ungrouped_hosts_and_missing_groups() {
        let text = "stray1\nstray2\n[web]\nw1\n";
        let (state, out) = render(text, &Expectations::default());
        assert_eq!(state, State::Critical);
        assert!(out.starts_with("SPLIT ORDER CRITICAL - 2 hosts in no group but Ansible's ungrouped (hosts.ini:1): stray1, stray2 (--allow-ungrouped accepts this) |"), "{out}");
        let (state, out) = render(
            text,
            &Expectations {
                allow_ungrouped: true,
                ..Expectations::default()
            },
        );
        assert_eq!(state, State::Ok, "{out}");
        let expect = Expectations {
            counts: vec![("db".into(), range("1:"))],
            ..Expectations::default()
        };
        let (state, out) = render("[web]\nw1\n", &expect);
        assert_eq!(state, State::Critical);
        assert!(
            out.starts_with("SPLIT ORDER CRITICAL - [db] is not in hosts.ini |"),
            "{out}"
        );
    }

    #[test]
    fn terraform_disagreements_are_named() {
        let text =
            "[masters]\nm1 ansible_host=10.0.0.1\n[workers]\nw1 ansible_host=10.0.0.2\nextra\n";
        let expect = Expectations {
            maps: vec![
                (
                    "master_ips".into(),
                    "masters".into(),
                    vec!["10.0.0.1".into(), "10.0.0.2".into()],
                ),
                (
                    "worker_ips".into(),
                    "workers".into(),
                    vec!["10.0.0.9".into()],
                ),
            ],
            ..Expectations::default()
        };
        let (state, out) = render(text, &expect);
        assert_eq!(state, State::Critical);
        let first = out.lines().next().unwrap_or("");
        assert!(first.contains("1 host misplaced: w1 (10.0.0.2) is under [workers] but belongs under [masters] (output master_ips)"), "{first}");
        assert!(
            first.contains(
                "1 address from Terraform not in the inventory: 10.0.0.9 (output worker_ips)"
            ),
            "{first}"
        );
        assert!(
            first.contains("[workers] holds 1 host that no mapped Terraform output lists: extra"),
            "{first}"
        );
    }

    #[test]
    fn invalid_group_names_warn_and_stay_apart() {
        let text = "[a-b]\nh1\n[a_b]\nh2\n[a.b]\nh3\n";
        let expect = Expectations {
            order: vec!["a.b".into(), "a-b".into()],
            exclusive: vec![vec!["a-b".into(), "a_b".into(), "a.b".into()]],
            ..Expectations::default()
        };
        let (state, out) = render(text, &expect);
        assert_eq!(state, State::Critical, "{out}");
        assert!(out.starts_with("SPLIT ORDER CRITICAL - [a-b] (hosts.ini:1) comes before [a.b] (hosts.ini:5): expected order a.b, a-b / \
            2 group names with invalid characters, kept as written as Ansible keeps them, with its warning \"Invalid characters were found in group names but not replaced\": \
            [a-b] (hosts.ini:1) \"-\", [a.b] (hosts.ini:5) \".\" |"), "{out}");
        assert!(out.contains("\n\\_ [WARNING] [a-b] (hosts.ini:1) \"-\": invalid character(s) in group name, not replaced"), "{out}");
        let (state, out) = render(text, &Expectations::default());
        assert_eq!(state, State::Warning, "{out}");
        assert!(out.contains("| hosts=3;;;0 groups=3;;;0"), "{out}");
    }

    #[test]
    fn a_host_named_like_a_group_warns_in_ansibles_words() {
        let (state, out) = render("[web]\nweb\n", &Expectations::default());
        assert_eq!(state, State::Warning);
        assert!(
            out.starts_with(
                "SPLIT ORDER WARNING - Found both group and host with same name: web |"
            ),
            "{out}"
        );
    }
}
