//! The suite's demo: starts real servers on loopback, runs every plugin against them in healthy
//! and broken states, prints what each plugin says, and stops what it started.
//! Usage: `demo [DIR_WITH_PLUGIN_BINARIES]` (default `target/release`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hastack_test_support::galera::{GaleraCluster, MONITOR_PASSWORD, MONITOR_USER};

struct Demo {
    bin_dir: PathBuf,
    runs: usize,
}

impl Demo {
    /// Run one plugin and show the command line, its output and its exit code.
    fn run(&mut self, plugin: &str, args: &[String], env: &[(&str, &str)]) {
        let binary = self.bin_dir.join(plugin);
        let shown_env: String = env.iter().map(|(k, _)| format!("{k}=... ")).collect();
        println!("$ {shown_env}{plugin} {}", args.join(" "));
        let started = Instant::now();
        let output = Command::new(&binary)
            .args(args)
            .envs(env.iter().copied())
            .output();
        match output {
            Ok(out) => {
                for line in String::from_utf8_lossy(&out.stdout).lines() {
                    println!("  {line}");
                }
                println!(
                    "  [exit {}, {} ms]\n",
                    out.status.code().unwrap_or(-1),
                    started.elapsed().as_millis()
                );
            }
            Err(e) => println!("  cannot run {}: {e}\n", binary.display()),
        }
        self.runs += 1;
    }

    fn section(&self, title: &str) {
        println!("==== {title} ====\n");
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn galera(demo: &mut Demo) -> Result<(), String> {
    demo.section("check_galera: a real 3-node MariaDB Galera cluster on 127.0.0.1");
    let started = Instant::now();
    let mut cluster = GaleraCluster::start(3)?;
    println!("(cluster up in {:.1} s)\n", started.elapsed().as_secs_f64());
    let env = [("MYSQL_PWD", MONITOR_PASSWORD)];
    let p1 = cluster.node(0).port.to_string();
    let nodes: Vec<String> = cluster
        .nodes
        .iter()
        .flat_map(|n| ["--node".to_string(), format!("{}={}", n.name, n.addr())])
        .collect();
    let cluster_args = |extra: &[&str]| {
        let mut args = strings(&["-u", MONITOR_USER]);
        args.extend(nodes.iter().cloned());
        args.extend(strings(extra));
        args
    };

    demo.run(
        "check_galera",
        &strings(&["-u", MONITOR_USER, "-P", &p1, "--expected-size", "3"]),
        &env,
    );
    demo.run(
        "check_galera",
        &cluster_args(&["--skew-warning", "1", "--skew-critical", "5"]),
        &env,
    );
    demo.run(
        "check_galera",
        &strings(&["-u", MONITOR_USER, "-P", &p1, "--discover"]),
        &env,
    );

    println!("# node2 desynced (SET GLOBAL wsrep_desync=ON)\n");
    cluster.node(1).sql("SET GLOBAL wsrep_desync=ON")?;
    cluster.node(1).wait_status(
        "wsrep_local_state_comment",
        "Donor/Desynced",
        Duration::from_secs(10),
    )?;
    demo.run("check_galera", &cluster_args(&[]), &env);
    cluster.node(1).sql("SET GLOBAL wsrep_desync=OFF")?;

    println!(
        "# node3 with replication switched off (SET GLOBAL wsrep_on=OFF): it still looks Primary and ready\n"
    );
    cluster.node(2).sql("SET GLOBAL wsrep_on=OFF")?;
    demo.run(
        "check_galera",
        &strings(&["-u", MONITOR_USER, "-P", &cluster.node(2).port.to_string()]),
        &env,
    );
    cluster.node(2).sql("SET GLOBAL wsrep_on=ON")?;

    println!("# node3 killed (SIGKILL)\n");
    cluster.node_mut(2).kill();
    cluster
        .node(0)
        .wait_status("wsrep_cluster_size", "2", Duration::from_secs(20))?;
    demo.run("check_galera", &cluster_args(&[]), &env);

    println!("# node2 killed too: the survivor loses quorum\n");
    cluster.node_mut(1).kill();
    cluster.node(0).wait_status(
        "wsrep_cluster_status",
        "non-Primary",
        Duration::from_secs(20),
    )?;
    demo.run("check_galera", &cluster_args(&[]), &env);
    drop(cluster);

    println!(
        "# the story: a cluster whose node3 clock is 1900 s ahead (NTP disabled; libfaketime here)\n"
    );
    let skewed = GaleraCluster::start_with_env(3, |i| {
        if i == 2 {
            vec![
                (
                    "LD_PRELOAD".into(),
                    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1".into(),
                ),
                ("FAKETIME".into(), "+1900s".into()),
                ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
            ]
        } else {
            Vec::new()
        }
    })?;
    let mut args = strings(&["-u", MONITOR_USER]);
    for node in &skewed.nodes {
        args.extend([
            "--node".to_string(),
            format!("{}={}", node.name, node.addr()),
        ]);
    }
    demo.run(
        "check_galera",
        &strings(&["-u", MONITOR_USER, "-P", &skewed.node(2).port.to_string()]),
        &env,
    );
    args.extend(strings(&["--skew-warning", "1", "--skew-critical", "5"]));
    demo.run("check_galera", &args, &env);
    Ok(())
}

fn split_order(demo: &mut Demo) -> Result<(), String> {
    demo.section("check_split_order: the inventory Terraform wrote in resource-creation order");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| -> Result<String, String> {
        let path = dir.path().join(name);
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        Ok(path.display().to_string())
    };
    let bad = write(
        "hosts.ini",
        "[monitoring_servers]\nmon1 ansible_host=10.0.0.10\nweb1 ansible_host=10.0.0.21\nweb2 ansible_host=10.0.0.22\n\n[webservers]\n",
    )?;
    let good = write(
        "hosts-fixed.ini",
        "[monitoring_servers]\nmon1 ansible_host=10.0.0.10\n\n[webservers]\nweb1 ansible_host=10.0.0.21\nweb2 ansible_host=10.0.0.22\n",
    )?;
    let tf = write(
        "terraform-output.json",
        r#"{"monitoring_ip": {"sensitive": false, "type": "string", "value": "10.0.0.10"},
            "web_ips": {"sensitive": false, "type": ["list", "string"], "value": ["10.0.0.21", "10.0.0.22"]}}"#,
    )?;
    for inventory in [&bad, &good] {
        let args = strings(&[
            "-i",
            inventory,
            "-g",
            "monitoring_servers=1:1",
            "-g",
            "webservers=2:",
            "--order",
            "monitoring_servers,webservers",
            "--terraform-output",
            &tf,
            "--map",
            "monitoring_ip=monitoring_servers",
            "--map",
            "web_ips=webservers",
        ]);
        demo.run("check_split_order", &args, &[]);
    }
    Ok(())
}

fn not_yet(demo: &mut Demo, plugin: &str) {
    demo.section(&format!("{plugin}: not implemented yet"));
    demo.run(plugin, &[], &[]);
}

fn main() {
    let bin_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("target/release").to_path_buf());
    let mut demo = Demo { bin_dir, runs: 0 };
    let started = Instant::now();
    let mut failed = false;
    if let Err(e) = galera(&mut demo) {
        eprintln!("demo: the Galera part failed: {e}");
        failed = true;
    }
    if let Err(e) = split_order(&mut demo) {
        eprintln!("demo: the split-order part failed: {e}");
        failed = true;
    }
    for plugin in ["check_clock_skew", "check_consul_dns", "check_ldap_paging"] {
        not_yet(&mut demo, plugin);
    }
    println!(
        "{} plugin runs in {:.1} s; every server the demo started is stopped.",
        demo.runs,
        started.elapsed().as_secs_f64()
    );
    std::process::exit(i32::from(failed));
}
