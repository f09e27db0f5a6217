//! The server's TLS and its connection: the certificate's remaining days, and every failure
//! that left no count in words (TLS, StartTLS, the bind with AD's sub-codes, what the server
//! sent or did), with the words of LDAP's result codes.

use hastack_common::certificate::date;
use hastack_common::peer::Specific;
use hastack_common::tls::{self, TrustGiven};
use hastack_common::units::{self, plural};
use hastack_common::{CheckError, Failure, Peer, Report, State};

use super::Criteria;
use crate::facts::{Directory, LdapFailure, PolicyUnread, ValuesRead};

/// The option that names the CA, as the advice after an untrusted certificate gives it.
const CA_OPTION: &str = "--tls-ca";
/// The option that accepts a CN-only certificate.
const ACCEPT_CN_OPTION: &str = "--tls-accept-cn";

/// The server certificate's remaining days, judged by `--cert-warning/--cert-critical` (and
/// written to perfdata when they are given); at -v when nothing is wrong with them.
pub(super) fn judge_certificate(report: &mut Report, directory: &Directory, criteria: &Criteria) {
    let Some(cert) = &directory.certificate else {
        return;
    };
    let left = (cert.not_after - directory.read_at).div_euclid(86_400);
    let checked = criteria.cert.check("certificate_days", left);
    let when = match left {
        0.. => format!(
            "the server certificate expires on {}, in {}",
            date(cert.not_after),
            plural(left, "day", "days")
        ),
        _ => format!(
            "the server certificate expired on {}, {} ago",
            date(cert.not_after),
            plural(-left, "day", "days")
        ),
    };
    match checked.violation() {
        Some((state, why)) => report.add(state, format!("{when} ({why})")),
        None => report.detail_at(1, State::Ok, when),
    };
    if !criteria.cert.is_empty() {
        report.headline(checked);
    }
}

/// A failure as the line the operator reads: the `--timeout-state` for a stage that hung (the
/// one directory is the whole run), else the failure's own state and words.
pub(super) fn describe_failure(failure: &Failure<LdapFailure>, server: &Peer) -> CheckError {
    match failure {
        Failure::NoAnswer(timed_out) => timed_out.clone().into(),
        failure => CheckError::new(failure.state(), failure.describe(server)),
    }
}

/// Why AD's query policy could not be read, for the line at -v.
pub(super) fn describe_unread_policy(unread: &PolicyUnread, server: &Peer) -> String {
    match unread {
        PolicyUnread::Answered { rc, text } => format!(
            "{} (result code {rc}){}",
            result_code_words(*rc),
            parenthesised(text)
        ),
        PolicyUnread::Failed(failure) => failure.describe(server),
    }
}

impl Specific for LdapFailure {
    /// UNKNOWN for a host the options made impossible to verify; CRITICAL for what the server
    /// did.
    fn state(&self) -> State {
        match self {
            LdapFailure::NotATlsName => State::Unknown,
            _ => State::Critical,
        }
    }

    fn describe(&self, server: &Peer) -> String {
        match self {
            LdapFailure::Tls(refusal) => {
                let given = TrustGiven {
                    ca_option: CA_OPTION,
                    ca_given: refusal.ca_given,
                    port_kind: "an LDAPS",
                };
                let why = tls::describe_presented(
                    &refusal.error,
                    given,
                    refusal.presented.as_ref(),
                    &refusal.name,
                    ACCEPT_CN_OPTION,
                );
                format!("TLS with {server} failed: {why}")
            }
            LdapFailure::ClosedDuringHandshake => format!(
                "TLS with {server} failed: the server closed the connection during the handshake{}",
                match server.endpoint().starts_with("ldaps://") {
                    true => " (is this an LDAPS port?)",
                    false => "",
                }
            ),
            LdapFailure::ClosedBeforeAnswering => format!(
                "{server} closed the connection before answering (is this an LDAPS port? use ldaps://)"
            ),
            LdapFailure::NotATlsName => format!(
                "{server}: the host is not a name TLS can verify (use a DNS name, or --tls-skip-verify)"
            ),
            LdapFailure::StartTlsRefused { rc, text } => format!(
                "{server} refused StartTLS: {} (result code {rc}){}",
                result_code_words(*rc),
                parenthesised(text)
            ),
            LdapFailure::BindRejected { dn, rc, text } => describe_bind(dn, *rc, text),
            LdapFailure::TooLarge { size, limit } => format!(
                "{server} sent a message of {}, more than the {} one may hold here",
                units::bytes(*size as f64),
                units::bytes(*limit as f64)
            ),
            LdapFailure::Disconnected { rc, text } => format!(
                "{server} closed the connection with a Notice of Disconnection: {} (result code {rc}){}",
                result_code_words(*rc),
                parenthesised(text)
            ),
            LdapFailure::MalformedControl { page, why } => {
                format!("the server's paged-results control on page {page} is malformed: {why}")
            }
            LdapFailure::EndlessPaging(pages) => {
                format!("the paged search did not end after {pages} pages")
            }
            LdapFailure::ValuesRefused {
                read,
                attribute,
                rc,
                text,
            } => {
                let read = match read {
                    ValuesRead::Plain => "plain",
                    ValuesRead::Ranged => "ranged",
                };
                let said = match text.trim() {
                    "" => String::new(),
                    text => format!(": {text}"),
                };
                format!(
                    "the {read} read of {attribute} failed: {} (result code {rc}){said}",
                    result_code_words(*rc)
                )
            }
            LdapFailure::TooManyRanged { attribute, limit } => format!(
                "more than {limit} entries answered {attribute} in part: range retrieval is followed on at most {limit}"
            ),
        }
    }
}

/// ` (text)`, or nothing for an empty text.
fn parenthesised(text: &str) -> String {
    match text.trim() {
        "" => String::new(),
        text => format!(" ({text})"),
    }
}

/// A rejected bind in words: 49 is the common case.
fn describe_bind(dn: &str, rc: u32, text: &str) -> String {
    let detail = parenthesised(text);
    match (rc, ad_sub_code(text)) {
        (49, Some(words)) => format!("bind as {dn} rejected: {words}{detail}"),
        (49, None) => format!("bind as {dn} rejected: invalid credentials{detail}"),
        (8, _) => format!(
            "bind as {dn} rejected: the server requires TLS or signing for simple binds (use ldaps:// or --starttls){detail}"
        ),
        (rc, _) => format!(
            "bind as {dn} rejected: {} (result code {rc}){detail}",
            result_code_words(rc)
        ),
    }
}

/// Active Directory's reason for an invalidCredentials bind, from the `data NNN` in its
/// diagnostic (`80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data
/// 52e, v1db1`): a right password can still be refused.
fn ad_sub_code(text: &str) -> Option<&'static str> {
    let code = text.split("data ").nth(1)?.split([',', ' ']).next()?;
    Some(match code.to_ascii_lowercase().as_str() {
        "525" => "no such user",
        "52e" => "wrong password (or no such user)",
        "530" => "not permitted to log on at this time",
        "531" => "not permitted to log on from this workstation",
        "532" => "the password has expired",
        "533" => "the account is disabled",
        "568" => "too many security IDs in the token",
        "701" => "the account has expired",
        "773" => "the password must be changed before the first logon",
        "775" => "the account is locked out",
        _ => return None,
    })
}

/// RFC 4511 result codes an operator meets.
pub(super) fn result_code_words(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operations error",
        2 => "protocol error",
        3 => "time limit exceeded",
        4 => "size limit exceeded",
        7 => "authentication method not supported",
        8 => "stronger authentication required",
        10 => "referral",
        11 => "administrative limit exceeded",
        12 => "unavailable critical extension",
        13 => "confidentiality required",
        32 => "no such object",
        34 => "invalid DN syntax",
        48 => "inappropriate authentication",
        49 => "invalid credentials",
        50 => "insufficient access rights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwilling to perform",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hastack_common::certificate::Certificate;
    use hastack_common::runtime::TimedOut;
    use hastack_common::{Metric, Range, Thresholds};
    use rustls::CertificateError;

    use super::super::evaluate;
    use super::super::fixtures::{criteria, directory, facts, report, search};
    use super::*;
    use crate::facts::TlsRefusal;

    #[test]
    fn failures_decide_their_state() {
        let unknown_ca = |ca_given| {
            Failure::Specific(LdapFailure::Tls(Box::new(TlsRefusal {
                error: rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                presented: None,
                name: "dc1".into(),
                ca_given,
            })))
        };
        let timed_out = TimedOut {
            stage: "reading the root DSE of ldap://dc1:389".into(),
            after: Duration::from_secs(2),
            state: State::Unknown,
        };
        let table: Vec<(Failure<LdapFailure>, State, &str)> = vec![
            (
                unknown_ca(false),
                State::Critical,
                "TLS with ldap://dc1:389 failed: the server certificate is signed by an unknown CA (give the CA with --tls-ca)",
            ),
            (
                unknown_ca(true),
                State::Critical,
                "TLS with ldap://dc1:389 failed: the server certificate is not signed by the CA in --tls-ca",
            ),
            (
                Failure::Specific(LdapFailure::BindRejected {
                    dn: "cn=r".into(),
                    rc: 49,
                    text: "80090308: LdapErr: DSID-0C09042A, data 52e".into(),
                }),
                State::Critical,
                "bind as cn=r rejected: wrong password (or no such user) (80090308: LdapErr: DSID-0C09042A, data 52e)",
            ),
            (
                Failure::Specific(LdapFailure::BindRejected {
                    dn: "cn=r".into(),
                    rc: 8,
                    text: String::new(),
                }),
                State::Critical,
                "bind as cn=r rejected: the server requires TLS or signing for simple binds (use ldaps:// or --starttls)",
            ),
            (
                Failure::Specific(LdapFailure::StartTlsRefused {
                    rc: 2,
                    text: String::new(),
                }),
                State::Critical,
                "ldap://dc1:389 refused StartTLS: protocol error (result code 2)",
            ),
            (
                Failure::Specific(LdapFailure::ClosedDuringHandshake),
                State::Critical,
                "TLS with ldap://dc1:389 failed: the server closed the connection during the handshake",
            ),
            (
                Failure::Specific(LdapFailure::ClosedBeforeAnswering),
                State::Critical,
                "ldap://dc1:389 closed the connection before answering (is this an LDAPS port? use ldaps://)",
            ),
            (
                Failure::Specific(LdapFailure::TooLarge {
                    size: 1 << 31,
                    limit: 4 << 20,
                }),
                State::Critical,
                "ldap://dc1:389 sent a message of 2 GiB, more than the 4 MiB one may hold here",
            ),
            (
                Failure::Malformed("the message ID: the value ends before a tag".into()),
                State::Critical,
                "ldap://dc1:389: malformed answer: the message ID: the value ends before a tag",
            ),
            (
                Failure::Closed,
                State::Critical,
                "ldap://dc1:389: closed the connection before answering",
            ),
            (
                Failure::Refused,
                State::Critical,
                "ldap://dc1:389: connection refused",
            ),
            (
                Failure::Io("host unreachable".into()),
                State::Critical,
                "ldap://dc1:389: host unreachable",
            ),
            (
                Failure::NoAnswer(timed_out.clone()),
                State::Unknown,
                "timed out after 2 s while reading the root DSE of ldap://dc1:389",
            ),
            (
                Failure::NoAnswer(TimedOut {
                    state: State::Critical,
                    ..timed_out
                }),
                State::Critical,
                "timed out after 2 s while reading the root DSE of ldap://dc1:389",
            ),
            (
                Failure::Specific(LdapFailure::Disconnected {
                    rc: 52,
                    text: "going down".into(),
                }),
                State::Critical,
                "ldap://dc1:389 closed the connection with a Notice of Disconnection: unavailable (result code 52) (going down)",
            ),
            (
                Failure::Specific(LdapFailure::NotATlsName),
                State::Unknown,
                "ldap://dc1:389: the host is not a name TLS can verify (use a DNS name, or --tls-skip-verify)",
            ),
            (
                Failure::Specific(LdapFailure::MalformedControl {
                    page: 3,
                    why: "truncated".into(),
                }),
                State::Critical,
                "the server's paged-results control on page 3 is malformed: truncated",
            ),
            (
                Failure::Specific(LdapFailure::EndlessPaging(10_000_000)),
                State::Critical,
                "the paged search did not end after 10000000 pages",
            ),
            (
                Failure::Specific(LdapFailure::ValuesRefused {
                    read: ValuesRead::Plain,
                    attribute: "member".into(),
                    rc: 50,
                    text: "no read access".into(),
                }),
                State::Critical,
                "the plain read of member failed: insufficient access rights (result code 50): no read access",
            ),
            (
                Failure::Specific(LdapFailure::ValuesRefused {
                    read: ValuesRead::Ranged,
                    attribute: "member".into(),
                    rc: 11,
                    text: String::new(),
                }),
                State::Critical,
                "the ranged read of member failed: administrative limit exceeded (result code 11)",
            ),
            (
                Failure::Specific(LdapFailure::TooManyRanged {
                    attribute: "member".into(),
                    limit: 10_000,
                }),
                State::Critical,
                "more than 10000 entries answered member in part: range retrieval is followed on at most 10000",
            ),
        ];
        for (failure, state, text) in table {
            let error = evaluate(&facts(Err(failure)), &criteria()).expect_err("a failure");
            assert_eq!((error.state(), error.message()), (state, text));
        }
        // Over LDAPS, a close during the handshake is what a plain port does.
        let ldaps = Peer::at("ldaps://dc1:389");
        assert_eq!(
            describe_failure(
                &Failure::Specific(LdapFailure::ClosedDuringHandshake),
                &ldaps
            )
            .message(),
            "TLS with ldaps://dc1:389 failed: the server closed the connection during the handshake (is this an LDAPS port?)"
        );
    }

    #[test]
    fn an_unread_query_policy_is_said_at_v() {
        let server = Peer::at("ldap://dc1:389");
        let table = [
            (
                PolicyUnread::Answered {
                    rc: 32,
                    text: "no such policy".into(),
                },
                "no such object (result code 32) (no such policy)",
            ),
            (
                PolicyUnread::Failed(Failure::Closed),
                "ldap://dc1:389: closed the connection before answering",
            ),
        ];
        for (unread, text) in table {
            assert_eq!(describe_unread_policy(&unread, &server), text);
        }
    }

    #[test]
    fn the_certificate_days_are_judged_as_ranges() {
        const DAY: i64 = 86_400;
        let certificate = |days_left: i64| Certificate {
            common_name: Some("dc1".into()),
            alt_names: Some(vec!["dc1".into()]),
            not_before: 0,
            not_after: 100 * DAY + days_left * DAY + 600,
            is_ca: false,
        };
        let range = |text: &str| text.parse::<Range>().ok();
        let judged = |days_left: i64, cert: Thresholds| {
            let found = Directory {
                certificate: Some(certificate(days_left)),
                read_at: 100 * DAY,
                ..directory(search(10, 0))
            };
            let criteria = Criteria { cert, ..criteria() };
            let report = report(&found, &criteria);
            let metric = report
                .metrics()
                .iter()
                .find(|m| m.label() == "certificate_days")
                .map(Metric::to_string);
            let out = report.render("LDAP PAGING", 1);
            (
                report.state(),
                out.lines().next().map(str::to_string),
                out,
                metric,
            )
        };
        let cert = Thresholds::new(range("30:"), range("7:"));
        let table = [
            (
                45,
                State::Ok,
                "the server certificate expires on 1970-05-26, in 45 days",
            ),
            (
                20,
                State::Warning,
                "the server certificate expires on 1970-05-01, in 20 days (outside 30:)",
            ),
            (
                1,
                State::Critical,
                "the server certificate expires on 1970-04-12, in 1 day (outside 7:)",
            ),
            (
                -3,
                State::Critical,
                "the server certificate expired on 1970-04-08, 3 days ago (outside 7:)",
            ),
        ];
        for (days_left, state, words) in table {
            let (got, first, out, metric) = judged(days_left, cert.clone());
            assert_eq!(got, state, "{out}");
            match state {
                State::Ok => assert!(out.contains(&format!("\\_ [OK] {words}")), "{out}"),
                _ => {
                    assert!(
                        first.as_deref().is_some_and(|l| l
                            .starts_with(&format!("LDAP PAGING {} - {words} |", state.as_str()))),
                        "{out}"
                    )
                }
            }
            // The perfdata carries the ranges that judged (lower bounds: left empty).
            assert_eq!(metric, Some(format!("certificate_days={days_left}")));
        }
        // Not asked: said at -v, never judged, no perfdata.
        let (state, _, out, metric) = judged(1, Thresholds::default());
        assert_eq!((state, metric), (State::Ok, None));
        assert!(
            out.contains("\\_ [OK] the server certificate expires on 1970-04-12, in 1 day"),
            "{out}"
        );
        // An upper bound is a plain number Icinga reads.
        let (state, _, _, metric) = judged(20, Thresholds::new(range("~:10"), None));
        assert_eq!(state, State::Warning);
        assert_eq!(metric.as_deref(), Some("certificate_days=20;10"));
    }
}
