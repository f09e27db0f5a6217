//! Ansible's YAML inventory format (`all: {hosts, vars, children}`), read straight from the
//! parser's events into the inventory model: no document tree is built, and an alias is a
//! reference, replayed only where its content is needed (a host list, a group, a merge into
//! one) and then within a budget. Variables are never needed, so an alias bomb under `vars:`
//! costs nothing. The loader's rules are PyYAML's as Ansible uses it: one document, YAML 1.1
//! scalars, merge keys, its tags; mistakes Ansible would skip with a warning or resolve silently
//! (an unknown key such as `host:`, a duplicate key) are errors here.

use std::collections::HashMap;
use std::rc::Rc;

use super::ini::expand_pattern;
use super::pattern::split_port;
use super::yaml_events::{Ev, Fail, Scalar, Shape, Source};
use super::yaml_scalar::{Kind, resolve};
use super::{Inventory, ParseError, Section, SectionKind, Text, error};

const CORE: &str = "tag:yaml.org,2002:";

/// What a node means where it stands.
#[derive(Debug, Clone)]
enum Role {
    /// The document: a mapping of groups.
    Root,
    /// A group's definition: hosts, vars, children.
    Group(usize),
    Hosts(usize),
    Children(usize),
    /// A group's variables: never needed, only checked to be a mapping.
    Vars(usize),
    /// The variables of these hosts: only `ansible_host` is needed.
    HostVars(Rc<[usize]>),
    AnsibleHost(Rc<[usize]>),
    /// The top-level `plugin:` key (at this line) that marks a plugin configuration.
    Plugin(usize),
    /// The value of `<<` in a mapping of this role.
    Merge(Box<Role>),
    /// An item of a merged list, for a mapping of this role.
    MergeItem(Box<Role>),
    Skip,
}

impl Role {
    fn needs_content(&self) -> bool {
        match self {
            Role::Vars(_) | Role::Skip => false,
            Role::Merge(inner) | Role::MergeItem(inner) => inner.needs_content(),
            _ => true,
        }
    }

    /// The same role once nothing more is needed but the loader's checks.
    fn skipped(self) -> Role {
        match self {
            Role::Merge(_) => Role::Merge(Box::new(Role::Skip)),
            Role::MergeItem(_) => Role::MergeItem(Box::new(Role::Skip)),
            _ => Role::Skip,
        }
    }
}

/// Where a mapping is between its keys and values.
#[derive(Debug)]
enum Slot {
    Key,
    /// A key that is itself a collection is being read (refused, then skipped).
    InKey,
    Value(Role),
    /// A value that is a collection is being read.
    InValue,
}

#[derive(Debug)]
struct MapFrame<'a> {
    role: Role,
    slot: Slot,
    /// Keys seen, for duplicates; `None` where they are not checked, and in a mapping merged
    /// into another (which checks against that one's).
    seen: Option<HashMap<Text<'a>, usize>>,
    merged: bool,
    entries: usize,
}

#[derive(Debug)]
enum Frame<'a> {
    Map(MapFrame<'a>),
    /// A sequence; its items are merged into a mapping of this role when `Some`.
    Seq(Option<Role>),
}

struct Reader<'a> {
    base: &'a str,
    ascii: bool,
    source: Source<'a>,
    inv: Inventory<'a>,
    stack: Vec<Frame<'a>>,
    root_seen: bool,
    construct: Option<ParseError>,
    structure: Option<ParseError>,
}

/// Parse a YAML inventory.
pub fn parse_yaml(text: &str) -> Result<Inventory<'_>, ParseError> {
    // PyYAML skips a byte order mark, and refuses control characters anywhere.
    let base = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in base.split('\n').enumerate() {
        if let Some(c) = line.chars().find(|&c| !printable(c)) {
            return Err(error(
                index + 1,
                format!(
                    "unacceptable character #x{:04x}: special characters are not allowed",
                    u32::from(c)
                ),
            ));
        }
    }
    let inv = Inventory::new();
    let mut reader = Reader {
        base,
        ascii: base.is_ascii(),
        source: Source::new(base, inv.budget.alias_nodes),
        inv,
        stack: Vec::new(),
        root_seen: false,
        construct: None,
        structure: None,
    };
    match reader.run() {
        Ok(()) => reader.finish(),
        Err(Fail::Syntax(e) | Fail::Budget(e)) => Err(e),
    }
}

/// PyYAML's printable characters.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn describe_ev(ev: &Ev) -> &'static str {
    match ev {
        Ev::MapStart { .. } | Ev::MapEnd => "a mapping",
        Ev::SeqStart { .. } | Ev::SeqEnd => "a list",
        Ev::Scalar(_) => "a scalar",
        Ev::Alias { .. } => "an alias",
    }
}

impl<'a> Reader<'a> {
    fn run(&mut self) -> Result<(), Fail> {
        while let Some(ev) = self.source.next()? {
            match ev {
                Ev::MapEnd | Ev::SeqEnd => self.end(),
                node => self.place(node)?,
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Inventory<'a>, ParseError> {
        if let Some(e) = self.construct {
            return Err(e);
        }
        if !self.root_seen {
            self.structure
                .get_or_insert_with(|| error(1, "the YAML inventory is empty"));
        }
        self.inv.finish(self.structure)
    }

    fn failed(&self) -> bool {
        self.construct.is_some() || self.structure.is_some()
    }

    fn construct_error(&mut self, line: usize, message: impl Into<String>) {
        if self.construct.is_none() {
            self.construct = Some(error(line, message));
        }
    }

    fn structure_error(&mut self, line: usize, message: impl Into<String>) {
        if self.structure.is_none() {
            self.structure = Some(error(line, message));
        }
    }

    /// Text of a scalar, borrowed from the file when it is written there as it reads.
    fn text(&self, scalar: &Scalar) -> Text<'a> {
        if self.ascii && scalar.plain {
            let end = scalar.index + scalar.text.len();
            if let Some(slice) = self.base.get(scalar.index..end)
                && slice == scalar.text
            {
                return Text::Borrowed(slice);
            }
        }
        Text::from(scalar.text.clone())
    }

    /// A node where the top of the stack expects one.
    fn place(&mut self, node: Ev) -> Result<(), Fail> {
        let role = match self.stack.last_mut() {
            None => {
                if self.root_seen {
                    return Ok(());
                }
                self.root_seen = true;
                Role::Root
            }
            Some(Frame::Map(map)) => match std::mem::replace(&mut map.slot, Slot::InValue) {
                Slot::Key => return self.key(node),
                Slot::Value(role) => role,
                // A child frame is open; its events never come here.
                slot @ (Slot::InKey | Slot::InValue) => {
                    map.slot = slot;
                    return Ok(());
                }
            },
            Some(Frame::Seq(Some(role))) => Role::MergeItem(Box::new(role.clone())),
            Some(Frame::Seq(None)) => Role::Skip,
        };
        let pushed = self.node(role, node)?;
        if !pushed {
            self.value_done();
        }
        Ok(())
    }

    /// The value of the top mapping is complete.
    fn value_done(&mut self) {
        if let Some(Frame::Map(map)) = self.stack.last_mut() {
            map.slot = match std::mem::replace(&mut map.slot, Slot::Key) {
                Slot::InKey => Slot::Value(Role::Skip),
                _ => Slot::Key,
            };
        }
    }

    fn end(&mut self) {
        if let Some(Frame::Map(map)) = self.stack.pop()
            && matches!(map.role, Role::Root)
            && map.entries == 0
            && !map.merged
        {
            self.structure_error(1, "the YAML inventory is empty");
        }
        self.value_done();
    }

    fn push_map(&mut self, role: Role, merged: bool) {
        let checked = matches!(
            role,
            Role::Root | Role::Group(_) | Role::Hosts(_) | Role::Children(_) | Role::HostVars(_)
        );
        self.stack.push(Frame::Map(MapFrame {
            role,
            slot: Slot::Key,
            seen: (checked && !merged).then(HashMap::new),
            merged,
            entries: 0,
        }));
    }

    /// Read a node in `role`; `Ok(true)` when it opened a frame the next events fill.
    fn node(&mut self, role: Role, node: Ev) -> Result<bool, Fail> {
        let role = if self.failed() { role.skipped() } else { role };
        match node {
            Ev::Alias { id, line } => {
                if role.needs_content() {
                    match self.source.enter(id, line) {
                        Ok(()) => match self.source.next()? {
                            Some(first) => return self.node(role, first),
                            None => return Ok(false),
                        },
                        Err(why) => self.structure_error(line, why),
                    }
                    return Ok(false);
                }
                self.check_alias(&role, id, line);
                Ok(false)
            }
            Ev::Scalar(scalar) => {
                self.scalar(role, scalar);
                Ok(false)
            }
            Ev::MapStart { tag, line } => self.map_start(role, tag.as_deref(), line),
            Ev::SeqStart { tag, line } => self.seq_start(role, tag.as_deref(), line),
            Ev::MapEnd | Ev::SeqEnd => Ok(false),
        }
    }

    /// A mapping starts, to be read in `role` (a merge, the plugin key, or what the role
    /// takes); `Ok(true)`: the frame it opened.
    fn map_start(&mut self, role: Role, tag: Option<&str>, line: usize) -> Result<bool, Fail> {
        let mapping = match tag {
            None | Some("!") => true,
            Some(t) if t == format!("{CORE}map") || t == format!("{CORE}python/dict") => true,
            Some(t) if t == format!("{CORE}set") => false,
            Some(t) => {
                self.construct_error(
                    line,
                    format!("could not determine a constructor for the tag '{t}' on a mapping"),
                );
                self.push_map(Role::Skip, false);
                return Ok(true);
            }
        };
        let found = if mapping { "a mapping" } else { "a set" };
        let role = match role {
            Role::Merge(inner) | Role::MergeItem(inner) => {
                if !mapping {
                    self.construct_error(line, "expected a mapping for merging, but found a set");
                }
                self.push_map(*inner, true);
                return Ok(true);
            }
            Role::Plugin(key_line) => {
                if matches!(self.source.peek()?, Some(Ev::MapEnd)) {
                    self.declare_group(Text::Borrowed("plugin"), key_line);
                } else {
                    self.plugin_error(key_line);
                }
                Role::Skip
            }
            role if mapping => role,
            Role::Skip | Role::AnsibleHost(_) => Role::Skip,
            role => {
                self.wrong_shape(&role, line, found);
                Role::Skip
            }
        };
        let role = match role {
            Role::Vars(_) | Role::AnsibleHost(_) => Role::Skip,
            role => role,
        };
        self.push_map(role, false);
        Ok(true)
    }

    /// A sequence starts, to be read in `role`; `Ok(true)`: the frame it opened.
    fn seq_start(&mut self, role: Role, tag: Option<&str>, line: usize) -> Result<bool, Fail> {
        match tag {
            None | Some("!") => {}
            Some(t)
                if [
                    format!("{CORE}seq"),
                    format!("{CORE}omap"),
                    format!("{CORE}pairs"),
                ]
                .iter()
                .any(|known| known == t) => {}
            Some(t) => self.construct_error(
                line,
                format!("could not determine a constructor for the tag '{t}' on a list"),
            ),
        }
        match role {
            Role::Merge(inner) => {
                self.stack.push(Frame::Seq(Some(*inner)));
                return Ok(true);
            }
            Role::MergeItem(_) => {
                self.construct_error(line, "expected a mapping for merging, but found a list")
            }
            Role::HostVars(_) | Role::Plugin(_)
                if matches!(self.source.peek()?, Some(Ev::SeqEnd)) =>
            {
                // An empty list is false: no variables, or no plugin.
                if let Role::Plugin(key_line) = role {
                    self.declare_group(Text::Borrowed("plugin"), key_line);
                }
            }
            Role::Plugin(key_line) => self.plugin_error(key_line),
            Role::Skip | Role::AnsibleHost(_) => {}
            role => self.wrong_shape(&role, line, "a list"),
        }
        self.stack.push(Frame::Seq(None));
        Ok(true)
    }

    /// A value that is not what `role` needs: refused, naming what was found.
    fn wrong_shape(&mut self, role: &Role, line: usize, found: &str) {
        let group = |g: &usize| self.inv.groups[*g].name.to_string();
        let message = match role {
            Role::Root => format!("the top level must be a mapping of group names, found {found}"),
            Role::Group(g) => format!(
                "group {} must be a mapping of hosts, vars and children, found {found}",
                group(g)
            ),
            Role::Hosts(g) => format!(
                "hosts of group {} must be a mapping of host names, found {found}",
                group(g)
            ),
            Role::Children(g) => format!(
                "children of group {} must be a mapping of group names, found {found}",
                group(g)
            ),
            Role::Vars(g) => format!(
                "vars of group {} must be a mapping, found {found}",
                group(g)
            ),
            Role::HostVars(hosts) => format!(
                "variables of host {} must be a mapping, found {found}",
                hosts
                    .first()
                    .map(|&h| self.inv.hosts[h].name.to_string())
                    .unwrap_or_default()
            ),
            _ => return,
        };
        self.structure_error(line, message);
    }

    fn plugin_error(&mut self, line: usize) {
        self.structure_error(
            line,
            "a top-level 'plugin' key makes this an inventory plugin's configuration, not an inventory",
        );
    }

    /// An alias where its content is not needed: only the loader's checks.
    fn check_alias(&mut self, role: &Role, id: usize, line: usize) {
        let shape = self.source.shape(id);
        match role {
            Role::Merge(_) => match shape {
                Some(Shape::Map) => {}
                Some(Shape::Seq) if self.source.maps_only(id) => {}
                _ => self.construct_error(
                    line,
                    "expected a mapping or list of mappings for merging, but found something else",
                ),
            },
            Role::MergeItem(_) if shape != Some(Shape::Map) => self.construct_error(
                line,
                "expected a mapping for merging, but found something else",
            ),
            Role::Vars(g) => match shape {
                Some(Shape::Seq) => {
                    let g = *g;
                    self.wrong_shape(&Role::Vars(g), line, "a list")
                }
                Some(Shape::Scalar) => {
                    if let Some(scalar) = self.source.anchored_scalar(id) {
                        let scalar = Scalar { line, ..scalar };
                        self.scalar(Role::Vars(*g), scalar);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// A scalar value in `role`.
    fn scalar(&mut self, role: Role, scalar: Scalar) {
        let line = scalar.line;
        let kind = match resolve(&scalar.text, scalar.plain, scalar.tag.as_deref()) {
            Ok(kind) => kind,
            Err(why) => return self.construct_error(line, why),
        };
        if matches!(kind, Kind::Merge | Kind::Value) {
            let tag = if kind == Kind::Merge {
                "merge"
            } else {
                "value"
            };
            return self.construct_error(
                line,
                format!("could not determine a constructor for the tag '{CORE}{tag}'"),
            );
        }
        let found = kind.describe();
        match role {
            Role::Root => {
                if kind.is_falsy(&scalar.text) {
                    self.structure_error(line, "the YAML inventory is empty");
                } else {
                    self.wrong_shape(&Role::Root, line, found);
                }
            }
            Role::Group(_) | Role::Vars(_) | Role::Hosts(_) | Role::Children(_)
                if kind == Kind::Null => {}
            Role::Vars(_) if kind.is_str() => {}
            Role::Hosts(g) if kind.is_str() => {
                // A string stands for a mapping with that one key.
                let text = self.text(&scalar);
                self.host_pattern(g, text, line);
            }
            Role::Children(g) if kind.is_str() => {
                let text = self.text(&scalar);
                if text.is_empty() {
                    return self.structure_error(line, "a group name cannot be empty");
                }
                let child = self.declare_group(text, line);
                if let Err(e) = self.inv.add_child(g, child, line) {
                    self.structure_error(e.line, e.message);
                }
            }
            Role::HostVars(_) if kind.is_falsy(&scalar.text) => {}
            Role::AnsibleHost(hosts) => {
                if kind != Kind::Null {
                    let address = self.text(&scalar);
                    for &h in hosts.iter() {
                        self.inv.hosts[h].ansible_host = Some(address.clone());
                    }
                }
            }
            Role::Plugin(key_line) => {
                if kind.is_falsy(&scalar.text) {
                    self.declare_group(Text::Borrowed("plugin"), key_line);
                } else {
                    self.plugin_error(key_line);
                }
            }
            Role::Merge(_) => self.construct_error(
                line,
                "expected a mapping or list of mappings for merging, but found a scalar",
            ),
            Role::MergeItem(_) => {
                self.construct_error(line, "expected a mapping for merging, but found a scalar")
            }
            Role::Skip => {}
            role => self.wrong_shape(&role, line, found),
        }
    }

    /// A group key: the group, declared here.
    fn declare_group(&mut self, name: Text<'a>, line: usize) -> usize {
        let id = self.inv.group(name);
        self.inv.declare(id, line);
        self.inv.sections.push(Section {
            group: id,
            kind: SectionKind::Hosts,
            line,
        });
        id
    }

    /// A host pattern under group `group`: the hosts it stands for.
    fn host_pattern(&mut self, group: usize, pattern: Text<'a>, line: usize) -> Rc<[usize]> {
        let (without_port, _) = split_port(&pattern);
        let mut ids = Vec::new();
        let expanded = expand_pattern(&mut self.inv, without_port, line, |inv, name| {
            let host = inv.host(Text::Shared(name), line);
            inv.add_host_to(group, host);
            ids.push(host);
        });
        match expanded {
            Err(e) => self.structure_error(e.line, e.message),
            Ok(true) => {}
            Ok(false) => {
                let name = match &pattern {
                    Text::Borrowed(text) => Text::Borrowed(split_port(text).0),
                    Text::Shared(text) => Text::from(split_port(text).0.to_string()),
                };
                if name.is_empty() {
                    self.structure_error(line, "empty host name");
                } else {
                    let host = self.inv.host(name, line);
                    self.inv.add_host_to(group, host);
                    ids.push(host);
                }
            }
        }
        Rc::from(ids)
    }

    /// Record `key` in the mapping that checks duplicates; false when it was there already.
    fn first_time(&mut self, key: &Text<'a>, line: usize) -> bool {
        let seen = self.stack.iter_mut().rev().find_map(|frame| match frame {
            Frame::Map(map) if !map.merged => Some(map.seen.as_mut()),
            _ => None,
        });
        let Some(Some(seen)) = seen else {
            return true;
        };
        if let Some(&first) = seen.get(&**key) {
            let message = format!(
                "duplicate key '{key}' (first at line {first}): YAML keeps only the last one"
            );
            self.structure_error(line, message);
            return false;
        }
        seen.insert(key.clone(), line);
        true
    }

    fn set_value(&mut self, role: Role) {
        if let Some(Frame::Map(map)) = self.stack.last_mut() {
            map.slot = Slot::Value(role);
            map.entries += 1;
        }
    }

    /// A key of the top mapping.
    fn key(&mut self, node: Ev) -> Result<(), Fail> {
        let role = match self.stack.last() {
            Some(Frame::Map(map)) => map.role.clone(),
            _ => Role::Skip,
        };
        let role = if self.failed() { role.skipped() } else { role };
        let Some(scalar) = self.key_scalar(node) else {
            return Ok(());
        };
        let line = scalar.line;
        let kind = match resolve(&scalar.text, scalar.plain, scalar.tag.as_deref()) {
            Ok(kind) => kind,
            Err(why) => {
                self.construct_error(line, why);
                self.set_value(Role::Skip);
                return Ok(());
            }
        };
        if kind == Kind::Merge {
            self.set_value(Role::Merge(Box::new(role)));
            return Ok(());
        }
        let key = Key {
            is_str: kind.is_str() || kind == Kind::Value,
            text: self.text(&scalar),
            line,
            written: &scalar.text,
            kind,
        };
        let value = match role {
            Role::Root | Role::Children(_) => self.group_key(&role, key),
            Role::Group(g) => self.group_section_key(g, key),
            Role::Hosts(_) if !key.is_str => {
                self.structure_error(line, key.not_a_string("host pattern"));
                Role::Skip
            }
            Role::Hosts(_) if !self.first_time(&key.text, line) => Role::Skip,
            Role::Hosts(g) => Role::HostVars(self.host_pattern(g, key.text, line)),
            Role::HostVars(_) if key.is_str && !self.first_time(&key.text, line) => Role::Skip,
            Role::HostVars(hosts) if key.is_str && &*key.text == "ansible_host" => {
                Role::AnsibleHost(hosts)
            }
            _ => Role::Skip,
        };
        self.set_value(value);
        Ok(())
    }

    /// The scalar a key is; a collection or an alias of one is refused as Python's dict does
    /// (unhashable), its frame opened to be skipped.
    fn key_scalar(&mut self, node: Ev) -> Option<Scalar> {
        match node {
            Ev::Scalar(scalar) => Some(scalar),
            Ev::Alias { id, line } => match self.source.anchored_scalar(id) {
                Some(scalar) => Some(Scalar { line, ..scalar }),
                None => {
                    self.construct_error(
                        line,
                        "found unacceptable key (unhashable type: a mapping or list)",
                    );
                    self.set_value(Role::Skip);
                    None
                }
            },
            collection @ (Ev::MapStart { .. } | Ev::SeqStart { .. }) => {
                let line = match &collection {
                    Ev::MapStart { line, .. } | Ev::SeqStart { line, .. } => *line,
                    _ => 0,
                };
                self.construct_error(
                    line,
                    format!(
                        "found unacceptable key (unhashable type: {})",
                        describe_ev(&collection)
                    ),
                );
                if let Some(Frame::Map(map)) = self.stack.last_mut() {
                    map.slot = Slot::InKey;
                    map.entries += 1;
                }
                if matches!(collection, Ev::MapStart { .. }) {
                    self.push_map(Role::Skip, false);
                } else {
                    self.stack.push(Frame::Seq(None));
                }
                None
            }
            Ev::MapEnd | Ev::SeqEnd => None,
        }
    }

    /// A group's name, at the top level or under a group's `children`.
    fn group_key(&mut self, role: &Role, key: Key<'_, 'a>) -> Role {
        let line = key.line;
        if !key.is_str {
            self.structure_error(line, key.not_a_string("group name"));
            Role::Skip
        } else if key.text.is_empty() {
            self.structure_error(line, "a group name cannot be empty");
            Role::Skip
        } else if !self.first_time(&key.text, line) {
            Role::Skip
        } else if matches!(role, Role::Root) && &*key.text == "plugin" {
            Role::Plugin(line)
        } else {
            let id = self.declare_group(key.text, line);
            if let Role::Children(parent) = role
                && let Err(e) = self.inv.add_child(*parent, id, line)
            {
                self.structure_error(e.line, e.message);
            }
            Role::Group(id)
        }
    }

    /// A key inside a group: `hosts`, `vars` or `children`; anything else Ansible skips.
    fn group_section_key(&mut self, g: usize, key: Key<'_, 'a>) -> Role {
        let known = key.is_str && ["hosts", "vars", "children"].contains(&&*key.text);
        if !known {
            let name = self.inv.groups[g].name.to_string();
            self.structure_error(
                key.line,
                format!(
                    "unexpected key '{}' in group {name}: expected hosts, vars or children (Ansible skips it)",
                    key.written
                ),
            );
            return Role::Skip;
        }
        if !self.first_time(&key.text, key.line) {
            return Role::Skip;
        }
        match &*key.text {
            "hosts" => Role::Hosts(g),
            "vars" => Role::Vars(g),
            _ => Role::Children(g),
        }
    }
}

/// A mapping key as read: its text, and what YAML made of it.
struct Key<'k, 'a> {
    is_str: bool,
    text: Text<'a>,
    line: usize,
    /// As written in the file.
    written: &'k str,
    kind: Kind,
}

impl Key<'_, '_> {
    /// `group name 1 must be a string, found an int in YAML: quote it`.
    fn not_a_string(&self, what: &str) -> String {
        format!(
            "{what} {} must be a string, found {} in YAML: quote it",
            self.written,
            self.kind.describe()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn members(inv: &Inventory, group: &str) -> Vec<String> {
        let id = inv
            .group_id(group)
            .unwrap_or_else(|| panic!("no group {group}"));
        inv.hosts_of(id)
            .into_iter()
            .map(|h| inv.hosts[h].name.to_string())
            .collect()
    }

    #[test]
    fn nested_groups_ranges_and_lines() {
        let text = "\
all:
  hosts:
    stray:
  children:
    monitoring_servers:
      hosts:
        mon1:
          ansible_host: 10.0.0.1
    webservers:
      hosts:
        web[01:02]:
          ansible_host: 10.0.0.9
      vars:
        http_port: 80
    prod:
      children:
        webservers:
        monitoring_servers:
";
        let inv = parse_yaml(text).expect("parse");
        assert_eq!(members(&inv, "prod"), ["web01", "web02", "mon1"]);
        assert_eq!(members(&inv, "webservers"), ["web01", "web02"]);
        let ungrouped: Vec<(&str, usize)> = inv
            .ungrouped()
            .into_iter()
            .map(|h| (&*inv.hosts[h].name, inv.hosts[h].line))
            .collect();
        assert_eq!(ungrouped, [("stray", 3)]);
        assert_eq!(
            inv.first_section(inv.group_id("monitoring_servers").expect("g")),
            Some(5)
        );
        assert_eq!(
            inv.first_section(inv.group_id("webservers").expect("g")),
            Some(9)
        );
        let mon1 = &inv.hosts[inv.host_id("mon1").expect("h")];
        assert_eq!(mon1.ansible_host.as_deref(), Some("10.0.0.1"));
        assert!(
            matches!(mon1.name, Text::Borrowed(_)),
            "borrowed from the file"
        );
        assert_eq!(
            inv.hosts[inv.host_id("web02").expect("h")]
                .ansible_host
                .as_deref(),
            Some("10.0.0.9")
        );
    }

    #[test]
    fn mistakes_are_errors_with_their_line() {
        let table = [
            (
                "all:\n  children:\n    web:\n      host:\n        a:\n",
                4,
                "unexpected key 'host' in group web: expected hosts, vars or children (Ansible skips it)",
            ),
            (
                "all:\n  children:\n    web:\n      hosts:\n        - a\n        - b\n",
                5,
                "hosts of group web must be a mapping of host names, found a list",
            ),
            (
                "all:\n  children:\n    web:\n      hosts:\n        a:\n    web:\n      hosts:\n        b:\n",
                6,
                "duplicate key 'web' (first at line 3): YAML keeps only the last one",
            ),
            (
                "- a\n- b\n",
                1,
                "the top level must be a mapping of group names, found a list",
            ),
            ("", 1, "the YAML inventory is empty"),
            ("~\n", 1, "the YAML inventory is empty"),
            ("{}\n", 1, "the YAML inventory is empty"),
            (
                "all:\n  children:\n    web: [a]\n",
                3,
                "group web must be a mapping of hosts, vars and children, found a list",
            ),
            (
                "all:\n  hosts:\n    web[1:]:\n",
                3,
                "invalid host range 'web[1:]': a host range must specify an end value",
            ),
            (
                "all:\n  hosts:\n    h1:\n---\nall:\n  hosts:\n    h2:\n",
                4,
                "expected a single document in the stream, but found another document",
            ),
            (
                "all:\n  hosts:\n    1:\n",
                3,
                "host pattern 1 must be a string, found a number in YAML: quote it",
            ),
            (
                "all:\n  hosts:\n    true:\n",
                3,
                "host pattern true must be a string, found a boolean in YAML: quote it",
            ),
            (
                "all:\n  hosts:\n    null:\n",
                3,
                "host pattern null must be a string, found null in YAML: quote it",
            ),
            (
                "all:\n  hosts:\n    !!binary aGVsbG8=:\n",
                3,
                "host pattern aGVsbG8= must be a string, found binary data in YAML: quote it",
            ),
            (
                "2021:\n  hosts:\n    a:\n",
                1,
                "group name 2021 must be a string, found a number in YAML: quote it",
            ),
            (
                "all:\n  hosts:\n    web1: 1\n",
                3,
                "variables of host web1 must be a mapping, found a number",
            ),
            (
                "plugin: constructed\n",
                1,
                "a top-level 'plugin' key makes this an inventory plugin's configuration, not an inventory",
            ),
            (
                "all:\n  vars:\n    x: !foo y\n",
                3,
                "could not determine a constructor for the tag '!foo'",
            ),
            (
                "all:\n  vars:\n    ? [a]\n    : b\n",
                3,
                "found unacceptable key (unhashable type: a list)",
            ),
            (
                "all:\n  vars:\n    x: <<\n",
                3,
                "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'",
            ),
            (
                "all:\n  hosts:\n    a: {<<: 1}\n",
                3,
                "expected a mapping or list of mappings for merging, but found a scalar",
            ),
            (
                "all:\n  hosts:\n    a:\n\x1b\n",
                4,
                "unacceptable character #x001b: special characters are not allowed",
            ),
            (
                "a:\n  children:\n    b:\n      children:\n        a:\n",
                5,
                "adding group a as a child of b creates a loop",
            ),
            // The loader's errors come before the structure's, wherever they are.
            (
                "all:\n  hosts: [a]\n  vars:\n    x: !foo y\n",
                4,
                "could not determine a constructor for the tag '!foo'",
            ),
        ];
        for (text, line, message) in table {
            let err = parse_yaml(text).expect_err(text);
            assert_eq!(
                (err.line, err.message.as_str()),
                (line, message),
                "{text:?}"
            );
        }
        let err = parse_yaml("all:\n  hosts: {a: 1\n").expect_err("scan error");
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn what_ansible_accepts() {
        let text = "\
\u{feff}all:
  hosts: lonely
  children:
    web:
      hosts:
        \"web9:2200\":
        10.0.0.[2:3]:2222:
        w0: false
        w1: ''
        w2: []
        w3: 0
      children: db
    db:
    ungrouped:
      hosts:
        u1:
";
        let inv = parse_yaml(text).expect("parse");
        assert_eq!(
            members(&inv, "web"),
            ["web9", "10.0.0.2", "10.0.0.3", "w0", "w1", "w2", "w3"]
        );
        assert_eq!(members(&inv, "ungrouped"), ["u1"]);
        let ungrouped: Vec<&str> = inv
            .ungrouped()
            .into_iter()
            .map(|h| &*inv.hosts[h].name)
            .collect();
        assert_eq!(ungrouped, ["lonely", "u1"]);
        assert!(inv.group_id("db").is_some());
    }

    #[test]
    fn aliases_are_references() {
        let text = "\
defaults: &defaults
  hosts:
    web1: &web1 {ansible_host: 10.0.0.1}
    web2:
web:
  <<: *defaults
  vars: {x: 1}
db:
  hosts:
    db1: *web1
    db2:
      <<: *web1
    db3:
      <<: [{rack: 1}, *web1]
";
        let inv = parse_yaml(text).expect("parse");
        assert_eq!(members(&inv, "web"), ["web1", "web2"]);
        assert_eq!(members(&inv, "defaults"), ["web1", "web2"]);
        for host in ["db1", "db2", "db3"] {
            assert_eq!(
                inv.hosts[inv.host_id(host).expect("h")]
                    .ansible_host
                    .as_deref(),
                Some("10.0.0.1"),
                "{host}"
            );
        }
        let err = parse_yaml("web: &w\n  children:\n    x: *w\n").expect_err("recursive");
        assert_eq!(
            (err.line, err.message.as_str()),
            (3, "an alias refers to the node that contains it")
        );
    }

    /// Nine levels of nine aliases each: 9^9 copies if expanded. Under `vars:` nothing needs
    /// them, so they cost nothing; where hosts need them, the replay budget ends the read.
    #[test]
    fn alias_bombs_are_cheap_or_refused() {
        let mut bomb = String::from(
            "all:\n  vars:\n    l0: &l0 {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x}\n",
        );
        for level in 1..10 {
            let items: Vec<String> = (0..9).map(|k| format!("k{k}: *l{}", level - 1)).collect();
            bomb.push_str(&format!(
                "    l{level}: &l{level} {{{}}}\n",
                items.join(", ")
            ));
        }
        bomb.push_str("  hosts:\n    web1:\n");
        let started = Instant::now();
        let inv = parse_yaml(&bomb).expect("parse");
        assert_eq!(members(&inv, "all"), ["web1"]);
        // A bound against an expansion of 9^10 nodes (minutes), not a speed.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );

        let mut hosts_bomb = String::from("h0: &h0 {hosts: {a: , b: }}\n");
        for level in 1..12 {
            let items: Vec<String> = (0..9)
                .map(|k| format!("c{level}_{k}: *h{}", level - 1))
                .collect();
            hosts_bomb.push_str(&format!(
                "h{level}: &h{level} {{children: {{{}}}}}\n",
                items.join(", ")
            ));
        }
        let started = Instant::now();
        let err = parse_yaml(&hosts_bomb).expect_err("budget");
        assert!(
            err.message.starts_with(
                "YAML aliases replay more than 1000000 nodes where their content is needed"
            ),
            "{err}"
        );
        // The budget, not the clock, ends it: a bound against replaying 9^12 nodes.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }
}
