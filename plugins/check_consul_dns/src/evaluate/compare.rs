//! The servers' answers compared: with the instances `--expect` names (`--exact`: nothing
//! else), and with each other, said from the side of the server that lacks something; a
//! forwarder short of the agent's set is Consul's silent trimming.

use std::collections::BTreeMap;

use hastack_common::units::{listed, plural};
use hastack_common::{Report, State};

use super::{Answered, Criteria, instances};
use crate::facts::{Instance, Transport};

pub(super) fn judge_expected(report: &mut Report, answered: &[Answered<'_>], criteria: &Criteria) {
    for expected in &criteria.expected {
        let (mut missing, mut unconfirmed) = (Vec::new(), Vec::new());
        for (server, answer) in answered {
            if answer.instances.iter().any(|i| expected.matches(i)) {
                continue;
            }
            // An SRV target given without its address (no additional record: a forwarder may
            // leave them out) may be the expected address: it is not there to compare.
            let unaddressed = answer
                .instances
                .iter()
                .filter(|i| i.target.is_some() && i.address.is_none() && expected.port_matches(i))
                .count();
            match (expected.by_address(), unaddressed) {
                (true, n) if n > 0 => unconfirmed.push((server.main.peer.to_string(), n)),
                _ => missing.push(server.main.peer.to_string()),
            }
        }
        if !missing.is_empty() {
            report.add(
                State::Critical,
                format!("expected {expected} missing from {}", missing.join(", ")),
            );
        }
        for (server, n) in unconfirmed {
            report.add(
                State::Warning,
                format!(
                    "expected {expected} not confirmed by {server}: its SRV answer names {} without their addresses (no additional records)",
                    plural(n, "target", "targets")
                ),
            );
        }
    }
    if !criteria.exact {
        return;
    }
    for (server, answer) in answered {
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
                    server.main.peer,
                    listed(unexpected.iter(), unexpected.len(), unexpected.len())
                ),
            );
        }
    }
}

/// Servers that answered are compared with the first one that did.
pub(super) fn judge_agreement(report: &mut Report, answered: &[Answered<'_>]) {
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
                let (a, b) = (&outcome.main.peer, &reference.main.peer);
                format!(
                    "{a} and {b} disagree: {a} lacks {} while {b} lacks {}",
                    instances(lacks_other.iter().copied(), 5),
                    instances(lacks_reference.iter().copied(), 5)
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
    (short, short_answer): Answered<'_>,
    (whole, whole_answer): Answered<'_>,
    missing: &[&Instance],
) -> String {
    let (n, m) = (short_answer.instances.len(), whole_answer.instances.len());
    let (a, b) = (&short.main.peer, &whole.main.peer);
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
            instances(missing.iter().copied(), 5)
        ),
        (true, false) => format!(
            "the forwarder {a} returns {n} of the agent {b}'s {m} instances, missing {}",
            instances(missing.iter().copied(), 5)
        ),
        (false, _) => format!(
            "{a} returned {n} instances, {b} returned {m}, missing {}",
            instances(missing.iter().copied(), 5)
        ),
    }
}
