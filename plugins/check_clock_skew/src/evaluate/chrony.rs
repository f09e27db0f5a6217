//! chronyd's own view judged: its leap status, its sources, how far off it has the system clock,
//! its root distance and how long ago it last updated the clock; and why it could not be read.

use hastack_common::peer::Specific;
use hastack_common::units::seconds;
use hastack_common::{Checked, Metric, Outcome, Peer, Range, Report, State, Thresholds, Uom};

use super::{Criteria, limit};
use crate::candm::{Source, SourceState, Tracking};
use crate::facts::{ChronyProblem, ChronyView};

/// chronyd's leap status 3 is "not synchronised": CRITICAL, as its own `chronyc` tells it.
const LEAP: f64 = 2.0;

pub(super) fn judge(
    report: &mut Report,
    outcome: &Outcome<ChronyView, ChronyProblem>,
    criteria: &Criteria,
) {
    match &outcome.result {
        Ok(view) => judge_view(report, view, &outcome.peer, criteria),
        Err(failure) => {
            let hint = match failure {
                hastack_common::Failure::NoAnswer(_) => {
                    " (is it running, and is monitoring allowed from here: cmdallow?)"
                }
                hastack_common::Failure::Refused => " (not running? cmdport 0?)",
                _ => "",
            };
            let state = failure.state();
            let text = format!("{}{hint}", failure.describe(&outcome.peer));
            report.add(state, text.clone()).detail(state, text);
        }
    }
}

impl Specific for ChronyProblem {
    fn state(&self) -> State {
        match self {
            // chronyd said no to what the check may ask: a setting to look at, not a clock.
            ChronyProblem::Refusal(_) => State::Unknown,
            ChronyProblem::NoClientSocket { .. } => State::Critical,
        }
    }

    fn describe(&self, peer: &Peer) -> String {
        match self {
            ChronyProblem::Refusal(why) => format!("{peer}: {why}"),
            ChronyProblem::NoClientSocket { dir, why } => format!(
                "cannot create a socket in {dir} (chronyd answers there: run as root or in chrony's group, or use its UDP port): {why}"
            ),
        }
    }
}

/// What chronyd's view amounts to: its sources counted, and the values judged.
struct Judged {
    total: usize,
    reachable: usize,
    selected: Option<String>,
    /// How far the system clock is ahead of true time (chrony's "System time" is the
    /// correction still to apply: the clock is that much off the other way).
    offset: f64,
    since_update: Option<f64>,
    leap: Checked,
    usable: (usize, Checked),
    offset_checked: Checked,
    distance: (f64, Checked),
    stale: Option<Checked>,
}

impl Judged {
    fn of(view: &ChronyView, criteria: &Criteria) -> Judged {
        let t = &view.tracking;
        let usable = view.sources.iter().filter(|s| s.state.usable()).count();
        let offset = -t.current_correction;
        let distance = t.root_delay / 2.0 + t.root_dispersion;
        let since_update = (t.reference_time > 0.0).then_some(view.read_at - t.reference_time);
        let time = |checked: Checked| checked.uom(Uom::Seconds);
        Judged {
            total: view.sources.len(),
            reachable: view.sources.iter().filter(|s| s.reachable()).count(),
            selected: view
                .sources
                .iter()
                .find(|s| s.state == SourceState::Selected)
                .map(Source::name),
            offset,
            since_update,
            leap: Thresholds::critical_above(LEAP)
                .check("chrony_leap", t.leap_status)
                .min(0u8)
                .max(3u8),
            usable: (
                usable,
                criteria
                    .usable_sources
                    .check("chrony_usable", usable)
                    .min(0u8),
            ),
            offset_checked: time(
                criteria
                    .chrony_offset
                    .check_magnitude("chrony_offset", round_nanos(offset)),
            ),
            distance: (
                distance,
                time(
                    criteria
                        .root_distance
                        .check("chrony_root_distance", round_nanos(distance)),
                )
                .min(0u8),
            ),
            stale: since_update.map(|age| {
                time(
                    criteria
                        .stale
                        .check("chrony_since_update", round_nanos(age)),
                )
                .min(0u8)
            }),
        }
    }
}

fn judge_view(report: &mut Report, view: &ChronyView, peer: &Peer, criteria: &Criteria) {
    let t = &view.tracking;
    let judged = Judged::of(view, criteria);
    let mut state = State::Ok;
    for (finding_state, text) in findings(&judged, criteria) {
        report.add(finding_state, text);
        state = state.max(finding_state);
    }
    let reference = match (t.reference_address, &judged.selected) {
        (Some(address), _) => address.to_string(),
        (None, Some(name)) => name.clone(),
        (None, None) if t.reference_id == 0 => "none".into(),
        (None, None) => t.reference_hex(),
    };
    if state == State::Ok {
        report.add(
            State::Ok,
            format!(
                "chronyd synchronised to {reference} (stratum {}), system time {}, {} of {} sources usable",
                t.stratum,
                fast_or_slow(judged.offset),
                judged.usable.0,
                judged.total
            ),
        );
    }
    details(report, view, peer, &judged, &reference, state);
    metrics(report, t, judged);
}

/// The findings of chronyd's view, in the order they are said.
fn findings(judged: &Judged, criteria: &Criteria) -> Vec<(State, String)> {
    let mut found = Vec::new();
    if judged.leap.violation().is_some() {
        found.push((
            judged.leap.state(),
            "chronyd is not synchronised (leap status: Not synchronised)".to_string(),
        ));
    }
    let (total, reachable, (usable, usable_checked)) =
        (judged.total, judged.reachable, &judged.usable);
    if total == 0 {
        found.push((State::Critical, "chronyd has no time sources".to_string()));
    } else if reachable == 0 {
        found.push((
            State::Critical,
            format!("chronyd reaches none of its {total} sources"),
        ));
    } else if let Some((state, _)) = usable_checked.violation() {
        found.push((
            state,
            format!(
                "chronyd has {usable} usable of {total} sources, fewer than --min-sources {}",
                limit(criteria.usable_sources.warning(), Range::start)
            ),
        ));
    }
    if let Some((state, why)) = judged.offset_checked.violation() {
        found.push((
            state,
            format!(
                "chronyd has the system time {} ({why})",
                fast_or_slow(judged.offset)
            ),
        ));
    }
    if let Some((state, why)) = judged.distance.1.violation() {
        found.push((
            state,
            format!(
                "chronyd's root distance {} ({why})",
                seconds(judged.distance.0)
            ),
        ));
    }
    if let (Some((state, _)), Some(age)) = (
        judged.stale.as_ref().and_then(Checked::violation),
        judged.since_update,
    ) {
        found.push((
            state,
            format!(
                "chronyd last updated the clock {} ago (more than --stale {})",
                seconds(age),
                limit(criteria.stale.warning(), Range::end)
            ),
        ));
    }
    found
}

/// The long output: chronyd's tracking, its sources counted, and at `-v` each source.
fn details(
    report: &mut Report,
    view: &ChronyView,
    peer: &Peer,
    judged: &Judged,
    reference: &str,
    state: State,
) {
    let t = &view.tracking;
    report.detail(
        state,
        format!(
            "{peer}: reference {} ({reference}), stratum {}, leap status {}, system time {}, last offset {}, RMS offset {}, frequency {:.3} ppm, residual {:+.3} ppm, skew {:.3} ppm, root delay {}, root dispersion {}, update interval {}, last update {}",
            t.reference_hex(),
            t.stratum,
            t.leap_words(),
            fast_or_slow(judged.offset),
            fine(t.last_offset),
            fine(t.rms_offset),
            t.frequency_ppm,
            t.residual_frequency_ppm,
            t.skew_ppm,
            fine(t.root_delay),
            fine(t.root_dispersion),
            seconds(t.last_update_interval),
            match judged.since_update {
                Some(age) => format!("{} ago", seconds(age)),
                None => "never".into(),
            }
        ),
    );
    report.detail(
        state,
        format!(
            "chronyd sources: {}, {} reachable, {} usable{}",
            judged.total,
            judged.reachable,
            judged.usable.0,
            match &judged.selected {
                Some(name) => format!(", following {name}"),
                None => String::new(),
            }
        ),
    );
    for source in &view.sources {
        report.detail_at(
            1,
            State::Ok,
            format!(
                "{}{} {}: stratum {}, poll {}, reach {:o}, last sample {} s ago: {} ({}) +/- {}",
                source.mode_symbol(),
                source.state.symbol(),
                source.name(),
                source.stratum,
                source.poll,
                source.reachability,
                source.since_sample,
                fine(source.latest_offset),
                fine(source.original_offset),
                fine(source.latest_error)
            ),
        );
    }
}

/// chronyd's figures as headline perfdata, the judged ones with the thresholds that judged them.
fn metrics(report: &mut Report, t: &Tracking, judged: Judged) {
    let s = |label: &str, value: f64| Metric::new(label, round_nanos(value)).uom(Uom::Seconds);
    report
        .headline(judged.offset_checked)
        .headline(s("chrony_last_offset", t.last_offset))
        .headline(s("chrony_rms_offset", t.rms_offset).min(0u8))
        .headline(Metric::new(
            "chrony_frequency_ppm",
            round_ppm(t.frequency_ppm),
        ))
        .headline(Metric::new("chrony_skew_ppm", round_ppm(t.skew_ppm)).min(0u8))
        .headline(s("chrony_root_delay", t.root_delay).min(0u8))
        .headline(s("chrony_root_dispersion", t.root_dispersion).min(0u8))
        .headline(judged.distance.1)
        .headline(Metric::new("chrony_stratum", t.stratum).min(0u8).max(16u8))
        .headline(judged.leap)
        .headline(Metric::new("chrony_sources", judged.total).min(0u8))
        .headline(Metric::new("chrony_reachable", judged.reachable).min(0u8))
        .headline(judged.usable.1);
    if let Some(stale) = judged.stale {
        report.headline(stale);
    }
}

/// How far the system clock is ahead (fast) or behind (slow) of NTP time, as chronyc says it.
fn fast_or_slow(ahead: f64) -> String {
    match ahead < 0.0 {
        true => format!("{} slow", fine(-ahead)),
        false => format!("{} fast", fine(ahead)),
    }
}

/// chronyd's times: it keeps the clock within nanoseconds, so those are said too.
fn fine(value: f64) -> String {
    match value.abs() {
        v if v > 0.0 && v < 0.000_000_999_5 => format!("{:.0} ns", value * 1e9),
        _ => seconds(value),
    }
}

/// Seconds to the nanosecond, as chronyc prints them.
fn round_nanos(value: f64) -> f64 {
    (value * 1e9).round() / 1e9
}

/// Parts per million to the thousandth, as chronyc shows them.
fn round_ppm(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
