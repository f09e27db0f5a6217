//! Judging what the servers and the kernel said (pure): offsets, skew between servers, server
//! health, the local clock's sync state; the summary, long output and perfdata.

use hastack_common::range::{Range, Thresholds};
use hastack_common::units::{human_seconds, round_micros};
use hastack_common::{Metric, Report, State, Uom};

use hastack_common::CheckError;
use hastack_common::address::HostPort;

use crate::candm::{Source, SourceState, Tracking};

/// What one server said, from the sample with the smallest round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Seconds the server is ahead of this host (negative: behind).
    pub offset: f64,
    /// Round-trip delay in seconds.
    pub delay: f64,
    pub stratum: u8,
    pub leap: u8,
    /// The server's root delay and dispersion, seconds.
    pub root_delay: f64,
    pub root_dispersion: f64,
    /// Seconds since the server's reference time (its clock's last update); none when the
    /// server leaves it unset.
    pub reference_age: Option<f64>,
    /// The offsets of every answered request, for the jitter.
    pub sample_offsets: Vec<f64>,
    pub answered: usize,
    pub requested: usize,
}

impl Measurement {
    /// RFC 5905's root distance: how far the server may be from true time.
    pub fn root_distance(&self) -> f64 {
        self.root_delay / 2.0 + self.root_dispersion
    }

    /// RMS of the other samples' offsets around the chosen one (RFC 5905's peer jitter); none
    /// from a single sample.
    pub fn jitter(&self) -> Option<f64> {
        let n = self.sample_offsets.len();
        if n < 2 {
            return None;
        }
        let sum: f64 = self
            .sample_offsets
            .iter()
            .map(|o| (o - self.offset).powi(2))
            .sum();
        Some((sum / (n - 1) as f64).sqrt())
    }
}

/// Why a server gave no usable time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing came back before the server's share of the deadline (or an error said why).
    NoResponse(Option<String>),
    /// The server says its own clock is not synchronised (leap indicator 3, stratum 16...).
    NotSynchronised(String),
    /// Kiss-o'-death: the four-letter code.
    KissOfDeath(String),
    Resolve(String),
    BadAnswer(String),
}

/// One server to ask, as named by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub address: HostPort,
    /// How the output names it: `HOST` for the default port, `HOST:PORT` otherwise.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerOutcome {
    pub server: Server,
    pub result: Result<Measurement, Failure>,
}

/// The kernel's view of the local clock (`adjtimex`), errors in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClock {
    /// `STA_UNSYNC`: nothing disciplines the clock.
    pub unsynchronised: bool,
    pub maxerror: f64,
    pub esterror: f64,
}

/// What chronyd's monitoring interface said: `chronyc tracking` and `chronyc sources`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChronyView {
    pub tracking: Tracking,
    pub sources: Vec<Source>,
    /// When it was read, Unix seconds (for the time since the last update).
    pub read_at: f64,
}

/// Why chronyd's view could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChronyFailure {
    /// Nothing answered within the share of the deadline.
    NoAnswer,
    /// Nothing listens there (ICMP port unreachable, or no socket).
    Refused,
    /// chronyd answered, and refused: its status in words.
    Refusal(String),
    Malformed(String),
    Io(String),
}

/// chronyd's view, or why there is none; `endpoint` names where it was asked.
#[derive(Debug, Clone, PartialEq)]
pub struct ChronyOutcome {
    pub endpoint: String,
    pub result: Result<ChronyView, ChronyFailure>,
}

/// Everything the probe found: each server's outcome, in the order given, chronyd's view and
/// the local clock when they were asked for (or why they could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub servers: Vec<ServerOutcome>,
    pub chrony: Option<ChronyOutcome>,
    pub local: Option<Result<LocalClock, String>>,
}

/// How findings are judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// On each server's absolute offset (empty: not judged).
    pub offset: Thresholds,
    /// On the largest offset minus the smallest, with two or more servers.
    pub skew: Thresholds,
    /// On each server's jitter (the spread of its samples).
    pub jitter: Thresholds,
    /// On each server's stratum, root distance and round trip.
    pub stratum: Thresholds,
    pub root_distance: Thresholds,
    pub delay: Thresholds,
    /// A reference time (a server's, or chronyd's last update) older than this many seconds.
    pub stale: Option<f64>,
    /// On the kernel's maximum error (`--local-sync`).
    pub maxerror: Thresholds,
    pub unsynced_state: State,
    /// chronyd's usable sources below this: WARNING.
    pub min_sources: u32,
    /// On chronyd's system time offset (`-w/-c`, with their defaults).
    pub chrony_offset: Thresholds,
}

/// The kernel counts a clock whose maximum error reaches 16 s as unsynchronised (`NTP_PHASE_
/// LIMIT`; systemd's `timedatectl` reads it so too).
pub const UNSYNCHRONISED_MAXERROR: f64 = 16.0;

/// The report for every server asked (in the order given) and the local clock, if read.
pub fn evaluate(facts: &Facts, judge: &Judgement) -> Result<Report, CheckError> {
    let servers = &facts.servers;
    let mut report = Report::new();
    let single = servers.len() == 1;
    // The aggregate first, in the summary, the perfdata and the long output: with many
    // servers, the per-server lines are what gets cut.
    if servers.len() > 1 {
        judge_skew(&mut report, servers, judge);
    }
    for outcome in servers {
        judge_server(&mut report, outcome, single, judge);
    }
    if let Some(chrony) = &facts.chrony {
        judge_chrony(&mut report, chrony, judge);
    }
    match &facts.local {
        Some(Ok(local)) => judge_local(&mut report, local, judge),
        Some(Err(why)) => {
            report.add(State::Unknown, why.clone());
        }
        None => {}
    }
    Ok(report)
}

fn judge_server(report: &mut Report, outcome: &ServerOutcome, single: bool, judge: &Judgement) {
    let name = &outcome.server.name;
    let label = |what: &str| {
        if single {
            what.to_string()
        } else {
            format!("{what}_{name}")
        }
    };
    let m = match &outcome.result {
        Ok(m) => m,
        Err(failure) => {
            let (state, text) = describe_failure(outcome, failure);
            report.add(state, text.clone()).detail(state, text);
            return;
        }
    };
    let (state, range) = judge.offset.evaluate(m.offset.abs());
    let offset = seconds(m.offset, true);
    let mut detail = format!(
        "{name}: offset {offset}, delay {}, stratum {}",
        seconds(m.delay, false),
        m.stratum
    );
    if let Some(jitter) = m.jitter() {
        detail.push_str(&format!(", jitter {}", seconds(jitter, false)));
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
    detail.push_str(&format!(
        ", root distance {}",
        seconds(m.root_distance(), false)
    ));
    if let Some(age) = m.reference_age {
        detail.push_str(&format!(", reference {} old", seconds(age, false)));
    }
    match range {
        Some(range) => {
            report.add(
                state,
                format!("offset {offset} against {name} ({})", range.violation()),
            );
        }
        None if single => {
            report.add(
                State::Ok,
                format!(
                    "offset {offset} against {name} (stratum {}, delay {})",
                    m.stratum,
                    seconds(m.delay, false)
                ),
            );
        }
        None => {}
    }
    let mut state = state;
    for (thresholds, value, what) in [
        (&judge.jitter, m.jitter(), "jitter"),
        (&judge.stratum, Some(f64::from(m.stratum)), "stratum"),
        (
            &judge.root_distance,
            Some(m.root_distance()),
            "root distance",
        ),
        (&judge.delay, Some(m.delay), "round trip"),
    ] {
        let Some(value) = value else { continue };
        if let Some((s, why)) = thresholds.violation(value) {
            let shown = match what {
                "stratum" => m.stratum.to_string(),
                _ => seconds(value, false),
            };
            report.add(s, format!("{what} {shown} of {name} ({why})"));
            state = state.worst(s);
        }
    }
    if let (Some(stale), Some(age)) = (judge.stale, m.reference_age)
        && age > stale
    {
        report.add(
            State::Warning,
            format!(
                "{name} last updated its clock {} ago (its reference time, more than --stale {stale}): has it lost its upstream?",
                seconds(age, false)
            ),
        );
        state = state.worst(State::Warning);
    }
    report.detail(state, detail);
    report
        .metric(
            Metric::new(label("offset"), round_micros(m.offset))
                .uom(Uom::Seconds)
                .thresholds(judge.offset.clone()),
        )
        .metric(
            Metric::new(label("delay"), round_micros(m.delay))
                .uom(Uom::Seconds)
                .thresholds(judge.delay.clone())
                .min(0u8),
        )
        .metric(
            Metric::new(label("stratum"), m.stratum)
                .thresholds(judge.stratum.clone())
                .min(0u8)
                .max(16u8),
        )
        .metric(
            Metric::new(label("root_distance"), round_micros(m.root_distance()))
                .uom(Uom::Seconds)
                .thresholds(judge.root_distance.clone())
                .min(0u8),
        );
    if let Some(jitter) = m.jitter() {
        report.metric(
            Metric::new(label("jitter"), round_micros(jitter))
                .uom(Uom::Seconds)
                .thresholds(judge.jitter.clone())
                .min(0u8),
        );
    }
    if let Some(age) = m.reference_age {
        report.metric(
            Metric::new(label("reference_age"), round_micros(age))
                .uom(Uom::Seconds)
                .warning(judge.stale.map(Range::at_most))
                .min(0u8),
        );
    }
}

fn describe_failure(outcome: &ServerOutcome, failure: &Failure) -> (State, String) {
    let name = &outcome.server.name;
    let endpoint = &outcome.server.address;
    match failure {
        Failure::NoResponse(None) => (State::Critical, format!("no response from {endpoint}")),
        Failure::NoResponse(Some(why)) => (
            State::Critical,
            format!("no response from {endpoint}: {why}"),
        ),
        Failure::NotSynchronised(why) => (
            State::Critical,
            format!("{name} is not synchronised itself ({why}): its time cannot be trusted"),
        ),
        Failure::KissOfDeath(code) => (
            State::Critical,
            format!("{name} sent kiss-o'-death {code}: {}", kiss_words(code)),
        ),
        Failure::Resolve(why) => (State::Unknown, format!("cannot resolve {name}: {why}")),
        Failure::BadAnswer(why) => (
            State::Critical,
            format!("{name} sent an invalid NTP answer: {why}"),
        ),
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

fn judge_skew(report: &mut Report, servers: &[ServerOutcome], judge: &Judgement) {
    let answered: Vec<(&str, &Measurement)> = servers
        .iter()
        .filter_map(|o| o.result.as_ref().ok().map(|m| (o.server.name.as_str(), m)))
        .collect();
    if answered.len() < 2 {
        // The servers that did not answer are findings already; nothing to compare.
        return;
    }
    let by_offset =
        |a: &&(&str, &Measurement), b: &&(&str, &Measurement)| a.1.offset.total_cmp(&b.1.offset);
    let (Some(ahead), Some(behind)) = (
        answered.iter().max_by(by_offset),
        answered.iter().min_by(by_offset),
    ) else {
        return;
    };
    let skew = ahead.1.offset - behind.1.offset;
    report.headline(
        Metric::new("skew", round_micros(skew))
            .uom(Uom::Seconds)
            .thresholds(judge.skew.clone())
            .min(0u8),
    );
    let (state, text) = match judge.skew.evaluate(skew) {
        (state, Some(range)) => (
            state,
            format!(
                "clocks of {} and {} differ by {} ({} ahead, {})",
                ahead.0,
                behind.0,
                seconds(skew, false),
                ahead.0,
                range.violation()
            ),
        ),
        _ => (
            State::Ok,
            format!(
                "clocks of {} servers agree within {}",
                answered.len(),
                seconds(skew, false)
            ),
        ),
    };
    report.add(state, text.clone()).detail(state, text);
}

/// chronyd's own view: its leap status, its sources, how far off it has the clock, how long ago
/// it last updated it.
fn judge_chrony(report: &mut Report, outcome: &ChronyOutcome, judge: &Judgement) {
    let at = &outcome.endpoint;
    let view = match &outcome.result {
        Ok(view) => view,
        Err(failure) => {
            let (state, text) = match failure {
                ChronyFailure::NoAnswer => (
                    State::Critical,
                    format!(
                        "no answer from chronyd at {at} (is it running, and is monitoring allowed from here: cmdallow?)"
                    ),
                ),
                ChronyFailure::Refused => (
                    State::Critical,
                    format!("chronyd does not listen at {at} (not running? cmdport 0?)"),
                ),
                ChronyFailure::Refusal(why) => (State::Unknown, format!("chronyd at {at}: {why}")),
                ChronyFailure::Malformed(why) => (
                    State::Critical,
                    format!("chronyd at {at} sent a malformed reply: {why}"),
                ),
                ChronyFailure::Io(why) => (State::Critical, format!("chronyd at {at}: {why}")),
            };
            report.add(state, text.clone()).detail(state, text);
            return;
        }
    };
    let t = &view.tracking;
    let total = view.sources.len();
    let reachable = view.sources.iter().filter(|s| s.reachable()).count();
    let usable = view.sources.iter().filter(|s| s.state.usable()).count();
    let selected = view
        .sources
        .iter()
        .find(|s| s.state == SourceState::Selected)
        .map(Source::name);
    let mut state = State::Ok;
    let mut finding = |report: &mut Report, s: State, text: String| {
        report.add(s, text);
        state = state.worst(s);
    };
    if t.leap_status == 3 {
        finding(
            report,
            State::Critical,
            "chronyd is not synchronised (leap status: Not synchronised)".into(),
        );
    }
    if total == 0 {
        finding(
            report,
            State::Critical,
            "chronyd has no time sources".into(),
        );
    } else if reachable == 0 {
        finding(
            report,
            State::Critical,
            format!("chronyd reaches none of its {total} sources"),
        );
    } else if (usable as u64) < u64::from(judge.min_sources) {
        finding(
            report,
            State::Warning,
            format!(
                "chronyd has {usable} usable of {total} sources, fewer than --min-sources {}",
                judge.min_sources
            ),
        );
    }
    // chrony's "System time" is the correction still to apply: the clock is that much off.
    let offset = -t.current_correction;
    if let Some((s, why)) = judge.chrony_offset.violation(offset.abs()) {
        finding(
            report,
            s,
            format!(
                "chronyd has the system time {} ({why})",
                fast_or_slow(offset)
            ),
        );
    }
    let distance = t.root_delay / 2.0 + t.root_dispersion;
    if let Some((s, why)) = judge.root_distance.violation(distance) {
        finding(
            report,
            s,
            format!(
                "chronyd's root distance {} ({why})",
                seconds(distance, false)
            ),
        );
    }
    let since_update = (t.reference_time > 0.0).then_some(view.read_at - t.reference_time);
    if let (Some(stale), Some(age)) = (judge.stale, since_update)
        && age > stale
    {
        finding(
            report,
            State::Warning,
            format!(
                "chronyd last updated the clock {} ago (more than --stale {stale})",
                seconds(age, false)
            ),
        );
    }
    let reference = match (t.reference_address, &selected) {
        (Some(address), _) => address.to_string(),
        (None, Some(name)) => name.clone(),
        (None, None) if t.reference_id == 0 => "none".into(),
        (None, None) => t.reference_hex(),
    };
    if state == State::Ok {
        report.add(
            State::Ok,
            format!(
                "chronyd synchronised to {reference} (stratum {}), system time {}, {usable} of {total} sources usable",
                t.stratum,
                fast_or_slow(offset)
            ),
        );
    }
    report.detail(
        state,
        format!(
            "chronyd at {at}: reference {} ({reference}), stratum {}, leap status {}, system time {}, last offset {}, RMS offset {}, frequency {:.3} ppm, residual {:+.3} ppm, skew {:.3} ppm, root delay {}, root dispersion {}, update interval {}, last update {}",
            t.reference_hex(),
            t.stratum,
            t.leap_words(),
            fast_or_slow(offset),
            fine(t.last_offset),
            fine(t.rms_offset),
            t.frequency_ppm,
            t.residual_frequency_ppm,
            t.skew_ppm,
            fine(t.root_delay),
            fine(t.root_dispersion),
            seconds(t.last_update_interval, false),
            match since_update {
                Some(age) => format!("{} ago", seconds(age, false)),
                None => "never".into(),
            }
        ),
    );
    report.detail(
        state,
        format!(
            "chronyd sources: {total}, {reachable} reachable, {usable} usable{}",
            match &selected {
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
    let s = |label: &str, value: f64| Metric::new(label, round_nanos(value)).uom(Uom::Seconds);
    report
        .headline(s("chrony_offset", offset).thresholds(judge.chrony_offset.clone()))
        .headline(s("chrony_last_offset", t.last_offset))
        .headline(s("chrony_rms_offset", t.rms_offset).min(0u8))
        .headline(Metric::new(
            "chrony_frequency_ppm",
            round_ppm(t.frequency_ppm),
        ))
        .headline(Metric::new("chrony_skew_ppm", round_ppm(t.skew_ppm)).min(0u8))
        .headline(s("chrony_root_delay", t.root_delay).min(0u8))
        .headline(s("chrony_root_dispersion", t.root_dispersion).min(0u8))
        .headline(
            s("chrony_root_distance", distance)
                .thresholds(judge.root_distance.clone())
                .min(0u8),
        )
        .headline(Metric::new("chrony_stratum", t.stratum).min(0u8).max(16u8))
        .headline(
            Metric::new("chrony_leap", t.leap_status)
                .critical(Some(Range::at_most(2.0)))
                .min(0u8)
                .max(3u8),
        )
        .headline(Metric::new("chrony_sources", total).min(0u8))
        .headline(Metric::new("chrony_reachable", reachable).min(0u8))
        .headline(Metric::new("chrony_usable", usable).min(0u8));
    if let Some(age) = since_update {
        report.headline(
            s("chrony_since_update", age)
                .warning(judge.stale.map(Range::at_most))
                .min(0u8),
        );
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
        _ => seconds(value, false),
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

/// Synchronised means a maximum error under 16 s, as the kernel and systemd read it;
/// `STA_UNSYNC` alone is said, not judged (chrony clears it only with `rtcsync`).
fn judge_local(report: &mut Report, local: &LocalClock, judge: &Judgement) {
    let errors = format!(
        "maximum error {}, estimated error {}",
        seconds(local.maxerror, false),
        seconds(local.esterror, false)
    );
    let flag = match local.unsynchronised {
        true => ", kernel flag STA_UNSYNC set (chrony clears it only with rtcsync)",
        false => "",
    };
    if local.maxerror >= UNSYNCHRONISED_MAXERROR {
        let text = "local clock not synchronised: no NTP daemon disciplines it (maximum error \
                    16 s, NTP disabled?)";
        report.add(judge.unsynced_state, text).detail(
            judge.unsynced_state,
            format!("local clock: not synchronised: {errors}{flag}"),
        );
    } else {
        match judge.maxerror.violation(local.maxerror) {
            Some((state, why)) => {
                report.add(
                    state,
                    format!(
                        "local clock's maximum error {} ({why}): is the NTP daemon still updating it?",
                        seconds(local.maxerror, false)
                    ),
                );
                report.detail(state, format!("local clock: {errors}{flag}"));
            }
            None => {
                report.add(State::Ok, format!("local clock synchronised ({errors})"));
                if !flag.is_empty() {
                    report.detail(State::Ok, format!("local clock: {errors}{flag}"));
                }
            }
        }
    }
    report
        .headline(
            Metric::new("maxerror", round_micros(local.maxerror))
                .uom(Uom::Seconds)
                .thresholds(judge.maxerror.clone())
                .min(0u8),
        )
        .headline(
            Metric::new("esterror", round_micros(local.esterror))
                .uom(Uom::Seconds)
                .min(0u8),
        );
}

/// An offset or a delay in words; `signed` adds `+` to positive values (an offset says which
/// clock is ahead).
pub fn seconds(value: f64, signed: bool) -> String {
    let text = human_seconds(value);
    if signed && value > 0.0 && text != "0 us" {
        format!("+{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hastack_common::Range;

    #[test]
    fn jitter_is_the_rms_around_the_chosen_sample() {
        let m = Measurement {
            offset: 1.0,
            delay: 0.0,
            stratum: 1,
            leap: 0,
            root_delay: 0.0,
            root_dispersion: 0.0,
            reference_age: None,
            sample_offsets: vec![1.0, 1.00003, 0.99996],
            answered: 3,
            requested: 3,
        };
        let jitter = m.jitter().expect("jitter");
        assert!((jitter - 0.0000353553).abs() < 1e-9, "{jitter}");
        let one = Measurement {
            sample_offsets: vec![1.0],
            ..m
        };
        assert_eq!(one.jitter(), None);
    }

    /// The report for these servers and local clock.
    fn run(servers: &[ServerOutcome], local: Option<&LocalClock>, judge: &Judgement) -> Report {
        let facts = Facts {
            servers: servers.to_vec(),
            chrony: None,
            local: local.cloned().map(Ok),
        };
        evaluate(&facts, judge).expect("a report")
    }

    fn server(name: &str, port: u16) -> Server {
        Server {
            address: HostPort {
                host: "127.0.0.1".into(),
                port,
            },
            name: name.into(),
        }
    }

    fn answered(name: &str, port: u16, offset: f64) -> ServerOutcome {
        ServerOutcome {
            server: server(name, port),
            result: Ok(Measurement {
                offset,
                delay: 0.00012,
                stratum: 8,
                leap: 0,
                root_delay: 0.0002,
                root_dispersion: 0.0001,
                reference_age: Some(20.0),
                sample_offsets: vec![offset, offset + 0.00003, offset - 0.00004],
                answered: 3,
                requested: 3,
            }),
        }
    }

    fn failed(name: &str, port: u16, failure: Failure) -> ServerOutcome {
        ServerOutcome {
            server: server(name, port),
            result: Err(failure),
        }
    }

    fn r(text: &str) -> Option<Range> {
        Some(text.parse().expect("range"))
    }

    fn judge(offset: (&str, &str)) -> Judgement {
        let t = |text: &str| if text.is_empty() { None } else { r(text) };
        Judgement {
            offset: Thresholds::new(t(offset.0), t(offset.1)),
            skew: Thresholds::new(r("0.5"), r("2")),
            jitter: Thresholds::new(r("0.1"), r("1")),
            stratum: Thresholds::default(),
            root_distance: Thresholds::default(),
            delay: Thresholds::default(),
            stale: Some(3600.0),
            maxerror: Thresholds::new(r("1"), r("5")),
            unsynced_state: State::Critical,
            min_sources: 1,
            chrony_offset: Thresholds::new(r("0.5"), r("2")),
        }
    }

    #[test]
    fn one_server_judged_on_its_absolute_offset() {
        // (offset, -w, -c, state, summary)
        let table = [
            (
                0.000012,
                "0.5",
                "2",
                State::Ok,
                "CLOCK SKEW OK - offset +12 us against ntp1 (stratum 8, delay 120 us)",
            ),
            (
                1900.000021,
                "0.5",
                "2",
                State::Critical,
                "CLOCK SKEW CRITICAL - offset +1900.0 s against ntp1 (outside 2)",
            ),
            (
                -3.0,
                "1",
                "5",
                State::Warning,
                "CLOCK SKEW WARNING - offset -3.000 s against ntp1 (outside 1)",
            ),
            (
                -0.0047,
                "0.001",
                "",
                State::Warning,
                "CLOCK SKEW WARNING - offset -4.7 ms against ntp1 (outside 0.001)",
            ),
        ];
        for (offset, w, c, state, line) in table {
            let report = run(&[answered("ntp1", 123, offset)], None, &judge((w, c)));
            assert_eq!(report.state(), state, "{offset}");
            let out = report.render("CLOCK SKEW", 0);
            assert_eq!(out.split(" | ").next(), Some(line));
        }
        let report = run(
            &[answered("ntp1", 123, 1900.000021)],
            None,
            &judge(("0.5", "2")),
        );
        let out = report.render("CLOCK SKEW", 0);
        assert!(
            out.contains("| offset=1900.000021s;0.5;2 delay=0.00012s;;;0 stratum=8;;;0;16 root_distance=0.0002s;;;0 jitter=0.000035s;0.1;1;0"),
            "{out}"
        );
        assert!(
            out.ends_with(
                "\\_ [CRITICAL] ntp1: offset +1900.0 s, delay 120 us, stratum 8, jitter 35 us, root distance 200 us, reference 20.000 s old"
            ),
            "{out}"
        );
    }

    #[test]
    fn skew_names_the_two_servers_furthest_apart() {
        let servers = [
            answered("127.0.0.1:1001", 1001, 0.00001),
            answered("127.0.0.1:1002", 1002, 1900.0),
            answered("127.0.0.1:1003", 1003, -3.0),
        ];
        let report = run(&servers, None, &judge(("", "")));
        assert_eq!(report.state(), State::Critical);
        let out = report.render("CLOCK SKEW", 0);
        assert!(
            out.starts_with("CLOCK SKEW CRITICAL - clocks of 127.0.0.1:1002 and 127.0.0.1:1003 differ by 1903.0 s (127.0.0.1:1002 ahead, outside 2) | "),
            "{out}"
        );
        assert!(out.contains("'offset_127.0.0.1:1002'=1900s "), "{out}");
        // The aggregate first: the skew leads the perfdata and the long output.
        assert!(out.contains("| skew=1903s;0.5;2;0 "), "{out}");
        assert_eq!(out.lines().count(), 5);
        assert!(
            out.lines().nth(1).is_some_and(|l| l
                .starts_with("\\_ [CRITICAL] clocks of 127.0.0.1:1002 and 127.0.0.1:1003 differ")),
            "{out}"
        );
        // Offsets alone are not judged with several servers unless asked.
        let servers = [answered("a", 1, 5.0), answered("b", 2, 5.0001)];
        let out = run(&servers, None, &judge(("", ""))).render("CLOCK SKEW", 0);
        assert!(
            out.starts_with("CLOCK SKEW OK - clocks of 2 servers agree within 100 us | "),
            "{out}"
        );
        let out = run(&servers, None, &judge(("1", ""))).render("CLOCK SKEW", 0);
        assert!(out.starts_with("CLOCK SKEW WARNING - offset +5.000 s against a (outside 1) / offset +5.000 s against b"), "{out}");
    }

    #[test]
    fn failures_are_named_per_server() {
        let table = [
            (
                Failure::NoResponse(None),
                State::Critical,
                "no response from 127.0.0.1:9",
            ),
            (
                Failure::NoResponse(Some("connection refused".into())),
                State::Critical,
                "no response from 127.0.0.1:9: connection refused",
            ),
            (
                Failure::NotSynchronised("leap indicator 3".into()),
                State::Critical,
                "s9 is not synchronised itself (leap indicator 3): its time cannot be trusted",
            ),
            (
                Failure::KissOfDeath("RATE".into()),
                State::Critical,
                "s9 sent kiss-o'-death RATE: rate limit exceeded, this host asks too often",
            ),
            (
                Failure::KissOfDeath("DENY".into()),
                State::Critical,
                "s9 sent kiss-o'-death DENY: access denied by the server",
            ),
            (
                Failure::KissOfDeath("RSTR".into()),
                State::Critical,
                "s9 sent kiss-o'-death RSTR: access restricted by the server",
            ),
            (
                Failure::KissOfDeath("XYZW".into()),
                State::Critical,
                "s9 sent kiss-o'-death XYZW: the server refuses to serve time",
            ),
            (
                Failure::Resolve("no address found".into()),
                State::Unknown,
                "cannot resolve s9: no address found",
            ),
            (
                Failure::BadAnswer("wrong mode".into()),
                State::Critical,
                "s9 sent an invalid NTP answer: wrong mode",
            ),
        ];
        for (failure, state, text) in table {
            let servers = [answered("s1", 1, 0.0), failed("s9", 9, failure)];
            let report = run(&servers, None, &judge(("", "")));
            assert_eq!(report.state(), state, "{text}");
            assert_eq!(report.summary(), text);
            // No skew from one answer.
            assert!(!report.render("X", 0).contains("skew="));
        }
    }

    #[test]
    fn local_clock() {
        // The kernel's state as a real chronyd 4.3 left it, read with adjtimex(2) (through
        // Perl's syscall, as test support's `kernel` does) on a Debian 12 machine while that
        // chronyd (without -x) followed a second chronyd on loopback:
        // - without `rtcsync`: status 0x40 (STA_UNSYNC set), maxerror 2 us, esterror 0;
        // - with `rtcsync`: status 0, maxerror 4 us, esterror 1 us;
        // - 1 s after it stopped: maxerror 502-503 us, the flag as it was; the kernel adds
        //   500 us a second, so an hour after: 1.8 s, three hours after: 5.4 s;
        // - never disciplined (NTP disabled): status 0x40, maxerror and esterror 16 s (the cap).
        // To read them again (as root, on a machine whose clock may be disciplined): a chronyd
        // with `local stratum 8` on a free port, a second one `-d -f` with `server 127.0.0.1
        // port PORT iburst` (and `rtcsync` or not), then `hastack_test_support::harness::kernel::read()`
        // while it runs and after `kill` of its PID.
        let clock = |unsynchronised, maxerror, esterror| LocalClock {
            unsynchronised,
            maxerror,
            esterror,
        };
        let table = [
            (
                clock(true, 0.000002, 0.0),
                State::Ok,
                "CLOCK SKEW OK - local clock synchronised (maximum error 2 us, estimated error 0 us) | maxerror=0.000002s;1;5;0 esterror=0s;;;0",
                Some(
                    "\\_ [OK] local clock: maximum error 2 us, estimated error 0 us, kernel flag STA_UNSYNC set (chrony clears it only with rtcsync)",
                ),
            ),
            (
                clock(false, 0.000004, 0.000001),
                State::Ok,
                "CLOCK SKEW OK - local clock synchronised (maximum error 4 us, estimated error 1 us) |",
                None,
            ),
            (
                clock(true, 0.000503, 0.0),
                State::Ok,
                "CLOCK SKEW OK - local clock synchronised (maximum error 503 us, estimated error 0 us) |",
                None,
            ),
            (
                clock(true, 0.000002 + 3600.0 * 0.0005, 0.0),
                State::Warning,
                "CLOCK SKEW WARNING - local clock's maximum error 1.800 s (outside 1): is the NTP daemon still updating it? |",
                None,
            ),
            (
                clock(false, 0.000004 + 3.0 * 3600.0 * 0.0005, 0.0),
                State::Critical,
                "CLOCK SKEW CRITICAL - local clock's maximum error 5.400 s (outside 5): is the NTP daemon still updating it? |",
                None,
            ),
            (
                clock(true, 16.0, 16.0),
                State::Critical,
                "CLOCK SKEW CRITICAL - local clock not synchronised: no NTP daemon disciplines it (maximum error 16 s, NTP disabled?) | maxerror=16s;1;5;0 esterror=16s;;;0",
                None,
            ),
        ];
        for (local, state, line, detail) in table {
            let report = run(&[], Some(&local), &judge(("", "")));
            let out = report.render("CLOCK SKEW", 0);
            assert_eq!(report.state(), state, "{local:?}");
            assert!(out.starts_with(line), "{out}");
            if let Some(detail) = detail {
                assert!(out.contains(detail), "{out}");
            }
        }
        let mut warn = judge(("", ""));
        warn.unsynced_state = State::Warning;
        assert_eq!(
            run(&[], Some(&clock(true, 16.0, 16.0)), &warn).state(),
            State::Warning
        );
        let out = run(
            &[answered("ntp1", 123, 0.0)],
            Some(&clock(false, 0.0125, 0.000002)),
            &judge(("0.5", "2")),
        )
        .render("CLOCK SKEW", 0);
        assert!(out.starts_with("CLOCK SKEW OK - offset 0 us against ntp1 (stratum 8, delay 120 us) / local clock synchronised (maximum error 12.5 ms, estimated error 2 us) |"), "{out}");
    }

    #[test]
    fn the_tests_expectations_follow_this_judgement() {
        // Test support's expectation for each kernel state a host may be in is what the
        // end-to-end tests assert against the real kernel: it must be this code's verdict.
        for (name, kernel) in hastack_test_support::harness::kernel::STATES {
            let local = LocalClock {
                unsynchronised: kernel.unsynchronised(),
                maxerror: kernel.maxerror_us as f64 / 1e6,
                esterror: kernel.esterror_us as f64 / 1e6,
            };
            let report = run(&[], Some(&local), &judge(("", "")));
            let out = report.render("CLOCK SKEW", 0);
            let (code, line) = kernel.expected_verdict();
            assert_eq!(i32::from(report.state().exit_code()), code, "{name}: {out}");
            assert!(out.starts_with(line), "{name}: {out}");
            assert_eq!(
                out.contains("kernel flag STA_UNSYNC set"),
                kernel.says_unsync_flag(),
                "{name}: {out}"
            );
        }
    }

    #[test]
    fn seconds_read_naturally() {
        let table = [
            (1900.000021, true, "+1900.0 s"),
            (-3.0, true, "-3.000 s"),
            (0.0047, false, "4.7 ms"),
            (0.000012, true, "+12 us"),
            (0.0, true, "0 us"),
            (-0.0000004, true, "0 us"),
        ];
        for (value, signed, text) in table {
            assert_eq!(seconds(value, signed), text);
        }
    }

    #[test]
    fn server_quality_is_judged_when_asked() {
        let with = |f: fn(&mut Measurement)| {
            let mut outcome = answered("ntp1", 123, 0.0);
            if let Ok(m) = &mut outcome.result {
                m.stratum = 2;
                f(m);
            }
            outcome
        };
        let mut strict = judge(("", ""));
        strict.stratum = Thresholds::new(r("1:4"), r("1:8"));
        strict.root_distance = Thresholds::new(r("0.1"), r("1"));
        strict.delay = Thresholds::new(r("0.05"), r("0.5"));
        let table: [(ServerOutcome, State, &str); 6] = [
            (
                with(|m| m.sample_offsets = vec![0.0, 5000.0, 0.0, 5000.0]),
                State::Critical,
                "CLOCK SKEW CRITICAL - jitter 4082.5 s of ntp1 (outside 1)",
            ),
            (
                with(|m| m.stratum = 6),
                State::Warning,
                "CLOCK SKEW WARNING - stratum 6 of ntp1 (outside 1:4)",
            ),
            (
                with(|m| m.root_dispersion = 2.0),
                State::Critical,
                "CLOCK SKEW CRITICAL - root distance 2.000 s of ntp1 (outside 1)",
            ),
            (
                with(|m| m.delay = 0.6),
                State::Critical,
                "CLOCK SKEW CRITICAL - round trip 600.0 ms of ntp1 (outside 0.5)",
            ),
            (
                with(|m| m.reference_age = Some(7200.0)),
                State::Warning,
                "CLOCK SKEW WARNING - ntp1 last updated its clock 7200.0 s ago (its reference time, more than --stale 3600): has it lost its upstream?",
            ),
            (
                with(|m| m.reference_age = None),
                State::Ok,
                "CLOCK SKEW OK - offset 0 us against ntp1",
            ),
        ];
        for (outcome, state, line) in table {
            let report = run(std::slice::from_ref(&outcome), None, &strict);
            let out = report.render("CLOCK SKEW", 0);
            assert_eq!(report.state(), state, "{out}");
            assert!(out.starts_with(line), "{out}");
        }
    }

    #[test]
    fn the_aggregate_comes_first_whatever_the_number_of_servers() {
        let mut servers: Vec<ServerOutcome> = (0..100)
            .map(|i| failed(&format!("s{i}"), 1000 + i, Failure::NoResponse(None)))
            .collect();
        servers.push(answered("a", 1, 0.0));
        servers.push(answered("b", 2, 5.0));
        let out = run(&servers, None, &judge(("", ""))).render("CLOCK SKEW", 0);
        assert!(
            out.starts_with("CLOCK SKEW CRITICAL - clocks of b and a differ by 5.000 s"),
            "{out}"
        );
        assert!(out.contains(" | skew=5s;0.5;2;0 "), "{out}");
        assert!(
            out.lines()
                .nth(1)
                .is_some_and(|l| l.contains("clocks of b and a differ")),
            "{out}"
        );
    }

    fn chrony_view(leap: u16, sources: Vec<(SourceState, u16)>) -> ChronyOutcome {
        use crate::candm::{Source, Tracking};
        ChronyOutcome {
            endpoint: "127.0.0.1:323".into(),
            result: Ok(ChronyView {
                tracking: Tracking {
                    reference_id: 0x7f00_0001,
                    reference_address: Some("127.0.0.1".parse().expect("ip")),
                    stratum: 9,
                    leap_status: leap,
                    reference_time: 1000.0,
                    current_correction: -0.0000007,
                    last_offset: 0.00000004,
                    rms_offset: 0.00000003,
                    frequency_ppm: -0.019,
                    residual_frequency_ppm: 0.003,
                    skew_ppm: 0.118,
                    root_delay: 0.0000052,
                    root_dispersion: 0.0000013,
                    last_update_interval: 64.0,
                },
                sources: sources
                    .into_iter()
                    .map(|(state, reachability)| Source {
                        address: Some("127.0.0.1".parse().expect("ip")),
                        reference_id: 0,
                        poll: 6,
                        stratum: 8,
                        state,
                        mode: 0,
                        flags: 0,
                        reachability,
                        since_sample: 3,
                        latest_offset: 0.0,
                        original_offset: 0.0,
                        latest_error: 0.000003,
                    })
                    .collect(),
                read_at: 1010.0,
            }),
        }
    }

    #[test]
    fn chronyds_view_is_judged() {
        let facts = |chrony: ChronyOutcome| Facts {
            servers: Vec::new(),
            chrony: Some(chrony),
            local: None,
        };
        let mut judgement = judge(("", ""));
        let table = [
            (
                chrony_view(0, vec![(SourceState::Selected, 0o377)]),
                State::Ok,
                "CLOCK SKEW OK - chronyd synchronised to 127.0.0.1 (stratum 9), system time 700 ns fast, 1 of 1 sources usable | chrony_offset=0.0000007s;0.5;2 ",
            ),
            (
                chrony_view(3, vec![(SourceState::NonSelectable, 0)]),
                State::Critical,
                "CLOCK SKEW CRITICAL - chronyd is not synchronised (leap status: Not synchronised) / chronyd reaches none of its 1 sources",
            ),
            (
                chrony_view(3, Vec::new()),
                State::Critical,
                "CLOCK SKEW CRITICAL - chronyd is not synchronised (leap status: Not synchronised) / chronyd has no time sources",
            ),
            (
                chrony_view(
                    0,
                    vec![
                        (SourceState::Selected, 0o377),
                        (SourceState::Falseticker, 0o377),
                    ],
                ),
                State::Ok,
                "CLOCK SKEW OK - chronyd synchronised to 127.0.0.1 (stratum 9), system time 700 ns fast, 1 of 2 sources usable",
            ),
        ];
        for (view, state, line) in table {
            let report = evaluate(&facts(view), &judgement).expect("report");
            let out = report.render("CLOCK SKEW", 1);
            assert_eq!(report.state(), state, "{out}");
            assert!(out.starts_with(line), "{out}");
        }
        // The system time and the root distance against their thresholds.
        let with = |correction: f64, delay: f64, dispersion: f64| {
            let mut view = chrony_view(0, vec![(SourceState::Selected, 0o377)]);
            if let Ok(v) = &mut view.result {
                v.tracking.current_correction = correction;
                v.tracking.root_delay = delay;
                v.tracking.root_dispersion = dispersion;
            }
            view
        };
        let mut distance = judge(("", ""));
        distance.root_distance = Thresholds::new(r("0.05"), r("0.5"));
        let table = [
            (
                with(-0.7, 0.0, 0.0),
                &judgement,
                State::Warning,
                "CLOCK SKEW WARNING - chronyd has the system time 700.0 ms fast (outside 0.5)",
            ),
            (
                with(2.5, 0.0, 0.0),
                &judgement,
                State::Critical,
                "CLOCK SKEW CRITICAL - chronyd has the system time 2.500 s slow (outside 2)",
            ),
            (
                with(0.0, 0.02, 0.06),
                &distance,
                State::Warning,
                "CLOCK SKEW WARNING - chronyd's root distance 70.0 ms (outside 0.05)",
            ),
            (
                with(0.0, 0.2, 0.5),
                &distance,
                State::Critical,
                "CLOCK SKEW CRITICAL - chronyd's root distance 600.0 ms (outside 0.5)",
            ),
        ];
        for (view, judgement, state, line) in table {
            let report = evaluate(&facts(view), judgement).expect("report");
            let out = report.render("CLOCK SKEW", 0);
            assert_eq!(report.state(), state, "{out}");
            assert!(out.starts_with(line), "{out}");
        }
        judgement.min_sources = 2;
        judgement.stale = Some(5.0);
        let out = evaluate(
            &facts(chrony_view(
                0,
                vec![
                    (SourceState::Selected, 0o377),
                    (SourceState::Jittery, 0o377),
                ],
            )),
            &judgement,
        )
        .expect("report")
        .render("CLOCK SKEW", 1);
        assert!(
            out.starts_with("CLOCK SKEW WARNING - chronyd has 1 usable of 2 sources, fewer than --min-sources 2 / chronyd last updated the clock 10.000 s ago (more than --stale 5)"),
            "{out}"
        );
        assert!(
            out.contains(
                "\\_ [OK] ^~ 127.0.0.1: stratum 8, poll 6, reach 377, last sample 3 s ago"
            ),
            "{out}"
        );
        let failed = ChronyOutcome {
            endpoint: "127.0.0.1:323".into(),
            result: Err(ChronyFailure::Refused),
        };
        let out = evaluate(&facts(failed), &judgement)
            .expect("report")
            .render("CLOCK SKEW", 0);
        assert!(
            out.starts_with("CLOCK SKEW CRITICAL - chronyd does not listen at 127.0.0.1:323 (not running? cmdport 0?)"),
            "{out}"
        );
    }
}
