//! Each server's answer judged: the instances it returned and how fast, how the answer came
//! (truncated, asked again over TCP), what a client without EDNS gets; or, for an answer without
//! instances or no answer at all, what that means (no healthy instance, the forwarder's
//! SERVFAIL, nothing listening).

use hastack_common::units::duration;
use hastack_common::{Checked, Failure, Outcome, Peer, Report, State, Thresholds};

use super::{Criteria, LISTED, TIME, has_instances, instances, trim};
use crate::facts::{Answer, Question, Rcode, Transport, WithoutEdns};

/// One server: its answer judged and described. Returns the answer when it holds instances.
pub(super) fn judge<'a>(
    report: &mut Report,
    outcome: &'a Outcome<Answer>,
    question: &Question,
    what: &str,
    criteria: &Criteria,
) -> Option<&'a Answer> {
    let text = match &outcome.result {
        Ok(answer) if has_instances(answer) => {
            judge_answer(report, outcome, answer, what, criteria);
            return Some(answer);
        }
        Ok(answer) => describe_empty(&outcome.peer.to_string(), answer, question),
        Err(failure) => describe_failure(&outcome.peer, failure),
    };
    report
        .add(State::Critical, text.clone())
        .detail(State::Critical, text);
    None
}

/// The response time, judged, as perfdata under `label`.
pub(super) fn time(thresholds: &Thresholds, label: String, answer: &Answer) -> Checked {
    let seconds = hastack_common::units::round_micros(answer.time.as_secs_f64());
    thresholds.check(label, seconds).uom(TIME).min(0u8)
}

fn judge_answer(
    report: &mut Report,
    outcome: &Outcome<Answer>,
    answer: &Answer,
    what: &str,
    criteria: &Criteria,
) {
    let server = &outcome.peer;
    let count = answer.instances.len();
    let mut state = State::Ok;
    if let Some((s, why)) = criteria.instances.check("instances", count).violation() {
        report.add(s, format!("{server} returned {count} {what} ({why})"));
        state = state.max(s);
    }
    if let Some((s, why)) = time(&criteria.time, "time".into(), answer).violation() {
        report.add(
            s,
            format!("{server} answered in {} ({why})", duration(answer.time)),
        );
        state = state.max(s);
    }
    report.detail(
        state,
        format!(
            "{server}: {count} {what} in {}{}: {}",
            duration(answer.time),
            flags(answer),
            instances(&answer.instances, LISTED)
        ),
    );
    if count > LISTED {
        report.detail_at(
            1,
            State::Ok,
            format!(
                "{server}: all {count}: {}",
                instances(&answer.instances, count)
            ),
        );
    }
    without_edns(report, outcome, answer);
}

/// ` (authoritative, truncated over UDP, asked again over TCP)`: how the answer came.
fn flags(answer: &Answer) -> String {
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
    match flags.is_empty() {
        true => String::new(),
        false => format!(" ({})", flags.join(", ")),
    }
}

/// What a client without EDNS (glibc's default resolver) gets, when it is fewer, or unknown.
fn without_edns(report: &mut Report, outcome: &Outcome<Answer>, answer: &Answer) {
    let server = &outcome.peer;
    let count = answer.instances.len();
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
                    duration(*grace)
                )),
            );
        }
        WithoutEdns::Failed(failure) => {
            report.detail_at(
                1,
                State::Ok,
                unknown(format!(
                    "asked without EDNS, {}",
                    describe_failure(&outcome.peer, failure)
                )),
            );
        }
    }
}

/// NXDOMAIN, SERVFAIL, REFUSED, another code, or NOERROR without records (NODATA).
fn describe_empty(server: &str, answer: &Answer, question: &Question) -> String {
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

/// No answer, in the common words; a refusal says that no DNS server listens there.
pub(super) fn describe_failure(peer: &Peer, failure: &Failure) -> String {
    let text = failure.describe(peer);
    match failure {
        Failure::Refused => format!("{text} (no DNS server listens there)"),
        _ => text,
    }
}
