//! What one node says about itself: the `wsrep%` status variables and the relevant global
//! variables, parsed into typed facts. Pure; tested with real captures.

use std::collections::HashMap;

/// `wsrep_local_state` as Galera defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalState {
    Initialized,
    Joining,
    DonorDesynced,
    Joined,
    Synced,
    Other(u64),
}

impl LocalState {
    fn from_code(code: u64) -> LocalState {
        match code {
            0 => LocalState::Initialized,
            1 => LocalState::Joining,
            2 => LocalState::DonorDesynced,
            3 => LocalState::Joined,
            4 => LocalState::Synced,
            n => LocalState::Other(n),
        }
    }

    pub(crate) fn code(self) -> u64 {
        match self {
            LocalState::Initialized => 0,
            LocalState::Joining => 1,
            LocalState::DonorDesynced => 2,
            LocalState::Joined => 3,
            LocalState::Synced => 4,
            LocalState::Other(n) => n,
        }
    }
}

/// The facts one node reports, typed. Variables a node does not report (e.g. with
/// `wsrep_on=OFF` the status shrinks to 17 rows) are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    /// `wsrep_provider_name`: empty when no provider is loaded.
    pub provider: String,
    /// `wsrep_cluster_status`: `Primary`, `non-Primary`, `Disconnected`.
    pub cluster_status: String,
    pub connected: Option<bool>,
    pub ready: Option<bool>,
    pub local_state: Option<LocalState>,
    /// `wsrep_local_state_comment` (`Synced`, `Joining...`, `Donor/Desynced`...).
    pub local_state_comment: Option<String>,
    pub cluster_size: Option<u64>,
    pub conf_id: Option<u64>,
    pub state_uuid: String,
    pub last_committed: Option<i64>,
    pub flow_control_paused: Option<f64>,
    pub recv_queue_avg: Option<f64>,
    pub send_queue_avg: Option<f64>,
    pub cert_failures: Option<u64>,
    pub bf_aborts: Option<u64>,
    pub flow_control_sent: Option<u64>,
    /// `wsrep_incoming_addresses`, split on commas, empties dropped.
    pub incoming_addresses: Vec<String>,
    /// `@@global.wsrep_on`, when the server has the variable.
    pub wsrep_on: Option<bool>,
    /// `@@global.wsrep_node_name`, when set.
    pub node_name: Option<String>,
    /// Counters since the server started (or `FLUSH STATUS`), for rates between runs.
    pub flow_control_paused_ns: Option<u64>,
    pub replicated_bytes: Option<u64>,
    pub received_bytes: Option<u64>,
    /// `Uptime`: smaller than last time means the server restarted.
    pub uptime: Option<u64>,
    /// `wsrep_flow_control_active`: paused now.
    pub flow_control_active: Option<bool>,
    /// The queues now (the `_avg` ones are since the start).
    pub recv_queue: Option<u64>,
    pub send_queue: Option<u64>,
    /// The oldest seqno in the gcache (IST can serve from it); none when the cache is empty.
    pub cached_downto: Option<i64>,
    /// `wsrep_provider_version` (`26.4.23(r...)`) and `@@version`.
    pub provider_version: Option<String>,
    pub version: Option<String>,
    /// `gcache.size` from `wsrep_provider_options`, bytes.
    pub gcache_size: Option<u64>,
    /// `wsrep_reject_queries`: `NONE`, `ALL`, `ALL_KILL`.
    pub reject_queries: Option<String>,
    pub read_only: Option<bool>,
    pub super_read_only: Option<bool>,
    /// `wsrep_desync`: desynced on purpose.
    pub desync: Option<bool>,
    pub donor_rejects_queries: Option<bool>,
}

/// The status variables the check reads: only these are asked for (a node has about 75
/// `wsrep%` rows; half the rows, half the work for the server and for the check). The query
/// names them itself; a test holds the two lists together.
#[cfg(test)]
pub(crate) const STATUS: &[&str] = &[
    "Uptime",
    "wsrep_cluster_conf_id",
    "wsrep_cluster_size",
    "wsrep_cluster_state_uuid",
    "wsrep_cluster_status",
    "wsrep_connected",
    "wsrep_flow_control_active",
    "wsrep_flow_control_paused",
    "wsrep_flow_control_paused_ns",
    "wsrep_flow_control_sent",
    "wsrep_incoming_addresses",
    "wsrep_last_committed",
    "wsrep_local_bf_aborts",
    "wsrep_local_cached_downto",
    "wsrep_local_cert_failures",
    "wsrep_local_recv_queue",
    "wsrep_local_recv_queue_avg",
    "wsrep_local_send_queue",
    "wsrep_local_send_queue_avg",
    "wsrep_local_state",
    "wsrep_local_state_comment",
    "wsrep_provider_name",
    "wsrep_provider_version",
    "wsrep_ready",
    "wsrep_received_bytes",
    "wsrep_replicated_bytes",
];

/// The global variables the check reads besides the status.
#[cfg(test)]
pub(crate) const VARIABLES: &[&str] = &[
    "wsrep_on",
    "wsrep_node_name",
    "wsrep_provider_options",
    "wsrep_reject_queries",
    "wsrep_desync",
    "wsrep_sst_donor_rejects_queries",
    "read_only",
    "super_read_only",
    "version",
];

/// Galera sentinel for "no configuration" (`wsrep_cluster_conf_id`, `wsrep_local_index`).
pub(crate) const NO_CONF_ID: u64 = u64::MAX;

impl NodeStatus {
    /// Parse `SHOW GLOBAL STATUS LIKE 'wsrep%'` and `SHOW GLOBAL VARIABLES` rows. A value that
    /// is present but unreadable is an error naming the variable and the value.
    pub fn parse(
        status: &HashMap<String, String>,
        variables: &HashMap<String, String>,
    ) -> Result<NodeStatus, String> {
        let text = |name: &str| status.get(name).map(|v| v.trim().to_string());
        let number = |name: &str| -> Result<Option<u64>, String> {
            text(name)
                .filter(|v| !v.is_empty())
                .map(|v| v.parse::<u64>().map_err(|_| bad(name, &v)))
                .transpose()
        };
        let float = |name: &str| -> Result<Option<f64>, String> {
            text(name)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .ok_or_else(|| bad(name, &v))
                })
                .transpose()
        };
        let switch = |map: &HashMap<String, String>, name: &str| -> Result<Option<bool>, String> {
            map.get(name)
                .map(|v| parse_switch(v).ok_or_else(|| bad(name, v)))
                .transpose()
        };
        let last_committed = text("wsrep_last_committed")
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| bad("wsrep_last_committed", &v))
            })
            .transpose()?;
        Ok(NodeStatus {
            provider: text("wsrep_provider_name").unwrap_or_default(),
            cluster_status: text("wsrep_cluster_status").unwrap_or_default(),
            connected: switch(status, "wsrep_connected")?,
            ready: switch(status, "wsrep_ready")?,
            local_state: number("wsrep_local_state")?.map(LocalState::from_code),
            local_state_comment: text("wsrep_local_state_comment"),
            cluster_size: number("wsrep_cluster_size")?,
            conf_id: number("wsrep_cluster_conf_id")?,
            state_uuid: text("wsrep_cluster_state_uuid").unwrap_or_default(),
            last_committed,
            flow_control_paused: float("wsrep_flow_control_paused")?,
            recv_queue_avg: float("wsrep_local_recv_queue_avg")?,
            send_queue_avg: float("wsrep_local_send_queue_avg")?,
            cert_failures: number("wsrep_local_cert_failures")?,
            bf_aborts: number("wsrep_local_bf_aborts")?,
            flow_control_sent: number("wsrep_flow_control_sent")?,
            incoming_addresses: text("wsrep_incoming_addresses")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            wsrep_on: switch(variables, "wsrep_on")?,
            node_name: variable(variables, "wsrep_node_name"),
            flow_control_paused_ns: number("wsrep_flow_control_paused_ns")?,
            replicated_bytes: number("wsrep_replicated_bytes")?,
            received_bytes: number("wsrep_received_bytes")?,
            uptime: number("Uptime")?,
            flow_control_active: switch(status, "wsrep_flow_control_active")?,
            recv_queue: number("wsrep_local_recv_queue")?,
            send_queue: number("wsrep_local_send_queue")?,
            // u64::MAX (Galera's "none") and anything past i64 mean an empty cache.
            cached_downto: number("wsrep_local_cached_downto")?.and_then(|v| i64::try_from(v).ok()),
            provider_version: text("wsrep_provider_version").filter(|v| !v.is_empty()),
            version: variable(variables, "version"),
            gcache_size: variable(variables, "wsrep_provider_options")
                .and_then(|options| gcache_size(&options)),
            reject_queries: variable(variables, "wsrep_reject_queries"),
            read_only: switch(variables, "read_only")?,
            super_read_only: switch(variables, "super_read_only")?,
            desync: switch(variables, "wsrep_desync")?,
            donor_rejects_queries: switch(variables, "wsrep_sst_donor_rejects_queries")?,
        })
    }

    /// `wsrep_reject_queries` is `ALL` or `ALL_KILL`: clients are turned away.
    pub(crate) fn rejects_queries(&self) -> bool {
        self.reject_queries
            .as_deref()
            .is_some_and(|r| !r.eq_ignore_ascii_case("NONE"))
    }

    /// The provider's version without its revision: `26.4.23`.
    pub(crate) fn provider_release(&self) -> Option<&str> {
        self.provider_version
            .as_deref()
            .map(|v| v.split('(').next().unwrap_or(v).trim())
    }

    /// The server's release without what the build and the configuration append:
    /// `10.11.19-MariaDB-0+deb12u1-log` is `10.11.19` (MariaDB adds `-log` when a binary, general
    /// or slow query log is on: one node logging is not another version).
    pub(crate) fn server_release(&self) -> Option<&str> {
        let version = self.version.as_deref()?;
        let end = version
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(version.len());
        Some(&version[..end]).filter(|release| !release.is_empty())
    }

    /// Not part of any cluster: no provider, `Disconnected`, or size 0.
    pub(crate) fn is_member(&self) -> bool {
        !self.provider.is_empty()
            && self.cluster_status != "Disconnected"
            && self.cluster_size != Some(0)
    }

    pub(crate) fn is_primary(&self) -> bool {
        self.cluster_status == "Primary"
    }

    /// The configuration id, unless it is Galera's "none" sentinel.
    pub(crate) fn known_conf_id(&self) -> Option<u64> {
        self.conf_id.filter(|&id| id != NO_CONF_ID)
    }

    /// The state as people read it: the comment, or the number when there is none.
    pub(crate) fn state_text(&self) -> String {
        match (&self.local_state_comment, self.local_state) {
            (Some(comment), _) if !comment.is_empty() => comment.clone(),
            (_, Some(state)) => format!("local state {}", state.code()),
            _ => "no local state".to_string(),
        }
    }
}

fn variable(variables: &HashMap<String, String>, name: &str) -> Option<String> {
    variables
        .get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `gcache.size = 64M` in `wsrep_provider_options` (`K`, `M`, `G`, `T`: powers of 1024).
pub(crate) fn gcache_size(options: &str) -> Option<u64> {
    let value = options.split(';').find_map(|option| {
        let (key, value) = option.split_once('=')?;
        (key.trim() == "gcache.size").then(|| value.trim())
    })?;
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let number: u64 = digits.trim().parse().ok()?;
    let multiplier: u64 = match value[digits.len()..].to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(multiplier)
}

fn bad(name: &str, value: &str) -> String {
    format!("cannot read {name}={value:?}")
}

fn parse_switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_uppercase().as_str() {
        "ON" | "1" | "TRUE" | "YES" => Some(true),
        "OFF" | "0" | "FALSE" | "NO" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Tab-separated `Variable_name\tValue` rows, the captures' format (`mariadb -B`'s).
    fn parse_rows(text: &str) -> HashMap<String, String> {
        text.lines()
            .filter(|l| !l.starts_with("Variable_name"))
            .filter_map(|l| l.split_once('\t'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A real capture, with `wsrep_on`/`wsrep_node_name` as the node would have them.
    pub(crate) fn fixture(name: &str) -> NodeStatus {
        let (status, variables) = fixture_rows(name);
        NodeStatus::parse(&status, &variables).expect(name)
    }

    /// A capture's status rows and the variables the node would have.
    fn fixture_rows(name: &str) -> (HashMap<String, String>, HashMap<String, String>) {
        let text = match name {
            "a0-healthy-node1" => include_str!("../tests/fixtures/a0-healthy-node1.txt"),
            "a0-healthy-node2" => include_str!("../tests/fixtures/a0-healthy-node2.txt"),
            "a0-healthy-node3" => include_str!("../tests/fixtures/a0-healthy-node3.txt"),
            "a-one-killed-node1" => include_str!("../tests/fixtures/a-one-killed-node1.txt"),
            "a-one-killed-node2" => include_str!("../tests/fixtures/a-one-killed-node2.txt"),
            "b-two-killed-node1" => include_str!("../tests/fixtures/b-two-killed-node1.txt"),
            "c-desync-node1-peer" => include_str!("../tests/fixtures/c-desync-node1-peer.txt"),
            "c-desync-node2" => include_str!("../tests/fixtures/c-desync-node2.txt"),
            "d-global-wsrep_on-OFF-node3" => {
                include_str!("../tests/fixtures/d-global-wsrep_on-OFF-node3.txt")
            }
            "e-ftwrl-node1-writer" => include_str!("../tests/fixtures/e-ftwrl-node1-writer.txt"),
            "e-ftwrl-node2" => include_str!("../tests/fixtures/e-ftwrl-node2.txt"),
            "e-locktables-node1-writer" => {
                include_str!("../tests/fixtures/e-locktables-node1-writer.txt")
            }
            "e-locktables-node2-locked" => {
                include_str!("../tests/fixtures/e-locktables-node2-locked.txt")
            }
            "f-sst-in-progress-node1" => {
                include_str!("../tests/fixtures/f-sst-in-progress-node1.txt")
            }
            "f-sst-in-progress-node2" => {
                include_str!("../tests/fixtures/f-sst-in-progress-node2.txt")
            }
            "h-plain-mariadb-no-galera" => {
                include_str!("../tests/fixtures/h-plain-mariadb-no-galera.txt")
            }
            other => panic!("no fixture {other}"),
        };
        let wsrep_on = if name.contains("wsrep_on-OFF") || name.contains("no-galera") {
            "OFF"
        } else {
            "ON"
        };
        let node_name = name
            .rsplit('-')
            .find(|p| p.starts_with("node"))
            .unwrap_or("")
            .to_string();
        let variables = HashMap::from([
            ("wsrep_on".to_string(), wsrep_on.to_string()),
            ("wsrep_node_name".to_string(), node_name),
        ]);
        (parse_rows(text), variables)
    }

    const CAPTURES: [&str; 16] = [
        "a0-healthy-node1",
        "a0-healthy-node2",
        "a0-healthy-node3",
        "a-one-killed-node1",
        "a-one-killed-node2",
        "b-two-killed-node1",
        "c-desync-node1-peer",
        "c-desync-node2",
        "d-global-wsrep_on-OFF-node3",
        "e-ftwrl-node1-writer",
        "e-ftwrl-node2",
        "e-locktables-node1-writer",
        "e-locktables-node2-locked",
        "f-sst-in-progress-node1",
        "f-sst-in-progress-node2",
        "h-plain-mariadb-no-galera",
    ];

    /// The query asks for `STATUS` only: every capture reads the same from those rows.
    #[test]
    fn the_status_rows_asked_for_are_all_the_parser_reads() {
        for name in CAPTURES {
            let (status, variables) = fixture_rows(name);
            let asked: HashMap<String, String> = status
                .iter()
                .filter(|(k, _)| STATUS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert!(asked.len() < status.len(), "{name}");
            assert_eq!(
                NodeStatus::parse(&asked, &variables),
                NodeStatus::parse(&status, &variables),
                "{name}"
            );
        }
    }

    #[test]
    fn healthy_capture() {
        let s = fixture("a0-healthy-node1");
        assert!(s.is_member() && s.is_primary());
        assert_eq!(s.local_state, Some(LocalState::Synced));
        assert_eq!(s.cluster_size, Some(3));
        assert_eq!(s.conf_id, Some(3));
        assert_eq!(s.last_committed, Some(3));
        assert_eq!(s.recv_queue_avg, Some(0.2));
        assert_eq!(
            s.incoming_addresses,
            ["127.0.0.1:23306", "127.0.0.1:23307", "127.0.0.1:23308"]
        );
        assert_eq!(s.node_name.as_deref(), Some("node1"));
        assert_eq!(s.state_text(), "Synced");
    }

    #[test]
    fn quorum_lost_capture_has_the_u64_max_sentinel() {
        let s = fixture("b-two-killed-node1");
        assert_eq!(s.conf_id, Some(u64::MAX));
        assert_eq!(s.known_conf_id(), None);
        assert_eq!(s.local_state, Some(LocalState::Initialized));
        assert_eq!(s.ready, Some(false));
        assert!(!s.is_primary() && s.is_member());
    }

    #[test]
    fn wsrep_on_off_capture_has_no_local_state() {
        let s = fixture("d-global-wsrep_on-OFF-node3");
        assert_eq!(s.wsrep_on, Some(false));
        assert_eq!(s.local_state, None);
        assert!(s.is_primary() && s.is_member());
        assert_eq!(s.state_text(), "no local state");
    }

    #[test]
    fn plain_mariadb_is_not_a_member() {
        let s = fixture("h-plain-mariadb-no-galera");
        assert!(!s.is_member());
        assert_eq!(s.provider, "");
        assert_eq!(s.cluster_size, Some(0));
    }

    #[test]
    fn scientific_floats_and_big_counters() {
        let status = parse_rows(
            "wsrep_flow_control_paused\t2.51089e-05\nwsrep_local_cert_failures\t18446744073709551615\n",
        );
        let s = NodeStatus::parse(&status, &HashMap::new()).expect("parse");
        assert_eq!(s.flow_control_paused, Some(2.51089e-05));
        assert_eq!(s.cert_failures, Some(u64::MAX));
    }

    #[test]
    fn unreadable_values_are_named() {
        let table = [
            (
                "wsrep_cluster_size\tthree",
                "cannot read wsrep_cluster_size=\"three\"",
            ),
            (
                "wsrep_flow_control_paused\tnan",
                "cannot read wsrep_flow_control_paused=\"nan\"",
            ),
            ("wsrep_ready\tmaybe", "cannot read wsrep_ready=\"maybe\""),
            (
                "wsrep_last_committed\t-x",
                "cannot read wsrep_last_committed=\"-x\"",
            ),
        ];
        for (row, message) in table {
            assert_eq!(
                NodeStatus::parse(&parse_rows(row), &HashMap::new()),
                Err(message.to_string())
            );
        }
    }
}
