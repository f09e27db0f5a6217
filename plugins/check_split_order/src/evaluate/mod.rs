//! Judging an inventory (pure), one module per concern: [`structure`] (what Ansible itself
//! warns of or silently does: odd group names, ungrouped hosts, empty groups), [`expectations`]
//! (what the operator expects: groups, their sizes, section order, exclusive groups) and
//! [`terraform_map`] (Terraform's addresses against the groups they are mapped to).

mod expectations;
mod structure;
mod terraform_map;
#[cfg(test)]
mod tests;

use hastack_common::input::{InputError, InputProblem};
use hastack_common::units::{listed, plural};
use hastack_common::{CheckError, Metric, Range, Report};

use crate::facts::{Facts, File};
use crate::inventory::{BUILTIN_GROUPS, Format, Inventory, ini, parse};
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

/// How many names a summary lists before "and N more".
const NAMES_IN_SUMMARY: usize = 5;

/// How many names (or lines) the long output lists: enough to act on, not a 10,000-host dump.
const NAMES_IN_DETAIL: usize = 100;

/// `a, b, c and 4 more`: names for a summary.
fn some_names(names: &[String]) -> String {
    listed(names, names.len(), NAMES_IN_SUMMARY)
}

/// Names for a long-output line (`none` for none).
fn detail_names(names: &[String]) -> String {
    listed(names, names.len(), NAMES_IN_DETAIL)
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

/// An inventory read from `file`, with the names of its places and hosts.
struct Read<'a> {
    file: &'a str,
    inv: &'a Inventory<'a>,
}

impl Read<'_> {
    /// `file:line`.
    fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.file)
    }

    fn host_names(&self, hosts: &[usize]) -> Vec<String> {
        hosts
            .iter()
            .map(|&h| self.inv.hosts[h].name.to_string())
            .collect()
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
    let read = Read { file, inv };
    structure::judge(&mut report, &read, format, expect);
    let named = expectations::judge(&mut report, &read, expect);
    if !expect.maps.is_empty() {
        terraform_map::judge(&mut report, inv, expect, &named);
    }
    summary(&mut report, &read, expect, &named);
    report
}

/// The headline perfdata and the all-clear summary: the hosts and groups, each group the
/// options name with its count, and what was confirmed.
fn summary(
    report: &mut Report,
    read: &Read<'_>,
    expect: &Expectations,
    named: &expectations::Named<'_>,
) {
    let inv = read.inv;
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
        .filter_map(|n| named.group(n).map(|g| format!("[{n}] {}", named.count(g))))
        .collect();
    let mut summary = format!(
        "{}: {} in {}",
        read.file,
        plural(inv.hosts.len(), "host", "hosts"),
        plural(declared, "group", "groups")
    );
    if !checked.is_empty() {
        summary.push_str(&format!(" ({})", checked.join(", ")));
    }
    let confirmed: Vec<&str> = [
        (!expect.order.is_empty(), "section order"),
        (!expect.exclusive.is_empty(), "exclusive groups"),
        (!expect.maps.is_empty(), "Terraform addresses"),
    ]
    .into_iter()
    .filter_map(|(asked, what)| asked.then_some(what))
    .collect();
    if let Some((last, rest)) = confirmed.split_last() {
        let listed = match rest {
            [] => last.to_string(),
            _ => format!("{} and {last}", rest.join(", ")),
        };
        summary.push_str(&format!(", {listed} as expected"));
    }
    report.ok_summary(summary);
}
