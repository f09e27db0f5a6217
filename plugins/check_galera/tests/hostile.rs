//! Servers no MariaDB should be, scripted (`hastack_test_support::scripted::mysql`): each answer
//! ends the run with a clear line in time and bounded memory, never a panic, a hang or the
//! password.

use std::time::Duration;

use hastack_test_support::scripted::mysql::{Reply, ResultSet, ScriptedMysql};
use hastack_test_support::{PluginOutput, PluginRun};

const BIN: &str = env!("CARGO_BIN_EXE_check_galera");
const PASSWORD: &str = "s3cret-monitor-pw";

/// A real capture of a healthy node's wsrep status (`tests/fixtures`), as SHOW answers it.
fn healthy_status() -> ResultSet {
    let capture = include_str!("fixtures/a0-healthy-node1.txt");
    let pairs: Vec<(&str, &str)> = capture
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once('\t'))
        .collect();
    ResultSet::pairs(&pairs)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn variables() -> ResultSet {
    ResultSet::pairs(&[("wsrep_on", "ON"), ("version", "10.11.6-MariaDB-0+deb12u1")])
}

/// The check on `server` under `/usr/bin/time`, its peak RSS asserted under 16 MB.
fn check(server: &ScriptedMysql) -> PluginOutput {
    run(&["-H", "127.0.0.1", "-P", &server.port.to_string()])
}

/// The check with `args` under `/usr/bin/time`, its peak RSS asserted under 16 MB and the
/// password nowhere in what it printed.
fn run(args: &[&str]) -> PluginOutput {
    let out = PluginRun::measured(BIN)
        .limit(Duration::from_secs(20))
        .args(args)
        .args(["-u", "monitor", "-t", "5"])
        .env("MYSQL_PWD", PASSWORD)
        .run();
    let peak_kb = out.peak_rss_kb();
    assert!(peak_kb < 16 * 1024, "peak RSS {peak_kb} KB");
    assert!(!out.stdout.contains(PASSWORD), "{}", out.stdout);
    out
}

#[test]
fn the_scripted_server_answers_as_mariadb_does() {
    let server = ScriptedMysql::start(|_| Reply::ResultSets(vec![healthy_status(), variables()]));
    let out = check(&server);
    out.assert(0, "GALERA OK - ");
}

#[test]
fn an_endless_status_ends_at_its_cap() {
    let server = ScriptedMysql::start(|_| Reply::EndlessRows {
        columns: vec!["Variable_name".into(), "Value".into()],
        row: vec!["wsrep_x".into(), "1".into()],
    });
    let out = check(&server);
    out.assert(
        2,
        &format!("GALERA CRITICAL - 127.0.0.1:{}: malformed answer: more than 1000 rows for SHOW GLOBAL STATUS (a Galera node sends at most a few dozen)", server.port),
    );
    out.assert_ended_within(Duration::from_secs(2));
}

/// Payloads in answer to the status query, each sent as it is framed here.
fn answer_with(payloads: Vec<Vec<u8>>) -> ScriptedMysql {
    ScriptedMysql::start(move |_| Reply::Packets(payloads.clone()))
}

#[test]
fn in_a_cluster_the_endless_member_is_named_and_the_others_still_count() {
    // Members are asked for their clock first, in the same query as the status.
    let healthy = ScriptedMysql::start(|query| {
        let clock = ResultSet {
            columns: vec!["UNIX_TIMESTAMP(NOW(6))".into()],
            rows: vec![vec![format!("{:.6}", now())]],
        };
        match query.starts_with("SELECT UNIX_TIMESTAMP") {
            true => Reply::ResultSets(vec![clock, healthy_status(), variables()]),
            false => Reply::ResultSets(vec![healthy_status(), variables()]),
        }
    });
    let endless = ScriptedMysql::start(|_| Reply::EndlessRows {
        columns: vec!["UNIX_TIMESTAMP(NOW(6))".into()],
        row: vec!["1.0".into()],
    });
    let (a, b) = (healthy.port, endless.port);
    let out = run(&[
        "--node",
        &format!("a=127.0.0.1:{a}"),
        "--node",
        &format!("b=127.0.0.1:{b}"),
    ]);
    out.assert(1, &format!("GALERA WARNING - b (127.0.0.1:{b}): malformed answer: more than 1000 rows for SELECT UNIX_TIMESTAMP"));
    out.assert_ended_within(Duration::from_secs(2));
}

#[test]
fn announced_sizes_are_checked_before_anything_is_read() {
    // A packet announcing 16 MB (the largest a header can say), then 1000 bytes of it.
    let server = ScriptedMysql::start(|_| {
        let mut raw = vec![0xff, 0xff, 0xff, 1];
        raw.extend([1u8; 1000]);
        Reply::Raw(raw)
    });
    check(&server).assert(
        2,
        &format!("GALERA CRITICAL - 127.0.0.1:{}: malformed answer: a packet announced as larger than 1 MiB (a status answer is a few KB)", server.port),
    );
}

#[test]
fn announced_column_counts_end_in_words_not_an_abort() {
    // mysql_async reserves room for as many columns as announced: 2^43 columns ask for 256 TiB
    // (the machine refuses; Rust's default would abort with exit 134 and print nothing), 2^60
    // overflow the capacity (a panic, caught by the runtime's hook).
    let count = |n: u64| {
        let mut packet = vec![0xfe];
        packet.extend(n.to_le_bytes());
        packet
    };
    let server = answer_with(vec![count(1 << 43)]);
    check(&server).assert(
        3,
        "GALERA UNKNOWN - out of memory: an allocation of 256 TiB was refused (a server's answer or the input asked for more than this machine gives)",
    );
    let server = answer_with(vec![count(1 << 60)]);
    check(&server).assert(3, "GALERA UNKNOWN - internal error: capacity overflow");
}

#[test]
fn malformed_and_foreign_answers_are_named() {
    let mut local_infile = vec![0xfb];
    local_infile.extend(b"/etc/shadow");
    let cases: Vec<(ScriptedMysql, &str)> = vec![
        (
            answer_with(vec![vec![]]),
            "malformed answer: a packet ends before its fields do",
        ),
        // A packet numbered 9 where 1 belongs.
        (
            ScriptedMysql::start(|_| Reply::Raw(vec![1, 0, 0, 9, 2])),
            "malformed answer: packets out of sequence",
        ),
        // A row with one value where the result set has two columns.
        (
            ScriptedMysql::start(|_| {
                Reply::ResultSets(vec![ResultSet {
                    columns: vec!["Variable_name".into(), "Value".into()],
                    rows: vec![vec!["wsrep_ready".into()]],
                }])
            }),
            "malformed answer: a packet ends before its fields do",
        ),
        (
            answer_with(vec![local_infile]),
            "the server asked for a local file (LOAD DATA LOCAL INFILE), which the check never sends",
        ),
        (
            ScriptedMysql::greeting(b"\x09garbage".to_vec(), |_| Reply::Nothing),
            "malformed answer: no null terminator for null-terminated string",
        ),
        (
            ScriptedMysql::greeting(b"\x0a5.5.5-10".to_vec(), |_| Reply::Nothing),
            "malformed answer: no null terminator for null-terminated string",
        ),
        (
            ScriptedMysql::greeting(Vec::new(), |_| Reply::Nothing),
            "malformed answer: a packet ends before its fields do",
        ),
        (
            ScriptedMysql::start(|_| Reply::Close),
            "closed the connection before answering",
        ),
        // An OK where the result sets belong: no status at all.
        (
            answer_with(vec![vec![0, 0, 0, 2, 0, 0, 0]]),
            "not a Galera cluster member (wsrep_cluster_status=none, no wsrep provider loaded)",
        ),
    ];
    for (server, words) in cases {
        let out = check(&server);
        out.assert(
            2,
            &format!("GALERA CRITICAL - 127.0.0.1:{}: {words}", server.port),
        );
        out.assert_ended_within(Duration::from_secs(2));
    }
}

#[test]
fn a_password_the_server_quotes_is_not_printed() {
    let server = ScriptedMysql::start(|_| Reply::Error {
        code: 1045,
        message: format!("Access denied: password '{PASSWORD}' is wrong"),
    });
    check(&server).assert(
        2,
        &format!("GALERA CRITICAL - 127.0.0.1:{}: reading the wsrep status failed: Access denied: password '********' is wrong (MySQL error 1045)", server.port),
    );
}
