//! Judging what the servers answered (pure): [`answers`] (each server's answer or why there is
//! none: counts, response time, how it came, what clients without EDNS get), [`compare`] (the
//! expected instances, and servers that disagree: Consul's silent trimming behind a forwarder)
//! and [`outside`] (names outside Consul, which the forwarder must still resolve).

mod answers;
mod compare;
mod outside;
#[cfg(test)]
mod tests;

use hastack_common::units::{duration, listed};
use hastack_common::{CheckError, Labels, Report, Thresholds, Uom};

use crate::facts::{Answer, Facts, Instance, Rcode, ServerAnswers};

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
        host && self.port_matches(instance)
    }

    /// No port named, or the instance's.
    fn port_matches(&self, instance: &Instance) -> bool {
        self.port.is_none() || self.port == instance.port
    }

    /// Named by address (A/AAAA, or an SRV target's address) rather than by target.
    fn by_address(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_ok()
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

/// A server that answered with instances, and its answer.
type Answered<'a> = (&'a ServerAnswers, &'a Answer);

/// The report for every server asked, in the order given.
pub fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
    let (servers, question) = (&facts.servers, &facts.question);
    let mut report = Report::new();
    let single = servers.len() == 1;
    let what = match &question.service {
        Some(service) => format!("instances of {service}"),
        None => format!(
            "{} records for {}",
            question.query_type.as_str(),
            trim(&question.name)
        ),
    };
    let mut labels = Labels::new();
    // Servers whose answer holds instances, for the counts, expectations and comparison.
    let mut answered: Vec<Answered<'_>> = Vec::new();
    for server in servers {
        if let Some(answer) = answers::judge(&mut report, &server.main, question, &what, criteria) {
            answered.push((server, answer));
        }
        if let Ok(answer) = &server.main.result {
            let label = match single {
                true => "time".to_string(),
                false => labels.item(server.main.peer.name()).of("time"),
            };
            report.metric(answers::time(&criteria.time, label, answer));
        }
    }
    compare::judge_expected(&mut report, &answered, criteria);
    compare::judge_agreement(&mut report, &answered);
    outside::judge(&mut report, servers);
    instances_headline(&mut report, servers, &answered, criteria);
    if let Some((server, answer)) = answered.first() {
        let list = instances(&answer.instances, LISTED);
        let from = match answered.len() {
            1 if single => format!("from {} in {}", server.main.peer, duration(answer.time)),
            n => format!("the same from {n} servers"),
        };
        report.ok_summary(format!("{} {what} {from}: {list}", answer.instances.len()));
    }
    Ok(report)
}

/// The fewest instances any server returned, with the thresholds that judged each; zero when
/// every server answered without any (zero is a measurement too); none when none answered.
fn instances_headline(
    report: &mut Report,
    servers: &[ServerAnswers],
    answered: &[Answered<'_>],
    criteria: &Criteria,
) {
    let fewest = match answered.iter().map(|(_, a)| a.instances.len()).min() {
        Some(fewest) => fewest,
        None if servers.iter().any(|s| s.main.result.is_ok()) => 0,
        None => return,
    };
    report.headline(criteria.instances.check("instances", fewest).min(0u8));
}

/// A name without its final dot, as people write it.
fn trim(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// At most `at_most` instances by name, and how many more.
fn instances<'a>(all: impl IntoIterator<Item = &'a Instance>, at_most: usize) -> String {
    let all: Vec<&Instance> = all.into_iter().collect();
    listed(all.iter(), all.len(), at_most)
}

/// Instances named in a summary or a detail line; `-v` lists them all.
const LISTED: usize = 10;

/// How a response time is written in perfdata.
const TIME: Uom = Uom::Seconds;

/// Whether an answer holds instances.
fn has_instances(answer: &Answer) -> bool {
    answer.rcode == Rcode::NoError && !answer.instances.is_empty()
}
