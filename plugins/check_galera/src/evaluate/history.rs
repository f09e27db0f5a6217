//! What changed since the previous run (pure): flow control over the interval, rates, the member
//! that sends flow control, the IST window, members that left and members that would need a
//! full state transfer; and whether this run's record could be kept.
//!
//! Galera's counters run since the server started: only differences between two runs say what
//! happens now. A server that restarted (uptime or a counter smaller) or a clock that went back
//! has no baseline this time, said at `-v`.

use hastack_common::history::{Baseline, Record};
use hastack_common::units::{self, bytes};
use hastack_common::{Checked, Metric, Report, State, Value};

use super::{Criteria, Member};
use crate::facts::{COUNTERS, Facts, History, POSITION, SEEN, counter_key, counters, present};
use crate::status::LocalState;

/// What changed since the previous run, for every member read.
pub(super) fn judge(
    report: &mut Report,
    facts: &Facts,
    members: &[Member<'_>],
    criteria: &Criteria,
) {
    judge_unkept(report, &facts.history);
    let old = match &facts.history.baseline {
        Baseline::Found(old) => old,
        Baseline::None(why) => {
            report.detail_at(
                1,
                State::Ok,
                format!("no baseline from an earlier run: {why}"),
            );
            judge_sst(report, facts, members, None);
            return;
        }
    };
    let mut paused: Option<Paused> = None;
    let mut senders: Vec<(&str, f64)> = Vec::new();
    let mut windows = Vec::new();
    for member in members {
        let Some(iv) = interval_of(report, member, old, facts.read_at) else {
            continue;
        };
        let fraction = criteria
            .flow_control
            .check(
                member.label("flow_control_paused"),
                round3(iv.paused_fraction),
            )
            .min(0u8)
            .max(1u8);
        // Flow control pauses the whole cluster: in cluster mode it is said once, for the
        // member paused longest.
        if paused
            .as_ref()
            .is_none_or(|p| iv.paused_fraction > p.fraction)
        {
            paused = Some(Paused::of(&fraction, &iv));
        }
        if iv.fc_sent > 0.0 {
            senders.push((member.name(), iv.fc_sent));
        }
        report_rates(report, member, &iv, fraction);
        windows.extend(ist_window(report, member, &iv, criteria));
    }
    judge_ist_window(report, windows, !facts.cluster);
    if let Some(paused) = paused {
        judge_flow_control(report, &paused, &senders);
    }
    judge_left(report, facts, members, old, criteria);
    judge_sst(report, facts, members, Some(old));
}

/// A record that could not be kept: a WARNING when history was asked for, else said at -v.
fn judge_unkept(report: &mut Report, history: &History) {
    let Some(why) = &history.unkept else {
        return;
    };
    let text = format!("no history kept for the next run: {why}");
    match history.asked {
        true => report
            .add(State::Warning, text.clone())
            .detail(State::Warning, text),
        false => report.detail_at(1, State::Ok, text),
    };
}

/// What a member did between the previous run and this one.
struct Interval {
    seconds: f64,
    paused_fraction: f64,
    fc_sent: f64,
    commits: f64,
    bytes: f64,
    replicated: f64,
    received: f64,
    cert_failures: f64,
    bf_aborts: f64,
}

/// The member's interval; when it has none (not read, restarted...) why, at -v.
fn interval_of(
    report: &mut Report,
    member: &Member<'_>,
    old: &Record,
    read_at: f64,
) -> Option<Interval> {
    match interval(member, old, read_at) {
        Ok(iv) => Some(iv),
        Err(why) => {
            if member.result.is_ok() {
                let text = format!("{}: no rates this time: {why}", member.name());
                report.detail_at(1, State::Ok, text);
            }
            None
        }
    }
}

/// The member's interval, or why there is none.
fn interval(member: &Member<'_>, old: &Record, read_at: f64) -> Result<Interval, String> {
    let now = counters(&member.facts().ok_or("not read this time")?.status);
    let seconds = read_at - old.saved_at;
    if seconds <= 0.0 {
        return Err("the clock went back since the previous run".into());
    }
    let mut delta = [0.0f64; 8];
    for (i, name) in COUNTERS.iter().enumerate() {
        let before = old
            .number(&counter_key(member.peer.endpoint(), name))
            .ok_or("not in the previous record")?;
        let Some(after) = now[i] else {
            return Err(format!("{name} not reported"));
        };
        if after < before {
            return Err(match *name {
                "uptime" => "the server restarted since the previous run".into(),
                _ => format!("{name} went back (FLUSH STATUS, or a restart)"),
            });
        }
        delta[i] = after - before;
    }
    Ok(Interval {
        seconds,
        paused_fraction: (delta[1] / (seconds * 1e9)).clamp(0.0, 1.0),
        fc_sent: delta[2],
        commits: delta[3] / seconds,
        bytes: (delta[4] + delta[5]) / seconds,
        replicated: delta[4] / seconds,
        received: delta[5] / seconds,
        cert_failures: delta[6] / seconds,
        bf_aborts: delta[7] / seconds,
    })
}

/// The member's rates over the interval: perfdata, and a line at -v.
fn report_rates(report: &mut Report, member: &Member<'_>, iv: &Interval, paused: Checked) {
    report.metric(paused);
    for (name, rate) in [
        ("commits_per_second", iv.commits),
        ("replicated_bytes_per_second", iv.replicated),
        ("received_bytes_per_second", iv.received),
        ("cert_failures_per_second", iv.cert_failures),
        ("bf_aborts_per_second", iv.bf_aborts),
    ] {
        report.metric(Metric::new(member.label(name), round3(rate)).min(0u8));
    }
    report.detail_at(
        1,
        State::Ok,
        format!(
            "{}: in the last {}: {} commits/s, {}/s written, paused {} by flow control, {} flow control messages sent",
            member.name(),
            units::interval(iv.seconds),
            number(round3(iv.commits)),
            bytes(iv.bytes.round()),
            units::percent(iv.paused_fraction),
            iv.fc_sent
        ),
    );
}

/// The member paused longest by flow control, as its perfdata judged it.
struct Paused {
    fraction: f64,
    seconds: f64,
    violation: Option<(State, String)>,
}

impl Paused {
    fn of(checked: &Checked, iv: &Interval) -> Paused {
        Paused {
            fraction: iv.paused_fraction,
            seconds: iv.seconds,
            violation: checked.violation().map(|(s, why)| (s, why.to_string())),
        }
    }
}

/// The fraction of the interval the cluster spent paused, and who asked for the pauses: the
/// members whose `wsrep_flow_control_sent` grew (in cluster mode; one node does not know).
fn judge_flow_control(report: &mut Report, paused: &Paused, senders: &[(&str, f64)]) {
    let percent = units::percent(paused.fraction);
    let since = units::interval(paused.seconds);
    let who = senders
        .iter()
        .map(|(name, sent)| {
            let s = if *sent == 1.0 { "" } else { "s" };
            format!("{name} sent {sent} flow control message{s}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let slow = match senders.len() {
        0 => String::new(),
        1 => format!(": {who}, it is the slow node"),
        _ => format!(": {who}, they are the slow nodes"),
    };
    match &paused.violation {
        Some((state, why)) => {
            let text =
                format!("paused by flow control {percent} of the last {since} ({why}){slow}");
            report.add(*state, text.clone()).detail(*state, text);
        }
        None if !senders.is_empty() => {
            report.detail(
                State::Ok,
                format!("paused by flow control {percent} of the last {since}{slow}"),
            );
        }
        None => {}
    }
}

/// `gcache.size` against the write rate: how long a member that leaves now can rejoin by IST.
/// The window is per donor; the perfdata has each, and in cluster mode the judgement is on the
/// widest one, since a rejoining member can take any donor.
struct IstWindow {
    name: String,
    minutes: f64,
    text: String,
    violation: Option<(State, String)>,
}

fn ist_window(
    report: &mut Report,
    member: &Member<'_>,
    iv: &Interval,
    criteria: &Criteria,
) -> Option<IstWindow> {
    let gcache = member.facts()?.status.gcache_size?;
    if iv.bytes <= 0.0 {
        report.detail_at(
            1,
            State::Ok,
            format!(
                "{}: no writes in the last {}: the IST window is open",
                member.name(),
                units::interval(iv.seconds)
            ),
        );
        return None;
    }
    let window = gcache as f64 / iv.bytes;
    let checked = criteria
        .ist_window
        .check(member.label("ist_window_minutes"), round3(window / 60.0))
        .min(0u8);
    let violation = checked.violation().map(|(s, why)| (s, why.to_string()));
    report.metric(checked);
    Some(IstWindow {
        name: member.name().to_string(),
        minutes: window / 60.0,
        text: format!(
            "a member that leaves now can rejoin by IST for {} (gcache {} at {}/s)",
            match window {
                w if w < 1.0 => "less than 1 s".to_string(),
                w => format!("about {}", units::interval(w)),
            },
            bytes(gcache as f64),
            bytes(iv.bytes.round())
        ),
        violation,
    })
}

/// The widest window judged (one node's own, or the best donor's in cluster mode).
fn judge_ist_window(report: &mut Report, windows: Vec<IstWindow>, single: bool) {
    let Some(widest) = windows
        .into_iter()
        .max_by(|a, b| a.minutes.total_cmp(&b.minutes))
    else {
        return;
    };
    let text = match single {
        true => widest.text,
        false => format!("{} (donor {})", widest.text, widest.name),
    };
    match widest.violation {
        Some((state, why)) => report.add(state, format!("{text} ({why} minutes)")),
        None => report.detail(State::Ok, text),
    };
}

/// A remembered member as the report names it: `node2 (db2:3306)` while it is still among the
/// members asked, else its address.
fn known_as(members: &[Member<'_>], address: &str) -> String {
    members
        .iter()
        .find(|m| m.peer.endpoint() == address)
        .map(|m| m.peer.to_string())
        .unwrap_or_else(|| address.to_string())
}

/// Members listed last time and gone now, named with when they were last seen (not with
/// `--expected-size`: the size says it then).
fn judge_left(
    report: &mut Report,
    facts: &Facts,
    members: &[Member<'_>],
    old: &Record,
    criteria: &Criteria,
) {
    if criteria.expected_size.is_some() {
        return;
    }
    let now = present(&facts.members);
    if now.is_empty() {
        return;
    }
    for key in old.values.keys() {
        let Some(address) = key.strip_prefix(SEEN) else {
            continue;
        };
        if now.iter().any(|a| a == address) {
            continue;
        }
        let Some(seen) = old.number(key) else {
            continue;
        };
        report.add(
            State::Warning,
            format!(
                "{} left the cluster: last seen {} ago (--forget after a planned removal)",
                known_as(members, address),
                units::interval(facts.read_at - seen)
            ),
        );
    }
}

/// A member (away, or not yet Synced) whose last position is older than every donor's gcache
/// will need a full state transfer to rejoin.
fn judge_sst(report: &mut Report, facts: &Facts, members: &[Member<'_>], old: Option<&Record>) {
    if !facts.cluster {
        return;
    }
    let Some(oldest) = members
        .iter()
        .filter_map(|m| {
            let s = &m.facts()?.status;
            (s.local_state == Some(LocalState::Synced)).then_some(s.cached_downto?)
        })
        .min()
    else {
        return;
    };
    let mut candidates: Vec<(String, i64)> = Vec::new();
    // Reachable, not Synced: where it is now.
    for member in members {
        if let Some(f) = member.facts()
            && f.status.local_state != Some(LocalState::Synced)
            && let Some(lc) = f.status.last_committed
        {
            candidates.push((member.name().to_string(), lc));
        }
    }
    // Away (unreachable, or gone from the list): where it was when last seen.
    let here = present(&facts.members);
    for (key, value) in old.iter().flat_map(|old| &old.values) {
        let Some(address) = key.strip_prefix(POSITION) else {
            continue;
        };
        if here.iter().any(|a| a == address) {
            continue;
        }
        let Ok(lc) = value.parse::<i64>() else {
            continue;
        };
        candidates.push((known_as(members, address), lc));
    }
    for (name, position) in candidates {
        // IST can serve a member whose next writeset is still in a donor's gcache.
        if position.saturating_add(1) < oldest {
            report.add(
                State::Warning,
                format!(
                    "{name} will need a full state transfer (SST) to rejoin: its last_committed {position} is older than every donor's gcache (from {oldest})"
                ),
            );
        }
    }
}

/// A rate as perfdata writes it: no exponent, no trailing zeros.
fn number(value: f64) -> String {
    Value::Float(value).to_string()
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_perfdata_writes_them() {
        assert_eq!(number(round3(2.51089e-05)), "0");
        assert_eq!(number(round3(1.0 / 60.0)), "0.017");
    }
}
