//! check_ldap_paging as a user runs it, against a real slapd limited like Active Directory
//! (1000 entries per unpaged search): the story's truncation, binds, TLS, a hung server, the
//! size.pr variant, and a directory of 100,000 entries counted with bounded memory.

use std::time::Duration;

use hastack_test_support::servers::slapd::{
    Directory, READER_DN, READER_PASSWORD, ROOT_DN, ROOT_PASSWORD, Slapd, USERS,
};
use hastack_test_support::{PluginRun, TcpTarpit, assert_shared_cli_contract};

const BIN: &str = env!("CARGO_BIN_EXE_check_ldap_paging");
const PEOPLE: &str = "(objectClass=inetOrgPerson)";

fn plugin() -> PluginRun {
    PluginRun::new(BIN).limit(Duration::from_secs(60))
}

fn slapd(users: usize) -> Slapd {
    Slapd::start(Directory {
        users,
        ..Directory::default()
    })
    .unwrap_or_else(|e| panic!("slapd: {e}"))
}

/// A search of the users as the reader, with extra options.
fn as_reader(server: &Slapd, extra: &[&str]) -> PluginRun {
    plugin()
        .args([
            "-U",
            &server.uri(),
            "-D",
            READER_DN,
            "-b",
            USERS,
            "-f",
            PEOPLE,
        ])
        .args(extra)
        .env("LDAP_PASSWORD", READER_PASSWORD)
}

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "LDAP PAGING");
}

#[test]
fn unpaged_clients_see_1000_of_2500() {
    let server = slapd(2500);
    let out = as_reader(&server, &[]).run();
    out.assert(
        1,
        "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries (server size limit 1000)",
    );
    assert_eq!(out.perf("entries").value, "2500");
    assert_eq!(out.perf("unpaged_entries").value, "1000");
    assert_eq!(out.perf("pages").value, "5");
    assert_eq!(out.perf("time").uom, "s");
    assert!(
        out.stdout
            .contains("\\_ [OK] paged search: 2500 entries in 5 pages of up to 500"),
        "{}",
        out.stdout
    );

    as_reader(&server, &["--truncation-state", "critical"])
        .run()
        .assert(
            2,
            "LDAP PAGING CRITICAL - unpaged searches see only 1000 of 2500 entries",
        );
    // Anonymously: the same limit.
    plugin()
        .args(["-U", &server.uri(), "-b", USERS, "-f", PEOPLE])
        .run()
        .assert(
            1,
            "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries",
        );
    // As the rootdn, to which limits do not apply: one unpaged search tells all.
    let out = plugin()
        .args([
            "-U",
            &server.uri(),
            "-D",
            ROOT_DN,
            "-b",
            USERS,
            "-f",
            PEOPLE,
        ])
        .env("LDAP_PASSWORD", ROOT_PASSWORD)
        .run();
    out.assert(
        0,
        &format!("LDAP PAGING OK - 2500 entries under {USERS}, counted in one unpaged search in "),
    );
    assert_eq!(out.perf("pages").value, "0");
    // -w on the total, and -H/-p instead of -U, page size and scope.
    let out = plugin()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "-D",
            READER_DN,
        ])
        .args([
            "-b",
            USERS,
            "-f",
            PEOPLE,
            "--page-size",
            "1000",
            "--scope",
            "one",
            "-w",
            "2000",
            "--truncation-state",
            "ok",
        ])
        .env("LDAP_PASSWORD", READER_PASSWORD)
        .run();
    out.assert(
        1,
        &format!("LDAP PAGING WARNING - 2500 entries under {USERS} (outside 2000)"),
    );
    assert_eq!(
        (
            out.perf("pages").value.as_str(),
            out.perf("entries").warn.as_str()
        ),
        ("3", "2000")
    );
}

#[test]
fn under_the_limit_nothing_is_lost() {
    let server = slapd(900);
    let out = as_reader(&server, &[]).run();
    out.assert(
        0,
        &format!("LDAP PAGING OK - 900 entries under {USERS}, counted in one unpaged search in "),
    );
    assert_eq!(out.perf("unpaged_entries").value, "900");
    as_reader(&server, &["-w", "800"]).run().assert(
        1,
        &format!("LDAP PAGING WARNING - 900 entries under {USERS} (outside 800)"),
    );
    // Passwords from a file and from -P work too; none is ever printed.
    let dir = hastack_test_support::tempdir().expect("tempdir");
    let file = dir.path().join("pw");
    std::fs::write(&file, format!("{READER_PASSWORD}\n")).expect("write");
    let out = plugin()
        .args([
            "-U",
            &server.uri(),
            "-D",
            READER_DN,
            "-b",
            USERS,
            "-f",
            PEOPLE,
            "-vvv",
            "--password-file",
        ])
        .arg(&file)
        .run();
    out.assert(0, "LDAP PAGING OK - 900 entries");
    assert!(!out.stdout.contains(READER_PASSWORD));
    plugin()
        .args([
            "-U",
            &server.uri(),
            "-D",
            READER_DN,
            "-P",
            READER_PASSWORD,
            "-b",
            USERS,
            "-f",
            PEOPLE,
        ])
        .run()
        .assert(0, "LDAP PAGING OK - 900 entries");
}

#[test]
fn a_wrong_password_is_a_rejected_bind() {
    let server = slapd(10);
    let out = plugin()
        .args(["-U", &server.uri(), "-D", READER_DN, "-b", USERS])
        .env("LDAP_PASSWORD", "wrong")
        .run();
    out.assert(
        2,
        &format!("LDAP PAGING CRITICAL - bind as {READER_DN} rejected: invalid credentials"),
    );
    assert_eq!(out.line_count(), 1);
}

#[test]
fn starttls_and_ldaps_with_and_without_the_ca() {
    let server = slapd(1200);
    let ca = server.ca().display().to_string();
    let run = |uri: &str, extra: &[&str]| {
        plugin()
            .args(["-U", uri, "-D", READER_DN, "-b", USERS, "-f", PEOPLE])
            .args(extra)
            .env("LDAP_PASSWORD", READER_PASSWORD)
            .run()
    };
    let (plain, ldaps) = (server.uri(), server.ldaps_uri());
    run(&plain, &["--starttls", "--tls-ca", &ca]).assert(
        1,
        "LDAP PAGING WARNING - unpaged searches see only 1000 of 1200",
    );
    // --ca-file is the old name of --tls-ca, still taken.
    run(&ldaps, &["--ca-file", &ca]).assert(
        1,
        "LDAP PAGING WARNING - unpaged searches see only 1000 of 1200",
    );
    run(&ldaps, &["--tls-skip-verify"]).assert(1, "LDAP PAGING WARNING");
    // Without the CA: the certificate problem, named.
    for (uri, extra) in [(&plain, &["--starttls"][..]), (&ldaps, &[][..])] {
        let out = run(uri, extra);
        out.assert(
            2,
            &format!("LDAP PAGING CRITICAL - TLS with {uri} failed: the server certificate is signed by an unknown CA (give the CA with --tls-ca)"),
        );
    }
    // LDAPS spoken to the plain port, and plain LDAP to the LDAPS port: each named.
    let wrong = format!("ldaps://127.0.0.1:{}", server.port);
    run(&wrong, &["--tls-ca", &ca]).assert(
        2,
        &format!("LDAP PAGING CRITICAL - TLS with {wrong} failed: the server closed the connection during the handshake (is this an LDAPS port?)"),
    );
    let wrong = format!("ldap://127.0.0.1:{}", server.ldaps_port);
    run(&wrong, &[]).assert(
        2,
        &format!("LDAP PAGING CRITICAL - {wrong} closed the connection before answering (is this an LDAPS port? use ldaps://)"),
    );
}

/// The usual `openssl req -x509` server certificate (self-signed, CA:TRUE) given as the CA
/// file: trusted as itself, as OpenSSL clients do (WebPKI alone refuses it as a CA used as an
/// end entity); once expired, the date is named.
#[test]
fn a_self_signed_certificate_given_as_the_ca() {
    for (expired, expect) in [
        (false, None),
        (true, Some("the server certificate expired on ")),
    ] {
        let server = Slapd::start(Directory {
            users: 10,
            self_signed: true,
            expired_certificate: expired,
            ..Directory::default()
        })
        .unwrap_or_else(|e| panic!("slapd: {e}"));
        let cert = server.ca().display().to_string();
        let out = plugin()
            .args([
                "-U",
                &server.ldaps_uri(),
                "--tls-ca",
                &cert,
                "-b",
                USERS,
                "-f",
                PEOPLE,
            ])
            .args(["-D", READER_DN, "--cert-warning", "30:"])
            .env("LDAP_PASSWORD", READER_PASSWORD)
            .run();
        match expect {
            None => {
                // Valid two days: fewer than --cert-warning 30: wants.
                out.assert(
                    1,
                    "LDAP PAGING WARNING - the server certificate expires on ",
                );
                assert!(
                    out.first_line().contains(" (outside 30:) |"),
                    "{}",
                    out.first_line()
                );
                assert_eq!(out.perf("entries").value, "10");
                assert!(
                    ["1", "2"].contains(&out.perf("certificate_days").value.as_str()),
                    "{}",
                    out.stdout
                );
            }
            Some(words) => {
                out.assert(
                    2,
                    &format!(
                        "LDAP PAGING CRITICAL - TLS with {} failed: {words}",
                        server.ldaps_uri()
                    ),
                );
            }
        }
    }
}

/// `--attribute` on a directory without range retrieval (AD's): a plain read counts them all,
/// and nothing claims ranges (slapd answers `objectClass;range=0-*` with no values at all).
#[test]
fn an_attributes_values_without_range_retrieval() {
    let server = slapd(10);
    let out = plugin()
        .args(["-U", &server.uri(), "-D", READER_DN, "-b", USERS])
        .args(["-f", "(uid=user000001)", "--attribute", "objectClass"])
        .env("LDAP_PASSWORD", READER_PASSWORD)
        .run();
    out.assert(
        0,
        "LDAP PAGING OK - 1 value of objectClass on 1 entry under ou=users,dc=example,dc=com |",
    );
    assert_eq!(
        (
            out.perf("values").value.as_str(),
            out.perf("plain_values").value.as_str()
        ),
        ("1", "1")
    );
    // -c on the values: ten users, one objectClass value each.
    let out = as_reader(&server, &["--attribute", "objectClass", "-c", "5"]).run();
    out.assert(
        2,
        "LDAP PAGING CRITICAL - 10 values of objectClass (outside 5)",
    );
    assert_eq!(out.perf("values").value, "10");
}

#[test]
fn a_hung_server_ends_with_the_timeout_state() {
    let tarpit = TcpTarpit::start();
    let uri = format!("ldap://127.0.0.1:{}", tarpit.port());
    let out = plugin().args(["-t", "2", "-U", &uri, "-b", USERS]).run();
    out.assert(
        3,
        &format!("LDAP PAGING UNKNOWN - timed out after 2 s while reading the root DSE of {uri}"),
    );
    out.assert_ended_within(Duration::from_millis(2500));
    let out = plugin()
        .args([
            "-t",
            "1",
            "--timeout-state",
            "critical",
            "-U",
            &uri,
            "-D",
            READER_DN,
            "-b",
            USERS,
        ])
        .env("LDAP_PASSWORD", "x")
        .run();
    out.assert(
        2,
        &format!("LDAP PAGING CRITICAL - timed out after 1 s while binding as {READER_DN}"),
    );
    // LDAPS: the TLS handshake hangs.
    let uri = format!("ldaps://127.0.0.1:{}", tarpit.port());
    let out = plugin()
        .args(["-t", "1", "-U", &uri, "-b", USERS, "--tls-skip-verify"])
        .run();
    out.assert(
        3,
        &format!(
            "LDAP PAGING UNKNOWN - timed out after 1 s while connecting to {uri} (TLS handshake)"
        ),
    );
}

#[test]
fn a_rejected_page_size_is_named_and_retried() {
    let server = Slapd::start(Directory {
        users: 2500,
        page_limit: Some(1000),
        ..Directory::default()
    })
    .expect("slapd");
    let out = as_reader(&server, &["--page-size", "2000"]).run();
    out.assert(
        1,
        "LDAP PAGING WARNING - the server rejects pages of 2000 entries (administrative limit exceeded): counted with pages of 1000, set --page-size 1000 or less / unpaged searches see only 1000 of 2500 entries",
    );
    assert_eq!(
        (
            out.perf("entries").value.as_str(),
            out.perf("pages").value.as_str()
        ),
        ("2500", "3")
    );
    as_reader(&server, &["--page-size", "1000"]).run().assert(
        1,
        "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries",
    );
}

#[test]
fn a_page_size_the_retry_cannot_fix_is_critical() {
    // size.pr=200: pages of 2000 are rejected, and so are pages of the 1000 the unpaged
    // search revealed.
    let server = Slapd::start(Directory {
        users: 2500,
        page_limit: Some(200),
        ..Directory::default()
    })
    .expect("slapd");
    let out = as_reader(&server, &["--page-size", "2000"]).run();
    out.assert(
        2,
        "LDAP PAGING CRITICAL - the server rejects pages of 2000 entries (administrative limit exceeded): set --page-size to its limit (OpenLDAP size.pr, AD MaxPageSize)",
    );
}

#[test]
fn a_limit_on_paged_totals_is_critical() {
    // size.prtotal=1500: paging cannot read past 1500 either.
    let server = Slapd::start(Directory {
        users: 2500,
        page_total: Some(1500),
        ..Directory::default()
    })
    .expect("slapd");
    let out = as_reader(&server, &[]).run();
    out.assert(
        2,
        &format!(
            "LDAP PAGING CRITICAL - the paged search of {USERS} was cut short too, after 1500 entries (server size limit 1500): the server limits paged searches as well (OpenLDAP size.prtotal?)"
        ),
    );
    assert_eq!(out.perf("unpaged_entries").value, "1000");
}

#[test]
fn no_paged_results_control_offered_and_cut_short_is_critical() {
    // The root DSE hides supportedControl (an ACL): as far as a client can read, the server
    // offers no paging, so the check does not page, and nothing reads the whole set.
    let server = Slapd::start(Directory {
        users: 2500,
        hide_supported_controls: true,
        log_searches: true,
        ..Directory::default()
    })
    .expect("slapd");
    let out = as_reader(&server, &[]).run();
    out.assert(
        2,
        &format!(
            "LDAP PAGING CRITICAL - unpaged searches see only 1000 entries under {USERS} (server size limit 1000) and the server offers no paged-results control: nothing can read the whole set"
        ),
    );
    // No paged search was sent: one search of the users, unpaged.
    let log = server.server().log();
    let searches = log
        .lines()
        .filter(|l| l.contains(&format!("SRCH base=\"{USERS}\"")))
        .count();
    assert_eq!(searches, 1, "{log}");
}

#[test]
fn only_dns_are_requested() {
    // slapd's stats log shows the attributes of every search: the users' searches (unpaged and
    // each page) ask for 1.1 (no attributes), the root DSE for what says paging and AD.
    let server = Slapd::start(Directory {
        users: 2500,
        log_searches: true,
        ..Directory::default()
    })
    .expect("slapd");
    as_reader(&server, &[]).run().assert(
        1,
        "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries",
    );
    let log = server.server().log();
    let attrs: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once(" SRCH attr=").map(|(_, a)| a.trim()))
        // The test support's readiness probe.
        .filter(|a| *a != "namingContexts")
        .collect();
    // The root DSE, the unpaged search and five pages.
    assert_eq!(
        attrs,
        [
            "supportedControl supportedCapabilities configurationNamingContext",
            "1.1",
            "1.1",
            "1.1",
            "1.1",
            "1.1",
            "1.1"
        ],
        "{log}"
    );
}

#[test]
fn a_hundred_thousand_entries_with_flat_memory() {
    let server = slapd(100_000);
    let out = PluginRun::measured(BIN)
        .limit(Duration::from_secs(120))
        .args([
            "-t",
            "60",
            "-U",
            &server.uri(),
            "-D",
            READER_DN,
            "-b",
            USERS,
            "-f",
            PEOPLE,
        ])
        .args(["--page-size", "1000"])
        .env("LDAP_PASSWORD", READER_PASSWORD)
        .run();
    out.assert(
        1,
        "LDAP PAGING WARNING - unpaged searches see only 1000 of 100000 entries",
    );
    assert_eq!(out.perf("pages").value, "100");
    let peak_kb = out.peak_rss_kb();
    assert!(peak_kb < 16 * 1024, "peak RSS {peak_kb} KB");
}

#[test]
fn bad_options_are_one_unknown_line() {
    let table: &[(&[&str], &str)] = &[
        (
            &[],
            "LDAP PAGING UNKNOWN - the following required arguments were not provided: --base <DN>",
        ),
        (
            &["-b", USERS, "-f", "(cn=x"],
            "LDAP PAGING UNKNOWN - invalid --filter '(cn=x': expected ')' at character 6, found the end",
        ),
        (
            &["-b", USERS, "-D", READER_DN],
            "LDAP PAGING UNKNOWN - no password for --bind-dn",
        ),
        (
            &["-b", USERS, "--scope", "all"],
            "LDAP PAGING UNKNOWN - invalid value 'all' for '--scope <SCOPE>'",
        ),
        (
            &["-b", USERS, "--page-size", "0"],
            "LDAP PAGING UNKNOWN - invalid value '0' for '--page-size <N>'",
        ),
        (
            &["-b", USERS, "-U", "ldapi:///x"],
            "LDAP PAGING UNKNOWN - invalid --uri 'ldapi:///x': the scheme must be ldap or ldaps",
        ),
        (
            &["-b", USERS, "--starttls", "--tls-ca", "/nonexistent.pem"],
            "LDAP PAGING UNKNOWN - cannot read CA file '/nonexistent.pem': no such file or directory",
        ),
        (
            &["-b", USERS, "--starttls", "--ca-file", "/etc/hostname"],
            "LDAP PAGING UNKNOWN - CA file '/etc/hostname' holds no certificate",
        ),
        (
            &["-b", USERS, "--starttls", "--cert-warning", "30"],
            "LDAP PAGING UNKNOWN - --cert-warning 30 would alert while more than 30 days are left: the option takes a range of the days left, write --cert-warning 30: for fewer than 30 days",
        ),
        (
            &["-b", USERS, "--cert-critical", "7:"],
            "LDAP PAGING UNKNOWN - --tls-* and --cert-* need TLS: add --starttls or use -U ldaps://...",
        ),
        (
            &["-b", USERS, "-w", "10:5"],
            "LDAP PAGING UNKNOWN - invalid value '10:5' for '--warning <RANGE>': invalid range '10:5': start is greater than end",
        ),
    ];
    for (args, line) in table {
        let out = plugin().args(*args).run();
        out.assert(3, line);
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
    }
    // A filter 28,000 levels deep (check_ldap exits 2 on it; a recursive parser overflows the
    // stack before any connection): one line, naming the bound.
    let deep = format!("{}(cn=x){}", "(!".repeat(28_000), ")".repeat(28_000));
    let out = plugin().args(["-b", USERS, "-f", &deep]).run();
    out.assert(3, "LDAP PAGING UNKNOWN - invalid --filter '(!(!(!(!(!");
    assert!(
        out.first_line()
            .contains("...': the filter nests more than 100 levels deep"),
        "{}",
        out.first_line()
    );
    assert_eq!(out.line_count(), 1);
    // An empty password is an unauthenticated bind that servers take as anonymous: refused.
    let dir = hastack_test_support::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").expect("empty file");
    for run in [
        plugin()
            .args(["-b", USERS, "-D", READER_DN])
            .env("LDAP_PASSWORD", ""),
        plugin()
            .args(["-b", USERS, "-D", READER_DN, "--password-file"])
            .arg(&empty),
    ] {
        let out = run.run();
        out.assert(
            3,
            &format!("LDAP PAGING UNKNOWN - the password for --bind-dn '{READER_DN}' is empty: that is an unauthenticated bind, which servers treat as anonymous"),
        );
    }
}
