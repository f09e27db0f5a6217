//! The runtime contract of `hastack-common`, checked through a real binary (`contract_fixture`):
//! timeouts end the run within timeout + 0.5 s, panics and bad arguments are one UNKNOWN line
//! with exit 3, help and version exit 3, thresholds and secrets behave.

use std::time::Duration;

use hastack_test_support::{PluginRun, tempdir};

fn fixture() -> PluginRun {
    PluginRun::new(env!("CARGO_BIN_EXE_contract_fixture")).limit(Duration::from_secs(20))
}

/// The contract: a run ends within its timeout and half a second.
const SLACK: Duration = Duration::from_millis(500);

#[test]
fn a_check_that_never_returns_ends_with_the_timeout_state() {
    let out = fixture().args(["--mode", "hang", "-t", "1"]).run();
    out.assert(
        3,
        "CONTRACT UNKNOWN - timed out after 1 s while waiting for a peer that never answers",
    );
    assert_eq!(out.line_count(), 1);
    assert!(out.elapsed >= Duration::from_secs(1), "{:?}", out.elapsed);
    out.assert_ended_within(Duration::from_secs(1) + SLACK);

    let out = fixture()
        .args(["--mode", "hang", "-t", "1", "--timeout-state", "critical"])
        .run();
    out.assert(
        2,
        "CONTRACT CRITICAL - timed out after 1 s while waiting for a peer that never answers",
    );
}

#[test]
fn a_check_that_blocks_its_thread_is_ended_by_the_watchdog() {
    let out = fixture()
        .args(["--mode", "block", "-t", "0.8", "--timeout-state", "warning"])
        .run();
    out.assert(
        1,
        "CONTRACT WARNING - timed out after 0.8 s while blocked in a synchronous call",
    );
    assert_eq!(out.line_count(), 1);
    out.assert_ended_within(Duration::from_millis(800) + SLACK);
}

#[test]
fn panics_are_one_unknown_line_and_exit_3() {
    for mode in ["panic", "panic-thread"] {
        let out = fixture().args(["--mode", mode]).run();
        out.assert(3, "CONTRACT UNKNOWN - internal error: ");
        assert!(out.first_line().contains("boom"), "{}", out.stdout);
        assert_eq!(out.line_count(), 1, "{mode}: {}", out.stdout);
    }
}

#[test]
fn a_refused_allocation_while_the_final_line_is_printed_is_one_line_at_once() {
    // stdout's buffer is allocated on its first use, inside the runtime's finish: a refusal
    // there once waited for the finishing caller (itself) forever.
    let out = fixture().args(["--mode", "oom-while-finishing"]).run();
    out.assert(
        3,
        "CONTRACT UNKNOWN - out of memory: an allocation of 4194304 TiB was refused (a server's answer or the input asked for more than this machine gives)",
    );
    assert_eq!(out.line_count(), 1, "{}", out.stdout);
    out.assert_ended_within(Duration::from_secs(1));
}

#[test]
fn panic_text_cannot_break_the_line() {
    let out = fixture().args(["--mode", "panic-pipe"]).run();
    out.assert(
        3,
        "CONTRACT UNKNOWN - internal error: boom / perf=1 second line at ",
    );
    assert_eq!(out.line_count(), 1, "{}", out.stdout);
    assert!(!out.stdout.contains('|'), "{}", out.stdout);
}

#[test]
fn option_files_are_read_under_the_deadline_and_a_cap() {
    let dir = tempdir().expect("tempdir");
    // A FIFO nobody writes: opening it blocks. The deadline covers it and names it, and a `|`
    // or newline in its name cannot break the line.
    let fifo = dir.path().join("pw|fifo\nx");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let out = fixture()
        .args(["-t", "1", "--password-file"])
        .arg(&fifo)
        .run();
    let shown = fifo
        .display()
        .to_string()
        .replace('|', "/")
        .replace('\n', " ");
    out.assert(
        3,
        &format!(
            "CONTRACT UNKNOWN - timed out after 1 s while reading the password file '{shown}'"
        ),
    );
    assert_eq!(out.line_count(), 1, "{}", out.stdout);
    out.assert_ended_within(Duration::from_secs(1) + SLACK);

    // Endless input ends at the cap, at once, whatever -t says.
    for endless in ["/dev/zero", "/dev/urandom"] {
        let out = fixture()
            .args(["-t", "60", "--password-file", endless])
            .run();
        out.assert(
            3,
            &format!("CONTRACT UNKNOWN - password file '{endless}' is larger than the 4 KiB this check reads"),
        );
        out.assert_ended_within(Duration::from_secs(2));
    }

    // A directory is named as one.
    let out = fixture().arg("--password-file").arg(dir.path()).run();
    out.assert(
        3,
        &format!(
            "CONTRACT UNKNOWN - cannot read password file '{}': is a directory",
            dir.path().display()
        ),
    );
}

#[test]
fn bad_arguments_are_one_unknown_line_with_a_hint() {
    let table: &[(&[&str], &str)] = &[
        (
            &["--bogus"],
            "CONTRACT UNKNOWN - unexpected argument '--bogus' found (see 'contract_fixture --help')",
        ),
        (
            &["-t", "abc"],
            "CONTRACT UNKNOWN - invalid value 'abc' for '--timeout <SECONDS>': 'abc' is not a number of seconds",
        ),
        (
            &["-t", "0"],
            "CONTRACT UNKNOWN - invalid value '0' for '--timeout <SECONDS>': '0' is out of range",
        ),
        (
            &["--timeout-state", "maybe"],
            "CONTRACT UNKNOWN - invalid value 'maybe' for '--timeout-state <STATE>'",
        ),
        (
            &["-w", "20:10"],
            "CONTRACT UNKNOWN - invalid value '20:10' for '--warning <RANGE>': invalid range '20:10': start is greater than end",
        ),
        (
            &["-c", "1e3"],
            "CONTRACT UNKNOWN - invalid value '1e3' for '--critical <RANGE>': invalid range '1e3': end '1e3' is not a plain decimal number",
        ),
        (
            &["-c", ""],
            "CONTRACT UNKNOWN - invalid value '' for '--critical <RANGE>': invalid range '': the range is empty",
        ),
        (
            &["--value"],
            "CONTRACT UNKNOWN - a value is required for '--value <VALUE>'",
        ),
    ];
    for (args, prefix) in table {
        let out = fixture().args(*args).run();
        out.assert(3, prefix);
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
        assert!(
            out.first_line()
                .ends_with("(see 'contract_fixture --help')"),
            "{}",
            out.first_line()
        );
        assert!(out.stderr.is_empty(), "{}", out.stderr);
    }
}

#[test]
fn help_and_version_print_to_stdout_and_exit_3() {
    let out = fixture().arg("--help").run();
    assert_eq!(out.code, Some(3));
    assert!(
        out.stdout.contains("--timeout <SECONDS>")
            && out.stdout.contains("--timeout-state <STATE>"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("-v, --verbose"));
    let out = fixture().arg("-V").run();
    assert_eq!(out.code, Some(3));
    assert_eq!(
        out.stdout.trim(),
        format!("contract_fixture {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn thresholds_decide_the_state_and_perfdata_shows_plain_bounds() {
    let table: &[(&[&str], i32, &str, &str, &str)] = &[
        (
            &["--value", "5", "-w", "10", "-c", "20"],
            0,
            "CONTRACT OK - value 5",
            "10",
            "20",
        ),
        (
            &["--value", "15", "-w", "10", "-c", "20"],
            1,
            "CONTRACT WARNING - value 15 (outside 10)",
            "10",
            "20",
        ),
        (
            &["--value", "25", "-w", "~:10", "-c", "~:20"],
            2,
            "CONTRACT CRITICAL - value 25 (outside ~:20)",
            "10",
            "20",
        ),
        (
            &["--value", "1", "-w", "3:", "-c", "2:"],
            2,
            "CONTRACT CRITICAL - value 1 (outside 2:)",
            "",
            "",
        ),
        (
            &["--value", "15", "-c", "@10:20"],
            2,
            "CONTRACT CRITICAL - value 15 (inside 10:20)",
            "",
            "",
        ),
        (
            &["--value", "-1", "-w", "10"],
            1,
            "CONTRACT WARNING - value -1 (outside 10)",
            "10",
            "",
        ),
    ];
    for (args, code, line, warn, crit) in table {
        let out = fixture().args(*args).run();
        out.assert(*code, line);
        let perf = out.perf("value");
        assert_eq!(
            (perf.warn.as_str(), perf.crit.as_str()),
            (*warn, *crit),
            "{args:?}"
        );
    }
}

#[test]
fn refused_service_is_critical_with_the_cause() {
    fixture()
        .args(["--mode", "refused"])
        .run()
        .assert(2, "CONTRACT CRITICAL - 127.0.0.1:1: connection refused");
}

#[test]
fn secrets_never_appear_in_output() {
    let dir = tempdir().expect("tempdir");
    let path = dir.path().join("pw");
    std::fs::write(&path, "s3cr3t-Pa55\n").expect("write");
    let out = fixture().args(["-vvv", "--password-file"]).arg(&path).run();
    out.assert(0, "CONTRACT OK");
    assert!(
        out.stdout
            .contains("password <redacted> (Secret(<redacted>))"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("s3cr3t"));

    let out = fixture()
        .args(["-vvv"])
        .env("CONTRACT_PASSWORD", "env-s3cr3t")
        .run();
    out.assert(0, "CONTRACT OK");
    assert!(!out.stdout.contains("env-s3cr3t"));

    let missing = dir.path().join("missing");
    let out = fixture().arg("--password-file").arg(&missing).run();
    out.assert(
        3,
        &format!(
            "CONTRACT UNKNOWN - cannot read password file '{}': no such file or directory",
            missing.display()
        ),
    );
    assert_eq!(out.line_count(), 1);
}
