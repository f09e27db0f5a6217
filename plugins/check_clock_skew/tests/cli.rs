//! check_clock_skew as a user runs it: against real chronyd servers (one with a clock 1900 s
//! ahead, one 3 s behind, via libfaketime), a closed port, a UDP black hole, and the kernel's own
//! sync flag; bad options are one UNKNOWN line.

use std::time::Duration;

use hastack_test_support::kernel;
use hastack_test_support::ntp::{NtpServer, Reply, ScriptedNtp, Sync};
use hastack_test_support::{PluginRun, UdpBlackHole, assert_shared_cli_contract, free_udp_port};

const BIN: &str = env!("CARGO_BIN_EXE_check_clock_skew");

fn plugin() -> PluginRun {
    PluginRun::new(BIN).limit(Duration::from_secs(20))
}

fn server(offset: Option<&str>) -> NtpServer {
    let started = match offset {
        Some(offset) => NtpServer::start_shifted(offset),
        None => NtpServer::start(),
    };
    started.unwrap_or_else(|e| panic!("chronyd: {e}"))
}

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "CLOCK SKEW");
}

#[test]
fn a_correct_server_is_ok_with_its_offset_near_zero() {
    let good = server(None);
    let out = plugin().args(["-H", &good.addr()]).run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    assert!(
        out.summary_line()
            .contains(&format!("against {} (stratum 8, delay ", good.addr())),
        "{}",
        out.stdout
    );
    let offset = out.perf("offset");
    assert!(offset.number().abs() < 0.01, "{offset:?}");
    assert_eq!(
        (
            offset.uom.as_str(),
            offset.warn.as_str(),
            offset.crit.as_str()
        ),
        ("s", "0.5", "2")
    );
    assert_eq!(out.perf("stratum").value, "8");
    assert!(out.perf("delay").number() >= 0.0);
    // Four samples by default: the jitter is measured.
    assert!(out.perfdata().contains_key("jitter"), "{}", out.stdout);

    // A name is resolved; of localhost's addresses, the one chronyd listens on answers.
    let out = plugin()
        .args(["-H", &format!("localhost:{}", good.port)])
        .run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    assert!(
        out.summary_line()
            .contains(&format!("against localhost:{} (", good.port))
    );
    // -p sets the port of servers named without one.
    let out = plugin()
        .args(["-H", "127.0.0.1", "-p", &good.port.to_string()])
        .run();
    out.assert(0, "CLOCK SKEW OK - offset ");
}

#[test]
fn a_clock_1900_s_ahead_is_critical_and_agrees_with_check_ntp_time() {
    let bad = server(Some("+1900s"));
    let out = plugin().args(["-H", &bad.addr()]).run();
    out.assert(2, "CLOCK SKEW CRITICAL - offset +1900.0 s against ");
    assert!(
        out.summary_line().ends_with("(outside 2)"),
        "{}",
        out.stdout
    );
    let ours = out.perf("offset").number();
    assert!((ours - 1900.0).abs() < 0.5, "{ours}");

    // The C peer on the same server: offsets within 10 ms of each other.
    let peer = std::process::Command::new("/usr/lib/nagios/plugins/check_ntp_time")
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &bad.port.to_string(),
            "-w",
            "60",
            "-c",
            "120",
        ])
        .output()
        .expect("check_ntp_time (scripts/setup installs monitoring-plugins-basic)");
    let text = String::from_utf8_lossy(&peer.stdout);
    let theirs: f64 = text
        .split("offset=")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no offset in check_ntp_time's output: {text}"));
    assert!(
        (ours - theirs).abs() < 0.01,
        "ours {ours}, check_ntp_time {theirs}"
    );
}

#[test]
fn a_clock_3_s_behind_is_a_warning_at_w1_c5() {
    let late = server(Some("-3s"));
    let out = plugin()
        .args(["-H", &late.addr(), "-w", "1", "-c", "5"])
        .run();
    out.assert(1, "CLOCK SKEW WARNING - offset -3.000 s against ");
    assert!(
        out.summary_line().ends_with("(outside 1)"),
        "{}",
        out.stdout
    );
    let offset = out.perf("offset");
    assert!((offset.number() + 3.0).abs() < 0.5, "{offset:?}");
    assert_eq!((offset.warn.as_str(), offset.crit.as_str()), ("1", "5"));
}

#[test]
fn three_servers_name_the_two_furthest_apart() {
    let good = server(None);
    let ahead = server(Some("+1900s"));
    let behind = server(Some("-3s"));
    let out = plugin()
        .args([
            "-H",
            &good.addr(),
            "-H",
            &ahead.addr(),
            "-H",
            &behind.addr(),
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - clocks of {} and {} differ by 1903.0 s ({} ahead; outside 2)",
            ahead.addr(),
            behind.addr(),
            ahead.addr()
        ),
    );
    let skew = out.perf("skew");
    assert!((skew.number() - 1903.0).abs() < 0.5, "{skew:?}");
    assert_eq!((skew.warn.as_str(), skew.crit.as_str()), ("0.5", "2"));
    for s in [&good, &ahead, &behind] {
        let offset = out.perf(&format!("offset_{}", s.addr()));
        assert!(
            offset.warn.is_empty(),
            "offsets not judged unless asked: {offset:?}"
        );
        assert!(
            out.perfdata()
                .contains_key(&format!("stratum_{}", s.addr()))
        );
    }
    // The aggregate first, then one line per server.
    assert_eq!(out.long_output().len(), 4, "{}", out.stdout);
    assert!(
        out.long_output()[0].starts_with("\\_ [CRITICAL] clocks of "),
        "{}",
        out.stdout
    );
    assert!(
        out.long_output()[2].starts_with(&format!("\\_ [OK] {}: offset +1900.0 s", ahead.addr()))
    );
    assert!(
        out.perfdata_order().first().is_some_and(|l| l == "skew"),
        "the skew leads the perfdata: {}",
        out.stdout
    );

    // Two good clocks agree.
    let other = server(None);
    let out = plugin()
        .args(["-H", &good.addr(), "-H", &other.addr()])
        .run();
    out.assert(0, "CLOCK SKEW OK - clocks of 2 servers agree within ");
    assert!(out.perf("skew").number() < 0.01);
}

#[test]
fn nothing_listening_is_critical_at_once() {
    let port = free_udp_port();
    let out = plugin().args(["-H", &format!("127.0.0.1:{port}")]).run();
    out.assert(
        2,
        &format!("CLOCK SKEW CRITICAL - no response from 127.0.0.1:{port}: connection refused"),
    );
    out.assert_ended_within(Duration::from_secs(2));
}

#[test]
fn a_swallowed_request_ends_within_the_deadline() {
    let hole = UdpBlackHole::start();
    let good = server(None);
    let out = plugin()
        .args([
            "-t",
            "3",
            "-H",
            &format!("127.0.0.1:{}", hole.port()),
            "-H",
            &good.addr(),
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - no response from 127.0.0.1:{}",
            hole.port()
        ),
    );
    out.assert_ended_within(Duration::from_millis(3500));
    // The server that answered is still reported.
    assert!(
        out.perfdata()
            .contains_key(&format!("offset_{}", good.addr())),
        "{}",
        out.stdout
    );
    assert!(
        !out.perfdata().contains_key("skew"),
        "no skew from one answer"
    );
}

#[test]
fn a_server_that_is_not_synchronised_itself_is_critical() {
    let lost = NtpServer::start_with(None, Sync::Unsynchronised).expect("chronyd");
    let out = plugin().args(["-H", &lost.addr()]).run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - {} is not synchronised itself (stratum 0)",
            lost.addr()
        ),
    );
}

fn scripted(replies: Vec<Reply>) -> ScriptedNtp {
    ScriptedNtp::start(replies).unwrap_or_else(|e| panic!("scripted NTP server: {e}"))
}

#[test]
fn the_sample_with_the_smallest_round_trip_is_kept() {
    // Three answers come back 300 ms late from a clock 10 s ahead, one at once from a clock
    // 5 s ahead: the prompt one is the measurement, whatever its place among the four.
    let slow = Reply {
        delay: Duration::from_millis(300),
        offset: 10.0,
        ..Reply::default()
    };
    let prompt = Reply {
        offset: 5.0,
        ..Reply::default()
    };
    let server = scripted(vec![slow.clone(), slow.clone(), prompt, slow]);
    let out = plugin().args(["-H", &server.addr()]).run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - offset +5.000 s against {} (outside 2)",
            server.addr()
        ),
    );
    assert!(
        (out.perf("offset").number() - 5.0).abs() < 0.01,
        "{}",
        out.stdout
    );
    assert!(out.perf("delay").number() < 0.1, "{}", out.stdout);
    // The slow samples (offset 10 s less half of 0.3 s) make the jitter.
    let jitter = out.perf("jitter").number();
    assert!(
        (4.5..5.5).contains(&jitter),
        "jitter {jitter}: {}",
        out.stdout
    );
}

#[test]
fn a_root_distance_over_16_s_is_critical() {
    let server = scripted(vec![Reply {
        root_delay: 2.0,
        root_dispersion: 16.0,
        ..Reply::default()
    }]);
    plugin().args(["-H", &server.addr()]).run().assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - {} is not synchronised itself (root distance over 16 s from its reference): its time cannot be trusted",
            server.addr()
        ),
    );
}

#[test]
fn a_kiss_of_death_is_named() {
    for (code, words) in [
        (*b"RATE", "rate limit exceeded, this host asks too often"),
        (*b"DENY", "access denied by the server"),
    ] {
        let server = scripted(vec![Reply {
            stratum: 0,
            leap: 3,
            reference_id: code,
            ..Reply::default()
        }]);
        plugin().args(["-H", &server.addr()]).run().assert(
            2,
            &format!(
                "CLOCK SKEW CRITICAL - {} sent kiss-o'-death {}: {words}",
                server.addr(),
                String::from_utf8_lossy(&code)
            ),
        );
    }
}

#[test]
fn an_ipv6_server_is_asked_at_its_bracketed_address() {
    let server = NtpServer::start_at("::1".parse().expect("::1"), None, Sync::Local)
        .unwrap_or_else(|e| panic!("chronyd on ::1: {e}"));
    let addr = server.addr();
    assert!(addr.starts_with("[::1]:"), "{addr}");
    let out = plugin().args(["-H", &addr]).run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    assert!(
        out.summary_line()
            .contains(&format!("against {addr} (stratum 8, delay ")),
        "{}",
        out.stdout
    );
}

#[test]
fn the_local_clock_state_comes_from_the_kernel() {
    // No network at all. The verdict follows the kernel's maximum error, read here another way
    // (Perl's syscall) before and after the run; the value lies between the readings.
    let before = kernel::read().expect("adjtimex through perl");
    let out = plugin().arg("--local-sync").run();
    let after = kernel::read().expect("adjtimex through perl");
    let (code, line) = before.expected_verdict();
    assert_eq!(after.expected_verdict(), (code, line), "changed meanwhile");
    out.assert(code, line);
    if code == 2 && line.contains("not synchronised") {
        plugin()
            .args(["--local-sync", "--unsynced-state", "warning"])
            .run()
            .assert(1, "CLOCK SKEW WARNING - local clock not synchronised");
    }
    // STA_UNSYNC is said, not judged.
    assert_eq!(
        out.stdout.contains("kernel flag STA_UNSYNC set"),
        before.unsynchronised() && before.maxerror_us < 16_000_000,
        "{}",
        out.stdout
    );
    let maxerror = out.perf("maxerror");
    assert_eq!(maxerror.uom, "s");
    let (low, high) = (
        before.maxerror_us.min(after.maxerror_us) as f64 / 1e6,
        before.maxerror_us.max(after.maxerror_us) as f64 / 1e6,
    );
    assert!(
        low <= maxerror.number() && maxerror.number() <= high,
        "maxerror {} s not between the kernel's {low} s and {high} s",
        maxerror.number()
    );
    assert_eq!((maxerror.warn.as_str(), maxerror.crit.as_str()), ("1", "5"));
    assert_eq!(out.perf("esterror").uom, "s");
}

#[test]
fn bad_options_are_one_unknown_line() {
    let table: &[(&[&str], &str)] = &[
        (
            &[],
            "CLOCK SKEW UNKNOWN - nothing to check: name an NTP server with -H, or add --chrony or --local-sync",
        ),
        (
            &["-H", "ntp one"],
            "CLOCK SKEW UNKNOWN - invalid -H 'ntp one': 'ntp one' is not a host name or address",
        ),
        (
            &["-H", "ntp1:99999"],
            "CLOCK SKEW UNKNOWN - invalid -H 'ntp1:99999': '99999' is not a UDP port",
        ),
        (
            &["-H", "ntp1", "-w", "20:10"],
            "CLOCK SKEW UNKNOWN - invalid value '20:10' for '--warning <RANGE>': invalid range '20:10': start is greater than end",
        ),
        (
            &["-H", "ntp1", "-c", "1e3"],
            "CLOCK SKEW UNKNOWN - invalid value '1e3' for '--critical <RANGE>'",
        ),
        (
            &["-H", "ntp1", "--samples", "0"],
            "CLOCK SKEW UNKNOWN - invalid value '0' for '--samples <N>'",
        ),
        (
            &["-H", "ntp1", "--skew-critical", "1"],
            "CLOCK SKEW UNKNOWN - --skew-warning/--skew-critical compare servers: name at least two with -H",
        ),
        (
            &["--unsynced-state", "warning"],
            "CLOCK SKEW UNKNOWN - the following required arguments were not provided: --local-sync",
        ),
    ];
    for (args, line) in table {
        let out = plugin().args(*args).run();
        out.assert(3, line);
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
    }
}

#[test]
fn an_unknown_name_is_unknown_naming_it() {
    let out = plugin().args(["-H", "no-such-host.invalid"]).run();
    out.assert(
        3,
        "CLOCK SKEW UNKNOWN - cannot resolve no-such-host.invalid: ",
    );
}
