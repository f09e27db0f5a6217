//! Judging what the directory said (pure): the total count, what unpaged clients lose, page
//! sizes the server rejects, and the search time.

use std::time::Duration;

use hastack_common::certificate::{Certificate, date};
use hastack_common::range::Thresholds;
use hastack_common::report::plural;
use hastack_common::runtime::TimedOut;
use hastack_common::tls;
use hastack_common::units::{human_duration, round_micros};
use hastack_common::{CheckError, Metric, Report, State, Uom};

/// sizeLimitExceeded, timeLimitExceeded, adminLimitExceeded: the server stopped early.
pub const SIZE_LIMIT_EXCEEDED: u32 = 4;
pub const TIME_LIMIT_EXCEEDED: u32 = 3;
pub const ADMIN_LIMIT_EXCEEDED: u32 = 11;

/// How one search ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    pub entries: u64,
    pub rc: u32,
    pub text: String,
    pub time: Duration,
    /// Continuation references (never followed) and the first few of their URLs.
    pub references: u64,
    pub reference_urls: Vec<String>,
}

/// The paged count.
#[derive(Debug, Clone, PartialEq)]
pub struct PagedOutcome {
    pub search: SearchOutcome,
    pub pages: u64,
    /// The page size the count used.
    pub page_size: u32,
    /// The page size asked for first, when the server rejected it (adminLimitExceeded).
    pub rejected_page_size: Option<u32>,
}

/// Everything the directory said.
#[derive(Debug, Clone, PartialEq)]
pub struct Directory {
    /// From the root DSE's supportedControl; `None` when the root DSE could not be read.
    pub paged_control_offered: Option<bool>,
    pub unpaged: SearchOutcome,
    /// Run when the unpaged search was cut short, or with `--always-page`.
    pub paged: Option<PagedOutcome>,
    pub server: ServerFacts,
    /// `--attribute`: its values on the entries found.
    pub values: Option<ValueCount>,
}

/// The values of an attribute on the entries a search found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueCount {
    pub attribute: String,
    /// Entries found (by the ranged read on AD).
    pub entries: u64,
    /// All values: through range retrieval on AD, by the plain read elsewhere.
    pub values: u64,
    /// What a plain read of the attribute returned.
    pub plain_values: u64,
    /// Whether the server answered in ranges.
    pub ranged: bool,
    /// The entry with the most values, and how many.
    pub most: (String, u64),
}

/// What the server says about itself and its limits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerFacts {
    /// The root DSE names Active Directory's capability.
    pub active_directory: bool,
    /// The domain's query policy (`lDAPAdminLimits`), or why it could not be read; read on AD.
    pub policy: Option<Result<Vec<(String, u64)>, String>>,
}

impl ServerFacts {
    /// One of the policy's limits (`MaxPageSize`).
    pub fn limit(&self, name: &str) -> Option<u64> {
        match &self.policy {
            Some(Ok(limits)) => limits
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v),
            _ => None,
        }
    }
}

/// Why the directory gave no count.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    TimedOut(TimedOut),
    /// The TLS layer refused: the certificate problem.
    Tls(rustls::Error),
    /// The server closed the connection during the TLS handshake (or StartTLS).
    ClosedDuringHandshake,
    /// The host is an address or name TLS cannot verify.
    NotATlsName,
    StartTlsRefused {
        rc: u32,
        text: String,
    },
    BindRejected {
        dn: String,
        rc: u32,
        text: String,
    },
    Closed,
    /// A plain connection closed before the first answer (what an LDAPS port does to plain LDAP).
    ClosedBeforeAnswering,
    Io(String),
    /// A message larger than a message may be.
    TooLarge {
        size: usize,
    },
    /// A message that is not LDAP, or not the answer that was asked for.
    Malformed(String),
    /// The server's Notice of Disconnection.
    Disconnected {
        rc: u32,
        text: String,
    },
    MalformedControl {
        page: u64,
        why: String,
    },
    /// The paged search went on past this many pages.
    EndlessPaging(u64),
    Other(String),
}

impl From<TimedOut> for Failure {
    fn from(timed_out: TimedOut) -> Failure {
        Failure::TimedOut(timed_out)
    }
}

/// What was asked of which directory, and what it said.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub url: String,
    pub base: String,
    /// The name the certificate had to carry.
    pub tls_name: String,
    /// Whether a CA file was given (the advice after an untrusted certificate differs).
    pub ca_given: bool,
    /// The certificate the server presented, when TLS got that far.
    pub certificate: Option<Certificate>,
    /// When the directory was read, Unix seconds (for the certificate's remaining days).
    pub checked_at: i64,
    pub outcome: Result<Directory, Failure>,
}

/// Whether a search result code means the server stopped before the end.
pub fn cut_short(rc: u32) -> bool {
    matches!(
        rc,
        SIZE_LIMIT_EXCEEDED | TIME_LIMIT_EXCEEDED | ADMIN_LIMIT_EXCEEDED
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub entries: Thresholds,
    pub time: Thresholds,
    pub truncation_state: State,
    /// `--cert-warning` / `--cert-critical`: days before the certificate expires.
    pub cert_warning_days: Option<u32>,
    pub cert_critical_days: Option<u32>,
}

/// The report for one directory search, or the line that says why there is none.
pub fn evaluate(facts: &Facts, judge: &Judgement) -> Result<Report, CheckError> {
    match &facts.outcome {
        Ok(directory) => {
            let mut report = judge_directory(directory, &facts.base, judge);
            judge_certificate(&mut report, facts, judge);
            Ok(report)
        }
        Err(failure) => Err(describe_failure(failure, facts)),
    }
}

/// The server certificate's remaining days, when asked (`--cert-warning/--cert-critical`).
fn judge_certificate(report: &mut Report, facts: &Facts, judge: &Judgement) {
    let Some(cert) = &facts.certificate else {
        return;
    };
    let left = (cert.not_after - facts.checked_at).div_euclid(86_400);
    let state = match (judge.cert_critical_days, judge.cert_warning_days) {
        (Some(days), _) if left < i64::from(days) => State::Critical,
        (_, Some(days)) if left < i64::from(days) => State::Warning,
        _ => State::Ok,
    };
    let text = format!(
        "the server certificate expires on {} ({left} days)",
        date(cert.not_after)
    );
    match state {
        State::Ok => report.detail_at(1, State::Ok, text),
        state => report.add(state, text),
    };
    if judge.cert_warning_days.is_some() || judge.cert_critical_days.is_some() {
        report.headline(
            Metric::new("certificate_days", left)
                .warning(
                    judge
                        .cert_warning_days
                        .and_then(|d| format!("{d}:").parse().ok()),
                )
                .critical(
                    judge
                        .cert_critical_days
                        .and_then(|d| format!("{d}:").parse().ok()),
                ),
        );
    }
}

/// `--attribute`: the values, what a plain read returns, and the domain's MaxValRange.
fn judge_values(
    report: &mut Report,
    count: &ValueCount,
    server: &ServerFacts,
    base: &str,
    judge: &Judgement,
) {
    let attribute = &count.attribute;
    let values = count.values;
    if count.plain_values < values {
        report.add(
            judge.truncation_state,
            format!(
                "a plain read of {attribute} returns {} of {} (the rest only through range retrieval)",
                count.plain_values,
                plural(values, "value", "values")
            ),
        );
    } else if let Some(max) = server.limit("MaxValRange")
        && count.most.1 > max
    {
        report.add(
            judge.truncation_state,
            format!(
                "{} has {} values of {attribute}, more than the domain's MaxValRange {max}: a plain read from a Windows DC returns {max} of {}",
                count.most.0, count.most.1, count.most.1
            ),
        );
    }
    if let Some((state, why)) = judge.entries.violation(values as f64) {
        report.add(
            state,
            format!(
                "{} of {attribute} ({why})",
                plural(values, "value", "values")
            ),
        );
    }
    let how = match (server.active_directory, count.ranged) {
        (false, _) => "",
        (true, false) => ", counted through range retrieval",
        (true, true) => ", counted through range retrieval (the server answered in ranges)",
    };
    report.ok_summary(format!(
        "{} of {attribute} on {} under {base}{how}",
        plural(values, "value", "values"),
        entries(count.entries),
    ));
    report
        .headline(
            Metric::new("values", values)
                .thresholds(judge.entries.clone())
                .min(0u8),
        )
        .metric(Metric::new("plain_values", count.plain_values).min(0u8));
}

fn judge_directory(facts: &Directory, base: &str, judge: &Judgement) -> Report {
    let mut report = Report::new();
    // A search of the root DSE ("") reads as one.
    let base = match base {
        "" => "the root DSE",
        base => base,
    };
    judge_server(&mut report, &facts.server);
    let unpaged = &facts.unpaged;
    report.metric(Metric::new("unpaged_entries", unpaged.entries).min(0u8));
    if unpaged.rc != 0 && !cut_short(unpaged.rc) {
        report.add(State::Critical, search_failed("the search", base, unpaged));
        return report;
    }
    // The search that gave the total: the unpaged one when it completed, else the paged one.
    let (counted, pages): (&SearchOutcome, u64) = match &facts.paged {
        None if unpaged.rc == 0 => (unpaged, 0),
        None => {
            // Cut short, and nothing can page: no client reads the whole set.
            let text = match facts.paged_control_offered {
                Some(false) => format!(
                    "unpaged searches see only {} entries under {base} ({}) and the server offers no paged-results control: nothing can read the whole set",
                    unpaged.entries,
                    limit_words(unpaged)
                ),
                _ if unpaged.rc == TIME_LIMIT_EXCEEDED => time_limit("search", base, unpaged),
                _ => format!(
                    "the search of {base} was cut short after {} ({})",
                    entries(unpaged.entries),
                    limit_words(unpaged)
                ),
            };
            report.add(State::Critical, text);
            return report;
        }
        Some(paged) => {
            if let Some(rejected) = paged.rejected_page_size {
                if paged.search.rc == 0 {
                    report.add(
                        State::Warning,
                        format!(
                            "the server rejects pages of {rejected} entries (administrative limit exceeded): counted with pages of {}, set --page-size {} or less",
                            paged.page_size, paged.page_size
                        ),
                    );
                } else {
                    report.add(
                        State::Critical,
                        format!(
                            "the server rejects pages of {rejected} entries (administrative limit exceeded): set --page-size to its limit (OpenLDAP size.pr, AD MaxPageSize)"
                        ),
                    );
                    return report;
                }
            }
            if paged.search.rc != 0 {
                let what = match cut_short(paged.search.rc) {
                    true if paged.search.rc == TIME_LIMIT_EXCEEDED => {
                        time_limit("paged search", base, &paged.search)
                    }
                    true => format!(
                        "the paged search of {base} was cut short too, after {} entries ({}): the server limits paged searches as well (OpenLDAP size.prtotal?)",
                        paged.search.entries,
                        limit_words(&paged.search)
                    ),
                    false => search_failed("the paged search", base, &paged.search),
                };
                report.add(State::Critical, what);
                return report;
            }
            (&paged.search, paged.pages)
        }
    };
    let total = counted.entries;
    if let Some(why) = inconsistent(unpaged, total, pages > 0) {
        report.add(State::Unknown, format!("the server is inconsistent: {why}"));
    } else if total > unpaged.entries || cut_short(unpaged.rc) {
        report.add(
            judge.truncation_state,
            format!(
                "unpaged searches see only {} of {total} entries ({})",
                unpaged.entries,
                limit_words(unpaged)
            ),
        );
    } else if let Some(max) = facts.server.limit("MaxPageSize")
        && total > max
    {
        // This DC answered them all (Samba does not enforce it); a Windows DC of the domain
        // cuts at the policy's limit.
        report.add(
            judge.truncation_state,
            format!(
                "{total} entries exceed the domain's MaxPageSize {max}: clients that do not page see {max} from a Windows DC"
            ),
        );
    }
    // With --attribute the thresholds are the values'.
    let entry_thresholds = match facts.values {
        None => judge.entries.clone(),
        Some(_) => Thresholds::default(),
    };
    if let Some((state, why)) = entry_thresholds.violation(total as f64) {
        report.add(state, format!("{} under {base} ({why})", entries(total)));
    }
    if let Some((state, why)) = judge.time.violation(counted.time.as_secs_f64()) {
        report.add(
            state,
            format!("counting took {} ({why})", human_duration(counted.time)),
        );
    }
    let how = match pages {
        0 => "in one unpaged search".to_string(),
        1 => "in 1 page".to_string(),
        n => format!("in {n} pages"),
    };
    let references = match unpaged.references.max(counted.references) {
        0 => String::new(),
        1 => " (and 1 continuation reference, not followed)".to_string(),
        n => format!(" (and {n} continuation references, not followed)"),
    };
    report.ok_summary(format!(
        "{} under {base}{references}, counted {how} in {}",
        entries(total),
        human_duration(counted.time)
    ));
    for url in &unpaged.reference_urls {
        report.detail_at(
            1,
            State::Ok,
            format!("continuation reference (not followed): {url}"),
        );
    }
    if let Some(paged) = &facts.paged {
        report.detail(
            State::Ok,
            format!(
                "paged search: {total} entries in {pages} pages of up to {} in {}",
                paged.page_size,
                human_duration(counted.time)
            ),
        );
    }
    report.detail(
        if cut_short(unpaged.rc) {
            judge.truncation_state
        } else {
            State::Ok
        },
        format!(
            "unpaged search: {}, {} (result code {}) in {}",
            entries(unpaged.entries),
            result_code_words(unpaged.rc),
            unpaged.rc,
            human_duration(unpaged.time)
        ),
    );
    if let Some(count) = &facts.values {
        judge_values(&mut report, count, &facts.server, base, judge);
    }
    report
        .headline(
            Metric::new("entries", total)
                .thresholds(entry_thresholds)
                .min(0u8),
        )
        .metric(Metric::new("pages", pages).min(0u8))
        .metric(Metric::new("references", unpaged.references.max(counted.references)).min(0u8))
        .metric(
            Metric::new("time", round_micros(counted.time.as_secs_f64()))
                .uom(Uom::Seconds)
                .thresholds(judge.time.clone())
                .min(0u8),
        );
    report
}

/// What the server's policy says, at -v; its limits that matter as perfdata.
fn judge_server(report: &mut Report, server: &ServerFacts) {
    match &server.policy {
        Some(Ok(limits)) => {
            let shown: Vec<String> = limits.iter().map(|(n, v)| format!("{n}={v}")).collect();
            report.detail_at(
                1,
                State::Ok,
                format!("the domain's query policy: {}", shown.join(", ")),
            );
            for (name, label) in [
                ("MaxPageSize", "max_page_size"),
                ("MaxValRange", "max_val_range"),
                ("MaxQueryDuration", "max_query_duration"),
            ] {
                if let Some(value) = server.limit(name) {
                    report.metric(Metric::new(label, value).min(0u8));
                }
            }
        }
        Some(Err(why)) => {
            report.detail_at(
                1,
                State::Ok,
                format!("Active Directory, but its query policy could not be read: {why}"),
            );
        }
        None => {}
    }
}

/// Counts that cannot both be true: the server cannot be believed about how many there are.
fn inconsistent(unpaged: &SearchOutcome, total: u64, paged: bool) -> Option<String> {
    if !paged {
        return None;
    }
    if cut_short(unpaged.rc) && total < unpaged.entries {
        return Some(format!(
            "the unpaged search returned {} before its limit stopped it, the paged count only {total}",
            entries(unpaged.entries)
        ));
    }
    if unpaged.rc == SIZE_LIMIT_EXCEEDED && unpaged.entries == 0 {
        return Some(format!(
            "a size limit stopped the unpaged search before its first entry, and the paged count found {total}"
        ));
    }
    if unpaged.rc == 0 && total != unpaged.entries {
        return Some(format!(
            "the unpaged search found {}, the paged count {total}",
            entries(unpaged.entries)
        ));
    }
    None
}

/// `1 entry`, `2 entries`.
fn entries(n: u64) -> String {
    plural(n, "entry", "entries")
}

/// A search the server's time limit stopped, with its words.
fn time_limit(what: &str, base: &str, search: &SearchOutcome) -> String {
    let said = match search.text.trim() {
        "" => String::new(),
        text => format!(": {text}"),
    };
    format!(
        "the server's time limit (MaxQueryDuration on AD) cut the {what} of {base} after {}{said}",
        entries(search.entries)
    )
}

/// Which limit stopped a search, in words: `server size limit 1000`.
fn limit_words(search: &SearchOutcome) -> String {
    match search.rc {
        SIZE_LIMIT_EXCEEDED => format!("server size limit {}", search.entries),
        TIME_LIMIT_EXCEEDED => "server time limit".into(),
        ADMIN_LIMIT_EXCEEDED => "server administrative limit".into(),
        0 => "complete".into(),
        rc => format!("{} (result code {rc})", result_code_words(rc)),
    }
}

fn search_failed(what: &str, base: &str, search: &SearchOutcome) -> String {
    let detail = match search.text.trim() {
        "" => String::new(),
        text => format!(": {text}"),
    };
    format!(
        "{what} of {base} failed: {} (result code {}){detail}",
        result_code_words(search.rc),
        search.rc
    )
}

/// A failure as the line the operator reads: CRITICAL for what the server did, UNKNOWN for what
/// the options made impossible, the `--timeout-state` for a stage that hung.
fn describe_failure(failure: &Failure, facts: &Facts) -> CheckError {
    let url = &facts.url;
    let trust = tls::Trust {
        ca_option: "--ca-file",
        ca_given: facts.ca_given,
        port_kind: "an LDAPS",
    };
    match failure {
        Failure::TimedOut(timed_out) => timed_out.clone().into(),
        Failure::Tls(error) => CheckError::critical(format!(
            "TLS with {url} failed: {}",
            tls::describe_presented(
                error,
                trust,
                facts.certificate.as_ref(),
                &facts.tls_name,
                "--tls-accept-cn"
            )
        )),
        Failure::ClosedDuringHandshake => CheckError::critical(format!(
            "TLS with {url} failed: the server closed the connection during the handshake{}",
            if url.starts_with("ldaps://") {
                " (is this an LDAPS port?)"
            } else {
                ""
            }
        )),
        Failure::NotATlsName => CheckError::unknown(format!(
            "{url}: the host is not a name TLS can verify (use a DNS name, or --tls-skip-verify)"
        )),
        Failure::StartTlsRefused { rc, text } => CheckError::critical(format!(
            "{url} refused StartTLS: {} (result code {rc}){}",
            result_code_words(*rc),
            parenthesised(text)
        )),
        Failure::BindRejected { dn, rc, text } => {
            CheckError::critical(describe_bind(dn, *rc, text))
        }
        Failure::Closed => CheckError::critical(format!("{url} closed the connection")),
        Failure::ClosedBeforeAnswering => CheckError::critical(format!(
            "{url} closed the connection before answering (is this an LDAPS port? use ldaps://)"
        )),
        Failure::Io(why) => CheckError::critical(format!("{url}: {why}")),
        Failure::TooLarge { size } => CheckError::critical(format!(
            "{url} sent a message of {size} bytes, more than the {} one may hold here",
            crate::ldap::message::MAX_MESSAGE
        )),
        Failure::Malformed(why) => {
            CheckError::critical(format!("malformed answer from {url}: {why}"))
        }
        Failure::Disconnected { rc, text } => CheckError::critical(format!(
            "{url} closed the connection with a Notice of Disconnection: {} (result code {rc}){}",
            result_code_words(*rc),
            parenthesised(text)
        )),
        Failure::MalformedControl { page, why } => CheckError::critical(format!(
            "the server's paged-results control on page {page} is malformed: {why}"
        )),
        Failure::EndlessPaging(pages) => {
            CheckError::critical(format!("the paged search did not end after {pages} pages"))
        }
        Failure::Other(why) => CheckError::critical(format!("{url}: {why}")),
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
pub fn describe_bind(dn: &str, rc: u32, text: &str) -> String {
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
pub fn result_code_words(rc: u32) -> &'static str {
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
    use super::*;
    use hastack_common::Range;

    const BASE: &str = "ou=users,dc=example,dc=com";

    fn search(entries: u64, rc: u32) -> SearchOutcome {
        SearchOutcome {
            entries,
            rc,
            text: String::new(),
            time: Duration::from_millis(40),
            references: 0,
            reference_urls: Vec::new(),
        }
    }

    fn paged(
        entries: u64,
        rc: u32,
        pages: u64,
        page_size: u32,
        rejected: Option<u32>,
    ) -> Option<PagedOutcome> {
        Some(PagedOutcome {
            search: search(entries, rc),
            pages,
            page_size,
            rejected_page_size: rejected,
        })
    }

    fn judge() -> Judgement {
        Judgement {
            entries: Thresholds::default(),
            time: Thresholds::default(),
            truncation_state: State::Warning,
            cert_warning_days: None,
            cert_critical_days: None,
        }
    }

    fn line(directory: &Directory, judge: &Judgement) -> (State, String) {
        let report = judge_directory(directory, BASE, judge);
        let out = report.render("LDAP PAGING", 0);
        (
            report.state(),
            out.lines().next().unwrap_or_default().to_string(),
        )
    }

    #[test]
    fn the_ad_story_and_its_variants() {
        let table: Vec<(Directory, State, &str)> = vec![
            (
                Directory {
                    paged_control_offered: Some(true),
                    unpaged: search(1000, 4),
                    paged: paged(2500, 0, 5, 500, None),
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Warning,
                "LDAP PAGING WARNING - unpaged searches see only 1000 of 2500 entries (server size limit 1000) | entries=2500;;;0 unpaged_entries=1000;;;0 pages=5;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                Directory {
                    paged_control_offered: Some(true),
                    unpaged: search(900, 0),
                    paged: None,
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Ok,
                "LDAP PAGING OK - 900 entries under ou=users,dc=example,dc=com, counted in one unpaged search in 40.0 ms | entries=900;;;0 unpaged_entries=900;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                Directory {
                    paged_control_offered: Some(false),
                    unpaged: search(1000, 4),
                    paged: None,
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Critical,
                "LDAP PAGING CRITICAL - unpaged searches see only 1000 entries under ou=users,dc=example,dc=com (server size limit 1000) and the server offers no paged-results control: nothing can read the whole set | unpaged_entries=1000;;;0",
            ),
            (
                Directory {
                    paged_control_offered: Some(true),
                    unpaged: search(1000, 4),
                    paged: paged(2500, 0, 3, 1000, Some(2000)),
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Warning,
                "LDAP PAGING WARNING - the server rejects pages of 2000 entries (administrative limit exceeded): counted with pages of 1000, set --page-size 1000 or less / unpaged searches see only 1000 of 2500 entries (server size limit 1000) | entries=2500;;;0 unpaged_entries=1000;;;0 pages=3;;;0 references=0;;;0 time=0.04s;;;0",
            ),
            (
                Directory {
                    paged_control_offered: Some(true),
                    unpaged: search(0, 4),
                    paged: paged(0, 11, 1, 2000, Some(2000)),
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the server rejects pages of 2000 entries (administrative limit exceeded): set --page-size to its limit (OpenLDAP size.pr, AD MaxPageSize) | unpaged_entries=0;;;0",
            ),
            (
                Directory {
                    paged_control_offered: None,
                    unpaged: search(1000, 4),
                    paged: paged(2000, 4, 4, 500, None),
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the paged search of ou=users,dc=example,dc=com was cut short too, after 2000 entries (server size limit 2000): the server limits paged searches as well (OpenLDAP size.prtotal?) | unpaged_entries=1000;;;0",
            ),
            (
                Directory {
                    paged_control_offered: Some(true),
                    unpaged: SearchOutcome {
                        text: "no such base".into(),
                        ..search(0, 32)
                    },
                    paged: None,
                    server: ServerFacts::default(),
                    values: None,
                },
                State::Critical,
                "LDAP PAGING CRITICAL - the search of ou=users,dc=example,dc=com failed: no such object (result code 32): no such base | unpaged_entries=0;;;0",
            ),
        ];
        for (facts, state, expected) in table {
            assert_eq!(line(&facts, &judge()), (state, expected.to_string()));
        }
    }

    #[test]
    fn values_are_said_as_they_were_counted() {
        let count = |values: u64, plain: u64, ranged: bool| ValueCount {
            attribute: "member".into(),
            entries: 1,
            values,
            plain_values: plain,
            ranged,
            most: ("cn=big".into(), values),
        };
        let ad = ServerFacts {
            active_directory: true,
            policy: Some(Ok(vec![("MaxValRange".into(), 1500)])),
        };
        let table = [
            // Not AD: a plain read counted them; nothing about ranges.
            (
                count(1, 1, false),
                ServerFacts::default(),
                State::Ok,
                "LDAP PAGING OK - 1 value of member on 1 entry under ou=users,dc=example,dc=com |",
            ),
            (
                count(0, 0, false),
                ServerFacts::default(),
                State::Ok,
                "LDAP PAGING OK - 0 values of member on 1 entry under ou=users,dc=example,dc=com |",
            ),
            // AD answering whole (Samba), and in ranges (Windows).
            (
                count(1200, 1200, false),
                ad.clone(),
                State::Ok,
                "LDAP PAGING OK - 1200 values of member on 1 entry under ou=users,dc=example,dc=com, counted through range retrieval |",
            ),
            (
                count(1600, 1500, true),
                ad.clone(),
                State::Warning,
                "LDAP PAGING WARNING - a plain read of member returns 1500 of 1600 values (the rest only through range retrieval) |",
            ),
            (
                count(1600, 1600, false),
                ad,
                State::Warning,
                "LDAP PAGING WARNING - cn=big has 1600 values of member, more than the domain's MaxValRange 1500: a plain read from a Windows DC returns 1500 of 1600 |",
            ),
        ];
        for (values, server, state, words) in table {
            let directory = Directory {
                paged_control_offered: Some(true),
                unpaged: search(1, 0),
                paged: None,
                server,
                values: Some(values),
            };
            let (got_state, got) = line(&directory, &judge());
            assert!(got.starts_with(words), "{got}");
            assert_eq!(got_state, state, "{got}");
        }
    }

    #[test]
    fn truncation_state_and_thresholds() {
        let facts = Directory {
            paged_control_offered: Some(true),
            unpaged: search(1000, 4),
            paged: paged(2500, 0, 5, 500, None),
            server: ServerFacts::default(),
            values: None,
        };
        let mut critical = judge();
        critical.truncation_state = State::Critical;
        assert_eq!(line(&facts, &critical).0, State::Critical);
        let mut ok = judge();
        ok.truncation_state = State::Ok;
        assert!(line(&facts, &ok).1.starts_with("LDAP PAGING OK - 2500 entries under ou=users,dc=example,dc=com, counted in 5 pages in 40.0 ms |"));
        let small = Directory {
            paged_control_offered: Some(true),
            unpaged: search(900, 0),
            paged: None,
            server: ServerFacts::default(),
            values: None,
        };
        let mut warn = judge();
        warn.entries = Thresholds::new("800".parse::<Range>().ok(), None);
        assert_eq!(
            line(&small, &warn),
            (State::Warning, "LDAP PAGING WARNING - 900 entries under ou=users,dc=example,dc=com (outside 800) | entries=900;800;;0 unpaged_entries=900;;;0 pages=0;;;0 references=0;;;0 time=0.04s;;;0".to_string())
        );
        let mut slow = judge();
        slow.time = Thresholds::new(None, "0.01".parse::<Range>().ok());
        assert_eq!(
            line(&small, &slow).1.split(" | ").next(),
            Some("LDAP PAGING CRITICAL - counting took 40.0 ms (outside 0.01)")
        );
    }

    #[test]
    fn failures_decide_their_state() {
        use rustls::CertificateError;
        let unknown_ca = Failure::Tls(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        let table: Vec<(Failure, bool, State, &str)> = vec![
            (
                unknown_ca.clone(),
                false,
                State::Critical,
                "TLS with ldap://dc1:389 failed: the server certificate is signed by an unknown CA (give the CA with --ca-file)",
            ),
            (
                unknown_ca,
                true,
                State::Critical,
                "TLS with ldap://dc1:389 failed: the server certificate is not signed by the CA in --ca-file",
            ),
            (
                Failure::BindRejected {
                    dn: "cn=r".into(),
                    rc: 49,
                    text: "80090308: LdapErr: DSID-0C09042A, data 52e".into(),
                },
                false,
                State::Critical,
                "bind as cn=r rejected: wrong password (or no such user) (80090308: LdapErr: DSID-0C09042A, data 52e)",
            ),
            (
                Failure::StartTlsRefused {
                    rc: 2,
                    text: String::new(),
                },
                false,
                State::Critical,
                "ldap://dc1:389 refused StartTLS: protocol error (result code 2)",
            ),
            (
                Failure::ClosedDuringHandshake,
                false,
                State::Critical,
                "TLS with ldap://dc1:389 failed: the server closed the connection during the handshake",
            ),
            (
                Failure::ClosedBeforeAnswering,
                false,
                State::Critical,
                "ldap://dc1:389 closed the connection before answering (is this an LDAPS port? use ldaps://)",
            ),
            (
                Failure::TooLarge { size: 1 << 31 },
                false,
                State::Critical,
                "ldap://dc1:389 sent a message of 2147483648 bytes, more than the 4194304 one may hold here",
            ),
            (
                Failure::Malformed("the message ID: the value ends before a tag".into()),
                false,
                State::Critical,
                "malformed answer from ldap://dc1:389: the message ID: the value ends before a tag",
            ),
            (
                Failure::Disconnected {
                    rc: 52,
                    text: "going down".into(),
                },
                false,
                State::Critical,
                "ldap://dc1:389 closed the connection with a Notice of Disconnection: unavailable (result code 52) (going down)",
            ),
            (
                Failure::NotATlsName,
                false,
                State::Unknown,
                "ldap://dc1:389: the host is not a name TLS can verify (use a DNS name, or --tls-skip-verify)",
            ),
            (
                Failure::MalformedControl {
                    page: 3,
                    why: "truncated".into(),
                },
                false,
                State::Critical,
                "the server's paged-results control on page 3 is malformed: truncated",
            ),
        ];
        for (failure, ca_given, state, text) in table {
            let facts = Facts {
                url: "ldap://dc1:389".into(),
                base: BASE.into(),
                tls_name: "dc1".into(),
                ca_given,
                certificate: None,
                checked_at: 0,
                outcome: Err(failure),
            };
            let error = evaluate(&facts, &judge()).expect_err("a failure");
            assert_eq!((error.state(), error.message()), (state, text));
        }
    }
}
