//! Benchmarks: each plugin side by side with the peer an operator would otherwise use, on the
//! same real servers and files, in one run. Runs of a pair are interleaved (ours, peer, ours,
//! peer...) so both see the same machine; medians, the p10-p90 spread and peak RSS (from
//! `/usr/bin/time`) go into a Markdown table with the machine, the versions and the date.
//! Usage: `bench [--runs N] [--out FILE] [DIR_WITH_PLUGIN_BINARIES]` (default 30 runs,
//! `BENCHMARKS.md`, `target/release`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hastack_test_support::PLUGINS;
use hastack_test_support::scripted::consul::{ConsulAgent, DnsConfig, many_instances};
use hastack_test_support::servers::bind::Forwarder;
use hastack_test_support::servers::chrony::NtpServer;
use hastack_test_support::servers::galera::{GaleraCluster, MONITOR_PASSWORD, MONITOR_USER};
use hastack_test_support::servers::slapd::{
    Directory, READER_DN, READER_PASSWORD, ROOT_DN, ROOT_PASSWORD, Slapd, USERS,
};

/// One command line to time.
#[derive(Clone)]
struct Cmd {
    label: String,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

fn cmd(label: &str, program: impl Into<PathBuf>, args: &[&str], env: &[(&str, &str)]) -> Cmd {
    Cmd {
        label: label.into(),
        program: program.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// What one command measured.
struct Measured {
    median: Duration,
    p10: Duration,
    p90: Duration,
    peak_rss_kb: Option<u64>,
    exit: i32,
}

fn run_once(c: &Cmd) -> Option<(Duration, i32)> {
    let started = Instant::now();
    let status = Command::new(&c.program)
        .args(&c.args)
        .envs(c.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    Some((started.elapsed(), status.code().unwrap_or(-1)))
}

/// Peak RSS in KB, the largest of `tries` runs under `/usr/bin/time -f %M`.
fn peak_rss(c: &Cmd, tries: usize) -> Option<u64> {
    (0..tries)
        .filter_map(|_| {
            let out = Command::new("/usr/bin/time")
                .args(["-f", "%M"])
                .arg(&c.program)
                .args(&c.args)
                .envs(c.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .output()
                .ok()?;
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()?
                .trim()
                .parse()
                .ok()
        })
        .max()
}

/// Time every command of a group `runs` times, interleaved.
fn measure_group(cmds: &[Cmd], runs: usize) -> Vec<Option<Measured>> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cmds.len()];
    let mut exits = vec![0; cmds.len()];
    let available: Vec<bool> = cmds.iter().map(|c| c.program.exists()).collect();
    // One warm-up run each: page cache, server caches.
    for (c, ok) in cmds.iter().zip(&available) {
        if *ok {
            let _ = run_once(c);
        }
    }
    for _ in 0..runs {
        for (i, c) in cmds.iter().enumerate() {
            if !available[i] {
                continue;
            }
            if let Some((t, code)) = run_once(c) {
                times[i].push(t);
                exits[i] = code;
            }
        }
    }
    cmds.iter()
        .enumerate()
        .map(|(i, c)| {
            let mut t = std::mem::take(&mut times[i]);
            if t.is_empty() {
                return None;
            }
            t.sort();
            let at = |q: usize| t[(t.len() * q / 100).min(t.len() - 1)];
            Some(Measured {
                median: at(50),
                p10: at(10),
                p90: at(90),
                peak_rss_kb: peak_rss(c, runs.min(3)),
                exit: exits[i],
            })
        })
        .collect()
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

struct Report {
    rows: String,
    runs: usize,
    /// Median and peak RSS (KB) by command label, for the targets.
    /// (group, label, median, peak RSS KB) of every command measured.
    seen: Vec<(String, String, Duration, Option<u64>)>,
    /// The size of the large inventory, MB.
    huge_inventory_mb: f64,
    /// Servers that did not start and programs that are not installed: the run is incomplete.
    missing: Vec<String>,
}

impl Report {
    /// A group: the first command is ours, the others its peers (ratio = ours / peer).
    fn group(&mut self, work: &str, cmds: &[Cmd], runs: usize) {
        eprintln!("bench: {work}");
        let measured = measure_group(cmds, runs);
        let ours = measured.first().and_then(|m| m.as_ref().map(|m| m.median));
        for (i, (c, m)) in cmds.iter().zip(&measured).enumerate() {
            let Some(m) = m else {
                let _ = writeln!(
                    self.rows,
                    "| {work} | {} | not available ({}) | | | | |",
                    c.label,
                    c.program.display()
                );
                self.missing(format!(
                    "{} is not available ({})",
                    c.label,
                    c.program.display()
                ));
                continue;
            };
            let ratio = match (i, ours) {
                (0, _) => "-".to_string(),
                (_, Some(ours)) => match ours.as_secs_f64() / m.median.as_secs_f64() {
                    r if r < 0.01 => format!("{r:.4}"),
                    r => format!("{r:.2}"),
                },
                _ => String::new(),
            };
            let rss = m
                .peak_rss_kb
                .map(|kb| format!("{:.1}", kb as f64 / 1024.0))
                .unwrap_or_default();
            self.seen
                .push((work.to_string(), c.label.clone(), m.median, m.peak_rss_kb));
            let _ = writeln!(
                self.rows,
                "| {work} | {} | {} | {}-{} | {rss} | {ratio} | {} |",
                c.label,
                ms(m.median),
                ms(m.p10),
                ms(m.p90),
                m.exit
            );
        }
        self.runs = runs;
    }

    /// Something the benchmark needs is missing: said now, and the run fails at the end.
    fn missing(&mut self, what: String) {
        eprintln!("bench: {what}");
        self.missing.push(what);
    }

    fn median(&self, label: &str) -> Option<Duration> {
        self.seen
            .iter()
            .find(|(_, l, _, _)| l == label)
            .map(|(_, _, m, _)| *m)
    }

    /// `ours` over `peer`, from a group that ran both interleaved when there is one (runs
    /// minutes apart differ by more than the targets' margins), else from their first groups.
    fn ratio(&self, ours: &str, peer: &str) -> Option<f64> {
        let in_group = |group: &str, label: &str| {
            self.seen
                .iter()
                .find(|(g, l, _, _)| g == group && l == label)
                .map(|(_, _, m, _)| m.as_secs_f64())
        };
        let together = self.seen.iter().find_map(|(group, l, m, _)| {
            (l == ours).then(|| Some(m.as_secs_f64() / in_group(group, peer)?))?
        });
        together
            .or_else(|| Some(self.median(ours)?.as_secs_f64() / self.median(peer)?.as_secs_f64()))
    }

    fn rss_mb(&self, label: &str) -> Option<f64> {
        self.seen
            .iter()
            .find(|(_, l, _, _)| l == label)
            .and_then(|(_, _, _, kb)| kb.map(|kb| kb as f64 / 1024.0))
    }

    /// The issue's targets, each as measured in this run.
    fn targets(&self) -> String {
        let mut out = String::from("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n");
        let mut line = |what: &str, measured: Option<String>, met: Option<bool>| {
            let (measured, met) = match (measured, met) {
                (Some(m), Some(true)) => (m, "yes"),
                (Some(m), Some(false)) => (m, "**no**"),
                _ => ("not measured".to_string(), "-"),
            };
            let _ = writeln!(out, "| {what} | {measured} | {met} |");
        };
        for (what, ours, peer, limit) in TARGETS {
            let r = self.ratio(ours, peer);
            let shown = r.map(|r| match r < 0.01 {
                true => format!("{r:.4}x ({:.0} times faster)", 1.0 / r),
                false => format!("{r:.2}x"),
            });
            line(what, shown, r.map(|r| r <= *limit));
        }
        // The same work as the check: the unpaged search (what unpaged clients see) and the
        // paged count, as two ldapsearch runs.
        for (users, ours, paged, unpaged) in [
            ("2500", LDAP_2500, LDAPSEARCH_2500, LDAPSEARCH_UNPAGED_2500),
            (
                "100,000",
                LDAP_100K,
                LDAPSEARCH_100K,
                LDAPSEARCH_UNPAGED_100K,
            ),
        ] {
            let r = (|| {
                let both = self.median(paged)? + self.median(unpaged)?;
                Some(self.median(ours)?.as_secs_f64() / both.as_secs_f64())
            })();
            line(
                &format!(
                    "check_ldap_paging, {users} entries, at most 1.0x the unpaged and the paged ldapsearch it replaces"
                ),
                r.map(|r| format!("{r:.2}x")),
                r.map(|r| r <= 1.0),
            );
        }
        let rss = self.rss_mb(LDAP_100K);
        line(
            "check_ldap_paging peak RSS on 100,000 entries under 16 MB",
            rss.map(|mb| format!("{mb:.1} MB")),
            rss.map(|mb| mb < 16.0),
        );
        for plugin in PLUGINS {
            let label = format!("{plugin} --help");
            let m = self.median(&label);
            line(
                &format!("{label} under 3 ms"),
                m.map(|m| format!("{} ms", ms(m))),
                m.map(|m| m < Duration::from_millis(3)),
            );
        }
        let huge = self.rss_mb(SPLIT_HUGE);
        line(
            &format!(
                "check_split_order peak RSS on a {:.0} MB inventory at most 4x its size",
                self.huge_inventory_mb
            ),
            huge.map(|mb| format!("{mb:.1} MB ({:.1}x)", mb / self.huge_inventory_mb)),
            huge.map(|mb| mb <= 4.0 * self.huge_inventory_mb),
        );
        let worst = NORMAL_CHECKS
            .iter()
            .filter_map(|label| self.rss_mb(label))
            .reduce(f64::max);
        line(
            "every plugin's normal check under 10 MB peak RSS",
            worst.map(|mb| format!("largest {mb:.1} MB")),
            worst.map(|mb| mb < 10.0),
        );
        out
    }
}

const GALERA_ONE: &str = "check_galera -H 127.0.0.1 -P PORT -u monitor";
const GALERA_CLUSTER: &str = "check_galera --node x3 -u monitor";
const CHECK_MYSQL: &str = "check_mysql -H 127.0.0.1 -P PORT -u monitor -p ... (C)";
const SKEW: &str = "check_clock_skew -H 127.0.0.1:PORT";
const NTP_TIME: &str = "check_ntp_time -H 127.0.0.1 -p PORT (C)";
const CONSUL: &str = "check_consul_dns -H 127.0.0.1:PORT -s galeradb";
const CONSUL_AGENT_3: &str = "check_consul_dns -H AGENT -s big, 3 instances (UDP)";
const CONSUL_AGENT_3_TCP: &str = "check_consul_dns -H AGENT -s big --tcp, 3 instances";
const CONSUL_AGENT_90: &str = "check_consul_dns -H AGENT -s big, 90 instances (UDP, then TCP)";
const CONSUL_AGENT_90_TCP: &str = "check_consul_dns -H AGENT -s big --tcp, 90 instances";
const DIG: &str = "check_dig -H 127.0.0.1 -p PORT -l galeradb.service.consul (C, forks dig)";
const LDAP_2500: &str = "check_ldap_paging -U URI -D reader -b ou=users, 2500 entries";
const LDAPSEARCH_2500: &str = "ldapsearch -E pr=500/noprompt ... 1.1, 2500 entries";
const CHECK_LDAP: &str = "check_ldap -3 -W -C as rootdn (C, cannot page)";
const LDAP_100K: &str = "check_ldap_paging -U URI -D reader -b ou=users, 100,000 entries";
const LDAPSEARCH_100K: &str = "ldapsearch -E pr=500/noprompt ... 1.1, 100,000 entries";
const LDAPSEARCH_UNPAGED_2500: &str = "ldapsearch ... 1.1 unpaged (1000, size limit), 2500 entries";
const LDAPSEARCH_UNPAGED_100K: &str =
    "ldapsearch ... 1.1 unpaged (1000, size limit), 100,000 entries";
const SPLIT: &str = "check_split_order -i big.ini -g x20 --order --map x20";
const ANSIBLE: &str = "ansible-inventory -i big.ini --list";
const SPLIT_HUGE: &str = "check_split_order -i huge.ini (20 MB of INI, one group per 1000 hosts)";
/// About 20 MB of INI, as the issue measured (20 MB -> 232 MB before).
const HUGE_INVENTORY_BYTES: usize = 20 * 1024 * 1024;
/// The ordinary checks, for the peak RSS target.
const NORMAL_CHECKS: [&str; 5] = [GALERA_ONE, GALERA_CLUSTER, SKEW, CONSUL, LDAP_2500];

/// (target, ours, peer, largest ratio ours/peer).
const TARGETS: &[(&str, &str, &str, f64)] = &[
    (
        "check_galera one node at most 0.6x check_mysql",
        GALERA_ONE,
        CHECK_MYSQL,
        0.6,
    ),
    (
        "check_galera cluster mode (3 nodes) within 1.5x of one node",
        GALERA_CLUSTER,
        GALERA_ONE,
        1.5,
    ),
    (
        "check_clock_skew at most 1.0x check_ntp_time",
        SKEW,
        NTP_TIME,
        1.0,
    ),
    (
        "check_consul_dns at most 0.15x check_dig",
        CONSUL,
        DIG,
        0.15,
    ),
    (
        "check_ldap_paging, 2500 entries, at most 1.0x ldapsearch paging",
        LDAP_2500,
        LDAPSEARCH_2500,
        1.0,
    ),
    (
        "check_ldap_paging, 2500 entries, at most 1.0x check_ldap",
        LDAP_2500,
        CHECK_LDAP,
        1.0,
    ),
    (
        "check_ldap_paging, 100,000 entries, at most 1.0x ldapsearch paging",
        LDAP_100K,
        LDAPSEARCH_100K,
        1.0,
    ),
    (
        "check_split_order at least 50x faster than ansible-inventory",
        SPLIT,
        ANSIBLE,
        0.02,
    ),
];

fn version(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            let bytes = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&bytes)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "not found".into())
}

fn package_version(package: &str) -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_else(|| "not installed".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = version("uname", &["-r"]);
    format!("{cpu}, {cores} cores, Linux {kernel}")
}

/// A 10,000-host inventory in 20 groups, the Terraform output that matches it, and the options.
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

struct Options {
    runs: usize,
    out: PathBuf,
    bin_dir: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        runs: 30,
        out: PathBuf::from("BENCHMARKS.md"),
        bin_dir: PathBuf::from("target/release"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                o.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            "--out" => o.out = args.next().ok_or("--out takes a file")?.into(),
            dir => o.bin_dir = dir.into(),
        }
    }
    Ok(o)
}

/// Where the C peers are installed.
const PEERS: &str = "/usr/lib/nagios/plugins";

/// What every group of the benchmark shares: the binaries, how many runs, a scratch directory.
struct Bench {
    bin_dir: PathBuf,
    runs: usize,
    /// Slow peers get fewer runs.
    few: usize,
    dir: hastack_test_support::TempDir,
}

impl Bench {
    fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let bench = Bench {
        bin_dir: o.bin_dir.clone(),
        runs: o.runs,
        // Slow peers get fewer runs, at least two for a spread; `--runs 1` (the smoke run)
        // means once.
        few: (o.runs / 6).max(2).min(o.runs),
        dir: hastack_test_support::tempdir().expect("tempdir"),
    };
    let mut report = Report {
        rows: String::new(),
        runs: o.runs,
        seen: Vec::new(),
        huge_inventory_mb: 0.0,
        missing: Vec::new(),
    };
    galera(&bench, &mut report);
    ntp(&bench, &mut report);
    dns_through_the_forwarder(&bench, &mut report);
    dns_from_the_agent(&bench, &mut report);
    ldap(&bench, &mut report);
    inventories(&bench, &mut report);
    start_up(&bench, &mut report);
    if let Err(e) = write(&o, &report, started) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

/// Galera: one status read, and three nodes at once.
fn galera(bench: &Bench, report: &mut Report) {
    let (runs, plugins) = (bench.runs, PEERS);
    let bin = |name: &str| bench.bin(name);
    let dir = &bench.dir;
    // Galera: one status read, and three nodes at once.
    match GaleraCluster::start(3) {
        Ok(cluster) => {
            // Each run reads the previous one's record and writes its own, as in production.
            let state = dir.path().join("state");
            let state = state.to_string_lossy();
            let env = [
                ("MYSQL_PWD", MONITOR_PASSWORD),
                ("STATE_DIRECTORY", state.as_ref()),
            ];
            let port = cluster.node(0).port.to_string();
            let one = cmd(
                GALERA_ONE,
                bin("check_galera"),
                &["-H", "127.0.0.1", "-P", &port, "-u", MONITOR_USER],
                &env,
            );
            report.group(
                "one Galera node: one status read",
                &[
                    one.clone(),
                    cmd(
                        CHECK_MYSQL,
                        format!("{plugins}/check_mysql"),
                        &[
                            "-H",
                            "127.0.0.1",
                            "-P",
                            &port,
                            "-u",
                            MONITOR_USER,
                            "-p",
                            MONITOR_PASSWORD,
                        ],
                        &[],
                    ),
                    cmd(
                        "mariadb -e \"SHOW GLOBAL STATUS LIKE 'wsrep%'\"",
                        "/usr/bin/mariadb",
                        &[
                            "-h",
                            "127.0.0.1",
                            "-P",
                            &port,
                            "-u",
                            MONITOR_USER,
                            "-e",
                            "SHOW GLOBAL STATUS LIKE 'wsrep%'",
                        ],
                        &env,
                    ),
                ],
                runs,
            );
            let nodes: Vec<String> = cluster.nodes.iter().map(|n| n.addr()).collect();
            let mut args = vec!["-u", MONITOR_USER];
            for n in &nodes {
                args.extend(["--node", n.as_str()]);
            }
            report.group(
                "Galera cluster mode, 3 nodes concurrently",
                &[cmd(GALERA_CLUSTER, bin("check_galera"), &args, &env), one],
                runs,
            );
        }
        Err(e) => report.missing(format!("no Galera cluster: {e}")),
    }
}

/// NTP: one server.
fn ntp(bench: &Bench, report: &mut Report) {
    let (runs, plugins) = (bench.runs, PEERS);
    let bin = |name: &str| bench.bin(name);
    // NTP: one server.
    match NtpServer::start() {
        Ok(ntp) => {
            let port = ntp.port.to_string();
            report.group(
                "NTP offset against one server",
                &[
                    cmd(SKEW, bin("check_clock_skew"), &["-H", &ntp.addr()], &[]),
                    cmd(
                        "check_clock_skew -H 127.0.0.1:PORT --samples 1",
                        bin("check_clock_skew"),
                        &["-H", &ntp.addr(), "--samples", "1"],
                        &[],
                    ),
                    cmd(
                        NTP_TIME,
                        format!("{plugins}/check_ntp_time"),
                        &["-H", "127.0.0.1", "-p", &port],
                        &[],
                    ),
                ],
                runs,
            );
        }
        Err(e) => report.missing(format!("no chronyd: {e}")),
    }
}

/// DNS: an A lookup through the forwarder.
fn dns_through_the_forwarder(bench: &Bench, report: &mut Report) {
    let (runs, plugins) = (bench.runs, PEERS);
    let bin = |name: &str| bench.bin(name);
    // DNS: an A lookup through the forwarder.
    match ConsulAgent::start().and_then(|c| Forwarder::start(c.port()).map(|f| (c, f))) {
        Ok((_consul, fwd)) => {
            let port = fwd.named.port.to_string();
            report.group(
                "Consul A lookup through the BIND forwarder",
                &[
                    cmd(
                        CONSUL,
                        bin("check_consul_dns"),
                        &["-H", &fwd.addr(), "-s", "galeradb"],
                        &[],
                    ),
                    cmd(
                        DIG,
                        format!("{plugins}/check_dig"),
                        &[
                            "-H",
                            "127.0.0.1",
                            "-p",
                            &port,
                            "-l",
                            "galeradb.service.consul",
                        ],
                        &[],
                    ),
                ],
                runs,
            );
        }
        Err(e) => report.missing(format!("no BIND: {e}")),
    }
}

/// DNS: the agent itself, UDP (then TCP when the answer is full) against TCP alone.
fn dns_from_the_agent(bench: &Bench, report: &mut Report) {
    let runs = bench.runs;
    let bin = |name: &str| bench.bin(name);
    // DNS: the agent itself, UDP (then TCP when the answer is full, as Consul trims without TC)
    // against TCP alone, for the usual few instances and for 90.
    for (count, udp, tcp) in [
        (3usize, CONSUL_AGENT_3, CONSUL_AGENT_3_TCP),
        (90, CONSUL_AGENT_90, CONSUL_AGENT_90_TCP),
    ] {
        match ConsulAgent::start_with(many_instances("big", count), DnsConfig::default()) {
            Ok(agent) => {
                let server = agent.addr();
                let args = ["-H", server.as_str(), "-s", "big"];
                report.group(
                    &format!("Consul agent, {count} instances: UDP first against TCP only"),
                    &[
                        cmd(udp, bin("check_consul_dns"), &args, &[]),
                        cmd(
                            tcp,
                            bin("check_consul_dns"),
                            &[&args[..], &["--tcp"]].concat(),
                            &[],
                        ),
                    ],
                    runs,
                );
            }
            Err(e) => report.missing(format!("no Consul stand-in: {e}")),
        }
    }
}

/// ldapsearch's arguments for the DNs under USERS matching `filter`, as the reader, in pages
/// of 500 or unpaged.
fn ldapsearch<'a>(uri: &'a str, filter: &'a str, paged: bool) -> Vec<&'a str> {
    let mut args = vec![
        "-x",
        "-H",
        uri,
        "-D",
        READER_DN,
        "-w",
        READER_PASSWORD,
        "-b",
        USERS,
    ];
    if paged {
        args.extend(["-E", "pr=500/noprompt"]);
    }
    args.extend(["-LLL", filter, "1.1"]);
    args
}

/// LDAP: the full count, 2500 and 100,000 entries.
fn ldap(bench: &Bench, report: &mut Report) {
    let (runs, few, plugins) = (bench.runs, bench.few, PEERS);
    let bin = |name: &str| bench.bin(name);
    // LDAP: the full count, 2500 and 100,000 entries.
    for (users, label, peer_runs) in [(2500usize, "2500", runs), (100_000, "100,000", few)] {
        match Slapd::start(Directory {
            users,
            ..Directory::default()
        }) {
            Ok(ldap) => {
                let uri = ldap.uri();
                let port = ldap.port.to_string();
                let env = [("LDAP_PASSWORD", READER_PASSWORD)];
                let filter = "(objectClass=inetOrgPerson)";
                let (ours, peer) = match users {
                    2500 => (LDAP_2500, LDAPSEARCH_2500),
                    _ => (LDAP_100K, LDAPSEARCH_100K),
                };
                let mut group = vec![
                    cmd(
                        ours,
                        bin("check_ldap_paging"),
                        &[
                            "-U", &uri, "-D", READER_DN, "-b", USERS, "-f", filter, "-t", "60",
                        ],
                        &env,
                    ),
                    cmd(
                        peer,
                        "/usr/bin/ldapsearch",
                        &ldapsearch(&uri, filter, true),
                        &[],
                    ),
                ];
                // What unpaged clients see: the other half of what the check reads.
                let unpaged = match users {
                    2500 => LDAPSEARCH_UNPAGED_2500,
                    _ => LDAPSEARCH_UNPAGED_100K,
                };
                group.push(cmd(
                    unpaged,
                    "/usr/bin/ldapsearch",
                    &ldapsearch(&uri, filter, false),
                    &[],
                ));
                if users == 2500 {
                    group.push(cmd(
                        CHECK_LDAP,
                        format!("{plugins}/check_ldap"),
                        &[
                            "-H",
                            "127.0.0.1",
                            "-p",
                            &port,
                            "-3",
                            "-b",
                            USERS,
                            "-D",
                            ROOT_DN,
                            "-P",
                            ROOT_PASSWORD,
                            "-W",
                            "3000",
                            "-C",
                            "4000",
                        ],
                        &[],
                    ));
                }
                report.group(
                    &format!("LDAP: full count of {label} entries"),
                    &group,
                    peer_runs,
                );
            }
            Err(e) => report.missing(format!("no slapd: {e}")),
        }
    }
}

/// Inventories: a 10,000-host file with its Terraform output, and memory on a large one.
fn inventories(bench: &Bench, report: &mut Report) {
    let few = bench.few;
    let bin = |name: &str| bench.bin(name);
    let dir = &bench.dir;
    // Inventories.
    let (inventory, terraform, options) = big_inventory(dir.path());
    let inv = inventory.display().to_string();
    let tf = terraform.display().to_string();
    let mut args: Vec<&str> = vec!["-i", &inv, "--terraform-output", &tf];
    args.extend(options.iter().map(String::as_str));
    let home = dir.path().display().to_string();
    report.group(
        "a 10,000-host inventory, 20 groups",
        &[
            cmd(SPLIT, bin("check_split_order"), &args, &[]),
            cmd(
                "check_split_order -i big.ini (structure only)",
                bin("check_split_order"),
                &["-i", &inv],
                &[],
            ),
            cmd(
                ANSIBLE,
                "/usr/bin/ansible-inventory",
                &["-i", &inv, "--list"],
                &[("HOME", &home)],
            ),
        ],
        few,
    );

    // Memory on a large valid inventory: peak RSS against the file's size.
    let huge = dir.path().join("huge.ini");
    let mut text = String::new();
    let mut n = 0usize;
    while text.len() < HUGE_INVENTORY_BYTES {
        let _ = writeln!(text, "[group_{:03}]", n / 1000);
        for _ in 0..1000 {
            let _ = writeln!(
                text,
                "host-{n:07}.dc1.example.com ansible_host=10.{}.{}.{} rack=r{}",
                n / 65536 % 256,
                n / 256 % 256,
                n % 256,
                n % 40
            );
            n += 1;
        }
    }
    std::fs::write(&huge, &text).expect("write the large inventory");
    let huge = huge.display().to_string();
    report.group(
        "a 20 MB inventory (memory)",
        &[cmd(
            SPLIT_HUGE,
            bin("check_split_order"),
            &["-i", &huge],
            &[],
        )],
        few,
    );
    report.huge_inventory_mb = text.len() as f64 / (1024.0 * 1024.0);
}

/// Start-up cost: --help of each plugin.
fn start_up(bench: &Bench, report: &mut Report) {
    let runs = bench.runs;
    let bin = |name: &str| bench.bin(name);
    // Start-up cost.
    for plugin in PLUGINS {
        report.group(
            "start-up: --help",
            &[cmd(
                &format!("{plugin} --help"),
                bin(plugin),
                &["--help"],
                &[],
            )],
            runs,
        );
    }
}

/// BENCHMARKS.md: the header, the rows, the targets and the notes; an error if a group is
/// missing.
fn write(o: &Options, report: &Report, started: Instant) -> Result<(), String> {
    let header = format!(
        "# Benchmarks\n\n\
         Written by `scripts/bench` ({runs} interleaved runs per command, fewer for the slow peers), {date}.\n\n\
         - machine: {machine}\n- rustc: {rustc}\n- hastack-plugins {version}, binaries from `{bins}`\n\
         - peers: monitoring-plugins {mp}, ansible-core {ansible}, mariadb {mariadb}, ldap-utils {ldap}, bind9 {bind}, chrony {chrony}\n\n\
         Wall time from spawn to exit, in ms; spread is p10-p90; peak RSS from `/usr/bin/time` (MB);\n\
         ratio is our median over the peer's (below 1.0: ours is faster). Each group ran against the same\n\
         real server on loopback, started by the benchmark.\n\n\
         | work | command | median ms | spread ms | peak RSS MB | ratio | exit |\n|---|---|---|---|---|---|---|\n",
        runs = report.runs,
        date = version("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine = machine(),
        rustc = version("rustc", &["--version"]),
        version = env!("CARGO_PKG_VERSION"),
        bins = o.bin_dir.display(),
        mp = package_version("monitoring-plugins-basic"),
        ansible = package_version("ansible-core"),
        mariadb = package_version("mariadb-server"),
        ldap = package_version("ldap-utils"),
        bind = package_version("bind9"),
        chrony = package_version("chrony"),
    );
    let text = format!(
        "{header}{}{}{}",
        report.rows,
        report.targets(),
        include_str!("bench-notes.md")
    );
    print!("{text}");
    std::fs::write(&o.out, &text).map_err(|e| format!("cannot write {}: {e}", o.out.display()))?;
    eprintln!(
        "bench: wrote {} in {:.0} s",
        o.out.display(),
        started.elapsed().as_secs_f64()
    );
    match report.missing.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "incomplete, {} missing: {}",
            report.missing.len(),
            report.missing.join(", ")
        )),
    }
}
