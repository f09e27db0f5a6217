//! A real Icinga 2 runs every shipped CheckCommand against the story's stack on loopback: each
//! service's state and output line as Icinga recorded them, its perfdata as Icinga's own parser
//! reads it, no password in the argv Icinga ran; and a second Icinga 2 as an agent zone runs
//! checks for the master through command_endpoint.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hastack_test_support::harness::kernel;
use hastack_test_support::harness::ports::free_ports;
use hastack_test_support::servers::icinga::{CheckResult, Daemon, Pki};
use hastack_test_support::servers::stack::{Stack, icinga_objects};
use hastack_test_support::{PLUGINS, built_plugins, repo_root};

fn conf_files() -> Vec<PathBuf> {
    PLUGINS
        .iter()
        .map(|p| repo_root().join("icinga-conf").join(format!("{p}.conf")))
        .collect()
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
}

#[test]
fn icinga_runs_every_command_against_the_stack() {
    let stack = Stack::start(|_| {}).unwrap_or_else(|e| panic!("stack: {e}"));
    let services = stack.services();
    let pki = Pki::new().expect("icinga2 pki");
    let files = conf_files();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let port = free_ports(1)[0];
    let mut objects = icinga_objects(&services, "hastack", None, None);
    // The examples' agent-side pattern: no servers at all (an empty array leaves -H out, instead
    // of the $check_address$ default), only the kernel's view.
    objects.push_str(
        "object Service \"clock-local\" {\n\thost_name = \"hastack\"\n\tcheck_command = \"clock_skew\"\n\
         \tcheck_interval = 1h\n\tvars.clock_skew_hosts = []\n\tvars.clock_skew_local_sync = true\n}\n",
    );
    let master = Daemon::start(
        &pki,
        "test-master",
        None,
        &built_plugins(),
        &refs,
        &objects,
        port,
    )
    .unwrap_or_else(|e| panic!("icinga2: {e}"));
    let since = now();
    let (results, around) = kernel::Around::read(|| {
        master.check_all_now().expect("reschedule");
        master
            .results_after(since, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .expect("adjtimex through perl");
    // The agent-side clock check: its verdict follows the kernel's state at some moment
    // between two readings taken another way.
    let local = results
        .iter()
        .find(|r| r.service == "clock-local")
        .expect("a result for clock-local");
    // Icinga keeps the whole text (the long output included) as `output`.
    assert!(
        around.admits(local.exit_status as i32, &local.output),
        "clock-local: {:?}\ncommand: {:?}\n{around:?}",
        local.output,
        local.command
    );
    assert!(
        local.command.iter().any(|a| a == "--local-sync"),
        "{:?}",
        local.command
    );
    assert!(
        !local.command.iter().any(|a| a == "-H"),
        "an empty server list leaves -H out: {:?}",
        local.command
    );
    let mut labels = master
        .parsed_perfdata_labels("hastack", "clock-local")
        .expect("perfdata");
    labels.sort();
    assert_eq!(labels, ["esterror", "maxerror"], "clock-local perfdata");
    for service in &services {
        let result: &CheckResult = results
            .iter()
            .find(|r| r.service == service.name)
            .unwrap_or_else(|| panic!("no result for {}", service.name));
        let first_line = result.output.lines().next().unwrap_or_default();
        assert!(
            first_line.starts_with(&service.expect_output),
            "{}: {first_line:?} does not start with {:?}\ncommand: {:?}",
            service.name,
            service.expect_output,
            result.command
        );
        assert_eq!(
            result.exit_status, service.expect_state,
            "{}: {}",
            service.name, result.output
        );
        let labels = master
            .parsed_perfdata_labels("hastack", &service.name)
            .unwrap_or_else(|e| panic!("{}: {e}", service.name));
        for label in &service.expect_labels {
            assert!(
                labels.contains(label),
                "{}: Icinga parsed {labels:?}, no {label}",
                service.name
            );
        }
        assert_eq!(
            labels.len(),
            result.performance_data.len(),
            "{}: every item parsed",
            service.name
        );
        if let Some(secret) = &service.secret {
            assert!(
                !result.command.iter().any(|a| a.contains(secret.as_str())),
                "{}: the password is in the argv Icinga ran: {:?}",
                service.name,
                result.command
            );
        }
        // No empty value ever reaches the plugin (Icinga leaves unset arguments out).
        assert!(
            !result.command.iter().any(String::is_empty),
            "{}: {:?}",
            service.name,
            result.command
        );
    }
    // Both galera services left their record for the next run where the CheckCommand said.
    let records = std::fs::read_dir(stack.state_dir())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".history"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(
        records,
        2,
        "galera records in {}",
        stack.state_dir().display()
    );
}

#[test]
fn an_agent_zone_runs_checks_for_the_master() {
    let pki = Pki::new().expect("icinga2 pki");
    let files = conf_files();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let ports = free_ports(2);
    let (master_port, agent_port) = (ports[0], ports[1]);
    // The agent knows its parent; the master connects to it.
    let agent_objects = "object Endpoint \"test-master\" { }\nobject Zone \"test-master\" { endpoints = [ \"test-master\" ] }\n";
    let agent = Daemon::start(
        &pki,
        "test-agent",
        Some("test-master"),
        &built_plugins(),
        &refs,
        agent_objects,
        agent_port,
    )
    .unwrap_or_else(|e| panic!("agent: {e}"));
    let dir = hastack_test_support::tempdir().expect("tempdir");
    let inventory = dir.path().join("hosts.ini");
    std::fs::write(
        &inventory,
        hastack_test_support::servers::stack::INVENTORY_BAD,
    )
    .expect("write");
    let services = vec![hastack_test_support::servers::stack::Service {
        name: "inventory-on-agent".into(),
        command: "split_order".into(),
        vars: vec![
            (
                "split_order_inventory".into(),
                hastack_test_support::servers::stack::quote(&inventory.display().to_string()),
            ),
            (
                "split_order_groups".into(),
                "[ \"monitoring_servers=1:1\" ]".into(),
            ),
        ],
        expect_state: 2,
        expect_output: "SPLIT ORDER CRITICAL - [webservers] is empty".into(),
        expect_contains: None,
        expect_labels: vec!["hosts".into(), "monitoring_servers_hosts".into()],
        secret: None,
    }];
    let mut master_objects = format!(
        "object Endpoint \"test-agent\" {{ host = \"127.0.0.1\"; port = {agent_port} }}\n\
         object Zone \"test-agent\" {{ endpoints = [ \"test-agent\" ]; parent = \"test-master\" }}\n"
    );
    master_objects.push_str(&icinga_objects(
        &services,
        "agent-host",
        Some("test-master"),
        Some("test-agent"),
    ));
    let master = Daemon::start(
        &pki,
        "test-master",
        None,
        &built_plugins(),
        &refs,
        &master_objects,
        master_port,
    )
    .unwrap_or_else(|e| panic!("master: {e}"));
    // The master's result comes from the agent: wait for the connection, then check.
    let since = now();
    let results = (0..30)
        .find_map(|_| {
            let _ = master.check_all_now();
            match master.results_after(since, Duration::from_secs(2)) {
                Ok(results) if results.iter().all(|r| r.exit_status == 2) => Some(results),
                _ => None,
            }
        })
        .unwrap_or_else(|| {
            panic!(
                "the agent never answered\nmaster:\n{}\nagent:\n{}",
                master.log(),
                agent.log()
            )
        });
    let result = &results[0];
    assert!(
        result.output.starts_with(&services[0].expect_output),
        "{}",
        result.output
    );
    let labels = master
        .parsed_perfdata_labels("agent-host", "inventory-on-agent")
        .expect("perfdata");
    assert!(
        labels.contains(&"monitoring_servers_hosts".to_string()),
        "{labels:?}"
    );
    // The agent, not the master, ran it.
    assert_eq!(result.check_source, "test-agent", "{result:?}");
}
