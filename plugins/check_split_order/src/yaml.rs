//! Ansible's YAML inventory format (`all: {hosts, vars, children}`), parsed into the same model
//! as INI, with line numbers for every group and host. Mistakes Ansible would skip with a
//! warning or resolve silently (an unknown key such as `host:`, a duplicate key) are errors here.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::inventory::{
    BUILTIN_GROUPS, Inventory, ParseError, Section, SectionKind, error, expand_hosts,
    safe_group_name,
};

/// A YAML node with the line it starts on.
#[derive(Debug, Clone)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        line: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        line: usize,
    },
    Seq {
        line: usize,
    },
}

impl Node {
    fn line(&self) -> usize {
        match self {
            Node::Scalar { line, .. } | Node::Map { line, .. } | Node::Seq { line } => *line,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { text, plain: true, .. } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    fn kind(&self) -> &'static str {
        match self {
            Node::Scalar { .. } => "a scalar",
            Node::Map { .. } => "a mapping",
            Node::Seq { .. } => "a list",
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Build the node tree of the first document.
fn load(text: &str) -> Result<Option<Node>, ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<(Node, Option<Node>)> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut anchor_stack: Vec<usize> = Vec::new();
    let mut root = None;
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| error(e.marker().line().max(1), e.info().to_string()))?;
        let line = mark.line().max(1);
        let completed = match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => continue,
            Event::MappingStart(anchor, _) => {
                stack.push((
                    Node::Map {
                        entries: Vec::new(),
                        line,
                    },
                    None,
                ));
                anchor_stack.push(anchor);
                continue;
            }
            Event::SequenceStart(anchor, _) => {
                // Lists are never valid in an inventory's structure; their items are skipped.
                stack.push((Node::Seq { line }, None));
                anchor_stack.push(anchor);
                continue;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let (node, _) = stack
                    .pop()
                    .ok_or_else(|| error(line, "unbalanced YAML structure"))?;
                let anchor = anchor_stack.pop().unwrap_or(0);
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Scalar(text, style, anchor, _) => {
                let node = Node::Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                    line,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| error(line, "alias to an unknown anchor"))?,
        };
        match stack.last_mut() {
            None => {
                root = Some(completed);
                break;
            }
            Some((Node::Map { entries, .. }, pending_key)) => match pending_key.take() {
                None => *pending_key = Some(completed),
                Some(key) => entries.push((key, completed)),
            },
            Some((Node::Seq { .. }, _)) => {}
            Some((Node::Scalar { .. }, _)) => return Err(error(line, "unexpected YAML structure")),
        }
    }
    Ok(root)
}

/// Parse a YAML inventory.
pub fn parse_yaml(text: &str) -> Result<Inventory, ParseError> {
    let mut inv = Inventory::new();
    let root = match load(text)? {
        None => return Err(error(1, "the YAML inventory is empty")),
        Some(node) if node.is_null() => {
            return Err(error(node.line(), "the YAML inventory is empty"));
        }
        Some(node) => node,
    };
    let Node::Map { entries, .. } = &root else {
        return Err(error(
            root.line(),
            format!(
                "the top level must be a mapping of group names, found {}",
                root.kind()
            ),
        ));
    };
    no_duplicate_keys(entries)?;
    for (key, value) in entries {
        group(&mut inv, key, value, None)?;
    }
    Ok(inv)
}

fn no_duplicate_keys(entries: &[(Node, Node)]) -> Result<(), ParseError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (key, _) in entries {
        if let Some((text, first)) = key
            .text()
            .and_then(|t| seen.insert(t, key.line()).map(|f| (t, f)))
        {
            return Err(error(
                key.line(),
                format!(
                    "duplicate key '{text}' (first at line {first}): YAML keeps only the last one"
                ),
            ));
        }
    }
    Ok(())
}

fn group(
    inv: &mut Inventory,
    key: &Node,
    value: &Node,
    parent: Option<usize>,
) -> Result<(), ParseError> {
    let name = key.text().filter(|t| !t.is_empty()).ok_or_else(|| {
        error(
            key.line(),
            format!("a group name must be text, found {}", key.kind()),
        )
    })?;
    let safe = safe_group_name(name);
    let id = inv.group(&safe);
    if safe != name {
        inv.groups[id]
            .written_as
            .get_or_insert_with(|| name.to_string());
    }
    inv.declare(id, key.line());
    inv.sections.push(Section {
        group: id,
        kind: SectionKind::Hosts,
        line: key.line(),
    });
    if let Some(parent) = parent {
        inv.add_child(parent, id, key.line())?;
    }
    if value.is_null() {
        return Ok(());
    }
    let Node::Map { entries, .. } = value else {
        return Err(error(
            value.line(),
            format!(
                "group {name} must be a mapping of hosts, vars and children, found {}",
                value.kind()
            ),
        ));
    };
    no_duplicate_keys(entries)?;
    for (k, v) in entries {
        match k.text() {
            Some("hosts") => hosts(inv, id, name, v)?,
            Some("vars") => {
                if !(v.is_null() || matches!(v, Node::Map { .. })) {
                    return Err(error(
                        v.line(),
                        format!("vars of group {name} must be a mapping, found {}", v.kind()),
                    ));
                }
            }
            Some("children") => {
                if v.is_null() {
                    continue;
                }
                let Node::Map {
                    entries: children, ..
                } = v
                else {
                    return Err(error(
                        v.line(),
                        format!(
                            "children of group {name} must be a mapping of group names, found {}",
                            v.kind()
                        ),
                    ));
                };
                no_duplicate_keys(children)?;
                for (ck, cv) in children {
                    group(inv, ck, cv, Some(id))?;
                }
            }
            _ => {
                return Err(error(
                    k.line(),
                    format!(
                        "unexpected key '{}' in group {name}: expected hosts, vars or children (Ansible skips it)",
                        k.text().unwrap_or("?")
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn hosts(inv: &mut Inventory, group: usize, name: &str, node: &Node) -> Result<(), ParseError> {
    if node.is_null() {
        return Ok(());
    }
    let Node::Map { entries, .. } = node else {
        return Err(error(
            node.line(),
            format!(
                "hosts of group {name} must be a mapping of host names, found {}",
                node.kind()
            ),
        ));
    };
    no_duplicate_keys(entries)?;
    let headless = BUILTIN_GROUPS.contains(&name);
    for (key, value) in entries {
        let line = key.line();
        let pattern = key
            .text()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| error(line, "a host name must be text"))?;
        let vars: Vec<(String, String)> = match value {
            v if v.is_null() => Vec::new(),
            Node::Map { entries, .. } => entries
                .iter()
                .filter_map(|(k, v)| {
                    Some((k.text()?.to_string(), v.text().unwrap_or("").to_string()))
                })
                .collect(),
            other => {
                return Err(error(
                    other.line(),
                    format!(
                        "variables of host {pattern} must be a mapping, found {}",
                        other.kind()
                    ),
                ));
            }
        };
        let names = expand_hosts(pattern)
            .map_err(|why| error(line, format!("invalid host range '{pattern}': {why}")))?;
        for host_name in names {
            let host = inv.host(host_name, vars.clone(), line);
            inv.add_host_to(group, host);
            if headless {
                inv.headless.push((host, line));
            }
        }
    }
    Ok(())
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
        assert_eq!(
            inv.headless
                .iter()
                .map(|(h, l)| (inv.hosts[*h].name.as_str(), *l))
                .collect::<Vec<_>>(),
            [("stray", 3)]
        );
        assert_eq!(
            inv.first_section(inv.group_id("monitoring_servers").expect("g")),
            Some(5)
        );
        assert_eq!(
            inv.first_section(inv.group_id("webservers").expect("g")),
            Some(9)
        );
        assert_eq!(
            inv.hosts[inv.host_id("mon1").expect("h")].ansible_host(),
            Some("10.0.0.1")
        );
    }

    #[test]
    fn mistakes_ansible_would_swallow_are_errors() {
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
}
