//! check_consul_dns as a user runs it: against the Consul agent's stand-in (which answers as
//! Consul documents, trimming UDP answers without TC) and a real BIND forwarder, healthy,
//! degraded, stopped and hung; a standard server that sets TC; a scripted server sending hostile
//! answers; a UDP black hole; bad options as one UNKNOWN line.

use std::time::Duration;

use hastack_test_support::scripted::consul::{
    ConsulAgent, DnsConfig, Health, many_instances, many_instances_v6,
};
use hastack_test_support::scripted::dns::{ScriptedDns, reply_to};
use hastack_test_support::servers::bind::{Authoritative, Forwarder};
use hastack_test_support::{PluginRun, UdpBlackHole, assert_shared_cli_contract, free_udp_port};
use hickory_proto::op::{Message, OpCode};
use hickory_proto::rr::rdata::{A, SRV};
use hickory_proto::rr::{DNSClass, Name, RData, Record};

const BIN: &str = env!("CARGO_BIN_EXE_check_consul_dns");

fn plugin() -> PluginRun {
    PluginRun::new(BIN).limit(Duration::from_secs(20))
}

fn stand_in() -> ConsulAgent {
    ConsulAgent::start().unwrap_or_else(|e| panic!("consul stand-in: {e}"))
}

fn forwarder(consul: &ConsulAgent) -> Forwarder {
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
    let consul = stand_in();
    let healthy = stand_in();
    // node3's check is critical: the agent stops serving it; node2's warning is still served.
    consul.set_health("galeradb", "node3", Health::Critical);
    consul.set_health("galeradb", "node2", Health::Warning);
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
            "CONSUL DNS WARNING - {} returned 2 instances, {} returned 3, missing 127.0.0.13",
            consul.addr(),
            healthy.addr()
        ),
    );
    assert_eq!(out.perf("instances").value, "2");
    assert!(
        out.perfdata()
            .contains_key(&format!("{}_time", healthy.addr().replace(':', "_"))),
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
    consul.stop();
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
    consul.pause();
    // BIND itself waits 10 s before SERVFAIL; the check ends by -t, naming who did not answer.
    for server in [fwd.addr(), consul.addr()] {
        let out = plugin()
            .args(["-t", "3", "-H", &server, "-s", "galeradb"])
            .run();
        out.assert(
            2,
            &format!(
                "CONSUL DNS CRITICAL - {server}: no answer within 2.7 s while waiting for an answer"
            ),
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
    out.assert(2, "CONSUL DNS CRITICAL - 127.0.0.1:");
    assert!(
        out.summary_line()
            .ends_with(": no answer within 1.8 s while waiting for an answer"),
        "{}",
        out.stdout
    );
    assert_eq!(out.long_output().len(), 2, "{}", out.stdout);
    out.assert_ended_within(Duration::from_millis(2500));
    consul.resume();
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
            "CONSUL DNS CRITICAL - 127.0.0.1:{}: no answer within 1.8 s while waiting for an answer",
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
fn truncated_answers_from_a_standard_server_are_asked_again_over_tcp() {
    // BIND, unlike Consul, sets TC on an answer that does not fit the client's buffer.
    let standard = Authoritative::start().unwrap_or_else(|e| panic!("BIND: {e}"));
    let out = plugin().args(["-H", &standard.addr(), "-s", "big"]).run();
    out.assert(0, "CONSUL DNS OK - 100 instances of big from ");
    assert!(
        out.long_output()[0].contains("truncated over UDP, asked again over TCP"),
        "{}",
        out.stdout
    );
    let consul = stand_in();
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

fn agent_with(count: usize) -> ConsulAgent {
    ConsulAgent::start_with(many_instances("big", count), DnsConfig::default())
        .unwrap_or_else(|e| panic!("consul stand-in: {e}"))
}

#[test]
fn the_count_is_whole_against_consuls_defaults() {
    // Consul cuts a UDP answer without EDNS to 3 records and trims one with EDNS to its buffer,
    // without TC: the check must still count every instance, A and SRV, 5 and 90.
    for count in [5usize, 90] {
        let agent = agent_with(count);
        for qtype in ["A", "SRV"] {
            let out = plugin()
                .args(["-H", &agent.addr(), "-s", "big", "--type", qtype])
                .run();
            out.assert(
                0,
                &format!(
                    "CONSUL DNS OK - {count} instances of big from {} in ",
                    agent.addr()
                ),
            );
            assert_eq!(out.perf("instances").value, count.to_string());
            // What ordinary clients see, as information.
            assert!(
                out.stdout.contains(&format!(
                    "\\_ [OK] {}: clients without EDNS (glibc's default resolver) get 3 of {count}",
                    agent.addr()
                )),
                "{qtype} {count}: {}",
                out.stdout
            );
        }
    }
    // 90 do not fit 1232 bytes: the full UDP answer is asked again over TCP.
    let agent = agent_with(90);
    let out = plugin()
        .args(["-H", &agent.addr(), "-s", "big", "--type", "SRV"])
        .run();
    assert!(
        out.long_output()[0]
            .contains("a full UDP answer may hide trimmed records, asked again over TCP"),
        "{}",
        out.stdout
    );
    // Three or fewer: nothing to say about clients without EDNS.
    let consul = stand_in();
    let out = plugin()
        .args(["-H", &consul.addr(), "-s", "galeradb"])
        .run();
    assert!(!out.stdout.contains("without EDNS"), "{}", out.stdout);
}

#[test]
fn aaaa_answers_are_counted_whole_too() {
    // The same service with IPv4 and IPv6 instances: AAAA counts the IPv6 ones, whole, past
    // Consul's 3 records without EDNS and its trimming to the EDNS buffer; A the IPv4 ones; SRV
    // all, each target's address (A or AAAA) from the additional section.
    for count in [5usize, 90] {
        let mut catalog = many_instances("big", 4);
        catalog.extend(many_instances_v6("big", count));
        let agent = ConsulAgent::start_with(catalog, DnsConfig::default())
            .unwrap_or_else(|e| panic!("consul stand-in: {e}"));
        for (qtype, expected) in [("AAAA", count), ("A", 4), ("SRV", count + 4)] {
            let out = plugin()
                .args(["-H", &agent.addr(), "-s", "big", "--type", qtype])
                .run();
            out.assert(
                0,
                &format!(
                    "CONSUL DNS OK - {expected} instances of big from {} in ",
                    agent.addr()
                ),
            );
            assert_eq!(out.perf("instances").value, expected.to_string(), "{qtype}");
        }
        let out = plugin()
            .args([
                "-H",
                &agent.addr(),
                "-s",
                "big",
                "--type",
                "AAAA",
                "--expect",
                "fd00::1:1",
                "--expect",
                &format!("fd00::1:{count:x}"),
            ])
            .run();
        out.assert(
            0,
            &format!("CONSUL DNS OK - {count} instances of big from "),
        );
        assert!(
            out.stdout.contains(&format!(
                "\\_ [OK] {}: clients without EDNS (glibc's default resolver) get 3 of {count}",
                agent.addr()
            )),
            "{}",
            out.stdout
        );
        if count == 5 {
            assert!(
                out.summary_line()
                    .ends_with(": fd00::1:1, fd00::1:2, fd00::1:3, fd00::1:4, fd00::1:5"),
                "{}",
                out.stdout
            );
        }
    }
}

#[test]
fn an_expected_fourth_instance_of_five_is_found() {
    // The false CRITICAL: Consul answers 3 records to a client without EDNS, so an
    // expected instance beyond them was "missing". Every one of the five is found, and nothing
    // else is there.
    let agent = agent_with(5);
    let server = agent.addr();
    for qtype in ["A", "SRV"] {
        let mut args = vec!["-H", &server, "-s", "big", "--type", qtype, "--exact"];
        let expected: Vec<String> = (1..=5).map(|n| format!("127.1.0.{n}")).collect();
        for address in &expected {
            args.extend(["--expect", address]);
        }
        let out = plugin().args(&args).run();
        out.assert(
            0,
            &format!(
                "CONSUL DNS OK - 5 instances of big from {} in ",
                agent.addr()
            ),
        );
        assert_eq!(out.perf("instances").value, "5");
        // The fourth alone, too.
        let out = plugin()
            .args(["-H", &agent.addr(), "-s", "big", "--type", qtype])
            .args(["--expect", "127.1.0.4"])
            .run();
        out.assert(0, "CONSUL DNS OK - 5 instances of big from ");
    }
}

#[test]
fn the_forwarders_loss_is_named() {
    // BIND forwards with EDNS and a 1232-byte buffer; Consul trims to fit without TC, and BIND
    // serves the trimmed set: compared with the agent, the loss is named.
    let agent = agent_with(90);
    let fwd = forwarder(&agent);
    let out = plugin()
        .args([
            "-H",
            &fwd.addr(),
            "-H",
            &agent.addr(),
            "-s",
            "big",
            "--type",
            "SRV",
        ])
        .run();
    out.assert(
        1,
        &format!("CONSUL DNS WARNING - the forwarder {} returns ", fwd.addr()),
    );
    let line = out.summary_line();
    assert!(
        line.contains(&format!(
            " of the agent {}'s 90 instances (Consul trims answers that do not fit the forwarder's EDNS buffer, 1232 bytes in BIND, without setting TC), missing ",
            agent.addr()
        )),
        "{line}"
    );
    let fewer = out.perf("instances").number();
    assert!((1.0..90.0).contains(&fewer), "{fewer}");
}

/// What a scripted server sends for a query.
type Datagrams = fn(&Message) -> Vec<Vec<u8>>;

/// A scripted server's answer: `edit` changes the standard reply to the query.
fn scripted(edit: Datagrams) -> ScriptedDns {
    ScriptedDns::start(Box::new(edit)).unwrap_or_else(|e| panic!("scripted DNS: {e}"))
}

fn a_record(owner: &Name, ip: [u8; 4]) -> Record {
    Record::from_rdata(owner.clone(), 0, RData::A(A(ip.into())))
}

fn encoded(message: &Message) -> Vec<u8> {
    message.to_vec().expect("encode")
}

/// The reply's bytes with one answer record appended as raw bytes: `name` then an A record.
fn with_raw_answer(query: &Message, name: &[u8], rr_type: u16) -> Vec<Vec<u8>> {
    let mut bytes = encoded(&reply_to(query));
    bytes[7] = 1; // ANCOUNT
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(&rr_type.to_be_bytes());
    bytes.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, 1]);
    vec![bytes]
}

fn asked(server: &ScriptedDns, qtype: &str) -> hastack_test_support::PluginOutput {
    plugin()
        .args([
            "-t",
            "10",
            "-H",
            &server.addr(),
            "-s",
            "galeradb",
            "--type",
            qtype,
        ])
        .run()
}

#[test]
fn an_answer_to_another_question_is_said_at_once() {
    // The right ID, another question.
    let server = scripted(|query| {
        let mut reply = reply_to(query);
        let other = Name::from_ascii("other.example.").expect("name");
        reply.queries[0].set_name(other.clone());
        reply.add_answer(a_record(&other, [10, 0, 0, 1]));
        vec![encoded(&reply)]
    });
    let out = asked(&server, "A");
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {}: malformed answer: an answer to another question (other.example. IN A)",
            server.addr()
        ),
    );
    out.assert_ended_within(Duration::from_secs(1));
}

#[test]
fn records_of_another_owner_or_class_are_not_instances() {
    // One true record; one owned by another name, one of class CH: only the first counts.
    let server = scripted(|query| {
        let mut reply = reply_to(query);
        let asked = query.queries[0].name().clone();
        reply.add_answer(a_record(&asked, [10, 0, 0, 1]));
        reply.add_answer(a_record(
            &Name::from_ascii("other.example.").expect("name"),
            [10, 0, 0, 2],
        ));
        let mut chaos = a_record(&asked, [10, 0, 0, 3]);
        chaos.dns_class = DNSClass::CH;
        reply.add_answer(chaos);
        vec![encoded(&reply)]
    });
    let out = asked(&server, "A");
    out.assert(0, "CONSUL DNS OK - 1 instances of galeradb from ");
    assert!(out.summary_line().ends_with(": 10.0.0.1"), "{}", out.stdout);
}

#[test]
fn a_query_instead_of_a_response_is_said_at_once() {
    let server = scripted(|query| {
        let mut bytes = encoded(&reply_to(query));
        bytes[2] &= 0x7f;
        vec![bytes]
    });
    asked(&server, "A").assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {}: malformed answer: a query, not a response (QR=0)",
            server.addr()
        ),
    );
}

#[test]
fn noise_with_another_id_is_skipped() {
    let server = scripted(|query| {
        let mut noise = reply_to(query);
        noise.metadata.id = query.metadata.id.wrapping_add(1);
        let mut reply = reply_to(query);
        reply.add_answer(a_record(query.queries[0].name(), [10, 0, 0, 1]));
        vec![encoded(&noise), b"x".to_vec(), encoded(&reply)]
    });
    asked(&server, "A").assert(0, "CONSUL DNS OK - 1 instances of galeradb from ");
}

#[test]
fn an_srv_target_of_root_is_no_instance() {
    // RFC 2782: an SRV target of "." says the service is decidedly not available.
    let server = scripted(|query| {
        let mut reply = reply_to(query);
        reply.add_answer(Record::from_rdata(
            query.queries[0].name().clone(),
            0,
            RData::SRV(SRV::new(0, 0, 0, Name::root())),
        ));
        vec![encoded(&reply)]
    });
    let out = asked(&server, "SRV");
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {} says galeradb.service.consul is decidedly not available (SRV target '.', RFC 2782)",
            server.addr()
        ),
    );
    assert_eq!(out.perf("instances").value, "0");
}

#[test]
fn malformed_answers_are_said_at_once() {
    // Each reply carries the question's ID, so it is the server's answer: no waiting for the
    // deadline, the line says in the check's words what was wrong and where.
    let cases: [(&str, Datagrams); 5] = [
        (
            "a compression pointer that does not point backwards (a loop, or forwards) in the answer section",
            |query| {
                let at = encoded(&reply_to(query)).len() as u8;
                with_raw_answer(query, &[0xc0, at], 1)
            },
        ),
        (
            "a compression pointer past the end of the message in the answer section",
            |query| with_raw_answer(query, &[0xc0, 0xff], 1),
        ),
        (
            "a label of 64 octets (at most 63) in the answer section",
            |query| {
                let mut name = vec![64u8];
                name.extend_from_slice(&[b'a'; 64]);
                name.push(0);
                with_raw_answer(query, &name, 1)
            },
        ),
        (
            "a name longer than 255 octets in the answer section",
            |query| {
                let mut name = Vec::new();
                for _ in 0..4 {
                    name.push(63u8);
                    name.extend_from_slice(&[b'a'; 63]);
                }
                name.push(0);
                with_raw_answer(query, &name, 1)
            },
        ),
        ("an OPT record in the answer section", |query| {
            with_raw_answer(query, &[0], 41)
        }),
    ];
    for (what, script) in cases {
        let server = scripted(script);
        let out = plugin()
            .args(["-t", "10", "-H", &server.addr(), "-s", "galeradb"])
            .run();
        out.assert(
            2,
            &format!(
                "CONSUL DNS CRITICAL - {}: malformed answer: {what}",
                server.addr()
            ),
        );
        assert_eq!(
            out.summary_line(),
            format!(
                "CONSUL DNS CRITICAL - {}: malformed answer: {what}",
                server.addr()
            )
        );
        // Nothing was measured: no perfdata.
        assert!(out.perfdata().is_empty(), "{what}: {}", out.stdout);
        out.assert_ended_within(Duration::from_secs(1));
        assert_eq!(out.line_count(), 2, "{what}: {}", out.stdout);
    }
}

#[test]
fn another_opcode_is_said_at_once() {
    // Our ID and question, but opcode STATUS (2): not an answer to a query.
    let server = scripted(|query| {
        let mut reply = reply_to(query);
        reply.add_answer(a_record(query.queries[0].name(), [10, 0, 0, 1]));
        reply.metadata.op_code = OpCode::Status;
        vec![encoded(&reply)]
    });
    let out = asked(&server, "A");
    out.assert(
        2,
        &format!(
            "CONSUL DNS CRITICAL - {}: malformed answer: opcode 2 (STATUS) instead of 0 (QUERY)",
            server.addr()
        ),
    );
    assert!(out.perfdata().is_empty(), "{}", out.stdout);
    out.assert_ended_within(Duration::from_secs(1));
}

#[test]
fn a_question_without_edns_that_is_never_answered_costs_a_short_grace() {
    // A server (or a middlebox) that answers queries with EDNS and swallows those without: the
    // main answer counts, what clients without EDNS get is not known (said at -v), and the run
    // ends after the grace (at least 200 ms, as long as the main exchange took), not at -t.
    let server = scripted(|query| match query.edns {
        Some(_) => {
            let mut reply = reply_to(query);
            reply.add_answer(a_record(query.queries[0].name(), [10, 0, 0, 1]));
            vec![encoded(&reply)]
        }
        None => Vec::new(),
    });
    for verbose in [false, true] {
        let mut run = plugin();
        run = run.args(["-t", "10", "-H", &server.addr(), "-s", "galeradb"]);
        if verbose {
            run = run.arg("-v");
        }
        let out = run.run();
        out.assert(
            0,
            &format!(
                "CONSUL DNS OK - 1 instances of galeradb from {} in ",
                server.addr()
            ),
        );
        assert_eq!(out.perf("instances").value, "1");
        out.assert_ended_within(Duration::from_millis(500));
        let said = format!(
            "\\_ [OK] {}: what clients without EDNS get is not known: asked without EDNS, no answer within ",
            server.addr()
        );
        assert_eq!(out.stdout.contains(&said), verbose, "{}", out.stdout);
        assert!(!out.stdout.contains("get 0 of"), "{}", out.stdout);
    }
}

#[test]
fn names_too_long_for_dns_are_usage_errors_before_sending() {
    let label = "a".repeat(63);
    let out = plugin()
        .args([
            "-s",
            "db",
            "--tag",
            &label,
            "--datacenter",
            &label,
            "--domain",
        ])
        .arg([label.as_str(); 3].join("."))
        .run();
    out.assert(
        3,
        "CONSUL DNS UNKNOWN - --service, --tag, --datacenter and --domain make a name of 332 octets: a DNS name is at most 255 (see 'check_consul_dns --help')",
    );
    assert_eq!(out.line_count(), 1);
    // SRV's `_` prefix makes a 63-octet tag a 64-octet label: the tag is named.
    let out = plugin()
        .args(["-s", "db", "--tag", &label, "--type", "SRV"])
        .run();
    out.assert(
        3,
        &format!(
            "CONSUL DNS UNKNOWN - invalid --tag '{label}': with --type SRV and a tag the label is '_{label}', 64 octets (a DNS label is at most 63) (see 'check_consul_dns --help')"
        ),
    );
    assert_eq!(out.line_count(), 1);
}
