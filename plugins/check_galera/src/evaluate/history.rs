//! What changed since the previous run (pure): flow control over the interval, rates, the member
//! that sends flow control, the IST window, members that left and members that would need a
//! full state transfer; and the record this run leaves for the next.
//!
//! Galera's counters run since the server started: only differences between two runs say what
//! happens now. A server that restarted (uptime or a counter smaller) or a clock that went back
//! has no baseline this time, said at `-v`.

use std::collections::BTreeMap;

use hastack_common::history::{Baseline, Record};
use hastack_common::{Metric, Report, State};

use super::{Facts, Judgement, MemberOutcome, format_number, metric_prefix};

/// The counters remembered per member, by name in the record.
const COUNTERS: [&str; 8] = [
    "uptime",
    "fc_paused_ns",
    "fc_sent",
    "last_committed",
    "replicated_bytes",
    "received_bytes",
    "cert_failures",
    "bf_aborts",
];

fn counters(member: &MemberOutcome) -> Option<[Option<f64>; 8]> {
    let s = &member.result.as_ref().ok()?.status;
    let n = |v: Option<u64>| v.map(|v| v as f64);
    Some([
        n(s.uptime),
        n(s.flow_control_paused_ns),
        n(s.flow_control_sent),
        s.last_committed.map(|v| v as f64),
        n(s.replicated_bytes),
        n(s.received_bytes),
        n(s.cert_failures),
        n(s.bf_aborts),
    ])
}

/// The record this run leaves: each reachable member's counters and when it was seen, the
/// addresses the cluster lists, and what the previous record remembered of those not seen now
/// (unless `forget`).
pub fn record(
    members: &[MemberOutcome],
    read_at: f64,
    previous: &Baseline,
    forget: bool,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    if let (Baseline::Found(old), false) = (previous, forget) {
        values.extend(
            old.values
                .iter()
                .filter(|(k, _)| k.starts_with("seen ") || k.starts_with("last_committed "))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    for member in members {
        let Some(now) = counters(member) else {
            continue;
        };
        for (name, value) in COUNTERS.iter().zip(now) {
            if let Some(value) = value {
                values.insert(format!("{} {name}", member.endpoint), format!("{value}"));
            }
        }
    }
    let seen_now = format!("{read_at:.0}");
    for address in present(members) {
        values.insert(format!("seen {address}"), seen_now.clone());
    }
    // The last position of every member, kept while it is away: will it need a full SST?
    for member in members {
        if let Ok(facts) = &member.result
            && let Some(lc) = facts.status.last_committed
        {
            values.insert(
                format!("last_committed {}", member.endpoint),
                lc.to_string(),
            );
        }
    }
    forget_the_oldest_gone(&mut values, &seen_now);
    values
}

/// How many members gone from the cluster the record remembers: the ones seen last go first,
/// so that the record stays small (a cluster renumbered daily would otherwise grow it until
/// its size cap, and then lose every memory at once).
const REMEMBERED_GONE: usize = 64;

/// `seen_now` is this run's stamp, as written for the members present: the others are gone.
fn forget_the_oldest_gone(values: &mut BTreeMap<String, String>, seen_now: &str) {
    let mut gone: Vec<(f64, String)> = values
        .iter()
        .filter(|(_, value)| value.as_str() != seen_now)
        .filter_map(|(key, value)| {
            let address = key.strip_prefix("seen ")?;
            Some((value.parse().ok()?, address.to_string()))
        })
        .collect();
    if gone.len() <= REMEMBERED_GONE {
        return;
    }
    gone.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, address) in gone.drain(REMEMBERED_GONE..) {
        values.remove(&format!("seen {address}"));
        values.remove(&format!("last_committed {address}"));
    }
}

/// The members present now: the reachable ones and every address a Primary member lists.
fn present(members: &[MemberOutcome]) -> Vec<String> {
    let mut addresses: Vec<String> = Vec::new();
    for member in members {
        let Ok(facts) = &member.result else { continue };
        addresses.push(member.endpoint.clone());
        if facts.status.is_primary() {
            addresses.extend(facts.status.incoming_addresses.iter().cloned());
        }
    }
    addresses.sort();
    addresses.dedup();
    addresses
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

/// The member's interval, or why there is none.
fn interval(member: &MemberOutcome, old: &Record, read_at: f64) -> Result<Interval, String> {
    let now = counters(member).ok_or("not read this time")?;
    let seconds = read_at - old.saved_at;
    if seconds <= 0.0 {
        return Err("the clock went back since the previous run".into());
    }
    let mut delta = [0.0f64; 8];
    for (i, name) in COUNTERS.iter().enumerate() {
        let before = old
            .number(&format!("{} {name}", member.endpoint))
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

/// Minutes, as the summary says them.
fn minutes(seconds: f64) -> String {
    match seconds {
        s if s < 60.0 => format!("{} s", s.round().max(1.0)),
        s if s < 7200.0 => format!("{} min", (s / 60.0).round()),
        s => format!("{:.1} h", s / 3600.0),
    }
}

fn bytes(value: f64) -> String {
    match value {
        v if v >= 1024.0 * 1024.0 => format!("{:.1} MiB", v / 1024.0 / 1024.0),
        v if v >= 1024.0 => format!("{:.1} KiB", v / 1024.0),
        v => format!("{v:.0} B"),
    }
}

pub fn judge(report: &mut Report, facts: &Facts, judge: &Judgement) {
    let history = &facts.history;
    if let Some(why) = &history.unkept {
        let state = if history.asked {
            State::Warning
        } else {
            State::Ok
        };
        let text = format!("no history kept for the next run: {why}");
        match state {
            State::Ok => report.detail_at(1, State::Ok, text),
            _ => report.add(state, text.clone()).detail(state, text),
        };
    }
    let old = match &history.baseline {
        Baseline::Found(old) => old,
        Baseline::None(why) => {
            report.detail_at(
                1,
                State::Ok,
                format!("no baseline from an earlier run: {why}"),
            );
            judge_sst(report, facts, None);
            return;
        }
    };
    let single = !facts.cluster;
    let mut senders: Vec<(String, f64)> = Vec::new();
    let mut paused: Option<(String, f64, f64)> = None;
    let mut windows = Vec::new();
    for member in &facts.members {
        let name = member.name();
        let prefix = match single {
            true => String::new(),
            false => format!("{}_", metric_prefix(&name)),
        };
        let iv = match interval(member, old, facts.read_at) {
            Ok(iv) => iv,
            Err(why) => {
                if member.result.is_ok() {
                    report.detail_at(1, State::Ok, format!("{name}: no rates this time: {why}"));
                }
                continue;
            }
        };
        let since = minutes(iv.seconds);
        // Flow control pauses the whole cluster: in cluster mode it is said once, for the
        // member paused longest.
        if paused
            .as_ref()
            .is_none_or(|(_, p, _)| iv.paused_fraction > *p)
        {
            paused = Some((name.clone(), iv.paused_fraction, iv.seconds));
        }
        if iv.fc_sent > 0.0 {
            senders.push((name.clone(), iv.fc_sent));
        }
        report
            .metric(
                Metric::new(
                    format!("{prefix}flow_control_paused"),
                    round3(iv.paused_fraction),
                )
                .thresholds(judge.flow_control.clone())
                .min(0u8)
                .max(1u8),
            )
            .metric(Metric::new(format!("{prefix}commits_per_second"), round3(iv.commits)).min(0u8))
            .metric(
                Metric::new(
                    format!("{prefix}replicated_bytes_per_second"),
                    round3(iv.replicated),
                )
                .min(0u8),
            )
            .metric(
                Metric::new(
                    format!("{prefix}received_bytes_per_second"),
                    round3(iv.received),
                )
                .min(0u8),
            )
            .metric(
                Metric::new(
                    format!("{prefix}cert_failures_per_second"),
                    round3(iv.cert_failures),
                )
                .min(0u8),
            )
            .metric(
                Metric::new(
                    format!("{prefix}bf_aborts_per_second"),
                    round3(iv.bf_aborts),
                )
                .min(0u8),
            );
        report.detail_at(
            1,
            State::Ok,
            format!(
                "{name}: in the last {since}: {} commits/s, {}/s written, paused {}% by flow control, {} flow control messages sent",
                format_number(round3(iv.commits)),
                bytes(iv.bytes),
                format_number((iv.paused_fraction * 1000.0).round() / 10.0),
                iv.fc_sent
            ),
        );
        windows.extend(ist_window(report, member, &iv, &prefix, judge));
    }
    judge_ist_window(report, windows, single, judge);
    if let Some((_, fraction, seconds)) = paused {
        judge_flow_control(report, fraction, seconds, &senders, judge);
    }
    judge_left(report, facts, old, judge);
    judge_sst(report, facts, Some(old));
}

/// The fraction of the interval the cluster spent paused, and who asked for the pauses: the
/// members whose `wsrep_flow_control_sent` grew (in cluster mode; one node does not know).
fn judge_flow_control(
    report: &mut Report,
    fraction: f64,
    seconds: f64,
    senders: &[(String, f64)],
    judge: &Judgement,
) {
    let percent = format_number((fraction * 1000.0).round() / 10.0);
    let since = minutes(seconds);
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
    match judge.flow_control.violation(fraction) {
        Some((state, why)) => {
            let text =
                format!("paused by flow control {percent}% of the last {since} ({why}){slow}");
            report.add(state, text.clone()).detail(state, text);
        }
        None if !senders.is_empty() => {
            report.detail(
                State::Ok,
                format!("paused by flow control {percent}% of the last {since}{slow}"),
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
}

fn ist_window(
    report: &mut Report,
    member: &MemberOutcome,
    iv: &Interval,
    prefix: &str,
    judge: &Judgement,
) -> Option<IstWindow> {
    let gcache = member.result.as_ref().ok()?.status.gcache_size?;
    if iv.bytes <= 0.0 {
        report.detail_at(
            1,
            State::Ok,
            format!(
                "{}: no writes in the last {}: the IST window is open",
                member.name(),
                minutes(iv.seconds)
            ),
        );
        return None;
    }
    let window = gcache as f64 / iv.bytes;
    report.metric(
        Metric::new(format!("{prefix}ist_window_minutes"), round3(window / 60.0))
            .thresholds(judge.ist_window.clone())
            .min(0u8),
    );
    Some(IstWindow {
        name: member.name(),
        minutes: window / 60.0,
        text: format!(
            "a member that leaves now can rejoin by IST for {} (gcache {} at {}/s)",
            match window {
                w if w < 1.0 => "less than 1 s".to_string(),
                w => format!("about {}", minutes(w)),
            },
            bytes(gcache as f64),
            bytes(iv.bytes)
        ),
    })
}

fn judge_ist_window(report: &mut Report, windows: Vec<IstWindow>, single: bool, judge: &Judgement) {
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
    match judge.ist_window.violation(widest.minutes) {
        Some((state, why)) => report.add(state, format!("{text} ({why} minutes)")),
        None => report.detail(State::Ok, text),
    };
}

/// Members listed last time and gone now, named with when they were last seen (not with
/// `--expected-size`: the size says it then).
/// A remembered member as the report names it: `node2 (db2:3306)` while it is still among the
/// members asked, else its address.
fn known_as(facts: &Facts, address: &str) -> String {
    facts
        .members
        .iter()
        .find(|m| m.endpoint == address)
        .map(|m| format!("{} ({address})", m.name()))
        .unwrap_or_else(|| address.to_string())
}

fn judge_left(report: &mut Report, facts: &Facts, old: &Record, judge: &Judgement) {
    if judge.expected_size.is_some() {
        return;
    }
    let now = present(&facts.members);
    if now.is_empty() {
        return;
    }
    for (key, _) in old.values.iter().filter(|(k, _)| k.starts_with("seen ")) {
        let address = &key["seen ".len()..];
        if now.iter().any(|a| a == address) {
            continue;
        }
        let Some(seen) = old.number(key) else {
            continue;
        };
        let name = known_as(facts, address);
        report.add(
            State::Warning,
            format!(
                "{name} left the cluster: last seen {} ago (--forget after a planned removal)",
                minutes(facts.read_at - seen)
            ),
        );
    }
}

/// A member (away, or not yet Synced) whose last position is older than every donor's gcache
/// will need a full state transfer to rejoin.
fn judge_sst(report: &mut Report, facts: &Facts, old: Option<&Record>) {
    if !facts.cluster {
        return;
    }
    let donors: Vec<(String, i64)> = facts
        .members
        .iter()
        .filter_map(|m| {
            let s = &m.result.as_ref().ok()?.status;
            (s.local_state == Some(super::LocalState::Synced))
                .then_some((m.name(), s.cached_downto?))
        })
        .collect();
    let Some(oldest) = donors.iter().map(|(_, from)| *from).min() else {
        return;
    };
    let mut candidates: Vec<(String, i64)> = Vec::new();
    // Reachable, not Synced: where it is now.
    for member in &facts.members {
        if let Ok(f) = &member.result
            && f.status.local_state != Some(super::LocalState::Synced)
            && let Some(lc) = f.status.last_committed
        {
            candidates.push((member.name(), lc));
        }
    }
    // Away (unreachable, or gone from the list): where it was when last seen.
    let here = present(&facts.members);
    if let Some(old) = old {
        for (key, value) in old
            .values
            .iter()
            .filter(|(k, _)| k.starts_with("last_committed "))
        {
            let address = &key["last_committed ".len()..];
            if here.iter().any(|a| a == address) {
                continue;
            }
            let Ok(lc) = value.parse::<i64>() else {
                continue;
            };
            candidates.push((known_as(facts, address), lc));
        }
    }
    for (name, position) in candidates {
        // IST can serve a member whose next writeset is still in a donor's gcache.
        if position + 1 < oldest {
            report.add(
                State::Warning,
                format!(
                    "{name} will need a full state transfer (SST) to rejoin: its last_committed {position} is older than every donor's gcache (from {oldest})"
                ),
            );
        }
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_remembers_the_latest_gone_members_only() {
        let mut values = BTreeMap::new();
        // Present now (seen at this run) and 100 gone, seen at 1..=100.
        values.insert("seen 10.0.0.1:3306".to_string(), "1000".to_string());
        for i in 1..=100 {
            values.insert(format!("seen 10.1.0.{i}:3306"), i.to_string());
            values.insert(format!("last_committed 10.1.0.{i}:3306"), "7".to_string());
        }
        forget_the_oldest_gone(&mut values, "1000");
        let seen: Vec<&String> = values.keys().filter(|k| k.starts_with("seen ")).collect();
        assert_eq!(seen.len(), 1 + REMEMBERED_GONE);
        assert!(values.contains_key("seen 10.0.0.1:3306"));
        assert!(values.contains_key("seen 10.1.0.100:3306"));
        assert!(values.contains_key("last_committed 10.1.0.37:3306"));
        assert!(!values.contains_key("seen 10.1.0.36:3306"));
        assert!(!values.contains_key("last_committed 10.1.0.36:3306"));
    }
}
