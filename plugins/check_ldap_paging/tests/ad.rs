//! check_ldap_paging against a real Active Directory: Samba's AD DC in a network namespace of
//! the test's own (`hastack_test_support::servers::samba`), the plugin run inside it. What AD does that
//! OpenLDAP does not: its query policy, sub-codes in bind errors, continuation references,
//! range retrieval of large attributes, and Samba's own TLS certificate (CN only).

use std::time::Duration;

use hastack_test_support::servers::samba::{self, SambaDc};
use hastack_test_support::{PluginOutput, PluginRun};

const BIN: &str = env!("CARGO_BIN_EXE_check_ldap_paging");

fn run(dc: &SambaDc, args: &[&str], password: Option<&str>) -> PluginOutput {
    let (program, prefix) = dc.prefix();
    let mut run = PluginRun::wrapped(program, &prefix, BIN)
        .limit(Duration::from_secs(40))
        .args(args);
    if let Some(password) = password {
        run = run.env("LDAP_PASSWORD", password);
    }
    run.run()
}

/// Bound as the reader over LDAPS by name, with the DC's CA and its CN accepted.
fn as_reader<'a>(ca: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "-U",
        "ldaps://dc1.example.test",
        "--tls-ca",
        ca,
        "--tls-accept-cn",
        "-D",
        "CN=reader,OU=Service,DC=example,DC=test",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn samba_tls_as_it_comes() {
    let dc = SambaDc::start().unwrap_or_else(|e| panic!("samba: {e}"));
    let ca = dc.ca().display().to_string();
    let (reader, password) = samba::account("reader");
    let base = ["-D", reader.as_str(), "-b", samba::USERS, "--scope", "base"];
    let over_tls = |uri: &str, trust: &[&str]| {
        run(
            &dc,
            &[&["-U", uri], trust, &base[..]].concat(),
            Some(password),
        )
    };
    // By name with its CA: the certificate has a CN and no subjectAltName.
    over_tls("ldaps://dc1.example.test", &["--tls-ca", &ca]).assert(
        2,
        "LDAP PAGING CRITICAL - TLS with ldaps://dc1.example.test:636 failed: the server certificate has no subjectAltName, and modern TLS ignores its CN (DC1.example.test): reissue it with a subjectAltName, or accept the CN with --tls-accept-cn",
    );
    // Accepting the CN, the CA still verified.
    let accept_cn = ["--tls-ca", &ca, "--tls-accept-cn"];
    over_tls("ldaps://dc1.example.test", &accept_cn)
        .assert(0, "LDAP PAGING OK - 1 entry under OU=Users");
    // By address, verified for the DC's name.
    over_tls(
        "ldaps://10.99.0.1",
        &[&accept_cn[..], &["--tls-server-name", "dc1.example.test"]].concat(),
    )
    .assert(0, "LDAP PAGING OK - 1 entry under OU=Users");
    // By address without naming the certificate's host: not valid for the address.
    over_tls("ldaps://10.99.0.1", &accept_cn).assert(
        2,
        "LDAP PAGING CRITICAL - TLS with ldaps://10.99.0.1:636 failed: the server certificate is not valid for 10.99.0.1: it has no subjectAltName, and its CN is DC1.example.test",
    );
    // The server's own certificate given as the CA file: trusted as itself, as OpenSSL does.
    let cert = dc.certificate().display().to_string();
    over_tls("ldaps://dc1.example.test", &["--tls-ca", &cert])
        .assert(0, "LDAP PAGING OK - 1 entry under OU=Users");
    // Its expiry, when asked.
    over_tls(
        "ldaps://dc1.example.test",
        &[&accept_cn[..], &["--cert-warning", "3650:"]].concat(),
    )
    .assert(
        1,
        "LDAP PAGING WARNING - the server certificate expires on ",
    );
}

/// AD says why a bind failed in a sub-code of invalidCredentials; each in words, and the
/// refusal of a simple bind without TLS.
#[test]
fn ad_bind_failures_in_words() {
    let dc = SambaDc::start().unwrap_or_else(|e| panic!("samba: {e}"));
    let ca = dc.ca().display().to_string();
    let detail = |code: &str| {
        format!(
            "(80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data {code}, v1db1)"
        )
    };
    for (user, password, words, code) in [
        (
            "reader",
            "Wr0ng.Passw0rd",
            "wrong password (or no such user)",
            "52e",
        ),
        (
            "disabled1",
            samba::account("disabled1").1,
            "the account is disabled",
            "533",
        ),
        (
            "mustchange",
            samba::account("mustchange").1,
            "the password must be changed before the first logon",
            "773",
        ),
        (
            "locked",
            samba::account("locked").1,
            "the account is locked out",
            "775",
        ),
        (
            "expired",
            samba::account("expired").1,
            "the account has expired",
            "701",
        ),
        (
            "pwexpired",
            samba::account("pwexpired").1,
            "the password has expired",
            "532",
        ),
    ] {
        let dn = samba::account(user).0;
        let out = run(
            &dc,
            &[
                "-U",
                "ldaps://dc1.example.test",
                "--tls-ca",
                &ca,
                "--tls-accept-cn",
                "-D",
                &dn,
                "-b",
                samba::USERS,
            ],
            Some(password),
        );
        out.assert(
            2,
            &format!(
                "LDAP PAGING CRITICAL - bind as {dn} rejected: {words} {}",
                detail(code)
            ),
        );
    }
    // A simple bind over plain LDAP: Samba requires transport encryption.
    let (reader, password) = samba::account("reader");
    let out = run(
        &dc,
        &["-H", "dc1.example.test", "-D", &reader, "-b", samba::USERS],
        Some(password),
    );
    out.assert(
        2,
        &format!("LDAP PAGING CRITICAL - bind as {reader} rejected: the server requires TLS or signing for simple binds (use ldaps:// or --starttls) (BindSimple: Transport encryption required.)"),
    );
}

/// Samba answers an unpaged search of 1002 users whole, as a Windows DC would not: the
/// domain's own query policy says MaxPageSize 1000, and the check judges against it.
#[test]
fn the_domains_query_policy_judges_what_samba_does_not_enforce() {
    let dc = SambaDc::start().unwrap_or_else(|e| panic!("samba: {e}"));
    let ca = dc.ca().display().to_string();
    let password = samba::account("reader").1;
    let users = [
        "-b",
        samba::USERS,
        "--scope",
        "one",
        "-f",
        "(objectClass=user)",
    ];
    let out = run(&dc, &as_reader(&ca, &users), Some(password));
    out.assert(
        1,
        "LDAP PAGING WARNING - 1002 entries exceed the domain's MaxPageSize 1000: clients that do not page see 1000 from a Windows DC",
    );
    assert_eq!(out.perf("entries").value, "1002");
    assert_eq!(out.perf("unpaged_entries").value, "1002");
    assert_eq!(out.perf("max_page_size").value, "1000");
    assert_eq!(out.perf("max_val_range").value, "1500");
    // As CRITICAL when asked, and the policy at -v.
    let out = run(
        &dc,
        &as_reader(
            &ca,
            &[&users[..], &["--truncation-state", "critical", "-v"]].concat(),
        ),
        Some(password),
    );
    out.assert(
        2,
        "LDAP PAGING CRITICAL - 1002 entries exceed the domain's MaxPageSize 1000",
    );
    assert!(
        out.stdout.contains("\\_ [OK] the domain's query policy: ")
            && out.stdout.contains("MaxPageSize=1000"),
        "{}",
        out.stdout
    );
    // --always-page proves the paged path: three pages of 500, the same count.
    let out = run(
        &dc,
        &as_reader(&ca, &[&users[..], &["--always-page"]].concat()),
        Some(password),
    );
    out.assert(
        1,
        "LDAP PAGING WARNING - 1002 entries exceed the domain's MaxPageSize 1000",
    );
    assert_eq!(out.perf("pages").value, "3");
    assert!(
        out.stdout
            .contains("\\_ [OK] paged search: 1002 entries in 3 pages of up to 500"),
        "{}",
        out.stdout
    );
}

/// The domain root returns three continuation references (Configuration, DomainDnsZones,
/// ForestDnsZones): counted, named at -v, never followed.
#[test]
fn continuation_references_are_counted_and_named() {
    let dc = SambaDc::start().unwrap_or_else(|e| panic!("samba: {e}"));
    let ca = dc.ca().display().to_string();
    let password = samba::account("reader").1;
    let out = run(
        &dc,
        &as_reader(&ca, &["-b", samba::BASE, "-v", "-w", "100000"]),
        Some(password),
    );
    out.assert(1, "LDAP PAGING WARNING - ");
    assert_eq!(out.perf("references").value, "3");
    for partition in [
        "CN=Configuration,DC=example,DC=test",
        "DC=DomainDnsZones,DC=example,DC=test",
        "DC=ForestDnsZones,DC=example,DC=test",
    ] {
        assert!(
            out.stdout.contains(&format!(
                "\\_ [OK] continuation reference (not followed): ldaps://example.test/{partition}"
            )),
            "{partition}: {}",
            out.stdout
        );
    }
    // A search of one user's entry: no references, the plain sentence.
    let out = run(
        &dc,
        &as_reader(&ca, &["-b", samba::USERS, "--scope", "base"]),
        Some(password),
    );
    out.assert(
        0,
        "LDAP PAGING OK - 1 entry under OU=Users,DC=example,DC=test, counted in one unpaged search",
    );
}

/// AD's other silent cut: at most MaxValRange values of an attribute at once. Counted through
/// range retrieval; Samba answers all 1600 members, the domain's policy says 1500.
#[test]
fn the_values_of_a_large_attribute() {
    let dc = SambaDc::start().unwrap_or_else(|e| panic!("samba: {e}"));
    let ca = dc.ca().display().to_string();
    let password = samba::account("reader").1;
    let out = run(
        &dc,
        &as_reader(
            &ca,
            &[
                "-b",
                samba::BIG_GROUP,
                "--scope",
                "base",
                "--attribute",
                "member",
            ],
        ),
        Some(password),
    );
    out.assert(
        1,
        &format!(
            "LDAP PAGING WARNING - {} has 1600 values of member, more than the domain's MaxValRange 1500: a plain read from a Windows DC returns 1500 of 1600",
            samba::BIG_GROUP
        ),
    );
    assert_eq!(out.perf("values").value, "1600");
    assert_eq!(out.perf("plain_values").value, "1600");
    // -w/-c apply to the values then; the small group is under them.
    let small = samba::BIG_GROUP.replace("CN=big", "CN=small");
    let out = run(
        &dc,
        &as_reader(
            &ca,
            &[
                "-b",
                &small,
                "--scope",
                "base",
                "--attribute",
                "member",
                "-w",
                "2",
            ],
        ),
        Some(password),
    );
    out.assert(1, "LDAP PAGING WARNING - 3 values of member (outside 2)");
}
