//! The inventory model both formats parse into (hosts, groups, `:children` edges, section
//! positions), borrowing names from the file wherever it can, and the one budget that bounds
//! what an inventory may expand to. The parsers live beside it: `ini` and `yaml`, with
//! `pattern` for host patterns and `shlex` for the INI format's shell words.

pub mod format;
pub mod ini;
pub mod pattern;
pub mod shlex;
pub mod yaml;
mod yaml_events;
mod yaml_scalar;

use std::borrow::Borrow;
use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;
use std::ops::Deref;
use std::rc::Rc;

pub use format::{Format, parse};
pub use ini::parse_ini;
pub use yaml::parse_yaml;

/// Text taken from the inventory file as it is, or made by the parser (a range's host names,
/// an unquoted word) and shared.
#[derive(Clone)]
pub enum Text<'a> {
    Borrowed(&'a str),
    Shared(Rc<str>),
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Borrowed(text) => text,
            Text::Shared(text) => text,
        }
    }
}

impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        self
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Text<'_> {}

impl Hash for Text<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(text: &'a str) -> Text<'a> {
        Text::Borrowed(text)
    }
}

impl From<String> for Text<'_> {
    fn from(text: String) -> Self {
        Text::Shared(Rc::from(text))
    }
}

/// A host: its name and the address Ansible connects to when `ansible_host` sets one. Other
/// variables are never needed, so they are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host<'a> {
    pub name: Text<'a>,
    pub ansible_host: Option<Text<'a>>,
    /// Line of the host's first definition.
    pub line: usize,
}

/// A group: direct hosts and child groups, and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    /// The name exactly as written: Ansible (`TRANSFORM_INVALID_GROUP_CHARS=never`) keeps it.
    pub name: Text<'a>,
    /// Indexes into [`Inventory::hosts`], in order, each once.
    pub hosts: Vec<usize>,
    /// Indexes into [`Inventory::groups`], in order, each once.
    pub children: Vec<usize>,
    /// Line of the first section that declares the group (`[g]`, `[g:children]`, a YAML key).
    pub declared_at: Option<usize>,
}

/// Where a section starts (used for `--order`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub group: usize,
    pub kind: SectionKind,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Hosts,
    Children,
    Vars,
}

/// A malformed inventory: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

pub(crate) fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

/// Groups every inventory has.
pub const BUILTIN_GROUPS: [&str; 2] = ["all", "ungrouped"];

/// How many host names the ranges of one inventory may expand to, all patterns together.
pub const RANGE_HOSTS: u64 = 200_000;
/// How many bytes of host names the ranges of one inventory may expand to.
pub const RANGE_NAME_BYTES: u64 = 16 * 1024 * 1024;
/// How many YAML nodes aliases may replay where their content is needed (host lists, groups).
pub const ALIAS_NODES: u64 = 1_000_000;

/// What expanding one inventory may still cost: one budget for the whole file, whatever it
/// says, so that neither a single pattern nor many of them can exhaust time or memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub range_hosts: u64,
    pub range_bytes: u64,
    pub alias_nodes: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            range_hosts: RANGE_HOSTS,
            range_bytes: RANGE_NAME_BYTES,
            alias_nodes: ALIAS_NODES,
        }
    }
}

/// Names to indexes, keeping only the index per name (the name is where the index points):
/// an eighth of a map from names to indexes, for inventories of hundreds of thousands of hosts.
#[derive(Debug, Clone, Default)]
struct NameIndex {
    table: HashTable<usize>,
    hasher: RandomState,
}

impl NameIndex {
    fn get<'n>(&self, name: &str, name_of: impl Fn(usize) -> &'n str) -> Option<usize> {
        let hash = self.hasher.hash_one(name);
        self.table.find(hash, |&id| name_of(id) == name).copied()
    }

    fn insert<'n>(&mut self, name: &str, id: usize, name_of: impl Fn(usize) -> &'n str) {
        let hasher = &self.hasher;
        self.table
            .insert_unique(hasher.hash_one(name), id, |&other| {
                hasher.hash_one(name_of(other))
            });
    }
}

/// A `:children` edge as it was added, for finding the first one that closed a loop.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    parent: usize,
    child: usize,
    line: usize,
}

/// A parsed inventory.
#[derive(Debug, Clone)]
pub struct Inventory<'a> {
    pub hosts: Vec<Host<'a>>,
    pub groups: Vec<Group<'a>>,
    pub sections: Vec<Section>,
    pub budget: Budget,
    host_index: NameIndex,
    group_index: NameIndex,
    /// (group, host) pairs already recorded, so adding a host is O(1).
    membership: HashSet<(usize, usize)>,
    /// (parent, child) pairs already recorded.
    child_edges: HashSet<(usize, usize)>,
    edges: Vec<Edge>,
}

impl Default for Inventory<'_> {
    fn default() -> Self {
        Inventory::new()
    }
}

impl<'a> Inventory<'a> {
    pub fn new() -> Inventory<'a> {
        let mut inventory = Inventory {
            hosts: Vec::new(),
            groups: Vec::new(),
            sections: Vec::new(),
            budget: Budget::default(),
            host_index: NameIndex::default(),
            group_index: NameIndex::default(),
            membership: HashSet::new(),
            child_edges: HashSet::new(),
            edges: Vec::new(),
        };
        for name in BUILTIN_GROUPS {
            inventory.group(Text::Borrowed(name));
        }
        inventory
    }

    pub fn group_id(&self, name: &str) -> Option<usize> {
        self.group_index.get(name, |id| &self.groups[id].name)
    }

    pub fn host_id(&self, name: &str) -> Option<usize> {
        self.host_index.get(name, |id| &self.hosts[id].name)
    }

    /// The group named `name`, created if new.
    pub(crate) fn group(&mut self, name: Text<'a>) -> usize {
        if let Some(id) = self.group_id(&name) {
            return id;
        }
        let id = self.groups.len();
        let groups = &self.groups;
        self.group_index.insert(&name, id, |other| {
            if other == id {
                &name
            } else {
                &groups[other].name
            }
        });
        self.groups.push(Group {
            name,
            hosts: Vec::new(),
            children: Vec::new(),
            declared_at: None,
        });
        id
    }

    /// The host named `name`, created if new (first defined at `line`).
    pub(crate) fn host(&mut self, name: Text<'a>, line: usize) -> usize {
        if let Some(id) = self.host_id(&name) {
            return id;
        }
        let id = self.hosts.len();
        let hosts = &self.hosts;
        self.host_index.insert(&name, id, |other| {
            if other == id {
                &name
            } else {
                &hosts[other].name
            }
        });
        self.hosts.push(Host {
            name,
            ansible_host: None,
            line,
        });
        id
    }

    pub(crate) fn add_host_to(&mut self, group: usize, host: usize) {
        if self.membership.insert((group, host)) {
            self.groups[group].hosts.push(host);
        }
    }

    /// Make `child` a child of `parent`. A group made its own child is refused at once, as
    /// Ansible does; longer loops are found by [`Inventory::finish`].
    pub(crate) fn add_child(
        &mut self,
        parent: usize,
        child: usize,
        line: usize,
    ) -> Result<(), ParseError> {
        if parent == child {
            return Err(error(
                line,
                format!(
                    "group {} cannot be a child of itself",
                    self.groups[child].name
                ),
            ));
        }
        if self.child_edges.insert((parent, child)) {
            self.groups[parent].children.push(child);
            self.edges.push(Edge {
                parent,
                child,
                line,
            });
        }
        Ok(())
    }

    pub(crate) fn declare(&mut self, group: usize, line: usize) {
        self.groups[group].declared_at.get_or_insert(line);
    }

    /// End a parse that stopped with `stopped` (or got through): Ansible refuses a `:children`
    /// edge that closes a loop the moment it is added, so the first such edge is the error
    /// whenever it came before the one the parse stopped at.
    pub(crate) fn finish(self, stopped: Option<ParseError>) -> Result<Inventory<'a>, ParseError> {
        if let Some(edge) = self.first_loop_edge() {
            return Err(error(
                edge.line,
                format!(
                    "adding group {} as a child of {} creates a loop",
                    self.groups[edge.child].name, self.groups[edge.parent].name
                ),
            ));
        }
        match stopped {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }

    /// The first edge, in the order added, after which the groups contain a loop: a binary
    /// search over prefixes, each checked in linear time.
    fn first_loop_edge(&self) -> Option<&Edge> {
        if !has_cycle(self.groups.len(), &self.edges) {
            return None;
        }
        let (mut low, mut high) = (0, self.edges.len());
        // Invariant: edges[..low] has no loop, edges[..high] has one.
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if has_cycle(self.groups.len(), &self.edges[..middle]) {
                high = middle;
            } else {
                low = middle;
            }
        }
        self.edges.get(high - 1)
    }

    /// `group` and every group below it, each once (iterative, linear).
    pub fn descendants(&self, group: usize) -> Vec<usize> {
        let mut seen = vec![false; self.groups.len()];
        seen[group] = true;
        let mut found = vec![group];
        let mut next = 0;
        while next < found.len() {
            for &child in &self.groups[found[next]].children {
                if !seen[child] {
                    seen[child] = true;
                    found.push(child);
                }
            }
            next += 1;
        }
        found
    }

    /// Every host of `group`, directly or through `:children`, in first-seen order. `all`
    /// holds every host.
    pub fn hosts_of(&self, group: usize) -> Vec<usize> {
        if *self.groups[group].name == *"all" {
            return (0..self.hosts.len()).collect();
        }
        let mut hosts = Vec::new();
        let mut member = vec![false; self.hosts.len()];
        for g in self.descendants(group) {
            for &h in &self.groups[g].hosts {
                if !member[h] {
                    member[h] = true;
                    hosts.push(h);
                }
            }
        }
        hosts
    }

    /// Which hosts belong to `group`, directly or through `:children`, as one bit per host.
    pub fn members(&self, group: usize) -> HostSet {
        let mut set = HostSet::new(self.hosts.len());
        if *self.groups[group].name == *"all" {
            for h in 0..self.hosts.len() {
                set.insert(h);
            }
            return set;
        }
        for g in self.descendants(group) {
            for &h in &self.groups[g].hosts {
                set.insert(h);
            }
        }
        set
    }

    /// For every group, whether it holds any host, directly or through `:children` (linear:
    /// each group is marked once, walking up from the groups that hold hosts).
    pub fn non_empty(&self) -> Vec<bool> {
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); self.groups.len()];
        for edge in &self.edges {
            parents[edge.child].push(edge.parent);
        }
        let mut filled = vec![false; self.groups.len()];
        let mut pending: Vec<usize> = Vec::new();
        for (id, group) in self.groups.iter().enumerate() {
            if !group.hosts.is_empty() || (*group.name == *"all" && !self.hosts.is_empty()) {
                filled[id] = true;
                pending.push(id);
            }
        }
        while let Some(id) = pending.pop() {
            for &parent in &parents[id] {
                if !filled[parent] {
                    filled[parent] = true;
                    pending.push(parent);
                }
            }
        }
        filled
    }

    /// The hosts Ansible puts in `ungrouped`: those in no group but `all` and `ungrouped`,
    /// wherever they were written (before the first INI header, under `[all]` or
    /// `[ungrouped]`, YAML `all: hosts` or `ungrouped: hosts`). In order of definition.
    pub fn ungrouped(&self) -> Vec<usize> {
        let mut grouped = vec![false; self.hosts.len()];
        for group in &self.groups {
            if !BUILTIN_GROUPS.contains(&&*group.name) {
                for &h in &group.hosts {
                    grouped[h] = true;
                }
            }
        }
        (0..self.hosts.len()).filter(|&h| !grouped[h]).collect()
    }

    /// The line where `group`'s host section (`[g]`) starts, else any of its sections.
    pub fn first_section(&self, group: usize) -> Option<usize> {
        let of_group = || self.sections.iter().filter(move |s| s.group == group);
        of_group()
            .find(|s| s.kind == SectionKind::Hosts)
            .or_else(|| of_group().next())
            .map(|s| s.line)
    }
}

/// A set of hosts, one bit each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSet {
    bits: Vec<u64>,
}

impl HostSet {
    fn new(hosts: usize) -> HostSet {
        HostSet {
            bits: vec![0; hosts.div_ceil(64)],
        }
    }

    fn insert(&mut self, host: usize) {
        if let Some(word) = self.bits.get_mut(host / 64) {
            *word |= 1 << (host % 64);
        }
    }

    pub fn contains(&self, host: usize) -> bool {
        self.bits
            .get(host / 64)
            .is_some_and(|word| word & (1 << (host % 64)) != 0)
    }
}

/// Whether `edges` over `groups` groups contain a loop: an iterative depth-first search.
fn has_cycle(groups: usize, edges: &[Edge]) -> bool {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); groups];
    for edge in edges {
        children[edge.parent].push(edge.child);
    }
    // 0: not visited, 1: on the current path, 2: done.
    let mut color = vec![0u8; groups];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..groups {
        if color[start] != 0 {
            continue;
        }
        color[start] = 1;
        stack.push((start, 0));
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            match children[node].get(*next) {
                Some(&child) => {
                    *next += 1;
                    match color[child] {
                        0 => {
                            color[child] = 1;
                            stack.push((child, 0));
                        }
                        1 => return true,
                        _ => {}
                    }
                }
                None => {
                    color[node] = 2;
                    stack.pop();
                }
            }
        }
    }
    false
}

/// The characters of a group name that Ansible warns about (`^[\d\W]|[^\w]`, Python's Unicode
/// `\w`), in order, each once; empty when the name is clean.
pub fn invalid_group_chars(name: &str) -> Vec<char> {
    let mut found: Vec<char> = Vec::new();
    for (i, c) in name.chars().enumerate() {
        let word = c.is_alphanumeric() || c == '_';
        let bad = !word || (i == 0 && c.is_numeric());
        if bad && !found.contains(&c) {
            found.push(c);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(pairs: &[(usize, usize)]) -> Vec<Edge> {
        pairs
            .iter()
            .enumerate()
            .map(|(line, &(parent, child))| Edge {
                parent,
                child,
                line,
            })
            .collect()
    }

    #[test]
    fn loops_are_found_without_recursion() {
        assert!(!has_cycle(4, &edges(&[(0, 1), (1, 2), (0, 2), (2, 3)])));
        assert!(has_cycle(4, &edges(&[(0, 1), (1, 2), (2, 0)])));
        // A chain of 200,000 groups: no stack to overflow, no quadratic walk.
        let chain: Vec<(usize, usize)> = (0..200_000).map(|i| (i, i + 1)).collect();
        assert!(!has_cycle(200_001, &edges(&chain)));
        let mut closed = chain.clone();
        closed.push((200_000, 0));
        assert!(has_cycle(200_001, &edges(&closed)));
    }

    #[test]
    fn the_first_edge_that_closes_a_loop_is_named() {
        let mut inv = Inventory::new();
        let ids: Vec<usize> = ["a", "b", "c", "d"]
            .into_iter()
            .map(|n| inv.group(Text::Borrowed(n)))
            .collect();
        for (line, (p, c)) in [(0, 1), (1, 2), (2, 3), (3, 1), (2, 0)]
            .into_iter()
            .enumerate()
        {
            inv.add_child(ids[p], ids[c], line + 10).expect("edge");
        }
        let err = inv.finish(None).expect_err("loop");
        assert_eq!(
            (err.line, err.message.as_str()),
            (13, "adding group b as a child of d creates a loop")
        );
    }

    #[test]
    fn group_names_ansible_warns_about() {
        assert_eq!(invalid_group_chars("web_servers2"), Vec::<char>::new());
        assert_eq!(invalid_group_chars("web-servers"), ['-']);
        assert_eq!(invalid_group_chars("a.b-c.d"), ['.', '-']);
        assert_eq!(invalid_group_chars("1st"), ['1']);
        assert_eq!(invalid_group_chars("grüße"), Vec::<char>::new());
    }
}
