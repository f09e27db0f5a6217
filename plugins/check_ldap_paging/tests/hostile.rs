//! Servers no directory should be, scripted (`hastack_test_support::scripted::ldap`): each
//! answer ends the run with a clear CRITICAL (or UNKNOWN) line in time and bounded memory,
//! never a panic, a hang or the password.

use std::time::Duration;

use hastack_test_support::scripted::ldap::{
    Reply, Request, ScriptedLdap, ad_root_dse, bind_response, entry, root_dse, search_done,
};
use hastack_test_support::{PluginOutput, PluginRun};

const BIN: &str = env!("CARGO_BIN_EXE_check_ldap_paging");
const BASE: &str = "ou=users,dc=example,dc=com";

fn check(server: &ScriptedLdap, extra: &[&str]) -> PluginOutput {
    PluginRun::new(BIN)
        .limit(Duration::from_secs(20))
        .args(["-U", &server.url(), "-b", BASE, "-t", "5"])
        .args(extra)
        .run()
}

/// [`check`] under `/usr/bin/time`, with the plugin's peak RSS asserted under 16 MB: what a
/// server sends is read under the caps, never collected first.
fn check_bounded(server: &ScriptedLdap) -> PluginOutput {
    let out = PluginRun::measured(BIN)
        .limit(Duration::from_secs(20))
        .args(["-U", &server.url(), "-b", BASE, "-t", "5"])
        .run();
    let peak_kb = out.peak_rss_kb();
    assert!(peak_kb < 16 * 1024, "peak RSS {peak_kb} KB");
    out
}

/// Root DSE as given, then `search` for every other search.
fn directory(
    search: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    directory_as(root_dse, search)
}

/// [`directory`] with `root` as the root DSE entry.
fn directory_as(
    root: fn(i64) -> Vec<u8>,
    search: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |request: &Request| match (request.op, request.base.as_str()) {
        (0x63, "") => Reply::Messages(vec![root(request.id), search_done(request.id, 0, "", None)]),
        (0x63, _) => search(request),
        (0x60, _) => Reply::Messages(vec![bind_response(request.id, 0, "")]),
        _ => Reply::Nothing,
    }
}

#[test]
fn an_endless_root_dse_ends_at_the_second_entry() {
    let server = ScriptedLdap::start(|request: &Request| match request.op {
        0x63 => Reply::Endless(root_dse(request.id)),
        _ => Reply::Nothing,
    });
    let out = check_bounded(&server);
    out.assert(
        2,
        &format!("LDAP PAGING CRITICAL - {}: malformed answer: more than one entry for the root DSE (a base search)", server.url()),
    );
    out.assert_ended_within(Duration::from_secs(2));
}

#[test]
fn announced_sizes_are_checked_before_anything_is_read() {
    // 2^31 bytes announced; 64 MiB of cookie sent.
    let server = ScriptedLdap::start(|request: &Request| match request.op {
        0x63 => Reply::Messages(vec![b"\x30\x84\x80\x00\x00\x00\x02\x01\x01".to_vec()]),
        _ => Reply::Nothing,
    });
    let out = check_bounded(&server);
    out.assert(
        2,
        &format!("LDAP PAGING CRITICAL - {} sent a message of 2 GiB, more than the 4 MiB one may hold here", server.url()),
    );
    out.assert_ended_within(Duration::from_secs(2));
    let server = ScriptedLdap::start(directory(|request: &Request| match &request.cookie {
        None => Reply::Messages(vec![search_done(request.id, 4, "", None)]),
        Some(_) => Reply::Messages(vec![search_done(
            request.id,
            0,
            "",
            Some(&vec![7u8; 64 * 1024 * 1024]),
        )]),
    }));
    let out = check_bounded(&server);
    out.assert(
        2,
        &format!(
            "LDAP PAGING CRITICAL - {} sent a message of 64.0 MiB, more than the 4 MiB one may hold here",
            server.url()
        ),
    );
    // A cookie that fits in a message but not in what the check takes back.
    let server = ScriptedLdap::start(directory(|request: &Request| match &request.cookie {
        None => Reply::Messages(vec![search_done(request.id, 4, "", None)]),
        Some(_) => Reply::Messages(vec![search_done(request.id, 0, "", Some(&[1u8; 100_000]))]),
    }));
    check(&server, &[]).assert(
        2,
        "LDAP PAGING CRITICAL - the server's paged-results control on page 1 is malformed: a cookie of 100000 bytes (at most 65536 are taken back)",
    );
}

#[test]
fn malformed_and_misplaced_answers_are_named() {
    let table: [(&[u8], &str); 4] = [
        (b"\x30\x00", "the message ID: the value ends before a tag"),
        (
            b"\x30\x80\x02\x01\x01",
            "an indefinite length (0x80), which LDAP does not allow",
        ),
        (
            b"\x30\x03\x65\x01\x00",
            "expected the message ID (tag 0x02), found tag 0x65",
        ),
        (
            b"\x15\x03\x03\x00\x02\x02\x46",
            "it answers in TLS: is this an LDAPS port? (use ldaps://)",
        ),
    ];
    for (bytes, why) in table {
        let answer = bytes.to_vec();
        let server = ScriptedLdap::start(move |_: &Request| Reply::Messages(vec![answer.clone()]));
        let out = check(&server, &[]);
        out.assert(
            2,
            &format!(
                "LDAP PAGING CRITICAL - {}: malformed answer: {why}",
                server.url()
            ),
        );
        out.assert_ended_within(Duration::from_secs(2));
    }
    // A bind response where the search's answer belongs.
    let server = ScriptedLdap::start(directory(|request: &Request| {
        Reply::Messages(vec![bind_response(request.id, 0, "")])
    }));
    check(&server, &[]).assert(
        2,
        &format!("LDAP PAGING CRITICAL - {}: malformed answer: a bind response where a search response belongs", server.url()),
    );
}

#[test]
fn a_password_the_server_quotes_is_not_printed() {
    let password = "S3cret-quoted-pw";
    let server = ScriptedLdap::start(move |request: &Request| match request.op {
        0x60 => Reply::Messages(vec![bind_response(
            request.id,
            49,
            &format!("invalid credentials: you sent '{password}'"),
        )]),
        _ => Reply::Nothing,
    });
    let out = PluginRun::new(BIN)
        .args(["-U", &server.url(), "-b", BASE, "-D", "cn=monitor", "-vvv"])
        .env("LDAP_PASSWORD", password)
        .run();
    out.assert(
        2,
        "LDAP PAGING CRITICAL - bind as cn=monitor rejected: invalid credentials (invalid credentials: you sent '********')",
    );
    assert!(!out.stdout.contains(password) && !out.stderr.contains(password));
}

#[test]
fn counts_that_contradict_each_other_are_unknown() {
    // The unpaged search stops at a "size limit" after 1000 entries; paging finds 7.
    let server = ScriptedLdap::start(directory(|request: &Request| {
        let (count, code) = match request.cookie {
            None => (1000, 4),
            Some(_) => (7, 0),
        };
        let mut messages: Vec<Vec<u8>> = (0..count)
            .map(|i| entry(request.id, &format!("cn=u{i},{BASE}"), &[]))
            .collect();
        let cookie: Option<&[u8]> = (code == 0).then_some(b"".as_slice());
        messages.push(search_done(request.id, code, "", cookie));
        Reply::Messages(messages)
    }));
    check(&server, &[]).assert(
        3,
        "LDAP PAGING UNKNOWN - the server is inconsistent: the unpaged search returned 1000 entries before its limit stopped it, the paged count only 7",
    );
    // "0 of 0 entries (server size limit 0)".
    let server = ScriptedLdap::start(directory(|request: &Request| match request.cookie {
        None => Reply::Messages(vec![search_done(request.id, 4, "", None)]),
        Some(_) => Reply::Messages(vec![search_done(request.id, 0, "", Some(b"".as_slice()))]),
    }));
    check(&server, &[]).assert(
        3,
        "LDAP PAGING UNKNOWN - the server is inconsistent: a size limit stopped the unpaged search before its first entry, and the paged count found 0",
    );
}

#[test]
fn a_time_limit_is_named_with_the_servers_words() {
    let server = ScriptedLdap::start(directory(|request: &Request| {
        let mut messages: Vec<Vec<u8>> = (0..5)
            .map(|i| entry(request.id, &format!("cn=u{i},{BASE}"), &[]))
            .collect();
        messages.push(search_done(request.id, 3, "Time limit exceeded", None));
        Reply::Messages(messages)
    }));
    check(&server, &[]).assert(
        2,
        &format!("LDAP PAGING CRITICAL - the server's time limit (MaxQueryDuration on AD) cut the paged search of {BASE} after 5 entries: Time limit exceeded"),
    );
}

/// An unpaged search stopped by a time limit (3) or an administrative limit (11) is cut short
/// as one stopped by the size limit is: the paged count is what is reported.
#[test]
fn time_and_admin_limits_cut_the_unpaged_search_short() {
    for (code, words, limit) in [
        (3, "Time limit exceeded", "time limit"),
        (11, "Administrative limit exceeded", "administrative limit"),
    ] {
        let server = ScriptedLdap::start(directory(move |request: &Request| {
            let (count, result) = match request.cookie {
                None => (1000, code),
                Some(_) => (1002, 0),
            };
            let mut messages: Vec<Vec<u8>> = (0..count)
                .map(|i| entry(request.id, &format!("cn=u{i},{BASE}"), &[]))
                .collect();
            let cookie: Option<&[u8]> = (result == 0).then_some(b"".as_slice());
            messages.push(search_done(request.id, result, words, cookie));
            Reply::Messages(messages)
        }));
        let out = check(&server, &[]);
        out.assert(
            1,
            &format!("LDAP PAGING WARNING - unpaged searches see only 1000 of 1002 entries (server {limit}) |"),
        );
        assert_eq!(out.perf("entries").value, "1002", "{}", out.stdout);
        assert_eq!(out.perf("unpaged_entries").value, "1000", "{}", out.stdout);
    }
}

/// A server that answers as a Windows DC does: a plain read of a large attribute returns its
/// first 1500 values under `member;range=0-1499`; the rest come by range.
#[test]
fn range_retrieval_as_windows_answers_it() {
    let values: Vec<String> = (0..1600).map(|i| format!("cn=m{i},{BASE}")).collect();
    // A DC (its root DSE says so): range retrieval is AD's.
    let server = ScriptedLdap::start(directory_as(ad_root_dse, move |request: &Request| {
        let group = format!("cn=big,{BASE}");
        let asked = request.attributes.first().cloned().unwrap_or_default();
        let (name, slice) = match asked.as_str() {
            "member" | "member;range=0-*" => ("member;range=0-1499".to_string(), &values[..1500]),
            "member;range=1500-*" => ("member;range=1500-*".to_string(), &values[1500..]),
            _ => (String::new(), &values[..0]),
        };
        let refs: Vec<&str> = slice.iter().map(String::as_str).collect();
        Reply::Messages(vec![
            entry(request.id, &group, &[(name.as_str(), refs.as_slice())]),
            search_done(request.id, 0, "", None),
        ])
    }));
    let out = check(&server, &["--scope", "base", "--attribute", "member"]);
    out.assert(
        1,
        "LDAP PAGING WARNING - a plain read of member returns 1500 of 1600 values (the rest only through range retrieval)",
    );
    assert_eq!(out.perf("values").value, "1600");
    assert_eq!(out.perf("plain_values").value, "1500");
}

/// A search of the root DSE itself reads as one, and one entry is "1 entry".
#[test]
fn the_root_dse_as_the_base() {
    let server = ScriptedLdap::start(directory(|request: &Request| {
        Reply::Messages(vec![search_done(request.id, 0, "", None)])
    }));
    let out = PluginRun::new(BIN)
        .args(["-U", &server.url(), "-b", "", "--scope", "base"])
        .run();
    out.assert(
        0,
        "LDAP PAGING OK - 1 entry under the root DSE, counted in one unpaged search",
    );
}
