//! Ansible's INI inventory format, parsed by Ansible's own rules (`plugins/inventory/ini.py`):
//! Python's line splitting and stripping, `[group]`, `[group:children]`, `[group:vars]` and the
//! declarations they may wait for, host patterns with ports and ranges, shell-quoted variables.
//! Group names are kept exactly as written.

use std::borrow::Cow;
use std::collections::HashMap;

use super::pattern::{ExpandError, expand, split_port};
use super::shlex::shell_words;
use super::{
    Inventory, ParseError, RANGE_HOSTS, RANGE_NAME_BYTES, Section, SectionKind, Text, error,
};

/// Python's `str.isspace()`: Unicode whitespace and the four ASCII separators `\x1c`..`\x1f`.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(text: &str) -> &str {
    text.trim_matches(is_py_space)
}

/// Python's `str.splitlines()`: `\n`, `\r\n`, `\r` and the other Unicode line boundaries.
pub(crate) fn py_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // The boundaries are ASCII, or start with byte 0xC2 (U+0085) or 0xE2 (U+2028/9).
        let bytes = rest.as_bytes();
        let mut at = 0;
        let boundary = loop {
            let Some(&b) = bytes.get(at) else {
                break None;
            };
            let width = match b {
                b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1e => 1,
                0xc2 if bytes.get(at + 1) == Some(&0x85) => 2,
                0xe2 if bytes.get(at + 1) == Some(&0x80)
                    && matches!(bytes.get(at + 2), Some(0xa8 | 0xa9)) =>
                {
                    3
                }
                _ => 0,
            };
            if width > 0 {
                break Some((at, width));
            }
            at += 1;
        };
        let line;
        match boundary {
            Some((at, width)) => {
                line = &rest[..at];
                let mut after = at + width;
                if bytes[at] == b'\r' && bytes.get(after) == Some(&b'\n') {
                    after += 1;
                }
                rest = &rest[after..];
            }
            None => {
                line = rest;
                rest = "";
            }
        }
        Some(line)
    })
}

/// The bytes of an INI inventory as Ansible decodes them: UTF-8, except that a comment line
/// (starting with `#` or `;`) may hold anything, as Ansible tolerates there.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ParseError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut line_no = 0;
    while !rest.is_empty() {
        line_no += 1;
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        if !matches!(line.first(), Some(b'#' | b';')) {
            let valid = std::str::from_utf8(line).map_err(|e| {
                error(
                    line_no,
                    format!(
                        "not UTF-8 text (invalid byte 0x{:02x} at column {})",
                        line.get(e.valid_up_to()).copied().unwrap_or(0),
                        e.valid_up_to() + 1
                    ),
                )
            })?;
            text.push_str(valid);
        }
        text.push('\n');
        let after = match (rest.get(end), rest.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => end + 2,
            (Some(_), _) => end + 1,
            (None, _) => end,
        };
        rest = &rest[after..];
    }
    Ok(Cow::Owned(text))
}

/// What a section or a name declared: Ansible's `pending_declarations`.
struct Pending {
    group: usize,
    open: bool,
    line: usize,
    kind: SectionKind,
    parents: Vec<usize>,
}

/// Parse an INI inventory by Ansible's rules.
pub fn parse_ini(text: &str) -> Result<Inventory<'_>, ParseError> {
    let mut inv = Inventory::new();
    let stopped = parse_lines(text, &mut inv).err();
    inv.finish(stopped)
}

fn parse_lines<'a>(text: &'a str, inv: &mut Inventory<'a>) -> Result<(), ParseError> {
    if text.starts_with('\u{feff}') {
        return Err(error(
            1,
            "the file starts with a UTF-8 byte order mark, which Ansible's INI parser takes \
             as part of the first line: save it without one",
        ));
    }
    let mut parser = IniParser::new(inv);
    for (index, raw) in py_lines(text).enumerate() {
        let line_no = index + 1;
        let line = py_strip(raw);
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some((name, tag)) = section_header(line) {
            parser.section(name, tag, line_no)?;
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
        parser.entry(line, line_no)?;
    }
    parser.undefined()
}

/// Ansible's INI parser as it walks the file: the section it is in, the groups it has added,
/// and the declarations still waited for.
struct IniParser<'i, 'a> {
    inv: &'i mut Inventory<'a>,
    group: usize,
    state: SectionKind,
    /// Groups Ansible has added (`groupname in self.inventory.groups`).
    added: Vec<bool>,
    pending: Vec<Pending>,
    pending_of: HashMap<usize, usize>,
}

impl<'i, 'a> IniParser<'i, 'a> {
    fn new(inv: &'i mut Inventory<'a>) -> IniParser<'i, 'a> {
        let group = inv.group(Text::Borrowed("ungrouped"));
        let added = vec![true; inv.groups.len()];
        IniParser {
            inv,
            group,
            state: SectionKind::Hosts,
            added,
            pending: Vec::new(),
            pending_of: HashMap::new(),
        }
    }

    /// `[name]` or `[name:tag]`: the section that the next lines belong to.
    fn section(
        &mut self,
        name: &'a str,
        tag: Option<&str>,
        line_no: usize,
    ) -> Result<(), ParseError> {
        let kind = match tag {
            None | Some("hosts") => SectionKind::Hosts,
            Some("children") => SectionKind::Children,
            Some("vars") => SectionKind::Vars,
            Some(other) => {
                return Err(error(
                    line_no,
                    format!("section [{name}:{other}] has unknown type: {other}"),
                ));
            }
        };
        let group = self.inv.group(Text::Borrowed(name));
        self.added.resize(self.inv.groups.len(), false);
        (self.group, self.state) = (group, kind);
        if !self.added[group] {
            if kind == SectionKind::Vars && !self.pending_of.contains_key(&group) {
                self.wait_for(group, line_no, kind, Vec::new());
            }
            self.added[group] = true;
        }
        if kind != SectionKind::Vars {
            self.inv.declare(group, line_no);
            if let Some(at) = self.pending_of.remove(&group) {
                let declaration = &mut self.pending[at];
                declaration.open = false;
                for parent in std::mem::take(&mut declaration.parents) {
                    self.inv.add_child(parent, group, line_no)?;
                }
            }
        }
        self.inv.sections.push(Section {
            group,
            kind,
            line: line_no,
        });
        Ok(())
    }

    /// A declaration Ansible waits for: a group named before its own section.
    fn wait_for(&mut self, group: usize, line: usize, kind: SectionKind, parents: Vec<usize>) {
        self.pending_of.insert(group, self.pending.len());
        self.pending.push(Pending {
            group,
            open: true,
            line,
            kind,
            parents,
        });
    }

    /// A line inside the current section.
    fn entry(&mut self, line: &'a str, line_no: usize) -> Result<(), ParseError> {
        let group = self.group;
        let name = || self.inv.groups[group].name.to_string();
        match self.state {
            SectionKind::Hosts => host_line(self.inv, group, line, line_no),
            SectionKind::Vars if !line.contains('=') => Err(error(
                line_no,
                format!("expected key=value in [{}:vars], got: {line}", name()),
            )),
            SectionKind::Vars => Ok(()),
            SectionKind::Children => {
                let child = group_name_line(line).ok_or_else(|| {
                    error(
                        line_no,
                        format!(
                            "expected a group name in [{}:children], got: {line}",
                            name()
                        ),
                    )
                })?;
                self.child(child, line_no)
            }
        }
    }

    /// A group named in a `[parent:children]` section: a child now if Ansible has added it,
    /// else once its own section comes.
    fn child(&mut self, name: &'a str, line_no: usize) -> Result<(), ParseError> {
        let child = self.inv.group(Text::Borrowed(name));
        self.added.resize(self.inv.groups.len(), false);
        if self.added[child] {
            return self.inv.add_child(self.group, child, line_no);
        }
        match self.pending_of.get(&child) {
            Some(&at) => self.pending[at].parents.push(self.group),
            None => self.wait_for(child, line_no, SectionKind::Children, vec![self.group]),
        }
        Ok(())
    }

    /// The first declaration still waited for at the end, as Ansible reports it.
    fn undefined(self) -> Result<(), ParseError> {
        let Some(declaration) = self.pending.iter().find(|p| p.open) else {
            return Ok(());
        };
        let name = &self.inv.groups[declaration.group].name;
        Err(match declaration.kind {
            SectionKind::Vars => error(
                declaration.line,
                format!("section [{name}:vars] is not valid for an undefined group: {name}"),
            ),
            _ => {
                let parent = declaration
                    .parents
                    .last()
                    .map(|&p| self.inv.groups[p].name.to_string())
                    .unwrap_or_default();
                error(
                    declaration.line,
                    format!("section [{parent}:children] includes an undefined group: {name}"),
                )
            }
        })
    }
}

/// `[name]`, `[name:tag]`, with trailing blanks or a `# comment`: Ansible's section pattern
/// `^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:\#.*)?$`.
fn section_header(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let name_end = rest
        .find(|c: char| c == ':' || c == ']' || is_py_space(c))
        .unwrap_or(rest.len());
    if name_end == 0 {
        return None;
    }
    let name = &rest[..name_end];
    let mut after = &rest[name_end..];
    let mut tag = None;
    if let Some(tagged) = after.strip_prefix(':') {
        let tag_end = tagged
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(tagged.len());
        if tag_end == 0 {
            return None;
        }
        tag = Some(&tagged[..tag_end]);
        after = &tagged[tag_end..];
    }
    let after = after.strip_prefix(']')?.trim_start_matches(is_py_space);
    (after.is_empty() || after.starts_with('#')).then_some((name, tag))
}

/// A `[group:children]` line: `^([^:\]\s]+)\s*(?:\#.*)?$`.
fn group_name_line(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c == ':' || c == ']' || is_py_space(c))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    let rest = rest.trim_start_matches(is_py_space);
    (!name.is_empty() && (rest.is_empty() || rest.starts_with('#'))).then_some(name)
}

/// A value as Ansible's `_parse_value` leaves it for an address: a Python string literal loses
/// its quotes (`"'10.0.0.1'"` is `10.0.0.1`); anything else stays as written.
fn literal_text(value: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
            && !inner.contains([quote, '\\'])
        {
            return inner;
        }
    }
    value
}

/// Text of `word` (a sub-slice of it, `part`) that borrows from the file when the word does.
fn text_of<'a>(word: &Cow<'a, str>, part: impl Fn(&str) -> &str) -> Text<'a> {
    match word {
        Cow::Borrowed(text) => Text::Borrowed(part(text)),
        Cow::Owned(text) => Text::from(part(text).to_string()),
    }
}

/// `pattern [key=value ...]` under the current group.
fn host_line<'a>(
    inv: &mut Inventory<'a>,
    group: usize,
    line: &'a str,
    line_no: usize,
) -> Result<(), ParseError> {
    let words = shell_words(line).map_err(|why| {
        error(
            line_no,
            format!("cannot parse host definition '{line}': {why}"),
        )
    })?;
    let Some((first, rest)) = words.split_first() else {
        return Err(error(line_no, format!("empty host definition '{line}'")));
    };
    // Ansible's order of complaints: the pattern's range, its trailing ':', a '---' name, the
    // variables, an empty name. Hosts are added as they come; after an error nothing is kept.
    let mut address = None;
    let mut bad_variable = None;
    for word in rest {
        match word.split_once('=') {
            None => {
                bad_variable.get_or_insert_with(|| {
                    format!("expected key=value host variable assignment, got: {word}")
                });
            }
            Some(("ansible_host", _)) => {
                address = Some(text_of(word, |w| {
                    literal_text(w.split_once('=').map_or("", |(_, v)| v))
                }));
            }
            Some(_) => {}
        }
    }
    let (pattern, port) = split_port(first);
    let ends_in_colon = py_strip(first).ends_with(':') && port.is_none();
    let add = |inv: &mut Inventory<'a>, name: Text<'a>| {
        let host = inv.host(name, line_no);
        if let Some(address) = &address {
            inv.hosts[host].ansible_host = Some(address.clone());
        }
        inv.add_host_to(group, host);
    };
    let expanded = expand_pattern(inv, pattern, line_no, |inv, name| {
        if !ends_in_colon {
            add(inv, Text::Shared(name));
        }
    })?;
    if ends_in_colon {
        return Err(error(
            line_no,
            format!("invalid host pattern '{first}': ending in ':' is reserved for a port"),
        ));
    }
    let single = (!expanded).then(|| text_of(first, |w| split_port(w).0));
    if single.as_deref().is_some_and(|n| py_strip(n) == "---") {
        return Err(error(
            line_no,
            "host '---' looks like the start of a YAML file: use --format yaml",
        ));
    }
    if let Some(why) = bad_variable {
        return Err(error(line_no, why));
    }
    if let Some(name) = single {
        // A range never makes an empty name.
        if name.is_empty() {
            return Err(error(line_no, "empty host name"));
        }
        add(inv, name);
    }
    Ok(())
}

/// The names a pattern stands for, each given to `each` (`Ok(false)`: the pattern has no
/// range and stands for itself), within the inventory's budget.
pub(crate) fn expand_pattern<'a>(
    inv: &mut Inventory<'a>,
    pattern: &str,
    line_no: usize,
    mut each: impl FnMut(&mut Inventory<'a>, std::rc::Rc<str>),
) -> Result<bool, ParseError> {
    let spent = RANGE_HOSTS - inv.budget.range_hosts;
    let mut budget = std::mem::take(&mut inv.budget);
    let expanded = expand(pattern, &mut budget, |name| each(inv, name));
    inv.budget = budget;
    expanded.map_err(|e| match e {
        ExpandError::Invalid(why) => {
            error(line_no, format!("invalid host range '{pattern}': {why}"))
        }
        ExpandError::OverBudget { hosts, bytes } => {
            let count = match hosts {
                Some(n) => n.to_string(),
                None => "more than 2^128".to_string(),
            };
            let earlier = if spent > 0 {
                format!(" (after {spent} from earlier ranges)")
            } else {
                String::new()
            };
            let limit = if bytes {
                format!(
                    "more than the {} MiB of host names the ranges of one inventory may expand to",
                    RANGE_NAME_BYTES / (1024 * 1024)
                )
            } else {
                format!(
                    "more than the {RANGE_HOSTS} hosts the ranges of one inventory may expand to"
                )
            };
            error(
                line_no,
                format!("host pattern '{pattern}' expands to {count} hosts{earlier}: {limit}"),
            )
        }
    })
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
            .map(|h| inv.hosts[h].name.to_string())
            .collect()
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
        let web1 = &inv.hosts[inv.host_id("web1").expect("h")];
        assert_eq!(web1.ansible_host.as_deref(), Some("10.0.0.2"));
        // Borrowed from the file, not copied.
        assert!(matches!(web1.name, Text::Borrowed(_)));
        assert!(matches!(web1.ansible_host, Some(Text::Borrowed(_))));
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
10.0.0.[2:3]:2222

[all:vars]
ntp=1.2.3.4
";
        let inv = parse_ini(text).expect("parse");
        assert_eq!(
            members(&inv, "southeast"),
            ["host1", "host2", "host3", "host9", "10.0.0.2", "10.0.0.3"]
        );
        assert_eq!(members(&inv, "ungrouped"), ["stray1", "stray2"]);
        let ungrouped: Vec<(&str, usize)> = inv
            .ungrouped()
            .into_iter()
            .map(|h| (&*inv.hosts[h].name, inv.hosts[h].line))
            .collect();
        assert_eq!(ungrouped, [("stray1", 1), ("stray2", 2)]);
        assert_eq!(members(&inv, "all").len(), 8);
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
                "[p:children]\nmissing\n[q:children]\nmissing\n",
                2,
                "section [q:children] includes an undefined group: missing",
            ),
            (
                "[a:children]\nb\n[b:children]\na\n",
                4,
                "adding group a as a child of b creates a loop",
            ),
            (
                "[a:children]\na\n",
                2,
                "group a cannot be a child of itself",
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
            ("[g]\n''\n", 2, "empty host name"),
            (
                "\u{feff}[web]\nh\n",
                1,
                "the file starts with a UTF-8 byte order mark, which Ansible's INI parser takes as part of the first line: save it without one",
            ),
            (
                "[web]\nweb[0:9999][0:9999][0:9999]\n",
                2,
                "host pattern 'web[0:9999][0:9999][0:9999]' expands to 1000000000000 hosts: more than the 200000 hosts the ranges of one inventory may expand to",
            ),
            (
                "[web]\na[0:119999]\nb[0:119999]\n",
                3,
                "host pattern 'b[0:119999]' expands to 120000 hosts (after 120000 from earlier ranges): more than the 200000 hosts the ranges of one inventory may expand to",
            ),
            // A loop before the line the parse stops at is what Ansible reports.
            (
                "[a:children]\nb\n[b:children]\na\n[web]\nh1 novalue\n",
                4,
                "adding group a as a child of b creates a loop",
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
    fn group_names_are_kept_as_written() {
        let inv = parse_ini("[a-b]\nh1\n[a_b]\nh2\n[a.b]\nh3\n[[x]\nh4\n").expect("parse");
        for (group, host) in [("a-b", "h1"), ("a_b", "h2"), ("a.b", "h3"), ("[x", "h4")] {
            assert_eq!(members(&inv, group), [host], "{group}");
        }
    }

    #[test]
    fn python_lines_and_blanks() {
        let lines: Vec<&str> = py_lines("a\r\nb\rc\x0bd\u{2028}e\n\nf").collect();
        assert_eq!(lines, ["a", "b", "c", "d", "e", "", "f"]);
        // Form feed separates lines; the no-break space is stripped like other blanks.
        let inv = parse_ini("[web]\x0c\u{a0}h1\u{a0}\nh2\n").expect("parse");
        assert_eq!(members(&inv, "web"), ["h1", "h2"]);
    }

    #[test]
    fn comment_lines_may_hold_any_bytes() {
        let bytes = b"# Z\xfcrich\n[web]\nh1\n";
        let text = decode(bytes).expect("comment bytes are tolerated");
        assert_eq!(text, "\n[web]\nh1\n");
        let err = decode(b"[web]\nh\xfc\n").expect_err("host line");
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "not UTF-8 text (invalid byte 0xfc at column 2)")
        );
    }
}
