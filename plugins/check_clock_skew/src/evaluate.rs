//! Judging what the servers and the kernel said (pure): offsets, skew between servers, server
//! health, the local clock's sync state; the summary, long output and perfdata.

use hastack_common::range::Thresholds;
use hastack_common::units::{human_seconds, round_micros};
use hastack_common::{Metric, Report, State, Uom};

use hastack_common::CheckError;
use hastack_common::address::HostPort;

/// What one server said, from the sample with the smallest round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Seconds the server is ahead of this host (negative: behind).
    pub offset: f64,
    /// Round-trip delay in seconds.
    pub delay: f64,
    pub stratum: u8,
    pub leap: u8,
    /// The offsets of every answered request, for the jitter.
    pub sample_offsets: Vec<f64>,
    pub answered: usize,
    pub requested: usize,
}

impl Measurement {
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

/// Everything the probe found: each server's outcome, in the order given, and the local clock
/// when it was asked for (or why the kernel could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub servers: Vec<ServerOutcome>,
    pub local: Option<Result<LocalClock, String>>,
}

/// How findings are judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// On each server's absolute offset (empty: not judged).
    pub offset: Thresholds,
    /// On the largest offset minus the smallest, with two or more servers.
    pub skew: Thresholds,
    pub unsynced_state: State,
}

/// The report for every server asked (in the order given) and the local clock, if read.
pub fn evaluate(facts: &Facts, judge: &Judgement) -> Result<Report, CheckError> {
    let servers = &facts.servers;
    let mut report = Report::new();
    let single = servers.len() == 1;
    for outcome in servers {
        judge_server(&mut report, outcome, single, judge);
    }
    if servers.len() > 1 {
        judge_skew(&mut report, servers, judge);
    }
    match &facts.local {
        Some(Ok(local)) => judge_local(&mut report, local, judge.unsynced_state),
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
                .min(0u8),
        )
        .metric(Metric::new(label("stratum"), m.stratum).min(0u8).max(16u8));
    if let Some(jitter) = m.jitter() {
        report.metric(
            Metric::new(label("jitter"), round_micros(jitter))
                .uom(Uom::Seconds)
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
    report.metric(
        Metric::new("skew", round_micros(skew))
            .uom(Uom::Seconds)
            .thresholds(judge.skew.clone())
            .min(0u8),
    );
    match judge.skew.evaluate(skew) {
        (state, Some(range)) => {
            report.add(
                state,
                format!(
                    "clocks of {} and {} differ by {} ({} ahead; {})",
                    ahead.0,
                    behind.0,
                    seconds(skew, false),
                    ahead.0,
                    range.violation()
                ),
            );
        }
        _ => {
            report.add(
                State::Ok,
                format!(
                    "clocks of {} servers agree within {}",
                    answered.len(),
                    seconds(skew, false)
                ),
            );
        }
    }
}

fn judge_local(report: &mut Report, local: &LocalClock, unsynced_state: State) {
    let errors = format!(
        "maximum error {}, estimated error {}",
        seconds(local.maxerror, false),
        seconds(local.esterror, false)
    );
    if local.unsynchronised {
        let text = "local clock not synchronised: no NTP daemon disciplines it (kernel flag \
                    STA_UNSYNC; NTP disabled?)";
        report.add(unsynced_state, text).detail(
            unsynced_state,
            format!("local clock: not synchronised (STA_UNSYNC); {errors}"),
        );
    } else {
        report.add(State::Ok, format!("local clock synchronised ({errors})"));
    }
    report
        .metric(
            Metric::new("maxerror", round_micros(local.maxerror))
                .uom(Uom::Seconds)
                .min(0u8),
        )
        .metric(
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
            unsynced_state: State::Critical,
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
            out.contains("| offset=1900.000021s;0.5;2 delay=0.00012s;;;0 stratum=8;;;0;16 jitter=0.000035s;;;0"),
            "{out}"
        );
        assert!(
            out.ends_with(
                "\\_ [CRITICAL] ntp1: offset +1900.0 s, delay 120 us, stratum 8, jitter 35 us"
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
            out.starts_with("CLOCK SKEW CRITICAL - clocks of 127.0.0.1:1002 and 127.0.0.1:1003 differ by 1903.0 s (127.0.0.1:1002 ahead; outside 2) | "),
            "{out}"
        );
        assert!(out.contains("'offset_127.0.0.1:1002'=1900s "), "{out}");
        assert!(out.contains(" skew=1903s;0.5;2;0"), "{out}");
        assert_eq!(out.lines().count(), 4);
        // Offsets alone are not judged with several servers unless asked.
        let servers = [answered("a", 1, 5.0), answered("b", 2, 5.0001)];
        let out = run(&servers, None, &judge(("", ""))).render("CLOCK SKEW", 0);
        assert!(
            out.starts_with("CLOCK SKEW OK - clocks of 2 servers agree within 100 us | "),
            "{out}"
        );
        let out = run(&servers, None, &judge(("1", ""))).render("CLOCK SKEW", 0);
        assert!(out.starts_with("CLOCK SKEW WARNING - offset +5.000 s against a (outside 1); offset +5.000 s against b"), "{out}");
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
        let unsynced = LocalClock {
            unsynchronised: true,
            maxerror: 16.0,
            esterror: 16.0,
        };
        let report = run(&[], Some(&unsynced), &judge(("", "")));
        let out = report.render("CLOCK SKEW", 0);
        assert_eq!(
            out.lines().next(),
            Some(
                "CLOCK SKEW CRITICAL - local clock not synchronised: no NTP daemon disciplines it (kernel flag STA_UNSYNC; NTP disabled?) | maxerror=16s;;;0 esterror=16s;;;0"
            )
        );
        let mut warn = judge(("", ""));
        warn.unsynced_state = State::Warning;
        assert_eq!(run(&[], Some(&unsynced), &warn).state(), State::Warning);
        let synced = LocalClock {
            unsynchronised: false,
            maxerror: 0.0125,
            esterror: 0.000002,
        };
        let out = run(
            &[answered("ntp1", 123, 0.0)],
            Some(&synced),
            &judge(("0.5", "2")),
        )
        .render("CLOCK SKEW", 0);
        assert!(out.starts_with("CLOCK SKEW OK - offset 0 us against ntp1 (stratum 8, delay 120 us); local clock synchronised (maximum error 12.5 ms, estimated error 2 us) |"), "{out}");
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
}
