//! The record a run leaves for the next, and the names of its values: each member's counters
//! (`HOST:PORT uptime`), when each address was last seen present (`seen HOST:PORT`) and its last
//! position (`last_committed HOST:PORT`). Probe writes it; evaluate reads the previous one.

use std::collections::BTreeMap;

use hastack_common::history::Baseline;

use super::NodeOutcome;
use crate::status::NodeStatus;

/// The counters remembered per member, by name in the record.
pub(crate) const COUNTERS: [&str; 8] = [
    "uptime",
    "fc_paused_ns",
    "fc_sent",
    "last_committed",
    "replicated_bytes",
    "received_bytes",
    "cert_failures",
    "bf_aborts",
];

/// Before an address: when it was last seen present, Unix seconds.
pub(crate) const SEEN: &str = "seen ";
/// Before an address: its last `wsrep_last_committed`, kept while it is away.
pub(crate) const POSITION: &str = "last_committed ";

/// The record's name for counter `name` of the member at `endpoint`.
pub(crate) fn counter_key(endpoint: &str, name: &str) -> String {
    format!("{endpoint} {name}")
}

/// The values of [`COUNTERS`], in that order, as `status` reports them.
pub(crate) fn counters(status: &NodeStatus) -> [Option<f64>; 8] {
    let n = |v: Option<u64>| v.map(|v| v as f64);
    [
        n(status.uptime),
        n(status.flow_control_paused_ns),
        n(status.flow_control_sent),
        status.last_committed.map(|v| v as f64),
        n(status.replicated_bytes),
        n(status.received_bytes),
        n(status.cert_failures),
        n(status.bf_aborts),
    ]
}

/// The record this run leaves: each reachable member's counters and when it was seen, the
/// addresses the cluster lists, and what the previous record remembered of those not seen now
/// (unless `forget`).
pub fn record(
    members: &[NodeOutcome],
    read_at: f64,
    previous: &Baseline,
    forget: bool,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    if let (Baseline::Found(old), false) = (previous, forget) {
        values.extend(
            old.values
                .iter()
                .filter(|(k, _)| k.starts_with(SEEN) || k.starts_with(POSITION))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    for member in members {
        let Ok(facts) = &member.result else {
            continue;
        };
        let endpoint = member.peer.endpoint();
        for (name, value) in COUNTERS.iter().zip(counters(&facts.status)) {
            if let Some(value) = value {
                values.insert(counter_key(endpoint, name), format!("{value}"));
            }
        }
        // The last position of every member, kept while it is away: will it need a full SST?
        if let Some(lc) = facts.status.last_committed {
            values.insert(format!("{POSITION}{endpoint}"), lc.to_string());
        }
    }
    let seen_now = format!("{read_at:.0}");
    for address in present(members) {
        values.insert(format!("{SEEN}{address}"), seen_now.clone());
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
            let address = key.strip_prefix(SEEN)?;
            Some((value.parse().ok()?, address.to_string()))
        })
        .collect();
    if gone.len() <= REMEMBERED_GONE {
        return;
    }
    gone.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, address) in gone.drain(REMEMBERED_GONE..) {
        values.remove(&format!("{SEEN}{address}"));
        values.remove(&format!("{POSITION}{address}"));
    }
}

/// The members present now: the reachable ones and every address a Primary member lists.
pub(crate) fn present(members: &[NodeOutcome]) -> Vec<String> {
    let mut addresses: Vec<String> = Vec::new();
    for member in members {
        let Ok(facts) = &member.result else { continue };
        addresses.push(member.peer.endpoint().to_string());
        if facts.status.is_primary() {
            addresses.extend(facts.status.incoming_addresses.iter().cloned());
        }
    }
    addresses.sort();
    addresses.dedup();
    addresses
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
