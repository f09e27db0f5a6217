//! Shared by the inventory targets: evaluate a parsed inventory against expectations built from
//! its own groups and hosts, and check what the plugin would print.

use check_split_order::evaluate::{Expectations, judge_inventory};
use check_split_order::inventory::Format;
use check_split_order::inventory::{BUILTIN_GROUPS, Inventory, ParseError};
use hastack_common::Range;

pub fn check(parsed: Result<Inventory<'_>, ParseError>, format: Format) {
    let inventory = match parsed {
        Ok(inventory) => inventory,
        Err(e) => {
            assert!(e.line >= 1, "{e:?}");
            assert!(!e.message.is_empty(), "{e:?}");
            return;
        }
    };
    for group in &inventory.groups {
        assert!(group.hosts.iter().all(|&h| h < inventory.hosts.len()));
        assert!(group.children.iter().all(|&c| c < inventory.groups.len()));
    }
    let groups: Vec<String> = inventory
        .groups
        .iter()
        .filter(|g| !BUILTIN_GROUPS.contains(&&*g.name))
        .take(4)
        .map(|g| g.name.to_string())
        .collect();
    let range = |text: &str| text.parse::<Range>().expect("a valid range");
    let mut expect = Expectations {
        counts: groups.iter().map(|g| (g.clone(), range("1:"))).collect(),
        order: groups.clone(),
        allow_ungrouped: false,
        ..Expectations::default()
    };
    if groups.len() >= 2 {
        expect.exclusive = vec![groups[..2].to_vec()];
        let addresses: Vec<String> = inventory
            .hosts
            .iter()
            .take(3)
            .map(|h| h.ansible_host.as_deref().unwrap_or(&h.name).to_string())
            .collect();
        expect.maps = vec![
            ("first".to_string(), groups[0].clone(), addresses),
            (
                "second".to_string(),
                groups[1].clone(),
                vec!["10.0.0.1".to_string()],
            ),
        ];
    }
    expect
        .counts
        .push(("missing-group".to_string(), range("~:0")));
    let report = judge_inventory("fuzz.ini", format, &inventory, &expect);
    let output = report.render("SPLIT ORDER", 1);
    let first = output.lines().next().unwrap_or("");
    let state = report.state();
    assert!(
        first.starts_with(&format!("SPLIT ORDER {state} - ")),
        "{first:?}"
    );
    assert!(output.len() <= 8 * 1024, "output of {} bytes", output.len());
}
