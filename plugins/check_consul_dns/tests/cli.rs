//! check_consul_dns as a user runs it: against a real BIND standing in for the Consul agent's
//! DNS interface and a real BIND forwarder, healthy, degraded, stopped and hung; a UDP black
//! hole; bad options as one UNKNOWN line.

use std::time::Duration;

use hastack_test_support::dns::{ConsulStandIn, Forwarder, GALERADB};
use hastack_test_support::{PluginRun, UdpBlackHole, assert_shared_cli_contract, free_udp_port};

const BIN: &str = env!("CARGO_BIN_EXE_check_consul_dns");

fn plugin() -> PluginRun {
    PluginRun::new(BIN).limit(Duration::from_secs(20))
}

fn stand_in() -> ConsulStandIn {
    ConsulStandIn::start().unwrap_or_else(|e| panic!("consul stand-in: {e}"))
}

fn forwarder(consul: &ConsulStandIn) -> Forwarder {
    Forwarder::start(consul.port()).unwrap_or_else(|e| panic!("forwarder: {e}"))
}

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "CONSUL DNS");
}

#[test]
fn lookups_directly_and_through_the_forwarder() {
    let consul = stand_in();
    let fwd = forwarder(&consul);
    for server in [consul.addr(), fwd.addr()] {
        let out = plugin().args(["-H", &server, "-s", "galeradb"]).run();
        out.assert(
            0,
            &format!("CONSUL DNS OK - 3 instances of galeradb from {server} in "),
        );
        assert!(
            out.summary_line()
                .ends_with(": 127.0.0.11, 127.0.0.12, 127.0.0.13"),
            "{}",
            out.stdout
        );
        assert_eq!(out.perf("instances").value, "3");
        assert_eq!(out.perf("time").uom, "s");

        let out = plugin()
            .args(["-H", &server, "-s", "galeradb", "--type", "SRV"])
            .run();
        out.assert(0, "CONSUL DNS OK - 3 instances of galeradb from ");
        assert!(
            out.summary_line().ends_with(": node1.node.dc1.consul:3306 (127.0.0.11), node2.node.dc1.consul:3306 (127.0.0.12), node3.node.dc1.consul:3306 (127.0.0.13)"),
            "{}",
            out.stdout
        );

        for qtype in ["A", "SRV"] {
            let out = plugin()
                .args([
                    "-H",
                    &server,
                    "-s",
                    "galeradb",
                    "--tag",
                    "icinga-galera",
                    "--type",
                    qtype,
                ])
                .run();
            out.assert(0, "CONSUL DNS OK - 2 instances of galeradb from ");
        }
        let out = plugin()
            .args(["-H", &server, "-s", "galeradb", "--datacenter", "dc1"])
            .run();
        out.assert(0, "CONSUL DNS OK - 3 instances of galeradb from ");
    }
    // Who answered, in the long output: the agent authoritatively, the forwarder recursively.
    let out = plugin()
        .args(["-H", &consul.addr(), "-s", "galeradb"])
        .run();
    assert!(
        out.long_output()[0].contains("(authoritative)"),
        "{}",
        out.stdout
    );
    let out = plugin().args(["-H", &fwd.addr(), "-s", "galeradb"]).run();
    assert!(
        out.long_output()[0].contains("(recursive, not authoritative)"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_unknown_service_is_no_healthy_instance() {
    let consul = stand_in();
    let fwd = forwarder(&consul);
    for server in [consul.addr(), fwd.addr()] {
        let out = plugin().args(["-H", &server, "-s", "nosuch"]).run();
        out.assert(
            2,
            &format!("CONSUL DNS CRITICAL - no healthy instance of nosuch ({server}: NXDOMAIN for nosuch.service.consul)"),
        );
        assert_eq!(out.perf("instances").value, "0");
    }
}

#[test]
fn thresholds_and_expected_instances_both_ways() {
    let consul = stand_in();
    let server = consul.addr();
    let run = |extra: &[&str]| {
        plugin()
            .args(["-H", &server, "-s", "galeradb"])
            .args(extra)
            .run()
    };
    run(&["-w", "3:", "-c", "1:"]).assert(0, "CONSUL DNS OK - 3 instances");
    let out = run(&["-w", "4:", "-c", "1:"]);
    out.assert(
        1,
        &format!("CONSUL DNS WARNING - {server} returned 3 instances of galeradb (outside 4:)"),
    );
    assert_eq!(
        out.perf("instances").crit,
        "",
        "a lower bound is not a plain perfdata threshold"
    );
    run(&["-c", "4:"]).assert(
        2,
        &format!("CONSUL DNS CRITICAL - {server} returned 3 instances of galeradb (outside 4:)"),
    );

    let expect_all = [
        "--expect",
        "127.0.0.11",
        "--expect",
        "127.0.0.12",
        "--expect",
        "127.0.0.13",
    ];
    run(&expect_all).assert(0, "CONSUL DNS OK");
    let mut exact = expect_all.to_vec();
    exact.push("--exact");
    run(&exact).assert(0, "CONSUL DNS OK");
    run(&["--expect", "127.0.0.14"]).assert(
        2,
        &format!("CONSUL DNS CRITICAL - expected 127.0.0.14 missing from {server}"),
    );
    run(&["--expect", "127.0.0.11", "--exact"]).assert(
        1,
        &format!("CONSUL DNS WARNING - {server} returned unexpected 127.0.0.12, 127.0.0.13"),
    );
    plugin()
        .args([
            "-H",
            &server,
            "-s",
            "galeradb",
            "--type",
            "SRV",
            "--expect",
            "127.0.0.13:3306",
            "--expect",
            "node1.node.dc1.consul:3306",
        ])
        .run()
        .assert(0, "CONSUL DNS OK");
    plugin()
        .args([
            "-H",
            &server,
            "-s",
            "galeradb",
            "--type",
            "SRV",
            "--expect",
            "127.0.0.13:3307",
        ])
        .run()
        .assert(
            2,
            &format!("CONSUL DNS CRITICAL - expected 127.0.0.13:3307 missing from {server}"),
        );
    // Response time.
    let out = run(&["--time-warning", "5", "--time-critical", "0.000001"]);
    out.assert(2, &format!("CONSUL DNS CRITICAL - {server} answered in "));
    assert_eq!(
        (
            out.perf("time").warn.as_str(),
            out.perf("time").crit.as_str()
        ),
        ("5", "0.000001")
    );
}

#[test]
fn a_degraded_service_and_servers_that_disagree() {
    let mut consul = stand_in();
    let healthy = ConsulStandIn::start().expect("second stand-in");
    // node3 fails its health check: the agent stops serving it.
    consul.serve(&GALERADB[..2]).expect("reload");
    let out = plugin()
        .args(["-H", &consul.addr(), "-s", "galeradb", "-w", "3:"])
        .run();
    out.assert(
        1,
        &format!(
            "CONSUL DNS WARNING - {} returned 2 instances of galeradb (outside 3:)",
            consul.addr()
        ),
    );
    assert_eq!(out.perf("instances").value, "2");

    let out = plugin()
        .args([
            "-H",
            &healthy.addr(),
            "-H",
            &consul.addr(),
            "-s",
            "galeradb",
        ])
        .run();
    out.assert(
        1,
        &format!(
            "CONSUL DNS WARNING - {} returned 2 instances, {} returned 3; missing 127.0.0.13",
            consul.addr(),
            healthy.addr()
        ),
    );
    assert_eq!(out.perf("instances").value, "2");
    assert!(
        out.perfdata()
            .contains_key(&format!("time_{}", healthy.addr())),
        "{}",
        out.stdout
    );
    assert_eq!(out.long_output().len(), 2, "{}", out.stdout);
}

#[test]
fn a_stopped_agent_is_servfail_through_the_forwarder_and_refused_directly() {
    let mut consul = stand_in();
    let fwd = forwarder(&consul);
    let direct = consul.addr();
    consul.named.stop();
    let out = plugin().args(["-H", &fwd.addr(), "-s", "galeradb"]).run();
    out.assert(
        2,
        &format!("CONSUL DNS CRITICAL - server failure (SERVFAIL) from {} for galeradb.service.consul (forwarder cannot reach Consul?)", fwd.addr()),
    );
    out.assert_ended_within(Duration::from_secs(2));
    let out = plugin().args(["-H", &direct, "-s", "galeradb"]).run();
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {direct}: connection refused (no DNS server listens there)"
        ),
    );
}

#[test]
fn a_hung_agent_ends_by_our_deadline_not_binds() {
    let consul = stand_in();
    let fwd = forwarder(&consul);
    consul.named.pause();
    // BIND itself waits 10 s before SERVFAIL; the check ends by -t, naming who did not answer.
    for server in [fwd.addr(), consul.addr()] {
        let out = plugin()
            .args(["-t", "3", "-H", &server, "-s", "galeradb"])
            .run();
        out.assert(
            2,
            &format!("CONSUL DNS CRITICAL - no answer from {server} within 2.7 s"),
        );
        out.assert_ended_within(Duration::from_millis(3500));
    }
    // Both at once: the same deadline, each named.
    let out = plugin()
        .args([
            "-t",
            "2",
            "-H",
            &fwd.addr(),
            "-H",
            &consul.addr(),
            "-s",
            "galeradb",
        ])
        .run();
    out.assert(2, "CONSUL DNS CRITICAL - no answer from ");
    assert_eq!(out.long_output().len(), 2, "{}", out.stdout);
    out.assert_ended_within(Duration::from_millis(2500));
    consul.named.resume();
}

#[test]
fn a_udp_black_hole_ends_within_the_deadline() {
    let hole = UdpBlackHole::start();
    let out = plugin()
        .args([
            "-t",
            "2",
            "-H",
            &format!("127.0.0.1:{}", hole.port()),
            "-s",
            "galeradb",
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - no answer from 127.0.0.1:{} within 1.8 s",
            hole.port()
        ),
    );
    out.assert_ended_within(Duration::from_millis(2500));
}

#[test]
fn names_outside_consul_through_the_forwarder() {
    let consul = stand_in();
    let fwd = forwarder(&consul);
    let out = plugin()
        .args([
            "-H",
            &fwd.addr(),
            "-s",
            "galeradb",
            "--also-resolve",
            "www.example.org",
        ])
        .run();
    out.assert(0, "CONSUL DNS OK - 3 instances of galeradb");
    assert!(
        out.stdout.contains(&format!(
            "\\_ [OK] {}: www.example.org resolves (127.0.0.80)",
            fwd.addr()
        )),
        "{}",
        out.stdout
    );

    let out = plugin()
        .args([
            "-H",
            &fwd.addr(),
            "-s",
            "galeradb",
            "--also-resolve",
            "www.unreachable.example",
        ])
        .run();
    out.assert(2, &format!("CONSUL DNS CRITICAL - {} cannot resolve www.unreachable.example: SERVFAIL (server failure)", fwd.addr()));
    // The agent does not recurse: asked directly, it refuses names outside its zone.
    let out = plugin()
        .args([
            "-H",
            &consul.addr(),
            "-s",
            "galeradb",
            "--also-resolve",
            "www.example.org",
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {} cannot resolve www.example.org: REFUSED",
            consul.addr()
        ),
    );
}

#[test]
fn truncated_answers_are_asked_again_over_tcp() {
    let consul = stand_in();
    let out = plugin().args(["-H", &consul.addr(), "-s", "big"]).run();
    out.assert(0, "CONSUL DNS OK - 60 instances of big from ");
    assert!(
        out.long_output()[0].contains("truncated over UDP, asked again over TCP"),
        "{}",
        out.stdout
    );
    let out = plugin()
        .args(["-H", &consul.addr(), "-s", "galeradb", "--tcp"])
        .run();
    out.assert(0, "CONSUL DNS OK - 3 instances of galeradb");
    // --tcp against a closed port: refused, at once.
    let port = free_udp_port();
    plugin()
        .args([
            "-H",
            &format!("127.0.0.1:{port}"),
            "-s",
            "galeradb",
            "--tcp",
        ])
        .run()
        .assert(
            2,
            &format!("CONSUL DNS CRITICAL - 127.0.0.1:{port}: connection refused"),
        );
}

#[test]
fn a_query_by_name_and_nodata() {
    let consul = stand_in();
    let out = plugin()
        .args(["-H", &consul.addr(), "-q", "node1.node.dc1.consul"])
        .run();
    out.assert(
        0,
        &format!(
            "CONSUL DNS OK - 1 A records for node1.node.dc1.consul from {} in ",
            consul.addr()
        ),
    );
    let out = plugin()
        .args([
            "-H",
            &consul.addr(),
            "-q",
            "node1.node.dc1.consul",
            "--type",
            "AAAA",
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {} has no AAAA records for node1.node.dc1.consul (NODATA)",
            consul.addr()
        ),
    );
    let out = plugin()
        .args(["-H", &consul.addr(), "-q", "nothing.consul."])
        .run();
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - nothing.consul does not exist ({}: NXDOMAIN)",
            consul.addr()
        ),
    );
}

#[test]
fn bad_options_are_one_unknown_line() {
    let table: &[(&[&str], &str)] = &[
        (
            &[],
            "CONSUL DNS UNKNOWN - the following required arguments were not provided: --service <NAME>",
        ),
        (
            &["-s", "a", "-q", "b"],
            "CONSUL DNS UNKNOWN - the argument '--service <NAME>' cannot be used with '--query <FQDN>'",
        ),
        (
            &["-s", "galeradb", "-H", "dns.example.org"],
            "CONSUL DNS UNKNOWN - invalid -H 'dns.example.org': 'dns.example.org' is not an IP address",
        ),
        (
            &["-s", "gale radb"],
            "CONSUL DNS UNKNOWN - invalid --service 'gale radb': ' ' is not allowed in a DNS label",
        ),
        (
            &["-s", "galeradb", "--type", "MX"],
            "CONSUL DNS UNKNOWN - invalid value 'MX' for '--type <TYPE>'",
        ),
        (
            &["-s", "galeradb", "-w", "3:1"],
            "CONSUL DNS UNKNOWN - invalid value '3:1' for '--warning <RANGE>': invalid range '3:1': start is greater than end",
        ),
        (
            &["-s", "galeradb", "--exact"],
            "CONSUL DNS UNKNOWN - the following required arguments were not provided: --expect <ADDR[:PORT]>",
        ),
        (
            &["-s", "galeradb", "--expect", "127.0.0.1:3306"],
            "CONSUL DNS UNKNOWN - invalid --expect '127.0.0.1:3306': A and AAAA answers have no port",
        ),
    ];
    for (args, line) in table {
        let out = plugin().args(*args).run();
        out.assert(3, line);
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
    }
}
