//! Properties over generated inventories: whatever the generator writes (INI or YAML), the
//! parser reads back the same groups, hosts and addresses; and moving any hosts to another
//! group's section is always caught by `--map`, each moved host named.

use check_split_order::evaluate::{Expectations, judge_inventory};
use check_split_order::inventory::Format;
use check_split_order::inventory::{BUILTIN_GROUPS, Inventory, parse_ini, parse_yaml};
use hastack_common::State;
use proptest::prelude::*;

/// A generated inventory: groups in file order, each with (host, address) pairs.
#[derive(Debug, Clone)]
struct Model {
    groups: Vec<(String, Vec<(String, String)>)>,
}

fn model() -> impl Strategy<Value = Model> {
    (1usize..6).prop_flat_map(|n_groups| {
        proptest::collection::vec(1usize..6, n_groups).prop_map(|sizes| {
            let mut next = 0;
            let groups = sizes
                .iter()
                .enumerate()
                .map(|(g, &size)| {
                    let hosts = (0..size)
                        .map(|_| {
                            next += 1;
                            (
                                format!("host-{next}.example.com"),
                                format!("10.0.{}.{}", next / 250, next % 250 + 1),
                            )
                        })
                        .collect();
                    (format!("group_{g}"), hosts)
                })
                .collect();
            Model { groups }
        })
    })
}

fn to_ini(model: &Model, quoted: bool) -> String {
    let mut text = String::from("# generated\n");
    for (group, hosts) in &model.groups {
        text.push_str(&format!("\n[{group}]\n"));
        for (host, address) in hosts {
            if quoted {
                text.push_str(&format!(
                    "{host} ansible_host=\"{address}\" note='two words'  # c\n"
                ));
            } else {
                text.push_str(&format!("{host} ansible_host={address}\n"));
            }
        }
    }
    text
}

fn to_yaml(model: &Model) -> String {
    let mut text = String::from("all:\n  children:\n");
    for (group, hosts) in &model.groups {
        text.push_str(&format!("    {group}:\n      hosts:\n"));
        for (host, address) in hosts {
            text.push_str(&format!(
                "        {host}:\n          ansible_host: {address}\n"
            ));
        }
    }
    text
}

fn read_back(inv: &Inventory) -> Vec<(String, Vec<(String, String)>)> {
    inv.groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.declared_at.is_some() && !BUILTIN_GROUPS.contains(&&*g.name))
        .map(|(id, g)| {
            let hosts = inv
                .hosts_of(id)
                .into_iter()
                .map(|h| {
                    (
                        inv.hosts[h].name.to_string(),
                        inv.hosts[h]
                            .ansible_host
                            .as_deref()
                            .unwrap_or("")
                            .to_string(),
                    )
                })
                .collect();
            (g.name.to_string(), hosts)
        })
        .collect()
}

fn expectations(model: &Model) -> Expectations {
    Expectations {
        maps: model
            .groups
            .iter()
            .map(|(g, hosts)| {
                (
                    format!("{g}_ips"),
                    g.clone(),
                    hosts.iter().map(|(_, a)| a.clone()).collect(),
                )
            })
            .collect(),
        ..Expectations::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_inventories_round_trip(model in model(), quoted in any::<bool>()) {
        let ini_text = to_ini(&model, quoted);
        let ini = parse_ini(&ini_text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read_back(&ini), model.groups.clone());
        let yaml_text = to_yaml(&model);
        let yaml = parse_yaml(&yaml_text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read_back(&yaml), model.groups.clone());
        // The faithful file passes the Terraform mapping.
        prop_assert_eq!(judge_inventory("h.ini", Format::Ini, &ini, &expectations(&model)).state(), State::Ok);
    }

    #[test]
    fn moving_hosts_across_headers_is_always_caught(
        model in model().prop_filter("two groups", |m| m.groups.len() >= 2),
        moves in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..4),
    ) {
        let expect = expectations(&model);
        let mut shuffled = model.clone();
        let mut moved: Vec<String> = Vec::new();
        for (from, to) in moves {
            let from_group = from.index(shuffled.groups.len());
            if shuffled.groups[from_group].1.is_empty() {
                continue;
            }
            let host_index = from.index(shuffled.groups[from_group].1.len());
            let mut to_group = to.index(shuffled.groups.len());
            if to_group == from_group {
                to_group = (to_group + 1) % shuffled.groups.len();
            }
            let host = shuffled.groups[from_group].1.remove(host_index);
            moved.retain(|h| *h != host.0);
            // Back home by a later move: no longer misplaced.
            let home = model.groups.iter().position(|(_, hs)| hs.contains(&host)).unwrap_or(usize::MAX);
            if home != to_group {
                moved.push(host.0.clone());
            }
            shuffled.groups[to_group].1.push(host);
        }
        let text = to_ini(&shuffled, false);
        let inv = parse_ini(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = judge_inventory("h.ini", Format::Ini, &inv, &expect).render("SPLIT ORDER", 0);
        if moved.is_empty() {
            prop_assert!(text.starts_with("SPLIT ORDER OK"), "{}", text);
        } else {
            prop_assert!(text.starts_with("SPLIT ORDER CRITICAL"), "{}", text);
            for host in &moved {
                prop_assert!(text.contains(&format!("\\_ [CRITICAL] {host} (")), "{} not named in\n{}", host, text);
            }
        }
    }
}
