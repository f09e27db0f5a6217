//! Benchmarks, side by side with the peers on the same servers and files: check_split_order
//! against `ansible-inventory --list` on a 10,000-host inventory, check_galera against the C
//! check_mysql and the mariadb client on a real 3-node Galera cluster.
//! Usage: `bench [DIR_WITH_PLUGIN_BINARIES]` (default `target/release`). Prints a Markdown table.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hastack_test_support::galera::{GaleraCluster, MONITOR_PASSWORD, MONITOR_USER};

/// Wall time of `runs` runs of a command, spawn to exit.
fn measure(
    program: &Path,
    args: &[String],
    env: &[(&str, &str)],
    runs: usize,
) -> Option<(Duration, Duration, i32)> {
    let mut times = Vec::with_capacity(runs);
    let mut code = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        times.push(started.elapsed());
        code = status.code().unwrap_or(-1);
    }
    times.sort();
    Some((
        times[times.len() / 2],
        times[(times.len() * 9 / 10).min(times.len() - 1)],
        code,
    ))
}

struct Table {
    rows: String,
}

impl Table {
    fn row(
        &mut self,
        what: &str,
        program: &Path,
        args: &[String],
        env: &[(&str, &str)],
        runs: usize,
    ) {
        match measure(program, args, env, runs) {
            Some((median, p90, code)) => {
                let _ = writeln!(
                    self.rows,
                    "| {what} | {runs} | {:.2} | {:.2} | {code} |",
                    median.as_secs_f64() * 1000.0,
                    p90.as_secs_f64() * 1000.0
                );
            }
            None => {
                let _ = writeln!(
                    self.rows,
                    "| {what} | - | not installed ({}) | | |",
                    program.display()
                );
            }
        }
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// A 10,000-host inventory in 20 groups, and the Terraform output that matches it.
fn big_inventory(dir: &Path) -> (PathBuf, PathBuf, Vec<String>) {
    let mut ini = String::new();
    let mut outputs = Vec::new();
    let mut args = Vec::new();
    for g in 0..20 {
        let _ = writeln!(ini, "[group_{g:02}]");
        let mut addresses = Vec::new();
        for h in 0..500 {
            let n = g * 500 + h;
            let address = format!("10.{}.{}.{}", n / 65536, (n / 256) % 256, n % 256);
            let _ = writeln!(
                ini,
                "host-{n:05}.example.com ansible_host={address} rack=r{g}"
            );
            addresses.push(format!("\"{address}\""));
        }
        ini.push('\n');
        outputs.push(format!(
            "\"group_{g:02}_ips\": {{\"sensitive\": false, \"value\": [{}]}}",
            addresses.join(",")
        ));
        args.extend([
            format!("--map=group_{g:02}_ips=group_{g:02}"),
            format!("-g=group_{g:02}=500:500"),
        ]);
    }
    let order: Vec<String> = (0..20).map(|g| format!("group_{g:02}")).collect();
    args.push(format!("--order={}", order.join(",")));
    let inventory = dir.join("big.ini");
    let terraform = dir.join("big-tf.json");
    std::fs::write(&inventory, ini).expect("write inventory");
    std::fs::write(&terraform, format!("{{{}}}", outputs.join(","))).expect("write terraform");
    (inventory, terraform, args)
}

fn main() {
    let bin_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut table = Table {
        rows: String::new(),
    };

    let (inventory, terraform, mut args) = big_inventory(dir.path());
    args.splice(
        0..0,
        [
            "-i".to_string(),
            inventory.display().to_string(),
            "--terraform-output".to_string(),
            terraform.display().to_string(),
        ],
    );
    table.row(
        "check_split_order, 10,000 hosts, 20 groups: -g, --order, --map",
        &bin_dir.join("check_split_order"),
        &args,
        &[],
        30,
    );
    let plain = vec!["-i".to_string(), inventory.display().to_string()];
    table.row(
        "check_split_order, 10,000 hosts, structure only",
        &bin_dir.join("check_split_order"),
        &plain,
        &[],
        30,
    );
    let home = dir.path().display().to_string();
    let ansible_args = vec![
        "-i".to_string(),
        inventory.display().to_string(),
        "--list".to_string(),
    ];
    table.row(
        "ansible-inventory -i big.ini --list (peer)",
        Path::new("/usr/bin/ansible-inventory"),
        &ansible_args,
        &[("HOME", &home)],
        5,
    );

    match GaleraCluster::start(3) {
        Ok(cluster) => {
            let env = [("MYSQL_PWD", MONITOR_PASSWORD)];
            let port = cluster.node(0).port.to_string();
            let galera = bin_dir.join("check_galera");
            table.row(
                "check_galera, one node",
                &galera,
                &strings(&["-u", MONITOR_USER, "-P", &port]),
                &env,
                50,
            );
            let mut cluster_args = strings(&["-u", MONITOR_USER]);
            for node in &cluster.nodes {
                cluster_args.extend(["--node".to_string(), node.addr()]);
            }
            table.row(
                "check_galera, 3 nodes (cluster mode)",
                &galera,
                &cluster_args,
                &env,
                50,
            );
            table.row(
                "check_mysql (C peer, no Galera knowledge)",
                Path::new("/usr/lib/nagios/plugins/check_mysql"),
                &strings(&[
                    "-H",
                    "127.0.0.1",
                    "-P",
                    &port,
                    "-u",
                    MONITOR_USER,
                    "-p",
                    MONITOR_PASSWORD,
                ]),
                &[],
                50,
            );
            table.row(
                "mariadb -e \"SHOW GLOBAL STATUS LIKE 'wsrep%'\"",
                Path::new("/usr/bin/mariadb"),
                &strings(&[
                    "-h",
                    "127.0.0.1",
                    "-P",
                    &port,
                    "-u",
                    MONITOR_USER,
                    "-e",
                    "SHOW GLOBAL STATUS LIKE 'wsrep%'",
                ]),
                &env,
                50,
            );
        }
        Err(e) => eprintln!("bench: no Galera cluster: {e}"),
    }
    println!(
        "| what | runs | median ms | p90 ms | exit |\n|---|---|---|---|---|\n{}",
        table.rows
    );
}
