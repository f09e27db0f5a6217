//! check_split_order through its binary: the story's broken and corrected inventories (INI and
//! YAML), Terraform output, malformed and unreadable files, bad options; and the parser
//! compared with `ansible-inventory --list` on the same files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use check_split_order::inventory::{BUILTIN_GROUPS, Inventory, ini};
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
                "SPLIT ORDER CRITICAL - [webservers] is empty ({shown}:{empty_line}): {where_empty} / [monitoring_servers] holds 3 hosts (outside 1:1): mon1, web1, web2 |"
            ),
        );
        assert_eq!(out.perf("monitoring_servers_hosts").value, "3");
        assert_eq!(out.perf("webservers_hosts").value, "0");
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
                "\\_ [CRITICAL] {host} is under [monitoring_servers] but belongs under [webservers] (output web_ips)"
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
            &format!("SPLIT ORDER OK - {}: 3 hosts in 2 groups ([monitoring_servers] 1, [webservers] 2), section order, exclusive groups and Terraform addresses as expected |", path.display()),
        );
        assert_eq!(out.perf("webservers_hosts").value, "2");
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
    check(&binary).run().assert(
        2,
        &format!(
            "SPLIT ORDER CRITICAL - {}:1: not UTF-8 text (invalid byte 0xff at column 1)",
            binary.display()
        ),
    );

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

/// Our parse, in ansible-inventory's terms: direct hosts and children per group, sorted.
fn ours(inv: &Inventory) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>, Vec<String>)> = inv
        .groups
        .iter()
        .filter(|g| !BUILTIN_GROUPS.contains(&&*g.name))
        .map(|g| {
            let mut hosts: Vec<String> = g
                .hosts
                .iter()
                .map(|&h| inv.hosts[h].name.to_string())
                .collect();
            let mut children: Vec<String> = g
                .children
                .iter()
                .map(|&c| inv.groups[c].name.to_string())
                .collect();
            hosts.sort();
            children.sort();
            (g.name.to_string(), hosts, children)
        })
        .collect();
    let mut ungrouped: Vec<String> = inv
        .ungrouped()
        .into_iter()
        .map(|h| inv.hosts[h].name.to_string())
        .collect();
    ungrouped.sort();
    groups.push(("ungrouped".to_string(), ungrouped, Vec::new()));
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
    let object = list.as_object().expect("object");
    // Empty groups have no key of their own: they are only some group's children.
    let mut all_names: Vec<String> = object
        .keys()
        .filter(|name| !name.starts_with('_') && name.as_str() != "all")
        .cloned()
        .collect();
    for group in object.values() {
        all_names.extend(names(group.get("children")));
    }
    all_names.push("ungrouped".to_string());
    all_names.sort();
    all_names.dedup();
    all_names
        .into_iter()
        .map(|name| {
            let group = object.get(&name);
            let hosts = names(group.and_then(|g| g.get("hosts")));
            let children = names(group.and_then(|g| g.get("children")));
            (name, hosts, children)
        })
        .collect()
}

/// Our parse of `text` written as `name`, by the same plugin chain the binary uses.
fn parse_like_the_plugin<'a>(
    name: &str,
    bytes: &'a [u8],
    decoded: Result<&'a str, &check_split_order::inventory::ParseError>,
) -> Result<Inventory<'a>, check_split_order::inventory::ParseError> {
    check_split_order::inventory::parse(bytes, decoded, Path::new(name), None).1
}

/// `ansible-inventory --list` and our parser on the same file: the same groups, hosts,
/// children and ungrouped hosts; or both refuse it.
fn assert_agrees_with_ansible(files: &Files, name: &str, text: &str) {
    let path = files.write(name, text);
    let accepted = Command::new("ansible-inventory")
        .arg("-i")
        .arg(&path)
        .arg("--list")
        .env("HOME", files.dir.path())
        .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
        .env("ANSIBLE_LOCAL_TEMP", files.dir.path().join("tmp"))
        // Ansible refuses to start in a locale that is not UTF-8 (LC_ALL=C, an ungenerated
        // LANG): C.UTF-8 is on every Debian system.
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("ansible-inventory runs (scripts/setup installs ansible-core)");
    let decoded = ini::decode(text.as_bytes());
    let ours_parsed = parse_like_the_plugin(name, text.as_bytes(), decoded.as_deref());
    if !accepted.status.success() {
        // A refusal of the file, not Ansible failing to start.
        let stderr = String::from_utf8_lossy(&accepted.stderr);
        assert!(
            stderr.contains("No inventory was parsed"),
            "{name}: ansible-inventory failed for another reason: {stderr}"
        );
        assert!(
            ours_parsed.is_err(),
            "{name}: Ansible refuses it ({}), we accept it",
            String::from_utf8_lossy(&accepted.stderr)
        );
        return;
    }
    let list: serde_json::Value = serde_json::from_slice(&accepted.stdout).expect("json");
    let inv = ours_parsed.unwrap_or_else(|e| panic!("{name}: Ansible accepts it, we say {e}"));
    assert_eq!(ours(&inv), theirs(&list), "{name}");
    // Every host ansible knows, we know.
    let mut all_ours: Vec<String> = inv.hosts.iter().map(|h| h.name.to_string()).collect();
    let mut all_theirs: Vec<String> = list["_meta"]["hostvars"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    // Hosts without variables are not in hostvars: take them from the groups as well.
    for (_, hosts, _) in theirs(&list) {
        all_theirs.extend(hosts);
    }
    all_ours.sort();
    all_theirs.sort();
    all_theirs.dedup();
    assert_eq!(all_ours, all_theirs, "{name}");
    // The address Ansible connects to, where the file sets one.
    for host in &inv.hosts {
        let theirs = list["_meta"]["hostvars"][&*host.name]["ansible_host"].as_str();
        assert_eq!(
            host.ansible_host.as_deref(),
            theirs,
            "{name}: {}",
            host.name
        );
    }
}

#[test]
fn parser_agrees_with_ansible_inventory() {
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
    let table: &[(&str, &str)] = &[
        ("ranges.ini", ini),
        ("ranges.yml", yaml),
        // Group names as written: three groups, not one.
        ("names.ini", "[a-b]\nh1\n[a_b]\nh2\n[a.b]\nh3\n[1st]\nh4\n"),
        (
            "names.yml",
            "a-b:\n  hosts: {h1: }\na_b:\n  hosts: {h2: }\na.b:\n  hosts: {h3: }\n",
        ),
        // A port is the port, not part of the name.
        (
            "ports.ini",
            "[web]\n10.0.0.[2:3]:2222 ansible_host=10.0.1.1\nweb9:2200\n[::1]:22\nfe80::1\n",
        ),
        (
            "ports.yml",
            "all:\n  hosts:\n    \"web9:2200\":\n    10.0.0.[2:3]:2222:\n      ansible_host: '10.0.1.1'\n",
        ),
        // The four ways to be ungrouped, and a stray host that is grouped later.
        (
            "ungrouped.ini",
            "h0\nh5\n[all]\nh1\n[ungrouped]\nh2\n[web]\nh3\nh0\n",
        ),
        (
            "ungrouped.yml",
            "all:\n  hosts:\n    h1:\n    h0:\n  children:\n    ungrouped:\n      hosts:\n        h2:\n    web:\n      hosts:\n        h3:\n        h0:\n",
        ),
        // A byte order mark: YAML skips it, Ansible's INI parser chokes on it.
        ("bom.yml", "\u{feff}all:\n  hosts:\n    h1:\n"),
        ("bom.ini", "\u{feff}[web]\nh1\n"),
        // What Ansible refuses.
        (
            "two.yml",
            "all:\n  hosts:\n    h1:\n---\nall:\n  hosts:\n    h2:\n",
        ),
        ("int.yml", "all:\n  hosts:\n    1:\n"),
        ("bool.yml", "all:\n  hosts:\n    true:\n"),
        ("null.yml", "all:\n  hosts:\n    null:\n"),
        ("binary.yml", "all:\n  hosts:\n    !!binary aGVsbG8=:\n"),
        ("sexagesimal.yml", "all:\n  hosts:\n    10:22:\n"),
        // INI in a .yml file, and a file without extension, go down Ansible's chain.
        ("ini.yml", "[web]\nh1\nh2\n"),
        ("hosts", "[web]\nh1\n[db:children]\nweb\n"),
        (
            "hosts.yaml",
            "web:\n  hosts: web1\n  children: db\ndb:\n  hosts:\n    db1: false\n",
        ),
        // Aliases and merge keys.
        (
            "aliases.yml",
            "base: &base\n  hosts:\n    a1: &vars {ansible_host: 10.0.0.7}\nweb:\n  <<: *base\n  vars: {x: 1}\ndb:\n  hosts:\n    d1: *vars\n    d2:\n      <<: *vars\n",
        ),
        // Ranges Python expands in its own way.
        ("quirks.ini", "[web]\nx[5:2:-1]\ny[ab:c]\nz[2:1]\n"),
        // Declarations that wait for a later section, quoting, comments, odd blanks.
        (
            "pending.ini",
            "[g:vars]\nx=1\n[p:children]\ng\n[g]\nh1 ansible_host='10.0.0.9' # c\n\th2\x0ch3\n",
        ),
        ("undefined.ini", "[p:children]\nmissing\n"),
        ("loop.ini", "[a:children]\nb\n[b:children]\na\n"),
        (
            "ports2.ini",
            "[web]\nh[1:2]:22\nweb_:22\n[2001:db8::1]:2222\n",
        ),
        (
            "flow.yml",
            "{web: {hosts: {a: {ansible_host: 1.2.3.4}, 'b:22': null}, children: {db: {hosts: c}}}}\n",
        ),
        ("vars_only.yml", "web:\n  vars:\n    a: 1\n"),
        ("empty_group.ini", "[web]\n[db]\nh1\n"),
        (
            "unknown_tag.yml",
            "web:\n  hosts:\n    a:\n  vars:\n    x: !foo y\n",
        ),
        ("merge_scalar.yml", "web:\n  hosts:\n    a: {<<: 1}\n"),
        ("hosts_list.yml", "web:\n  hosts: [a, b]\n"),
        (
            "falsy_vars.yml",
            "web:\n  hosts:\n    a: false\n    b: 0\n    c: ''\n    d: ~\n",
        ),
        ("truthy_vars.yml", "web:\n  hosts:\n    a: yes\n"),
    ];
    for (name, text) in table {
        assert_agrees_with_ansible(&files, name, text);
    }
}

#[test]
fn endless_and_oversized_files_end_at_once_naming_the_cap() {
    let out = check(Path::new("/dev/zero")).run();
    out.assert(
        3,
        "SPLIT ORDER UNKNOWN - inventory '/dev/zero' is larger than the 64 MiB this check reads (--max-file-size raises it)",
    );
    out.assert_ended_within(Duration::from_secs(2));

    let files = Files::new();
    let big = files.write("big.ini", &format!("[web]\n{}", "web1\n".repeat(1000)));
    check(&big).args(["--max-file-size", "4K"]).run().assert(
        3,
        &format!(
            "SPLIT ORDER UNKNOWN - inventory '{}' is larger than the 4 KiB this check reads (--max-file-size raises it)",
            big.display()
        ),
    );
    check(&big)
        .args(["--max-file-size", "8K"])
        .run()
        .assert(0, "SPLIT ORDER OK");
    let good = files.write("good.ini", STORY_GOOD);
    let tf = files.write("tf.json", &format!("{TERRAFORM}{}", " ".repeat(300)));
    check(&good)
        .args(["--max-file-size", "256", "--terraform-output"])
        .arg(&tf)
        .args(["--map", "web_ips=webservers"])
        .run()
        .assert(
            3,
            &format!(
                "SPLIT ORDER UNKNOWN - Terraform output '{}' is larger than the 256 bytes this check reads (--max-file-size raises it)",
                tf.display()
            ),
        );
    check(&good)
        .args(["--max-file-size", "1.5M"])
        .run()
        .assert(3, "SPLIT ORDER UNKNOWN - invalid value '1.5M' for '--max-file-size <SIZE>': '1.5M' is not a size");

    // A FIFO nobody writes: the run ends at its timeout, naming the file it was reading.
    let fifo = files.dir.path().join("fifo.ini");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let out = check(&fifo).args(["-t", "1"]).run();
    out.assert(
        3,
        &format!(
            "SPLIT ORDER UNKNOWN - timed out after 1 s while reading the inventory '{}'",
            fifo.display()
        ),
    );
    out.assert_ended_within(Duration::from_millis(1500));
}

#[test]
fn expansion_has_one_budget_for_the_whole_inventory() {
    let files = Files::new();
    let forty = format!("h{}", "[0:1]".repeat(40));
    let deep = format!("h{}", "[0:1]".repeat(60_000));
    let many: String = (0..200).map(|i| format!("h{i}-[0:66666]\n")).collect();
    let table = [
        (
            "[web]\nweb[0:9999][0:9999][0:9999]\n".to_string(),
            ":2: host pattern 'web[0:9999][0:9999][0:9999]' expands to 1000000000000 hosts: more than the 200000 hosts the ranges of one inventory may expand to".to_string(),
        ),
        (
            format!("[web]\n{forty}\n"),
            format!(":2: host pattern '{forty}' expands to 1099511627776 hosts: more than the 200000 hosts the ranges of one inventory may expand to"),
        ),
        (
            format!("[web]\n{deep}\n"),
            ":2: host pattern 'h[0:1][0:1]".to_string(),
        ),
        (
            format!("[web]\n{many}"),
            ":4: host pattern 'h2-[0:66666]' expands to 66667 hosts (after 133334 from earlier ranges): more than the 200000 hosts the ranges of one inventory may expand to".to_string(),
        ),
        (
            "[web]\nh[18446744073709551614:18446744073709551615]\n[db]\nd[0:1]\n".to_string(),
            String::new(),
        ),
    ];
    for (text, message) in table {
        let path = files.write("big.ini", &text);
        let out = check(&path).limit(Duration::from_secs(20)).run();
        if message.is_empty() {
            out.assert(0, "SPLIT ORDER OK - ");
            assert_eq!(out.perf("hosts").value, "4");
        } else {
            out.assert(
                2,
                &format!("SPLIT ORDER CRITICAL - {}{message}", path.display()),
            );
            assert_eq!(out.line_count(), 1);
        }
        out.assert_ended_within(Duration::from_secs(3));
    }
}

#[test]
fn a_yaml_alias_bomb_costs_nothing() {
    let files = Files::new();
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
    bomb.push_str("  children:\n    web:\n      hosts:\n        web1:\n");
    assert!(bomb.len() < 1100, "{}", bomb.len());
    let path = files.write("bomb.yml", &bomb);
    let out = check(&path).run();
    out.assert(0, "SPLIT ORDER OK - ");
    // A bound, not a speed (BENCHMARKS.md has the speed): expanding the 9^10 nodes the aliases
    // stand for would take minutes; replayed only where content is needed, it is one parse.
    out.assert_ended_within(Duration::from_secs(2));
}

#[test]
fn group_names_are_kept_as_written() {
    let files = Files::new();
    let path = files.write("hosts.ini", "[a.b]\nh1\n[a-b]\nh2\n[a_b]\nh3\n");
    let out = check(&path)
        .args([
            "--order",
            "a.b,a-b,a_b",
            "-g",
            "a-b=1:1",
            "--exclusive",
            "a.b,a-b,a_b",
        ])
        .run();
    out.assert(
        1,
        &format!(
            "SPLIT ORDER WARNING - 2 group names with invalid characters, kept as written as Ansible keeps them, with its warning \"Invalid characters were found in group names but not replaced\": [a.b] ({shown}:1) \".\", [a-b] ({shown}:3) \"-\" |",
            shown = path.display()
        ),
    );
    assert_eq!(out.perf("a-b_hosts").value, "1");
    assert_eq!(out.perf("groups").value, "3");
}

#[test]
fn a_port_is_not_part_of_the_host_name() {
    let files = Files::new();
    let tf = files.write(
        "tf.json",
        r#"{"web_ips": {"value": ["10.0.0.2", "10.0.0.3", "web9"]}}"#,
    );
    for (name, text) in [
        ("hosts.ini", "[web]\n10.0.0.[2:3]:2222\nweb9:2200\n"),
        (
            "hosts.yml",
            "web:\n  hosts:\n    10.0.0.[2:3]:2222:\n    \"web9:2200\":\n",
        ),
    ] {
        let path = files.write(name, text);
        let out = check(&path)
            .arg("--terraform-output")
            .arg(&tf)
            .args(["--map", "web_ips=web", "-g", "web=3:3"])
            .run();
        out.assert(
            0,
            &format!(
                "SPLIT ORDER OK - {}: 3 hosts in 1 group ([web] 3), Terraform addresses as expected |",
                path.display()
            ),
        );
    }
}

#[test]
fn every_way_of_writing_an_ungrouped_host_gets_one_verdict() {
    let files = Files::new();
    for (name, text, line) in [
        ("before.ini", "stray\n[web]\nw1\n", 1),
        ("all.ini", "[web]\nw1\n[all]\nstray\n", 4),
        ("ungrouped.ini", "[web]\nw1\n[ungrouped]\nstray\n", 4),
        (
            "all.yml",
            "all:\n  hosts:\n    stray:\nweb:\n  hosts:\n    w1:\n",
            3,
        ),
        (
            "ungrouped.yml",
            "ungrouped:\n  hosts:\n    stray:\nweb:\n  hosts:\n    w1:\n",
            3,
        ),
    ] {
        let path = files.write(name, text);
        check(&path).run().assert(
            2,
            &format!(
                "SPLIT ORDER CRITICAL - 1 host in no group but Ansible's ungrouped ({}:{line}): stray (--allow-ungrouped accepts this) |",
                path.display()
            ),
        );
        check(&path)
            .arg("--allow-ungrouped")
            .run()
            .assert(0, "SPLIT ORDER OK - ");
    }
    // A host written before the first header but grouped later is not ungrouped.
    let path = files.write("later.ini", "w1\n[web]\nw1\n");
    check(&path).run().assert(0, "SPLIT ORDER OK - ");
}

#[test]
fn what_ansible_refuses_is_critical_with_file_and_line() {
    let files = Files::new();
    for (name, text, expected) in [
        (
            "two.yml",
            "all:\n  hosts:\n    h1:\n---\nall:\n  hosts:\n    h2:\n",
            ":4: expected a single document in the stream, but found another document",
        ),
        (
            "int.yml",
            "all:\n  hosts:\n    1:\n",
            ":3: host pattern 1 must be a string, found a number in YAML: quote it",
        ),
        (
            "bool.yml",
            "all:\n  hosts:\n    true:\n",
            ":3: host pattern true must be a string, found a boolean in YAML: quote it",
        ),
        (
            "null.yml",
            "all:\n  hosts:\n    null:\n",
            ":3: host pattern null must be a string, found null in YAML: quote it",
        ),
        (
            "binary.yml",
            "all:\n  hosts:\n    !!binary aGVsbG8=:\n",
            ":3: host pattern aGVsbG8= must be a string, found binary data in YAML: quote it",
        ),
        (
            "bom.ini",
            "\u{feff}[web]\nh1\n",
            ":1: the file starts with a UTF-8 byte order mark, which Ansible's INI parser takes as part of the first line: save it without one",
        ),
    ] {
        let path = files.write(name, text);
        let out = check(&path).run();
        out.assert(
            2,
            &format!("SPLIT ORDER CRITICAL - {}{expected}", path.display()),
        );
        assert_eq!(out.line_count(), 1);
    }
    // What Ansible accepts: a BOM before YAML, INI content in a .yml file.
    for (name, text) in [
        ("bom.yml", "\u{feff}web:\n  hosts:\n    h1:\n"),
        ("ini.yml", "[web]\nh1\n"),
    ] {
        let path = files.write(name, text);
        check(&path)
            .args(["-g", "web=1:1"])
            .run()
            .assert(0, "SPLIT ORDER OK - ");
    }
}

#[test]
fn options_that_contradict_themselves_are_usage_errors() {
    let files = Files::new();
    let good = files.write("good.ini", STORY_GOOD);
    let tf = files.write("tf.json", TERRAFORM);
    let table: &[(&[&str], &str)] = &[
        (
            &["-g", "webservers=1:", "-g", "webservers=2:"],
            "SPLIT ORDER UNKNOWN - -g/--group names [webservers] twice (see 'check_split_order --help')",
        ),
        (
            &["--exclusive", "webservers,webservers"],
            "SPLIT ORDER UNKNOWN - invalid value 'webservers,webservers' for '--exclusive <G1,G2,...>': 'webservers,webservers' names [webservers] twice",
        ),
        (
            &[
                "--terraform-output",
                "TF",
                "--map",
                "web_ips=webservers",
                "--map",
                "web_ips=monitoring_servers",
            ],
            "SPLIT ORDER UNKNOWN - --map maps output 'web_ips' twice (see 'check_split_order --help')",
        ),
    ];
    for (args, expected) in table {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if *a == "TF" {
                    tf.display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let out = check(&good).args(&args).run();
        out.assert(3, expected);
        assert_eq!(out.line_count(), 1);
    }
}

#[test]
fn ranges_are_echoed_as_typed() {
    let files = Files::new();
    let good = files.write("good.ini", STORY_GOOD);
    // Far beyond f64's exact integers: the message shows what was typed.
    let out = check(&good)
        .args(["-g", "webservers=99999999999999999999999:"])
        .run();
    out.assert(
        2,
        "SPLIT ORDER CRITICAL - [webservers] holds 2 hosts (outside 99999999999999999999999:): web1, web2 |",
    );
    // ':1' is '0:1', as in monitoring-plugins.
    let out = check(&good).args(["-g", "webservers=:1"]).run();
    out.assert(
        2,
        "SPLIT ORDER CRITICAL - [webservers] holds 2 hosts (outside :1): web1, web2 |",
    );
    let perf = out.perf("webservers_hosts");
    assert_eq!((perf.value.as_str(), perf.crit.as_str()), ("2", "1"));
    check(&good)
        .args(["-g", "webservers=:2"])
        .run()
        .assert(0, "SPLIT ORDER OK - ");
}

#[test]
fn two_thousand_empty_groups_fit_the_output_buffer() {
    // Every empty group is a CRITICAL finding; the summary names the first and counts the rest.
    let files = Files::new();
    let text: String = (0..2000).map(|i| format!("[group{i:04}]\n")).collect();
    let path = files.write("empty.ini", &text);
    let out = check(&path).run();
    out.assert(
        2,
        &format!(
            "SPLIT ORDER CRITICAL - 2000 groups are empty: [group0000] ({}:1), [group0001] ({0}:2), ",
            path.display()
        ),
    );
    let summary = out.summary_line();
    assert!(summary.len() <= 1100, "summary of {} bytes", summary.len());
    assert!(
        summary.ends_with(" and 1995 more: their hosts may have landed under earlier headers"),
        "{summary}"
    );
    assert!(
        out.stdout.len() <= 8192,
        "output of {} bytes",
        out.stdout.len()
    );
}

/// Many findings of one kind are one finding: 500 empty groups leave room in a 1 KB output for
/// the hosts two --exclusive groups share, in the summary and in the long output.
#[test]
fn many_empty_groups_do_not_crowd_out_another_finding() {
    let files = Files::new();
    let mut text: String = (0..500).map(|i| format!("[g{i}]\n")).collect();
    text.push_str("[webservers]\nweb1\nshared\n[monitoring_servers]\nmon1\nshared\n");
    let path = files.write("crowded.ini", &text);
    let out = check(&path)
        .args([
            "--exclusive",
            "webservers,monitoring_servers",
            "--output-limit",
            "1024",
        ])
        .run();
    out.assert(2, "SPLIT ORDER CRITICAL - 500 groups are empty: [g0] (");
    assert!(out.stdout.len() < 1024, "{} bytes", out.stdout.len());
    assert!(
        out.first_line()
            .contains(" / 1 host is in both [webservers] and [monitoring_servers], which --exclusive keeps apart: shared"),
        "{}",
        out.first_line()
    );
    assert!(
        out.stdout
            .contains("\\_ [CRITICAL] in both [webservers] and [monitoring_servers]: shared"),
        "{}",
        out.stdout
    );
}
