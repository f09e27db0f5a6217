//! NTP servers judged: each server's offset and health (jitter, stratum, root distance, round
//! trip, the age of its reference), why a server gave no time, and the skew between servers.

use hastack_common::peer::Specific;
use hastack_common::units::{round_micros, seconds, signed_seconds};
use hastack_common::{Checked, Labels, Metric, Outcome, Peer, Report, State, Uom};

use super::{Criteria, limit};
use crate::facts::{Measurement, NtpRefusal};

type ServerOutcome = Outcome<Measurement, NtpRefusal>;

/// The skew first (with several servers: the aggregate leads the summary, the perfdata and the
/// long output, so per-server lines are what an output limit cuts), then each server.
pub(super) fn judge_servers(report: &mut Report, servers: &[ServerOutcome], criteria: &Criteria) {
    if servers.len() > 1 {
        judge_skew(report, servers, criteria);
    }
    let single = servers.len() == 1;
    let mut labels = Labels::new();
    for outcome in servers {
        // One server's metrics are the check's own; several are told apart by name.
        let item = (!single).then(|| labels.item(outcome.peer.name()));
        let label = |metric: &str| match &item {
            None => metric.to_string(),
            Some(item) => item.of(metric),
        };
        judge_server(report, outcome, single, criteria, label);
    }
}

/// One server: why it gave no time, or its offset, its health and its perfdata.
fn judge_server(
    report: &mut Report,
    outcome: &ServerOutcome,
    single: bool,
    criteria: &Criteria,
    mut label: impl FnMut(&str) -> String,
) {
    let m = match &outcome.result {
        Ok(m) => m,
        Err(failure) => {
            let (state, text) = (failure.state(), failure.describe(&outcome.peer));
            report.add(state, text.clone()).detail(state, text);
            return;
        }
    };
    let name = outcome.peer.name();
    // Judged by its size, graphed with its sign (positive: the server is ahead).
    let offset = criteria
        .offset
        .check_magnitude(label("offset"), round_micros(m.offset))
        .uom(Uom::Seconds);
    offset_finding(report, &offset, m, name, single);
    let quality = Quality::of(m, criteria, &mut label);
    let mut state = offset.state();
    for (checked, what, shown) in quality.in_summary_order() {
        if let Some((s, why)) = checked.violation() {
            report.add(s, format!("{what} {shown} of {name} ({why})"));
            state = state.max(s);
        }
    }
    let reference_age = m.reference_age.map(|age| {
        criteria
            .stale
            .check(label("reference_age"), round_micros(age))
            .uom(Uom::Seconds)
            .min(0u8)
    });
    if let (Some(checked), Some(age)) = (&reference_age, m.reference_age)
        && let Some((s, _)) = checked.violation()
    {
        report.add(
            s,
            format!(
                "{name} last updated its clock {} ago (its reference time, more than --stale {}): has it lost its upstream?",
                seconds(age),
                limit(criteria.stale.warning(), hastack_common::Range::end)
            ),
        );
        state = state.max(s);
    }
    report.detail(state, detail(name, m));
    report
        .metric(offset)
        .metric(quality.delay.0)
        .metric(quality.stratum.0)
        .metric(quality.root_distance.0);
    if let Some((checked, _)) = quality.jitter {
        report.metric(checked);
    }
    if let Some(checked) = reference_age {
        report.metric(checked);
    }
}

/// The offset in the summary: its violation, or with one server the OK line.
fn offset_finding(
    report: &mut Report,
    offset: &Checked,
    m: &Measurement,
    name: &str,
    single: bool,
) {
    let shown = signed_seconds(m.offset);
    match offset.violation() {
        Some((state, why)) => {
            report.add(state, format!("offset {shown} against {name} ({why})"));
        }
        None if single => {
            report.add(
                State::Ok,
                format!(
                    "offset {shown} against {name} (stratum {}, delay {})",
                    m.stratum,
                    seconds(m.delay)
                ),
            );
        }
        None => {}
    }
}

/// The server's health, each value checked against its thresholds, with how it is said.
struct Quality {
    jitter: Option<(Checked, String)>,
    stratum: (Checked, String),
    root_distance: (Checked, String),
    delay: (Checked, String),
}

impl Quality {
    fn of(m: &Measurement, criteria: &Criteria, label: &mut impl FnMut(&str) -> String) -> Quality {
        let time = |checked: Checked| checked.uom(Uom::Seconds).min(0u8);
        Quality {
            jitter: m.jitter().map(|jitter| {
                let checked = criteria.jitter.check(label("jitter"), round_micros(jitter));
                (time(checked), seconds(jitter))
            }),
            stratum: (
                criteria
                    .stratum
                    .check(label("stratum"), m.stratum)
                    .min(0u8)
                    .max(16u8),
                m.stratum.to_string(),
            ),
            root_distance: (
                time(
                    criteria
                        .root_distance
                        .check(label("root_distance"), round_micros(m.root_distance())),
                ),
                seconds(m.root_distance()),
            ),
            delay: (
                time(criteria.delay.check(label("delay"), round_micros(m.delay))),
                seconds(m.delay),
            ),
        }
    }

    /// (checked, what, as said), in the order findings are said.
    fn in_summary_order(&self) -> Vec<(&Checked, &'static str, &str)> {
        let mut all = Vec::new();
        if let Some((checked, shown)) = &self.jitter {
            all.push((checked, "jitter", shown.as_str()));
        }
        all.push((&self.stratum.0, "stratum", &self.stratum.1));
        all.push((
            &self.root_distance.0,
            "root distance",
            &self.root_distance.1,
        ));
        all.push((&self.delay.0, "round trip", &self.delay.1));
        all
    }
}

/// The server's long-output line: `ntp1: offset +12 us, delay 120 us, stratum 8, ...`.
fn detail(name: &str, m: &Measurement) -> String {
    let mut detail = format!(
        "{name}: offset {}, delay {}, stratum {}",
        signed_seconds(m.offset),
        seconds(m.delay),
        m.stratum
    );
    if let Some(jitter) = m.jitter() {
        detail.push_str(&format!(", jitter {}", seconds(jitter)));
    }
    if m.answered < m.requested {
        detail.push_str(&format!(
            " ({} of {} requests answered)",
            m.answered, m.requested
        ));
    }
    if let Some(leap) = leap_words(m.leap) {
        detail.push_str(&format!(", {leap}"));
    }
    detail.push_str(&format!(", root distance {}", seconds(m.root_distance())));
    if let Some(age) = m.reference_age {
        detail.push_str(&format!(", reference {} old", seconds(age)));
    }
    detail
}

impl Specific for NtpRefusal {
    fn describe(&self, peer: &Peer) -> String {
        let name = peer.name();
        match self {
            NtpRefusal::NotSynchronised(why) => {
                format!("{name} is not synchronised itself ({why}): its time cannot be trusted")
            }
            NtpRefusal::KissOfDeath(code) => {
                format!("{name} sent kiss-o'-death {code}: {}", kiss_words(code))
            }
        }
    }
}

/// RFC 5905 section 7.4 kiss codes, in words.
fn kiss_words(code: &str) -> &'static str {
    match code {
        "RATE" => "rate limit exceeded, this host asks too often",
        "DENY" => "access denied by the server",
        "RSTR" => "access restricted by the server",
        "AUTH" | "AUTO" | "CRYP" => "authentication failed",
        "NKEY" => "no key found",
        "INIT" => "the server has not synchronised yet",
        "STEP" => "the server's clock was just stepped",
        _ => "the server refuses to serve time",
    }
}

fn leap_words(leap: u8) -> Option<&'static str> {
    match leap {
        1 => Some("leap second to be inserted"),
        2 => Some("leap second to be deleted"),
        _ => None,
    }
}

/// The largest offset minus the smallest, naming the two servers furthest apart.
fn judge_skew(report: &mut Report, servers: &[ServerOutcome], criteria: &Criteria) {
    let answered: Vec<(&str, &Measurement)> = servers
        .iter()
        .filter_map(|o| o.result.as_ref().ok().map(|m| (o.peer.name(), m)))
        .collect();
    // The servers that did not answer are findings already; fewer than two: nothing to compare.
    let by_offset =
        |a: &&(&str, &Measurement), b: &&(&str, &Measurement)| a.1.offset.total_cmp(&b.1.offset);
    let (Some(ahead), Some(behind), true) = (
        answered.iter().max_by(by_offset),
        answered.iter().min_by(by_offset),
        answered.len() >= 2,
    ) else {
        return;
    };
    let skew = ahead.1.offset - behind.1.offset;
    let checked = criteria
        .skew
        .check("skew", round_micros(skew))
        .uom(Uom::Seconds)
        .min(0u8);
    let (state, text) = match checked.violation() {
        Some((state, why)) => (
            state,
            format!(
                "clocks of {} and {} differ by {} ({} ahead, {why})",
                ahead.0,
                behind.0,
                seconds(skew),
                ahead.0,
            ),
        ),
        None => (
            State::Ok,
            format!(
                "clocks of {} servers agree within {}",
                answered.len(),
                seconds(skew)
            ),
        ),
    };
    report.headline(Metric::from(checked));
    report.add(state, text.clone()).detail(state, text);
}
