//! Whole-judgement table tests: the story's inventories, broken and corrected, and each finding.

use super::*;
use crate::inventory::{parse_ini, parse_yaml};
use hastack_common::State;

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
            "| hosts=3;;;0 groups=2;;;0 monitoring_servers_hosts=3;;;0 webservers_hosts=0;;;0"
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
    assert!(text.starts_with("SPLIT ORDER OK - hosts.ini: 3 hosts in 2 groups ([monitoring_servers] 1, [webservers] 2), section order, exclusive groups and Terraform addresses as expected | hosts=3;;;0 groups=2;;;0 monitoring_servers_hosts=1;;;0 webservers_hosts=2;;;0"), "{text}");
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
    let text = "[masters]\nm1 ansible_host=10.0.0.1\n[workers]\nw1 ansible_host=10.0.0.2\nextra\n";
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
        out.starts_with("SPLIT ORDER WARNING - Found both group and host with same name: web |"),
        "{out}"
    );
}
