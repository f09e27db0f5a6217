//! Judging what the DNS servers answered (pure): each outcome in words, instance counts,
//! expected sets, response times, agreement between servers, and names outside Consul.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::ValueEnum;
use hastack_common::range::Thresholds;
use hastack_common::units::{human_duration, round_micros};
use hastack_common::{CheckError, Metric, Report, State, Uom};

/// The record types a Consul service lookup can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryType {
    #[value(name = "A")]
    A,
    #[value(name = "AAAA")]
    Aaaa,
    #[value(name = "SRV")]
    Srv,
}

impl QueryType {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
            QueryType::Srv => "SRV",
        }
    }
}

/// A DNS server to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsServer {
    pub addr: SocketAddr,
}

impl std::fmt::Display for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.addr)
    }
}

/// The question asked of every server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Fully qualified, with the trailing dot.
    pub name: String,
    pub query_type: QueryType,
    /// The Consul service, when the name was built from one (for "no healthy instance of X").
    pub service: Option<String>,
}

/// A DNS response code, as far as the check tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    NxDomain,
    ServFail,
    Refused,
    Other(String),
}

/// One instance in an answer: an address (A/AAAA), or an SRV target and port with the target's
/// address from the additional section when the server sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instance {
    pub target: Option<String>,
    pub port: Option<u16>,
    pub address: Option<IpAddr>,
}

impl std::fmt::Display for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.target, self.port, self.address) {
            (Some(target), Some(port), Some(address)) => {
                write!(f, "{}:{port} ({address})", target.trim_end_matches('.'))
            }
            (Some(target), Some(port), None) => {
                write!(f, "{}:{port}", target.trim_end_matches('.'))
            }
            (_, _, Some(address)) => write!(f, "{address}"),
            _ => f.write_str("?"),
        }
    }
}

/// How the answer that counted came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    /// `--tcp`.
    Tcp,
    /// The UDP answer said it was truncated (TC), as a standard server does.
    TcpAfterTruncation,
    /// The UDP answer filled the buffer, so a record may have been left out without TC (as
    /// Consul does): asked again over TCP.
    TcpAfterFullUdp,
}

/// What a client without EDNS gets over UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainView {
    pub instances: usize,
    /// TC was set: such a client asks again over TCP and gets the whole answer.
    pub truncated: bool,
}

/// The same question without EDNS, as a client without it asks.
#[derive(Debug, Clone, PartialEq)]
pub enum WithoutEdns {
    /// Not asked: `--tcp`, or a question of `--also-resolve`.
    NotAsked,
    Answered(PlainView),
    /// Nothing within the grace after the main answer (a datagram lost or swallowed).
    NoAnswer {
        grace: Duration,
    },
    /// Refused, malformed, or no answer by the deadline.
    Failed(Failure),
}

/// What a server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub rcode: Rcode,
    pub authoritative: bool,
    pub recursion_available: bool,
    pub transport: Transport,
    pub instances: Vec<Instance>,
    /// An SRV record with the target "." (RFC 2782: the service is decidedly not available).
    pub declined: bool,
    /// The same question without EDNS over UDP (the main question only, not with `--tcp`).
    pub without_edns: WithoutEdns,
    /// From sending the question to the final answer (TCP retry included).
    pub time: Duration,
}

/// Why a server gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing came back within the servers' share of the run (`waited`: that share, from the
    /// run's start).
    NoAnswer {
        waited: Duration,
        tcp: bool,
    },
    /// UDP: an ICMP port unreachable came back; TCP: the connection was refused.
    ConnectionRefused,
    Io(String),
    /// Something came back that is not a DNS answer to the question.
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerOutcome {
    pub server: DnsServer,
    pub main: Result<Answer, Failure>,
    /// `--also-resolve` names and what the server said of each.
    pub also: Vec<(String, Result<Answer, Failure>)>,
}

/// Everything the servers said, with the question they were asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub question: Question,
    /// In the order the servers were given.
    pub servers: Vec<ServerOutcome>,
}

/// An instance that `--expect` names: an address, or an SRV target, with an optional port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub host: String,
    pub port: Option<u16>,
}

impl Expected {
    fn matches(&self, instance: &Instance) -> bool {
        let host = match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => instance.address == Some(ip),
            Err(_) => instance.target.as_deref() == Some(self.host.as_str()),
        };
        host && (self.port.is_none() || self.port == instance.port)
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.host.trim_end_matches('.');
        match self.port {
            Some(port) if host.contains(':') => write!(f, "[{host}]:{port}"),
            Some(port) => write!(f, "{host}:{port}"),
            None => f.write_str(host),
        }
    }
}

/// How the answers are judged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Criteria {
    pub instances: Thresholds,
    pub time: Thresholds,
    pub expected: Vec<Expected>,
    pub exact: bool,
}

/// The report for every server asked, in the order given.
pub fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
    let (outcomes, question) = (&facts.servers, &facts.question);
    let mut report = Report::new();
    let single = outcomes.len() == 1;
    let what = match &question.service {
        Some(service) => format!("instances of {service}"),
        None => format!(
            "{} records for {}",
            question.query_type.as_str(),
            trim(&question.name)
        ),
    };
    // Servers whose answer holds instances, for the counts, expectations and comparison.
    let mut answered: Vec<(&ServerOutcome, &Answer)> = Vec::new();
    for outcome in outcomes {
        match &outcome.main {
            Ok(answer) if answer.rcode == Rcode::NoError && !answer.instances.is_empty() => {
                answered.push((outcome, answer));
                judge_answer(&mut report, outcome, answer, &what, criteria);
            }
            Ok(answer) => {
                let text = describe_empty(outcome, answer, question);
                report
                    .add(State::Critical, text.clone())
                    .detail(State::Critical, text);
            }
            Err(failure) => {
                let text = describe_failure(&outcome.server.to_string(), failure);
                report
                    .add(State::Critical, text.clone())
                    .detail(State::Critical, text);
            }
        }
        if let Ok(answer) = &outcome.main {
            report.metric(
                Metric::new(
                    if single {
                        "time".to_string()
                    } else {
                        format!("time_{}", outcome.server)
                    },
                    round_micros(answer.time.as_secs_f64()),
                )
                .uom(Uom::Seconds)
                .thresholds(criteria.time.clone())
                .min(0u8),
            );
        }
    }
    judge_expected(&mut report, &answered, criteria);
    judge_agreement(&mut report, &answered);
    judge_also_resolved(&mut report, outcomes);
    if let Some(fewest) = answered.iter().map(|(_, a)| a.instances.len()).min() {
        report.headline(
            Metric::new("instances", fewest)
                .thresholds(criteria.instances.clone())
                .min(0u8),
        );
    } else if outcomes.iter().any(|o| o.main.is_ok()) {
        // Every server answered, none with instances: zero is a measurement too.
        report.headline(
            Metric::new("instances", 0u8)
                .thresholds(criteria.instances.clone())
                .min(0u8),
        );
    }
    if let Some((outcome, answer)) = answered.first() {
        let list = listed(&answer.instances, LISTED);
        let from = match answered.len() {
            1 if single => format!("from {} in {}", outcome.server, human_duration(answer.time)),
            n => format!("the same from {n} servers"),
        };
        report.ok_summary(format!("{} {what} {from}: {list}", answer.instances.len()));
    }
    Ok(report)
}

fn judge_answer(
    report: &mut Report,
    outcome: &ServerOutcome,
    answer: &Answer,
    what: &str,
    criteria: &Criteria,
) {
    let server = &outcome.server;
    let count = answer.instances.len();
    let mut state = State::Ok;
    if let Some((s, why)) = criteria.instances.violation(count as f64) {
        report.add(s, format!("{server} returned {count} {what} ({why})"));
        state = state.worst(s);
    }
    let seconds = answer.time.as_secs_f64();
    if let Some((s, why)) = criteria.time.violation(seconds) {
        report.add(
            s,
            format!(
                "{server} answered in {} ({why})",
                human_duration(answer.time)
            ),
        );
        state = state.worst(s);
    }
    let mut flags = Vec::new();
    if answer.authoritative {
        flags.push("authoritative");
    } else if answer.recursion_available {
        flags.push("recursive, not authoritative");
    }
    match answer.transport {
        Transport::Udp | Transport::Tcp => {}
        Transport::TcpAfterTruncation => flags.push("truncated over UDP, asked again over TCP"),
        Transport::TcpAfterFullUdp => {
            flags.push("a full UDP answer may hide trimmed records, asked again over TCP")
        }
    }
    let flags = match flags.is_empty() {
        true => String::new(),
        false => format!(" ({})", flags.join(", ")),
    };
    report.detail(
        state,
        format!(
            "{server}: {count} {what} in {}{flags}: {}",
            human_duration(answer.time),
            listed(&answer.instances, LISTED)
        ),
    );
    if count > LISTED {
        report.detail_at(
            1,
            State::Ok,
            format!(
                "{server}: all {count}: {}",
                listed(&answer.instances, count)
            ),
        );
    }
    let unknown =
        |why: String| format!("{server}: what clients without EDNS get is not known: {why}");
    match &answer.without_edns {
        WithoutEdns::Answered(plain) if !plain.truncated && plain.instances < count => {
            report.detail(
                State::Ok,
                format!(
                    "{server}: clients without EDNS (glibc's default resolver) get {} of {count}",
                    plain.instances
                ),
            );
        }
        WithoutEdns::Answered(_) | WithoutEdns::NotAsked => {}
        WithoutEdns::NoAnswer { grace } => {
            report.detail_at(
                1,
                State::Ok,
                unknown(format!(
                    "asked without EDNS, no answer within {} of the main answer",
                    human_duration(*grace)
                )),
            );
        }
        WithoutEdns::Failed(failure) => {
            report.detail_at(
                1,
                State::Ok,
                unknown(format!(
                    "asked without EDNS, {}",
                    describe_failure(&server.to_string(), failure)
                )),
            );
        }
    }
}

/// NXDOMAIN, SERVFAIL, REFUSED, another code, or NOERROR without records (NODATA).
fn describe_empty(outcome: &ServerOutcome, answer: &Answer, question: &Question) -> String {
    let server = &outcome.server;
    let name = trim(&question.name);
    let qtype = question.query_type.as_str();
    match (&answer.rcode, &question.service) {
        (Rcode::NoError, _) if answer.declined => {
            format!("{server} says {name} is decidedly not available (SRV target '.', RFC 2782)")
        }
        (Rcode::NxDomain, Some(service)) => {
            format!("no healthy instance of {service} ({server}: NXDOMAIN for {name})")
        }
        (Rcode::NxDomain, None) => format!("{name} does not exist ({server}: NXDOMAIN)"),
        (Rcode::ServFail, _) => format!(
            "server failure (SERVFAIL) from {server} for {name} (forwarder cannot reach Consul?)"
        ),
        (Rcode::Refused, _) => format!("{server} refused the query for {name} (REFUSED)"),
        (Rcode::Other(code), _) => format!("{server} answered {code} for {name}"),
        (Rcode::NoError, _) => format!("{server} has no {qtype} records for {name} (NODATA)"),
    }
}

fn describe_failure(server: &str, failure: &Failure) -> String {
    match failure {
        Failure::NoAnswer { waited, tcp } => format!(
            "no answer from {server} within {}{}",
            // The wait is the server's share of the deadline: a tenth of a second tells it.
            match waited.as_secs_f64() {
                s if s >= 1.0 => format!("{s:.1} s"),
                _ => human_duration(*waited),
            },
            if *tcp { " over TCP" } else { "" }
        ),
        Failure::ConnectionRefused => {
            format!("{server}: connection refused (no DNS server listens there)")
        }
        Failure::Io(why) => format!("{server}: {why}"),
        Failure::Malformed(why) => format!("{server} sent {why}"),
    }
}

fn judge_expected(report: &mut Report, answered: &[(&ServerOutcome, &Answer)], criteria: &Criteria) {
    for expected in &criteria.expected {
        let missing: Vec<String> = answered
            .iter()
            .filter(|(_, a)| !a.instances.iter().any(|i| expected.matches(i)))
            .map(|(o, _)| o.server.to_string())
            .collect();
        if !missing.is_empty() {
            report.add(
                State::Critical,
                format!("expected {expected} missing from {}", missing.join(", ")),
            );
        }
    }
    if !criteria.exact {
        return;
    }
    for (outcome, answer) in answered {
        let unexpected: Vec<&Instance> = answer
            .instances
            .iter()
            .filter(|i| !criteria.expected.iter().any(|e| e.matches(i)))
            .collect();
        if !unexpected.is_empty() {
            report.add(
                State::Warning,
                format!(
                    "{} returned unexpected {}",
                    outcome.server,
                    unexpected
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

/// Servers that answered are compared with the first one that did.
fn judge_agreement(report: &mut Report, answered: &[(&ServerOutcome, &Answer)]) {
    let Some(((reference, first), others)) = answered.split_first() else {
        return;
    };
    let expected = by_key(&first.instances);
    for (outcome, answer) in others {
        let got = by_key(&answer.instances);
        if got.keys().eq(expected.keys()) {
            continue;
        }
        let lacks_other = missing(&got, &expected);
        let lacks_reference = missing(&expected, &got);
        // Said from the side of the server that lacks something.
        let text = match (lacks_other.is_empty(), lacks_reference.is_empty()) {
            (false, true) => lacking((outcome, answer), (reference, first), &lacks_other),
            (true, false) => lacking((reference, first), (outcome, answer), &lacks_reference),
            _ => {
                let (a, b) = (&outcome.server, &reference.server);
                format!(
                    "{a} and {b} disagree: {a} lacks {} while {b} lacks {}",
                    listed(lacks_other.iter().copied(), 5),
                    listed(lacks_reference.iter().copied(), 5)
                )
            }
        };
        report.add(State::Warning, text);
    }
}

/// The instances of `of` whose key `from` lacks.
fn missing<'a>(
    from: &BTreeMap<InstanceKey, &Instance>,
    of: &BTreeMap<InstanceKey, &'a Instance>,
) -> Vec<&'a Instance> {
    of.iter()
        .filter(|(key, _)| !from.contains_key(*key))
        .map(|(_, instance)| *instance)
        .collect()
}

/// What identifies an instance across servers: an SRV target and port (a forwarder may leave
/// the addresses out of the additional section), else the address.
type InstanceKey = (Option<String>, Option<u16>, Option<std::net::IpAddr>);

fn by_key(instances: &[Instance]) -> BTreeMap<InstanceKey, &Instance> {
    instances
        .iter()
        .map(|i| {
            let key = match &i.target {
                Some(target) => (Some(target.clone()), i.port, None),
                None => (None, None, i.address),
            };
            (key, i)
        })
        .collect()
}

/// `short` returned a subset of what `whole` returned. A forwarder (recursive, not
/// authoritative) short of an authoritative agent's set is Consul's silent trimming.
fn lacking(
    (short, short_answer): (&ServerOutcome, &Answer),
    (whole, whole_answer): (&ServerOutcome, &Answer),
    missing: &[&Instance],
) -> String {
    let (n, m) = (short_answer.instances.len(), whole_answer.instances.len());
    let (a, b) = (&short.server, &whole.server);
    let forwarder_short_of_agent = !short_answer.authoritative
        && short_answer.recursion_available
        && whole_answer.authoritative;
    // The agent's own UDP answer filled the buffer: it trims, and a forwarder asking over UDP
    // gets the trimmed set.
    let agent_trims = whole_answer.transport == Transport::TcpAfterFullUdp;
    match (forwarder_short_of_agent, agent_trims) {
        (true, true) => format!(
            "the forwarder {a} returns {n} of the agent {b}'s {m} instances (Consul trims \
             answers that do not fit the forwarder's EDNS buffer, 1232 bytes in BIND, without \
             setting TC), missing {}",
            listed(missing.iter().copied(), 5)
        ),
        (true, false) => format!(
            "the forwarder {a} returns {n} of the agent {b}'s {m} instances, missing {}",
            listed(missing.iter().copied(), 5)
        ),
        (false, _) => format!(
            "{a} returned {n} instances, {b} returned {m}, missing {}",
            listed(missing.iter().copied(), 5)
        ),
    }
}

fn judge_also_resolved(report: &mut Report, outcomes: &[ServerOutcome]) {
    for outcome in outcomes {
        for (name, result) in &outcome.also {
            let name = trim(name);
            let server = &outcome.server;
            let why = match result {
                Ok(answer) if answer.rcode == Rcode::NoError && !answer.instances.is_empty() => {
                    report.detail(
                        State::Ok,
                        format!(
                            "{server}: {name} resolves ({})",
                            listed(&answer.instances, LISTED)
                        ),
                    );
                    continue;
                }
                Ok(answer) => match &answer.rcode {
                    Rcode::NxDomain => "NXDOMAIN".to_string(),
                    Rcode::ServFail => "SERVFAIL (server failure)".to_string(),
                    Rcode::Refused => "REFUSED".to_string(),
                    Rcode::Other(code) => code.clone(),
                    Rcode::NoError => "no address records".to_string(),
                },
                Err(failure) => describe_failure(&server.to_string(), failure),
            };
            let text = format!("{server} cannot resolve {name}: {why}");
            report
                .add(State::Critical, text.clone())
                .detail(State::Critical, text);
        }
    }
}

fn trim(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// At most `at_most` instances by name, and how many more.
fn listed<'a>(instances: impl IntoIterator<Item = &'a Instance>, at_most: usize) -> String {
    let all: Vec<&Instance> = instances.into_iter().collect();
    let shown: Vec<String> = all.iter().take(at_most).map(|i| i.to_string()).collect();
    match all.len().saturating_sub(at_most) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Instances named in a summary or a detail line; `-v` lists them all.
const LISTED: usize = 10;

/// A response time in words.
#[cfg(test)]
mod tests {
    use super::*;
    use hastack_common::Range;

    fn server(port: u16) -> DnsServer {
        DnsServer {
            addr: format!("127.0.0.1:{port}").parse().expect("addr"),
        }
    }

    fn a(ips: &[&str]) -> Vec<Instance> {
        ips.iter()
            .map(|ip| Instance {
                target: None,
                port: None,
                address: Some(ip.parse().expect("ip")),
            })
            .collect()
    }

    fn answer(rcode: Rcode, instances: Vec<Instance>) -> Answer {
        Answer {
            rcode,
            authoritative: true,
            recursion_available: false,
            transport: Transport::Udp,
            declined: false,
            without_edns: WithoutEdns::NotAsked,
            instances,
            time: Duration::from_micros(420),
        }
    }

    fn outcome(port: u16, main: Result<Answer, Failure>) -> ServerOutcome {
        ServerOutcome {
            server: server(port),
            main,
            also: Vec::new(),
        }
    }

    fn galeradb() -> Question {
        Question {
            name: "galeradb.service.consul.".into(),
            query_type: QueryType::A,
            service: Some("galeradb".into()),
        }
    }

    fn r(text: &str) -> Option<Range> {
        Some(text.parse().expect("range"))
    }

    fn first_line(outcomes: &[ServerOutcome], criteria: &Criteria) -> (State, String) {
        let facts = Facts {
            question: galeradb(),
            servers: outcomes.to_vec(),
        };
        let report = evaluate(&facts, criteria).expect("a report");
        let out = report.render("CONSUL DNS", 0);
        (
            report.state(),
            out.lines().next().unwrap_or_default().to_string(),
        )
    }

    const THREE: &[&str] = &["127.0.0.11", "127.0.0.12", "127.0.0.13"];

    #[test]
    fn outcomes_in_words() {
        let criteria = Criteria::default();
        let table: Vec<(Result<Answer, Failure>, State, &str)> = vec![
            (
                Ok(answer(Rcode::NoError, a(THREE))),
                State::Ok,
                "CONSUL DNS OK - 3 instances of galeradb from 127.0.0.1:8600 in 420 us: 127.0.0.11, 127.0.0.12, 127.0.0.13 | instances=3;;;0 time=0.00042s;;;0",
            ),
            (
                Ok(answer(Rcode::NxDomain, vec![])),
                State::Critical,
                "CONSUL DNS CRITICAL - no healthy instance of galeradb (127.0.0.1:8600: NXDOMAIN for galeradb.service.consul) | instances=0;;;0 time=0.00042s;;;0",
            ),
            (
                Ok(answer(Rcode::ServFail, vec![])),
                State::Critical,
                "CONSUL DNS CRITICAL - server failure (SERVFAIL) from 127.0.0.1:8600 for galeradb.service.consul (forwarder cannot reach Consul?) | instances=0;;;0 time=0.00042s;;;0",
            ),
            (
                Ok(answer(Rcode::Refused, vec![])),
                State::Critical,
                "CONSUL DNS CRITICAL - 127.0.0.1:8600 refused the query for galeradb.service.consul (REFUSED) | instances=0;;;0 time=0.00042s;;;0",
            ),
            (
                Ok(answer(Rcode::NoError, vec![])),
                State::Critical,
                "CONSUL DNS CRITICAL - 127.0.0.1:8600 has no A records for galeradb.service.consul (NODATA) | instances=0;;;0 time=0.00042s;;;0",
            ),
            (
                Ok(answer(Rcode::Other("Not Implemented".into()), vec![])),
                State::Critical,
                "CONSUL DNS CRITICAL - 127.0.0.1:8600 answered Not Implemented for galeradb.service.consul | instances=0;;;0 time=0.00042s;;;0",
            ),
            (
                Err(Failure::NoAnswer {
                    waited: Duration::from_millis(2700),
                    tcp: false,
                }),
                State::Critical,
                "CONSUL DNS CRITICAL - no answer from 127.0.0.1:8600 within 2.7 s",
            ),
            (
                Err(Failure::NoAnswer {
                    waited: Duration::from_millis(900),
                    tcp: true,
                }),
                State::Critical,
                "CONSUL DNS CRITICAL - no answer from 127.0.0.1:8600 within 900.0 ms over TCP",
            ),
            (
                Err(Failure::ConnectionRefused),
                State::Critical,
                "CONSUL DNS CRITICAL - 127.0.0.1:8600: connection refused (no DNS server listens there)",
            ),
            (
                Err(Failure::Malformed("an undecodable datagram (x)".into())),
                State::Critical,
                "CONSUL DNS CRITICAL - 127.0.0.1:8600 sent an undecodable datagram (x)",
            ),
        ];
        for (main, state, line) in table {
            let (got_state, got_line) = first_line(&[outcome(8600, main)], &criteria);
            assert_eq!((got_state, got_line.as_str()), (state, line));
        }
    }

    #[test]
    fn counts_expectations_and_time() {
        let ok = || vec![outcome(8600, Ok(answer(Rcode::NoError, a(&THREE[..2]))))];
        let criteria = Criteria {
            instances: Thresholds::new(r("3:"), r("1:")),
            ..Criteria::default()
        };
        assert_eq!(
            first_line(&ok(), &criteria),
            (State::Warning, "CONSUL DNS WARNING - 127.0.0.1:8600 returned 2 instances of galeradb (outside 3:) | instances=2;;;0 time=0.00042s;;;0".to_string())
        );
        let criteria = Criteria {
            expected: vec![
                Expected {
                    host: "127.0.0.11".into(),
                    port: None,
                },
                Expected {
                    host: "127.0.0.13".into(),
                    port: None,
                },
            ],
            ..Criteria::default()
        };
        let (state, line) = first_line(&ok(), &criteria);
        assert_eq!(state, State::Critical);
        assert!(
            line.starts_with(
                "CONSUL DNS CRITICAL - expected 127.0.0.13 missing from 127.0.0.1:8600 |"
            ),
            "{line}"
        );
        let criteria = Criteria {
            expected: vec![Expected {
                host: "127.0.0.11".into(),
                port: None,
            }],
            exact: true,
            ..Criteria::default()
        };
        let (state, line) = first_line(&ok(), &criteria);
        assert_eq!(state, State::Warning);
        assert!(
            line.starts_with(
                "CONSUL DNS WARNING - 127.0.0.1:8600 returned unexpected 127.0.0.12 |"
            ),
            "{line}"
        );
        let criteria = Criteria {
            time: Thresholds::new(r("0.0001"), None),
            ..Criteria::default()
        };
        let (state, line) = first_line(&ok(), &criteria);
        assert_eq!(state, State::Warning);
        assert!(line.starts_with("CONSUL DNS WARNING - 127.0.0.1:8600 answered in 420 us (outside 0.0001) | instances=2;;;0 time=0.00042s;0.0001;;0"), "{line}");
    }

    #[test]
    fn servers_that_disagree_are_named_with_the_difference() {
        let outcomes = [
            outcome(8600, Ok(answer(Rcode::NoError, a(THREE)))),
            outcome(53, Ok(answer(Rcode::NoError, a(&THREE[..2])))),
        ];
        let (state, line) = first_line(&outcomes, &Criteria::default());
        assert_eq!(state, State::Warning);
        assert_eq!(
            line,
            "CONSUL DNS WARNING - 127.0.0.1:53 returned 2 instances, 127.0.0.1:8600 returned 3, missing 127.0.0.13 | instances=2;;;0 'time_127.0.0.1:8600'=0.00042s;;;0 'time_127.0.0.1:53'=0.00042s;;;0"
        );
        let reversed = [
            outcome(53, Ok(answer(Rcode::NoError, a(&THREE[..2])))),
            outcome(8600, Ok(answer(Rcode::NoError, a(THREE)))),
        ];
        let (_, line) = first_line(&reversed, &Criteria::default());
        assert!(line.starts_with("CONSUL DNS WARNING - 127.0.0.1:53 returned 2 instances, 127.0.0.1:8600 returned 3, missing 127.0.0.13 |"), "{line}");
        let crossed = [
            outcome(53, Ok(answer(Rcode::NoError, a(&THREE[..2])))),
            outcome(8600, Ok(answer(Rcode::NoError, a(&THREE[1..])))),
        ];
        let (_, line) = first_line(&crossed, &Criteria::default());
        assert!(line.starts_with("CONSUL DNS WARNING - 127.0.0.1:8600 and 127.0.0.1:53 disagree: 127.0.0.1:8600 lacks 127.0.0.11 while 127.0.0.1:53 lacks 127.0.0.13 |"), "{line}");
        let agree = [
            outcome(8600, Ok(answer(Rcode::NoError, a(THREE)))),
            outcome(53, Ok(answer(Rcode::NoError, a(THREE)))),
        ];
        let (state, line) = first_line(&agree, &Criteria::default());
        assert_eq!(state, State::Ok);
        assert!(
            line.starts_with(
                "CONSUL DNS OK - 3 instances of galeradb the same from 2 servers: 127.0.0.11"
            ),
            "{line}"
        );
    }

    #[test]
    fn names_outside_consul_must_resolve_everywhere() {
        let mut good = outcome(53, Ok(answer(Rcode::NoError, a(THREE))));
        good.also = vec![
            (
                "debian.org.".into(),
                Ok(answer(Rcode::NoError, a(&["127.0.0.80"]))),
            ),
            (
                "nowhere.example.".into(),
                Ok(answer(Rcode::ServFail, vec![])),
            ),
        ];
        let (state, line) = first_line(&[good], &Criteria::default());
        assert_eq!(state, State::Critical);
        assert!(line.starts_with("CONSUL DNS CRITICAL - 127.0.0.1:53 cannot resolve nowhere.example: SERVFAIL (server failure) |"), "{line}");
    }

    #[test]
    fn srv_expectations_match_address_or_target() {
        let srv = |node: &str, ip: &str| Instance {
            target: Some(format!("{node}.node.dc1.consul.")),
            port: Some(3306),
            address: Some(ip.parse().expect("ip")),
        };
        let i = srv("node1", "127.0.0.11");
        assert!(
            Expected {
                host: "127.0.0.11".into(),
                port: Some(3306)
            }
            .matches(&i)
        );
        assert!(
            Expected {
                host: "127.0.0.11".into(),
                port: None
            }
            .matches(&i)
        );
        assert!(
            !Expected {
                host: "127.0.0.11".into(),
                port: Some(3307)
            }
            .matches(&i)
        );
        assert!(
            Expected {
                host: "node1.node.dc1.consul.".into(),
                port: Some(3306)
            }
            .matches(&i)
        );
        assert_eq!(
            Expected {
                host: "node1.node.dc1.consul.".into(),
                port: Some(3306)
            }
            .to_string(),
            "node1.node.dc1.consul:3306"
        );
    }

    #[test]
    fn a_forwarder_short_of_the_agent_is_named_with_the_cause_when_the_agent_trims() {
        let agent = |transport| Answer {
            transport,
            ..answer(Rcode::NoError, a(&["10.0.0.1", "10.0.0.2", "10.0.0.3"]))
        };
        let forwarder = Answer {
            authoritative: false,
            recursion_available: true,
            ..answer(Rcode::NoError, a(&["10.0.0.2"]))
        };
        let cases = [
            (
                Transport::TcpAfterFullUdp,
                "CONSUL DNS WARNING - the forwarder 127.0.0.1:53 returns 1 of the agent 127.0.0.1:8600's 3 instances (Consul trims answers that do not fit the forwarder's EDNS buffer, 1232 bytes in BIND, without setting TC), missing 10.0.0.1, 10.0.0.3",
            ),
            (
                Transport::Udp,
                "CONSUL DNS WARNING - the forwarder 127.0.0.1:53 returns 1 of the agent 127.0.0.1:8600's 3 instances, missing 10.0.0.1, 10.0.0.3",
            ),
        ];
        for (transport, line) in cases {
            let outcomes = [
                outcome(53, Ok(forwarder.clone())),
                outcome(8600, Ok(agent(transport))),
            ];
            let (state, first) = first_line(&outcomes, &Criteria::default());
            assert_eq!(state, State::Warning);
            assert!(first.starts_with(line), "{first}");
        }
    }

    #[test]
    fn what_clients_without_edns_get_is_information() {
        let full = |plain: WithoutEdns| Answer {
            without_edns: plain,
            ..answer(
                Rcode::NoError,
                a(&["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]),
            )
        };
        let view = |instances, truncated| {
            WithoutEdns::Answered(PlainView {
                instances,
                truncated,
            })
        };
        let fewer = "127.0.0.1:8600: clients without EDNS (glibc's default resolver) get 3 of 4";
        let lost = "127.0.0.1:8600: what clients without EDNS get is not known: asked without EDNS, no answer within 200.0 ms of the main answer";
        let refused = "127.0.0.1:8600: what clients without EDNS get is not known: asked without EDNS, 127.0.0.1:8600: connection refused (no DNS server listens there)";
        // (what the question without EDNS found, the line at -v0, the line at -v)
        let table = [
            (view(3, false), Some(fewer), Some(fewer)),
            // TC set: such a client asks again over TCP and gets all four.
            (view(3, true), None, None),
            (view(4, false), None, None),
            (WithoutEdns::NotAsked, None, None),
            (
                WithoutEdns::NoAnswer {
                    grace: Duration::from_millis(200),
                },
                None,
                Some(lost),
            ),
            (
                WithoutEdns::Failed(Failure::ConnectionRefused),
                None,
                Some(refused),
            ),
        ];
        for (plain, quiet, verbose) in table {
            let facts = Facts {
                question: galeradb(),
                servers: vec![outcome(8600, Ok(full(plain.clone())))],
            };
            let report = evaluate(&facts, &Criteria::default()).expect("report");
            assert_eq!(report.state(), State::Ok);
            for (verbosity, line) in [(0, quiet), (1, verbose)] {
                let rendered = report.render("CONSUL DNS", verbosity);
                let found = rendered
                    .lines()
                    .find(|l| l.contains("EDNS"))
                    .map(|l| l.trim_start_matches("\\_ [OK] "));
                assert_eq!(found, line, "{plain:?} at -v{verbosity}: {rendered}");
            }
        }
    }
}
