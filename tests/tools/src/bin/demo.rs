//! The suite's demo: starts the story's HA stack on loopback (a Galera cluster with one clock
//! 1900 s ahead, chronyd pair, Consul stand-in and BIND forwarder, OpenLDAP limited like AD, the
//! inventory Terraform wrote) and a real Icinga 2 whose CheckCommands run every plugin against
//! it, prints what Icinga recorded as a compact table, and stops everything it started.
//! Usage: `demo [DIR_WITH_PLUGIN_BINARIES]` (default `target/release`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hastack_test_support::PLUGINS;
use hastack_test_support::harness::ports::free_ports;
use hastack_test_support::servers::icinga::{Daemon, Pki};
use hastack_test_support::servers::stack::{Stack, icinga_objects};

fn progress(started: Instant, text: &str) {
    eprintln!("[{:5.1} s] {text}", started.elapsed().as_secs_f64());
}

fn state_name(code: i64) -> &'static str {
    match code {
        0 => "OK",
        1 => "WARNING",
        2 => "CRITICAL",
        _ => "UNKNOWN",
    }
}

/// At most `width` characters, cut with `...`.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(3)).collect();
    format!("{kept}...")
}

fn run(bin_dir: &Path, started: Instant) -> Result<bool, String> {
    for plugin in PLUGINS {
        if !bin_dir.join(plugin).exists() {
            return Err(format!(
                "{} is missing: build first",
                bin_dir.join(plugin).display()
            ));
        }
    }
    let stack = Stack::start(|step| progress(started, step))?;
    progress(started, "making Icinga 2 certificates (icinga2 pki)");
    let pki = Pki::new()?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let confs: Vec<PathBuf> = PLUGINS
        .iter()
        .map(|p| repo.join("icinga-conf").join(format!("{p}.conf")))
        .collect();
    let refs: Vec<&Path> = confs.iter().map(PathBuf::as_path).collect();
    let services = stack.services();
    let objects = icinga_objects(&services, "hastack", None, None);
    progress(started, "starting Icinga 2 with the shipped CheckCommands");
    let icinga = Daemon::start(
        &pki,
        "demo-icinga",
        None,
        bin_dir,
        &refs,
        &objects,
        free_ports(1)[0],
    )?;
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    icinga.check_all_now()?;
    progress(started, "Icinga 2 is running every check");
    let results = icinga.results_after(since, Duration::from_secs(60))?;
    let width = services.iter().map(|s| s.name.len()).max().unwrap_or(10);
    println!(
        "\n{:width$}  {:8}  output (as Icinga 2 recorded it, perfdata left out)",
        "service", "state"
    );
    println!("{:-<width$}  {:-<8}  {:-<100}", "", "", "");
    let mut as_expected = true;
    for service in &services {
        let Some(result) = results.iter().find(|r| r.service == service.name) else {
            println!("{:width$}  {:8}  (no result)", service.name, "?");
            as_expected = false;
            continue;
        };
        let line = result.output.lines().next().unwrap_or_default().trim_end();
        println!(
            "{:width$}  {:8}  {}",
            service.name,
            state_name(result.exit_status),
            cut(line, 100)
        );
        as_expected &=
            result.exit_status == service.expect_state && line.starts_with(&service.expect_output);
    }
    println!(
        "\n{} services, {} checks run by Icinga 2 through the shipped CheckCommands.",
        services.len(),
        results.len()
    );
    progress(started, "stopping everything the demo started");
    drop(icinga);
    drop(stack);
    Ok(as_expected)
}

fn main() {
    let bin_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("target/release").to_path_buf());
    let bin_dir = bin_dir.canonicalize().unwrap_or(bin_dir);
    let started = Instant::now();
    let code = match run(&bin_dir, started) {
        Ok(true) => {
            progress(
                started,
                "done: every service reported what the story predicts",
            );
            0
        }
        Ok(false) => {
            progress(
                started,
                "done, but some service did not report what the story predicts",
            );
            1
        }
        Err(e) => {
            eprintln!("demo: {e}");
            1
        }
    };
    std::process::exit(code);
}
