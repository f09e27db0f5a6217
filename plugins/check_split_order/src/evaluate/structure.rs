//! The inventory's own structure, whatever the options expect: group names Ansible warns
//! about but keeps, a host named like a group, hosts in no group of their own, and groups that
//! hold nothing (in an INI file, the sign that hosts landed under an earlier header).

use hastack_common::units::plural;
use hastack_common::{Report, State};

use super::{Expectations, NAMES_IN_DETAIL, Read, detail_names, some_names};
use crate::inventory::{BUILTIN_GROUPS, Format, invalid_group_chars};

pub(super) fn judge(report: &mut Report, read: &Read<'_>, format: Format, expect: &Expectations) {
    odd_group_names(report, read);
    hosts_named_like_groups(report, read);
    ungrouped(report, read, expect.allow_ungrouped);
    empty_groups(report, read, format);
}

/// Names Ansible warns about but keeps as written.
fn odd_group_names(report: &mut Report, read: &Read<'_>) {
    let mut odd_names = Vec::new();
    for group in &read.inv.groups {
        let bad = invalid_group_chars(&group.name);
        if let (false, Some(line)) = (bad.is_empty(), group.declared_at) {
            let chars: Vec<String> = bad.iter().map(|c| format!("\"{c}\"")).collect();
            odd_names.push(format!(
                "[{}] ({}) {}",
                group.name,
                read.at(line),
                chars.join(", ")
            ));
        }
    }
    if odd_names.is_empty() {
        return;
    }
    report.add(
        State::Warning,
        format!(
            "{} with invalid characters, kept as written as Ansible keeps them, with its warning \"Invalid characters were found in group names but not replaced\": {}",
            plural(odd_names.len(), "group name", "group names"),
            some_names(&odd_names)
        ),
    );
    for text in odd_names.iter().take(NAMES_IN_DETAIL) {
        report.detail(
            State::Warning,
            format!("{text}: invalid character(s) in group name, not replaced"),
        );
    }
}

/// A group and a host of the same name: Ansible's own warning, in its words.
fn hosts_named_like_groups(report: &mut Report, read: &Read<'_>) {
    let both: Vec<String> = read
        .inv
        .groups
        .iter()
        .filter(|g| read.inv.host_id(&g.name).is_some())
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
}

/// Hosts in no group of their own: Ansible's `ungrouped`, however they were written.
fn ungrouped(report: &mut Report, read: &Read<'_>, allowed: bool) {
    let ungrouped = read.inv.ungrouped();
    let Some(&first) = ungrouped.first() else {
        return;
    };
    let names = read.host_names(&ungrouped);
    let (state, hint) = match allowed {
        true => (State::Ok, ""),
        false => (State::Critical, " (--allow-ungrouped accepts this)"),
    };
    report.add(
        state,
        format!(
            "{} in no group but Ansible's ungrouped ({}): {}{hint}",
            plural(names.len(), "host", "hosts"),
            read.at(read.inv.hosts[first].line),
            some_names(&names)
        ),
    );
    report.detail(state, format!("ungrouped: {}", detail_names(&names)));
}

/// Groups that exist but hold nothing: one finding for all of them, so that many empty groups
/// cannot crowd another finding out of the summary.
fn empty_groups(report: &mut Report, read: &Read<'_>, format: Format) {
    let filled = read.inv.non_empty();
    let empty: Vec<(&str, String)> = read
        .inv
        .groups
        .iter()
        .enumerate()
        .filter(|(id, group)| !BUILTIN_GROUPS.contains(&&*group.name) && !filled[*id])
        .filter_map(|(_, group)| group.declared_at.map(|line| (&*group.name, read.at(line))))
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
                    some_names(&groups)
                ),
            );
            report.detail(
                State::Critical,
                format!("empty groups: {}", detail_names(&groups)),
            );
        }
    }
}
