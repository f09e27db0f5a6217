//! The inventory model both formats parse into (hosts, groups, `:children` edges, section
//! positions), and Ansible's INI format parsed by Ansible's own rules.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A host and the variables set on it (inline or from several lines; later ones win).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub vars: Vec<(String, String)>,
    /// Line of the host's first definition.
    pub line: usize,
}

impl Host {
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The address Ansible connects to: `ansible_host`, else the name.
    pub fn ansible_host(&self) -> Option<&str> {
        self.var("ansible_host")
    }
}

/// A group: direct hosts and child groups, and where its sections are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// Indexes into [`Inventory::hosts`], in order, each once.
    pub hosts: Vec<usize>,
    /// Indexes into [`Inventory::groups`].
    pub children: Vec<usize>,
    /// Line of the first section that declares the group (`[g]`, `[g:children]`, a YAML key).
    pub declared_at: Option<usize>,
    /// The name as written when Ansible changes it (`web-servers` becomes `web_servers`).
    pub written_as: Option<String>,
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

/// A parsed inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub hosts: Vec<Host>,
    pub groups: Vec<Group>,
    pub sections: Vec<Section>,
    /// Hosts written outside any group section: before the first INI header, or directly
    /// under `all` in YAML. (host index, line)
    pub headless: Vec<(usize, usize)>,
    host_index: HashMap<String, usize>,
    group_index: HashMap<String, usize>,
    /// (group, host) pairs already recorded, so adding a host is O(1).
    membership: HashSet<(usize, usize)>,
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

impl Inventory {
    pub fn new() -> Inventory {
        let mut inventory = Inventory::default();
        for name in BUILTIN_GROUPS {
            inventory.group(name);
        }
        inventory
    }

    pub fn group_id(&self, name: &str) -> Option<usize> {
        self.group_index.get(name).copied()
    }

    pub fn host_id(&self, name: &str) -> Option<usize> {
        self.host_index.get(name).copied()
    }

    /// The group named `name`, created if new.
    pub(crate) fn group(&mut self, name: &str) -> usize {
        if let Some(&id) = self.group_index.get(name) {
            return id;
        }
        let id = self.groups.len();
        self.groups.push(Group {
            name: name.to_string(),
            hosts: Vec::new(),
            children: Vec::new(),
            declared_at: None,
            written_as: None,
        });
        self.group_index.insert(name.to_string(), id);
        id
    }

    /// The host named `name`, created if new; `vars` are added to it.
    pub(crate) fn host(&mut self, name: String, vars: Vars, line: usize) -> usize {
        let id = match self.host_index.get(name.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.hosts.len();
                self.host_index.insert(name.clone(), id);
                self.hosts.push(Host {
                    name,
                    vars: Vec::new(),
                    line,
                });
                id
            }
        };
        if self.hosts[id].vars.is_empty() {
            self.hosts[id].vars = vars;
        } else {
            self.hosts[id].vars.extend(vars);
        }
        id
    }

    pub(crate) fn add_host_to(&mut self, group: usize, host: usize) {
        if self.membership.insert((group, host)) {
            self.groups[group].hosts.push(host);
        }
    }

    /// Make `child` a child of `parent`, refusing a loop.
    pub(crate) fn add_child(
        &mut self,
        parent: usize,
        child: usize,
        line: usize,
    ) -> Result<(), ParseError> {
        if parent == child || self.descendants(child).contains(&parent) {
            return Err(error(
                line,
                format!(
                    "adding group {} as a child of {} creates a loop",
                    self.groups[child].name, self.groups[parent].name
                ),
            ));
        }
        if !self.groups[parent].children.contains(&child) {
            self.groups[parent].children.push(child);
        }
        Ok(())
    }

    pub(crate) fn declare(&mut self, group: usize, line: usize) {
        self.groups[group].declared_at.get_or_insert(line);
    }

    /// `group` and every group below it.
    pub fn descendants(&self, group: usize) -> Vec<usize> {
        let mut seen = vec![group];
        let mut next = 0;
        while next < seen.len() {
            for &child in &self.groups[seen[next]].children {
                if !seen.contains(&child) {
                    seen.push(child);
                }
            }
            next += 1;
        }
        seen
    }

    /// Every host of `group`, directly or through `:children`, in first-seen order.
    /// `all` holds every host.
    pub fn hosts_of(&self, group: usize) -> Vec<usize> {
        if self.groups[group].name == "all" {
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

    /// For every host, the groups it belongs to directly or through `:children` (without `all`).
    pub fn groups_by_host(&self) -> Vec<Vec<usize>> {
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); self.groups.len()];
        for (id, group) in self.groups.iter().enumerate() {
            for &child in &group.children {
                parents[child].push(id);
            }
        }
        let mut result: Vec<Vec<usize>> = vec![Vec::new(); self.hosts.len()];
        for (id, group) in self.groups.iter().enumerate() {
            if group.hosts.is_empty() {
                continue;
            }
            // The group and its ancestors.
            let mut up = vec![id];
            let mut next = 0;
            while next < up.len() {
                for &p in &parents[up[next]] {
                    if !up.contains(&p) {
                        up.push(p);
                    }
                }
                next += 1;
            }
            for &h in &group.hosts {
                for &g in &up {
                    if !result[h].contains(&g) && self.groups[g].name != "all" {
                        result[h].push(g);
                    }
                }
            }
        }
        result
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

/// The group name Ansible uses: characters other than letters, digits and `_` (and a leading
/// digit) become `_`, as `to_safe_group_name(force=True)` does.
pub fn safe_group_name(name: &str) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if c.is_alphanumeric() && !(i == 0 && c.is_numeric()) || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Parse an INI inventory by Ansible's rules (`plugins/inventory/ini.py`).
pub fn parse_ini(text: &str) -> Result<Inventory, ParseError> {
    let mut inv = Inventory::new();
    let mut group = inv.group("ungrouped");
    let mut state = SectionKind::Hosts;
    let mut headless = true;
    // Groups referenced before being declared: (line, kind, parents).
    let mut pending: HashMap<usize, (usize, SectionKind, Vec<usize>)> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some((name, kind)) = section_header(line, line_no)? {
            headless = false;
            let safe = safe_group_name(name);
            let is_new = inv.group_id(&safe).is_none();
            group = inv.group(&safe);
            if safe != name {
                inv.groups[group]
                    .written_as
                    .get_or_insert_with(|| name.to_string());
            }
            state = kind;
            if is_new && kind == SectionKind::Vars && !pending.contains_key(&group) {
                pending.insert(group, (line_no, kind, Vec::new()));
            }
            if kind != SectionKind::Vars {
                inv.declare(group, line_no);
                if let Some((_, SectionKind::Children, parents)) = pending.remove(&group) {
                    for parent in parents {
                        inv.add_child(parent, group, line_no)?;
                    }
                }
            }
            inv.sections.push(Section {
                group,
                kind,
                line: line_no,
            });
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(error(
                line_no,
                format!(
                    "invalid section entry '{line}': no spaces or other invalid characters are allowed in a group name"
                ),
            ));
        }
        match state {
            SectionKind::Hosts => {
                let (names, mut vars) = host_definition(line, line_no)?;
                let count = names.len();
                for (i, name) in names.into_iter().enumerate() {
                    // Every host of a range gets the line's variables; the last one takes them.
                    let these = if i + 1 == count {
                        std::mem::take(&mut vars)
                    } else {
                        vars.clone()
                    };
                    let host = inv.host(name, these, line_no);
                    inv.add_host_to(group, host);
                    if headless {
                        inv.headless.push((host, line_no));
                    }
                }
            }
            SectionKind::Vars => {
                if !line.contains('=') {
                    return Err(error(
                        line_no,
                        format!(
                            "expected key=value in [{}:vars], got: {line}",
                            inv.groups[group].name
                        ),
                    ));
                }
            }
            SectionKind::Children => {
                let name = group_name_line(line).ok_or_else(|| {
                    error(
                        line_no,
                        format!(
                            "expected a group name in [{}:children], got: {line}",
                            inv.groups[group].name
                        ),
                    )
                })?;
                let safe = safe_group_name(name);
                // As in Ansible: a group exists once any section names it (or it is built in).
                let exists = |g: usize| {
                    BUILTIN_GROUPS.contains(&safe.as_str())
                        || inv.sections.iter().any(|s| s.group == g)
                };
                match inv.group_id(&safe).filter(|&g| exists(g)) {
                    Some(child) => inv.add_child(group, child, line_no)?,
                    None => {
                        let child = inv.group(&safe);
                        let entry = pending.entry(child).or_insert((
                            line_no,
                            SectionKind::Children,
                            Vec::new(),
                        ));
                        entry.2.push(group);
                    }
                }
            }
        }
    }
    if let Some((&g, (line, kind, parents))) = pending.iter().min_by_key(|(_, (line, _, _))| *line)
    {
        let name = &inv.groups[g].name;
        return Err(match kind {
            SectionKind::Vars => error(
                *line,
                format!("section [{name}:vars] is not valid for an undefined group: {name}"),
            ),
            _ => {
                let parent = parents
                    .first()
                    .map(|&p| inv.groups[p].name.clone())
                    .unwrap_or_default();
                error(
                    *line,
                    format!("section [{parent}:children] includes an undefined group: {name}"),
                )
            }
        });
    }
    Ok(inv)
}

/// `[name]`, `[name:children]`, `[name:vars]`, with an optional trailing `# comment`.
fn section_header(line: &str, line_no: usize) -> Result<Option<(&str, SectionKind)>, ParseError> {
    let Some(rest) = line.strip_prefix('[') else {
        return Ok(None);
    };
    let Some(close) = rest.find(']') else {
        return Ok(None);
    };
    let (inside, after) = (&rest[..close], rest[close + 1..].trim_start());
    if !(after.is_empty() || after.starts_with('#')) {
        return Ok(None);
    }
    let (name, tag) = match inside.split_once(':') {
        Some((name, tag)) => (name, Some(tag)),
        None => (inside, None),
    };
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == ']') {
        return Ok(None);
    }
    if tag
        .is_some_and(|tag| tag.is_empty() || !tag.chars().all(|c| c.is_alphanumeric() || c == '_'))
    {
        return Ok(None);
    }
    let kind = match tag {
        None | Some("hosts") => SectionKind::Hosts,
        Some("children") => SectionKind::Children,
        Some("vars") => SectionKind::Vars,
        Some(other) => {
            return Err(error(
                line_no,
                format!("section [{inside}] has unknown type: {other}"),
            ));
        }
    };
    Ok(Some((name, kind)))
}

/// A group name alone on a line (in `:children`), optional trailing comment.
fn group_name_line(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c.is_whitespace() || c == '#')
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let ok = !name.is_empty()
        && !name.contains([':', ']'])
        && (rest.is_empty() || rest.starts_with('#'));
    ok.then_some(name)
}

/// Host variables in the order written.
pub type Vars = Vec<(String, String)>;

/// `pattern [key=value ...]`: the expanded host names and their variables.
pub fn host_definition(line: &str, line_no: usize) -> Result<(Vec<String>, Vars), ParseError> {
    let tokens = shell_words(line).map_err(|why| {
        error(
            line_no,
            format!("cannot parse host definition '{line}': {why}"),
        )
    })?;
    let Some((pattern, rest)) = tokens.split_first() else {
        return Err(error(line_no, format!("empty host definition '{line}'")));
    };
    let mut vars = Vec::new();
    for token in rest {
        let (k, v) = token.split_once('=').ok_or_else(|| {
            error(
                line_no,
                format!("expected key=value host variable assignment, got: {token}"),
            )
        })?;
        vars.push((k.to_string(), v.to_string()));
    }
    let (pattern, port) = split_port(pattern);
    if pattern.ends_with(':') && port.is_none() {
        return Err(error(
            line_no,
            format!("invalid host pattern '{pattern}': ending in ':' is reserved for a port"),
        ));
    }
    if let Some(port) = port {
        vars.insert(0, ("ansible_port".to_string(), port.to_string()));
    }
    let names = expand_hosts(pattern)
        .map_err(|why| error(line_no, format!("invalid host range '{pattern}': {why}")))?;
    if names.iter().any(|n| n == "---") {
        return Err(error(
            line_no,
            "host '---' looks like the start of a YAML file: use --format yaml",
        ));
    }
    Ok((names, vars))
}

/// `host:port` (not for bare IPv6 addresses, which contain several colons).
fn split_port(pattern: &str) -> (&str, Option<&str>) {
    if let Some((host, port)) = pattern.rsplit_once(':') {
        let colons = pattern.matches(':').count();
        let in_brackets = host.starts_with('[') && host.ends_with(']') && host.contains(':');
        if !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && (colons == 1 || in_brackets)
        {
            let host = if in_brackets {
                &host[1..host.len() - 1]
            } else {
                host
            };
            return (host, Some(port));
        }
    }
    (pattern, None)
}

/// Expand `web[01:03].example.com`, `db-[a:c]`, `n[1:10:2]`; several ranges nest left to right.
pub fn expand_hosts(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = pattern[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or("missing ']'")?;
    let (head, range, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let bounds: Vec<&str> = range.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err("a host range must be begin:end or begin:end:step".into());
    }
    let begin = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err("a host range must specify an end value".into());
    }
    let step: usize = match bounds.get(2) {
        Some(s) => s
            .parse()
            .ok()
            .filter(|&s| s > 0)
            .ok_or_else(|| format!("step '{s}' is not a positive number"))?,
        None => 1,
    };
    let mut items: Vec<String> = Vec::new();
    let letters = |s: &str| s.len() == 1 && s.chars().all(|c| c.is_ascii_alphabetic());
    if letters(begin) && letters(end) {
        const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let b = ASCII_LETTERS.find(begin).ok_or("bad letter")?;
        let e = ASCII_LETTERS.find(end).ok_or("bad letter")?;
        if b > e {
            return Err("a host range must have begin <= end".into());
        }
        items.extend(ASCII_LETTERS[b..=e].chars().step_by(step).map(String::from));
    } else {
        let width = if begin.len() > 1 && begin.starts_with('0') {
            if begin.len() != end.len() {
                return Err("a host range must specify equal-length begin and end formats".into());
            }
            begin.len()
        } else {
            0
        };
        let b: u64 = begin
            .parse()
            .map_err(|_| format!("'{begin}' is not a number or a letter"))?;
        let e: u64 = end
            .parse()
            .map_err(|_| format!("'{end}' is not a number or a letter"))?;
        if e.saturating_sub(b) / step as u64 > 1_000_000 {
            return Err("the range expands to more than a million hosts".into());
        }
        let mut n = b;
        while n <= e {
            items.push(format!("{n:0width$}"));
            n += step as u64;
        }
    }
    let mut hosts = Vec::new();
    for item in items {
        hosts.extend(expand_hosts(&format!("{head}{item}{tail}"))?);
    }
    Ok(hosts)
}

/// POSIX shell-like words (Python's `shlex.split(line, comments=True)`): whitespace separates,
/// quotes group, backslash escapes, `#` outside quotes ends the line.
pub fn shell_words(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    // Most lines have nothing to unquote: borrow their words.
    if !line.contains(['\'', '"', '\\', '#']) {
        return Ok(line.split_whitespace().map(Cow::Borrowed).collect());
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(Cow::Owned(std::mem::take(&mut word)));
                    in_word = false;
                }
            }
            '#' => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("no closing quotation".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("no escaped character".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(Cow::Owned(word));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(inv: &Inventory, group: &str) -> Vec<String> {
        let id = inv
            .group_id(group)
            .unwrap_or_else(|| panic!("no group {group}"));
        inv.hosts_of(id)
            .into_iter()
            .map(|h| inv.hosts[h].name.clone())
            .collect()
    }

    #[test]
    fn host_ranges_expand_like_ansible() {
        let table: &[(&str, &[&str])] = &[
            (
                "web[01:03].example.com",
                &[
                    "web01.example.com",
                    "web02.example.com",
                    "web03.example.com",
                ],
            ),
            ("db-[a:c]", &["db-a", "db-b", "db-c"]),
            ("n[1:10:4]", &["n1", "n5", "n9"]),
            ("n[:2]", &["n0", "n1", "n2"]),
            ("r[1:2]-[a:b]", &["r1-a", "r1-b", "r2-a", "r2-b"]),
            ("plain", &["plain"]),
            ("x[8:11]", &["x8", "x9", "x10", "x11"]),
        ];
        for (pattern, hosts) in table {
            let expected: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
            assert_eq!(expand_hosts(pattern), Ok(expected), "{pattern}");
        }
        for (pattern, why) in [
            ("a[1:]", "a host range must specify an end value"),
            (
                "a[01:3]",
                "a host range must specify equal-length begin and end formats",
            ),
            ("a[c:a]", "a host range must have begin <= end"),
            ("a[1]", "a host range must be begin:end or begin:end:step"),
            ("a[1:3", "missing ']'"),
            ("a[1:x]", "'x' is not a number or a letter"),
            ("a[1:3:0]", "step '0' is not a positive number"),
        ] {
            assert_eq!(expand_hosts(pattern), Err(why.to_string()), "{pattern}");
        }
    }

    #[test]
    fn shell_words_like_shlex() {
        let table: &[(&str, &[&str])] = &[
            (
                "web1 ansible_host=10.0.0.5 note=\"two words\"",
                &["web1", "ansible_host=10.0.0.5", "note=two words"],
            ),
            ("h a='x y' # trailing comment", &["h", "a=x y"]),
            ("h a=b#c", &["h", "a=b"]),
            ("h a=\"q\\\"uote\"", &["h", "a=q\"uote"]),
            ("h a=x\\ y", &["h", "a=x y"]),
        ];
        for (line, words) in table {
            let got: Vec<String> = shell_words(line)
                .map(|w| w.into_iter().map(String::from).collect())
                .unwrap_or_default();
            assert_eq!(got, *words, "{line}");
        }
        assert_eq!(
            shell_words("h a='open"),
            Err("no closing quotation".to_string())
        );
    }

    #[test]
    fn story_inventory() {
        let text = "[monitoring_servers]\nmon1 ansible_host=10.0.0.1\nweb1 ansible_host=10.0.0.2\nweb2 ansible_host=10.0.0.3\n\n[webservers]\n";
        let inv = parse_ini(text).expect("parse");
        assert_eq!(
            members(&inv, "monitoring_servers"),
            ["mon1", "web1", "web2"]
        );
        assert_eq!(members(&inv, "webservers"), Vec::<String>::new());
        assert_eq!(
            inv.groups[inv.group_id("webservers").expect("g")].declared_at,
            Some(6)
        );
        assert_eq!(
            inv.hosts[inv.host_id("web1").expect("h")].ansible_host(),
            Some("10.0.0.2")
        );
    }

    #[test]
    fn children_vars_ungrouped_and_ports() {
        let text = "\
stray1
stray2:2222 ansible_user=root

; a comment
[atlanta]
host1
host2 ansible_host=192.0.2.2   # inline comment

[raleigh]
host2
host3

[southeast:children]
atlanta
raleigh
usa_later

[southeast:vars]
some_server=foo.southeast.example.com

[usa_later]
host9

[all:vars]
ntp=1.2.3.4
";
        let inv = parse_ini(text).expect("parse");
        assert_eq!(
            members(&inv, "southeast"),
            ["host1", "host2", "host3", "host9"]
        );
        assert_eq!(members(&inv, "ungrouped"), ["stray1", "stray2"]);
        assert_eq!(
            inv.headless
                .iter()
                .map(|(h, l)| (inv.hosts[*h].name.as_str(), *l))
                .collect::<Vec<_>>(),
            [("stray1", 1), ("stray2", 2)]
        );
        assert_eq!(
            inv.hosts[inv.host_id("stray2").expect("h")].var("ansible_port"),
            Some("2222")
        );
        assert_eq!(members(&inv, "all").len(), 6);
        let by_host = inv.groups_by_host();
        let host2 = inv.host_id("host2").expect("h");
        let names: Vec<&str> = by_host[host2]
            .iter()
            .map(|&g| inv.groups[g].name.as_str())
            .collect();
        assert_eq!(names, ["atlanta", "southeast", "raleigh"]);
        assert_eq!(
            inv.first_section(inv.group_id("southeast").expect("g")),
            Some(13)
        );
    }

    #[test]
    fn malformed_inventories_name_the_line() {
        let table = [
            (
                "[web servers]\nh\n",
                1,
                "invalid section entry '[web servers]': no spaces or other invalid characters are allowed in a group name",
            ),
            (
                "[web:kids]\n",
                1,
                "section [web:kids] has unknown type: kids",
            ),
            (
                "[web]\nh1 novalue\n",
                2,
                "expected key=value host variable assignment, got: novalue",
            ),
            (
                "[web]\nh1 a='x\n",
                2,
                "cannot parse host definition 'h1 a='x': no closing quotation",
            ),
            (
                "[web:vars]\nx=1\n",
                1,
                "section [web:vars] is not valid for an undefined group: web",
            ),
            (
                "[p:children]\nmissing\n",
                2,
                "section [p:children] includes an undefined group: missing",
            ),
            (
                "[a:children]\nb\n[b:children]\na\n",
                4,
                "adding group a as a child of b creates a loop",
            ),
            (
                "[web]\nweb[1:]\n",
                2,
                "invalid host range 'web[1:]': a host range must specify an end value",
            ),
            (
                "[web]\nh1:\n",
                2,
                "invalid host pattern 'h1:': ending in ':' is reserved for a port",
            ),
            (
                "---\nall:\n",
                1,
                "host '---' looks like the start of a YAML file: use --format yaml",
            ),
            (
                "[g]\nh\n[g:vars]\nnovalue\n",
                4,
                "expected key=value in [g:vars], got: novalue",
            ),
        ];
        for (text, line, message) in table {
            let err = parse_ini(text).expect_err(text);
            assert_eq!(
                (err.line, err.message.as_str()),
                (line, message),
                "{text:?}"
            );
        }
    }

    #[test]
    fn group_names_ansible_would_change() {
        assert_eq!(safe_group_name("web-servers"), "web_servers");
        assert_eq!(safe_group_name("1st"), "_st");
        assert_eq!(safe_group_name("ok_name2"), "ok_name2");
        let inv = parse_ini("[web-servers]\nh\n").expect("parse");
        let g = inv.group_id("web_servers").expect("g");
        assert_eq!(inv.groups[g].written_as.as_deref(), Some("web-servers"));
    }
}
