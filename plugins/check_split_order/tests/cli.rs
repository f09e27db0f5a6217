//! check_split_order through its binary: the story's broken and corrected inventories (INI and
//! YAML), Terraform output, malformed and unreadable files, bad options; and the parser
//! compared with `ansible-inventory --list` on the same files.

use std::path::{Path, PathBuf};
use std::process::Command;

use check_split_order::inventory::{BUILTIN_GROUPS, Inventory, parse_ini};
use check_split_order::yaml::parse_yaml;
use hastack_test_support::{PluginRun, TempDir, assert_shared_cli_contract, tempdir};

const BIN: &str = env!("CARGO_BIN_EXE_check_split_order");

const STORY_BAD: &str = "\
# written by terraform local-exec, in resource-creation order
[monitoring_servers]
mon1 ansible_host=10.0.0.10
web1 ansible_host=10.0.0.21
web2 ansible_host=10.0.0.22

[webservers]
";

const STORY_GOOD: &str = "\
[monitoring_servers]
mon1 ansible_host=10.0.0.10

[webservers]
web1 ansible_host=10.0.0.21
web2 ansible_host=10.0.0.22
";

const STORY_BAD_YAML: &str = "\
all:
  children:
    monitoring_servers:
      hosts:
        mon1: {ansible_host: 10.0.0.10}
        web1: {ansible_host: 10.0.0.21}
        web2: {ansible_host: 10.0.0.22}
    webservers:
";

const STORY_GOOD_YAML: &str = "\
all:
  children:
    monitoring_servers:
      hosts:
        mon1: {ansible_host: 10.0.0.10}
    webservers:
      hosts:
        web1: {ansible_host: 10.0.0.21}
        web2: {ansible_host: 10.0.0.22}
";

const TERRAFORM: &str = r#"{
  "monitoring_ip": {"sensitive": false, "type": "string", "value": "10.0.0.10"},
  "web_ips": {"sensitive": false, "type": ["list", "string"], "value": ["10.0.0.21", "10.0.0.22"]}
}"#;

struct Files {
    dir: TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempdir().expect("tempdir"),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }
}

fn check(inventory: &Path) -> PluginRun {
    PluginRun::new(BIN).arg("-i").arg(inventory)
}

const STORY_ARGS: [&str; 8] = [
    "-g",
    "monitoring_servers=1:1",
    "-g",
    "webservers=2:",
    "--order",
    "monitoring_servers,webservers",
    "--exclusive",
    "monitoring_servers,webservers",
];

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "SPLIT ORDER");
}

#[test]
fn the_story_inventory_is_critical_and_the_fix_is_ok() {
    let files = Files::new();
    let tf = files.write("tf.json", TERRAFORM);
    let maps = [
        "--map",
        "monitoring_ip=monitoring_servers",
        "--map",
        "web_ips=webservers",
    ];
    for (name, bad, good, where_empty) in [
        (
            "hosts.ini",
            STORY_BAD,
            STORY_GOOD,
            "its hosts may have landed under an earlier header",
        ),
        (
            "hosts.yml",
            STORY_BAD_YAML,
            STORY_GOOD_YAML,
            "it lists no hosts",
        ),
    ] {
        let path = files.write(name, bad);
        let shown = path.display().to_string();
        let empty_line = if name.ends_with("ini") { 7 } else { 8 };
        let out = check(&path).args(STORY_ARGS).run();
        out.assert(
            2,
            &format!(
                "SPLIT ORDER CRITICAL - [webservers] is empty ({shown}:{empty_line}): {where_empty}; [monitoring_servers] holds 3 hosts (outside 1:1): mon1, web1, web2 |"
            ),
        );
        assert_eq!(out.perf("hosts_monitoring_servers").value, "3");
        assert_eq!(out.perf("hosts_webservers").value, "0");
        assert_eq!(
            (
                out.perf("hosts").value.as_str(),
                out.perf("groups").value.as_str()
            ),
            ("3", "2")
        );

        let out = check(&path)
            .args(STORY_ARGS)
            .arg("--terraform-output")
            .arg(&tf)
            .args(maps)
            .run();
        out.assert(2, "SPLIT ORDER CRITICAL - [webservers] is empty");
        for host in ["web1 (10.0.0.21)", "web2 (10.0.0.22)"] {
            let line = format!(
                "\\_ [CRITICAL] {host} is under [monitoring_servers], belongs under [webservers] (output web_ips)"
            );
            assert!(
                out.stdout.contains(&line),
                "{line} missing:\n{}",
                out.stdout
            );
        }

        let path = files.write(name, good);
        let out = check(&path)
            .args(STORY_ARGS)
            .arg("--terraform-output")
            .arg(&tf)
            .args(maps)
            .run();
        out.assert(
            0,
            &format!("SPLIT ORDER OK - {}: 3 hosts in 2 groups; [monitoring_servers] 1, [webservers] 2; section order, exclusive groups, Terraform addresses as expected |", path.display()),
        );
        assert_eq!(out.perf("hosts_webservers").value, "2");
    }
}

#[test]
fn order_and_exclusive_violations() {
    let files = Files::new();
    let path = files.write(
        "hosts",
        "[webservers]\nweb1\nshared\n\n[monitoring_servers]\nmon1\nshared\n",
    );
    let out = check(&path)
        .args([
            "--order",
            "monitoring_servers,webservers",
            "--exclusive",
            "monitoring_servers,webservers",
        ])
        .run();
    out.assert(2, "SPLIT ORDER CRITICAL - ");
    let shown = path.display();
    assert!(out.first_line().contains(&format!("[webservers] ({shown}:1) comes before [monitoring_servers] ({shown}:5): expected order monitoring_servers, webservers")), "{}", out.first_line());
    assert!(out.first_line().contains("1 host is in both [monitoring_servers] and [webservers], which --exclusive keeps apart: shared"), "{}", out.first_line());
}

#[test]
fn malformed_is_critical_unreadable_and_bad_options_unknown() {
    let files = Files::new();
    let bad = files.write("hosts", "[web]\nweb1 ansible_host\n");
    let out = check(&bad).run();
    out.assert(2, &format!("SPLIT ORDER CRITICAL - {}:2: expected key=value host variable assignment, got: ansible_host", bad.display()));
    assert_eq!(out.line_count(), 1);
    let yaml = files.write(
        "hosts.yaml",
        "all:\n  children:\n    web:\n      host:\n        a:\n",
    );
    check(&yaml).run().assert(
        2,
        &format!(
            "SPLIT ORDER CRITICAL - {}:4: unexpected key 'host' in group web",
            yaml.display()
        ),
    );

    let missing = files.dir.path().join("missing.ini");
    let out = check(&missing).run();
    out.assert(3, &format!("SPLIT ORDER UNKNOWN - cannot read inventory '{}': no such file or directory (see 'check_split_order --help')", missing.display()));
    check(files.dir.path())
        .run()
        .assert(3, "SPLIT ORDER UNKNOWN - cannot read inventory");
    let binary = files.write("binary.ini", "");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x80]).expect("write");
    check(&binary)
        .run()
        .assert(3, "SPLIT ORDER UNKNOWN - cannot read inventory");

    let good = files.write("good.ini", STORY_GOOD);
    let tf_bad = files.write("tf.json", "{not json");
    let table: &[(&[&str], &str)] = &[
        (
            &["-g", "web"],
            "SPLIT ORDER UNKNOWN - invalid value 'web' for '--group <GROUP=RANGE>': 'web' is not GROUP=RANGE",
        ),
        (
            &["-g", "web=5:2"],
            "SPLIT ORDER UNKNOWN - invalid value 'web=5:2' for '--group <GROUP=RANGE>': invalid range '5:2': start is greater than end",
        ),
        (
            &["--exclusive", "web"],
            "SPLIT ORDER UNKNOWN - invalid value 'web' for '--exclusive <G1,G2,...>': 'web' names fewer than two groups",
        ),
        (
            &["--map", "ips=web"],
            "SPLIT ORDER UNKNOWN - the following required arguments were not provided",
        ),
        (
            &["--order", "a,b,a"],
            "SPLIT ORDER UNKNOWN - --order names [a] twice",
        ),
        (
            &["--format", "toml"],
            "SPLIT ORDER UNKNOWN - invalid value 'toml' for '--format <FORMAT>'",
        ),
    ];
    for (args, prefix) in table {
        let out = check(&good).args(*args).run();
        out.assert(3, prefix);
        assert_eq!(out.line_count(), 1);
    }
    let out = check(&good)
        .arg("--terraform-output")
        .arg(&tf_bad)
        .args(["--map", "ips=webservers"])
        .run();
    out.assert(
        3,
        &format!(
            "SPLIT ORDER UNKNOWN - Terraform output file '{}': not valid JSON: ",
            tf_bad.display()
        ),
    );
    let tf = files.write("tf2.json", TERRAFORM);
    let out = check(&good)
        .arg("--terraform-output")
        .arg(&tf)
        .args(["--map", "db_ips=webservers"])
        .run();
    out.assert(3, &format!("SPLIT ORDER UNKNOWN - Terraform output file '{}': no output 'db_ips' (outputs: monitoring_ip, web_ips)", tf.display()));
    let out = PluginRun::new(BIN).run();
    out.assert(3, "SPLIT ORDER UNKNOWN - the following required arguments were not provided: --inventory <FILE>");
}

/// `ansible-inventory --list` on a file: group name -> (direct hosts, children).
fn ansible_list(path: &Path, home: &Path) -> Option<serde_json::Value> {
    let out = Command::new("ansible-inventory")
        .arg("-i")
        .arg(path)
        .arg("--list")
        .env("HOME", home)
        .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
        .env("ANSIBLE_LOCAL_TEMP", home.join("tmp"))
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "ansible-inventory failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).ok()
}

/// Our parse, in ansible-inventory's terms: direct hosts and children per group, sorted.
fn ours(inv: &Inventory) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>, Vec<String>)> = inv
        .groups
        .iter()
        .filter(|g| !BUILTIN_GROUPS.contains(&g.name.as_str()))
        .map(|g| {
            let mut hosts: Vec<String> =
                g.hosts.iter().map(|&h| inv.hosts[h].name.clone()).collect();
            let mut children: Vec<String> = g
                .children
                .iter()
                .map(|&c| inv.groups[c].name.clone())
                .collect();
            hosts.sort();
            children.sort();
            (g.name.clone(), hosts, children)
        })
        .collect();
    groups.sort();
    groups
}

fn theirs(list: &serde_json::Value) -> Vec<(String, Vec<String>, Vec<String>)> {
    let names = |v: Option<&serde_json::Value>| -> Vec<String> {
        let mut names: Vec<String> = v
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let mut groups: Vec<(String, Vec<String>, Vec<String>)> = list
        .as_object()
        .expect("object")
        .iter()
        .filter(|(name, _)| !name.starts_with('_') && !BUILTIN_GROUPS.contains(&name.as_str()))
        .map(|(name, g)| {
            (
                name.clone(),
                names(g.get("hosts")),
                names(g.get("children")),
            )
        })
        .collect();
    groups.sort();
    groups
}

#[test]
fn parser_agrees_with_ansible_inventory() {
    if Command::new("ansible-inventory")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("ansible-inventory is missing: scripts/setup installs ansible-core");
    }
    let files = Files::new();
    let ini = "\
stray ansible_host=192.0.2.1
[web]
web[01:03].example.com ansible_port=2222
db-[a:c] note=\"two words\"
[web:vars]
http_port=80
[lb]
lb[1:5:2]  # odd ones
[frontend:children]
web
lb
[dc1:children]
frontend
later
[later]
x[08:10]
host:2200
";
    let yaml = "\
all:
  hosts:
    stray:
  children:
    frontend:
      children:
        web:
          hosts:
            web[01:03].example.com:
              ansible_port: 2222
        lb:
          hosts:
            lb[a:c]:
    dc1:
      children:
        frontend:
        later:
          hosts:
            x[08:10]:
";
    for (name, text, parse) in [
        (
            "ranges.ini",
            ini,
            parse_ini as fn(&str) -> Result<Inventory, _>,
        ),
        (
            "ranges.yml",
            yaml,
            parse_yaml as fn(&str) -> Result<Inventory, _>,
        ),
    ] {
        let path = files.write(name, text);
        let list = ansible_list(&path, files.dir.path()).expect("ansible-inventory output");
        let inv = parse(text).expect("parse");
        assert_eq!(ours(&inv), theirs(&list), "{name}");
        // Every host ansible knows, we know.
        let mut all_ours: Vec<String> = inv.hosts.iter().map(|h| h.name.clone()).collect();
        let mut all_theirs: Vec<String> = list["_meta"]["hostvars"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        // Hosts without variables are not in hostvars: take them from the groups as well.
        for (_, hosts, _) in theirs(&list) {
            all_theirs.extend(hosts);
        }
        if let Some(ungrouped) = list["ungrouped"]["hosts"].as_array() {
            all_theirs.extend(
                ungrouped
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_string)),
            );
        }
        all_ours.sort();
        all_theirs.sort();
        all_theirs.dedup();
        assert_eq!(all_ours, all_theirs, "{name}");
    }
}
