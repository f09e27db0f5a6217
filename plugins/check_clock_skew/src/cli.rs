//! What the user can say to check_clock_skew, and its validation into a [`Config`] before any I/O.

use clap::Parser;
use hastack_common::address::HostPort;
use hastack_common::{
    CheckError, CommonArgs, Context, Range, State, ThresholdArgs, ThresholdPair, ThresholdSet,
    Thresholds, threshold_pair,
};

use crate::candm;
use crate::evaluate::Criteria;
use crate::probe::{ChronyEndpoint, Server, Target};

pub const DEFAULT_PORT: u16 = 123;
/// Offset and skew defaults for database clusters: chrony keeps healthy clocks within
/// milliseconds, so half a second is already a clock nobody disciplines.
pub const DEFAULT_WARNING: &str = "0.5";
pub const DEFAULT_CRITICAL: &str = "2";
pub const DEFAULT_SAMPLES: u8 = 4;
/// A server that cannot agree with itself by a tenth of a second is not a time source.
pub const DEFAULT_JITTER_WARNING: &str = "0.1";
pub const DEFAULT_JITTER_CRITICAL: &str = "1";
/// The kernel adds 500 us to the maximum error every second nobody updates it: 1 s is reached
/// about half an hour after a daemon stopped, 5 s after two and a half hours.
pub const DEFAULT_MAXERROR_WARNING: &str = "1";
pub const DEFAULT_MAXERROR_CRITICAL: &str = "5";
/// A reference time (a server's, chronyd's last update) older than an hour: chrony and ntpd
/// update at least every 1024 s by default.
pub const DEFAULT_STALE: f64 = 3600.0;
/// chronyd's command port on this host, when `--chrony` names none.
pub const DEFAULT_CHRONY: &str = "127.0.0.1:323";

const OFFSET: ThresholdPair = threshold_pair!(
    offset,
    "offset",
    "the absolute offset in seconds (with one server, and for chronyd's system time: 0.5 and 2 unless given)",
    "Thresholds"
)
.main();
const SKEW: ThresholdPair = threshold_pair!(
    skew,
    "skew",
    "the skew between servers (the largest offset minus the smallest) in seconds",
    "Thresholds"
)
.defaults(DEFAULT_WARNING, DEFAULT_CRITICAL);
const JITTER: ThresholdPair = threshold_pair!(
    jitter,
    "jitter",
    "each server's jitter (the spread of its samples) in seconds",
    "Thresholds"
)
.defaults(DEFAULT_JITTER_WARNING, DEFAULT_JITTER_CRITICAL);
const STRATUM: ThresholdPair = threshold_pair!(
    stratum,
    "stratum",
    "each server's stratum, e.g. 1:4",
    "Thresholds"
);
const ROOT_DISTANCE: ThresholdPair = threshold_pair!(
    root_distance,
    "root-distance",
    "the root distance (of each server, and of chronyd) in seconds",
    "Thresholds"
);
const DELAY: ThresholdPair = threshold_pair!(
    delay,
    "delay",
    "each server's round trip in seconds",
    "Thresholds"
);
const MAXERROR: ThresholdPair = threshold_pair!(
    maxerror,
    "maxerror",
    "the kernel's maximum error in seconds",
    "Local clock"
)
.defaults(DEFAULT_MAXERROR_WARNING, DEFAULT_MAXERROR_CRITICAL)
.requires("local_sync");

/// check_clock_skew's warning/critical pairs, in the order `--help` lists them.
#[derive(Debug, Clone)]
pub struct Pairs;

impl ThresholdSet for Pairs {
    const PAIRS: &'static [ThresholdPair] = &[
        OFFSET,
        SKEW,
        JITTER,
        STRATUM,
        ROOT_DISTANCE,
        DELAY,
        MAXERROR,
    ];
}

/// What `--help` ends with, the man page's NOTES and EXAMPLES, and the CheckCommand's header:
/// how the plugin judges, and examples.
const OPERATOR_TEXT: &str = r#"Four views, in any combination. Offsets are judged by their absolute value, perfdata keeps the
sign (positive: the server is ahead).

One server (-H ntp1): the local clock's offset against it, -w/-c in seconds, 0.5 and 2 unless
given (chrony keeps healthy clocks within milliseconds: half a second is a clock nobody
disciplines).

Several servers (-H db1 -H db2 -H db3, the NTP service of each cluster node): all asked at once,
and the skew between them (largest offset minus smallest) judged by --skew-warning and
--skew-critical (0.5 and 2), whatever this host's own clock says. The two servers furthest apart
are named. -w/-c then apply to each server's offset only when given. Perfdata: skew first, then
per server db1_offset, db1_delay, db1_stratum, db1_root_distance, db1_jitter
(127.0.0.1_1002_offset for a server on another port than -p).

Each server gets --samples requests (4): the answer with the smallest round trip is kept, the
spread is the jitter (--jitter-*, 0.1 and 1). A server that is not synchronised itself (leap
indicator 3, stratum 0 or 16, root distance over 16 s) is CRITICAL, a kiss-o'-death is named
(RATE: ask less often, DENY, RSTR), and a reference time older than --stale (3600 s) is a WARNING:
a server that lost its upstream still answers. Nothing listening reads 127.0.0.1:9: connection
refused, at once. A server that swallows requests reads HOST:PORT: no answer within 9 s while
waiting for NTP answers, once its share of the run (the timeout less a tenth, a second at most:
9 s of -t 10) is spent, so the servers that answered still count. A name that does not resolve is
UNKNOWN.

--chrony reads what the local chronyd knows, as chronyc tracking and sources do: its UDP command
port (127.0.0.1:323, no key needed from localhost) or its Unix socket (/run/chrony/chronyd.sock,
which needs root or chrony's group). CRITICAL when its leap status is Not synchronised or it
reaches none of its sources, WARNING below --min-sources usable sources (1) or when its last clock
update is older than --stale. -w/-c judge its system time offset, --root-distance-* its root
distance. A refused port reads chronyd (127.0.0.1:323): connection refused (not running? cmdport
0?).

--local-sync asks the kernel (adjtimex), no network. Synchronised means a maximum error under
16 s, as the kernel and systemd read it. The kernel adds 500 us to the maximum error every second
nobody updates the clock: --maxerror-warning 1 s is reached about half an hour after the daemon
stopped, --maxerror-critical 5 s after two and a half hours, and 16 s is not synchronised
(--unsynced-state, CRITICAL: NTP disabled?). The kernel flag STA_UNSYNC is said, not judged:
chrony clears it only with its rtcsync directive.

Examples:
  check_clock_skew -H ntp1.example.com
      This host's offset against one server: WARNING past 0.5 s, CRITICAL past 2 s.
  check_clock_skew -H db1 -H db2 -H db3 --skew-critical 1
      The cluster nodes' clocks against each other: CRITICAL when two are 1 s apart.
  check_clock_skew --chrony --min-sources 2
      The local chronyd: synchronised, and following at least 2 usable sources.
  check_clock_skew --local-sync
      No network: is any daemon disciplining this host's clock?
  check_clock_skew -H ntp1 -H ntp2 --stratum-warning 1:3 --stale 7200
      Two servers, each a WARNING above stratum 3 or with a reference older than 2 hours.
"#;

/// Clock offset against NTP servers, skew between peers, and the local clock's sync state.
#[derive(Debug, Parser)]
#[command(
    name = "check_clock_skew",
    version,
    after_help = "See --help (or man check_clock_skew) for what is judged, and examples",
    after_long_help = OPERATOR_TEXT
)]
pub struct Cli {
    /// NTP server to ask (repeatable), names resolved, IPv6 as [ADDR]:PORT
    #[arg(
        short = 'H',
        long = "host",
        value_name = "HOST[:PORT]",
        help_heading = "Servers"
    )]
    pub hosts: Vec<String>,

    /// UDP port for servers named without one
    #[arg(short = 'p', long, value_name = "PORT", default_value_t = DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..), help_heading = "Servers")]
    pub port: u16,

    /// Requests per server: the answer with the smallest round trip is kept, the spread is the jitter
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SAMPLES, value_parser = clap::value_parser!(u8).range(1..=16), help_heading = "Servers")]
    pub samples: u8,

    /// A reference time (a server's, or chronyd's last update) older than this is a WARNING (0: never)
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_STALE, value_parser = parse_stale, help_heading = "Thresholds")]
    pub stale: f64,

    /// Read chronyd's own view (as chronyc tracking and sources) at ADDR[:PORT] or a Unix SOCKET [default: 127.0.0.1:323]
    #[arg(long, value_name = "ADDR|SOCKET", num_args = 0..=1, default_missing_value = DEFAULT_CHRONY, help_heading = "chronyd")]
    pub chrony: Option<String>,

    /// With --chrony: fewer usable sources than this is a WARNING
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        requires = "chrony",
        help_heading = "chronyd"
    )]
    pub min_sources: u32,

    /// Ask the kernel (adjtimex) whether a daemon disciplines the local clock
    #[arg(long, help_heading = "Local clock")]
    pub local_sync: bool,

    /// State when the local clock is not synchronised (maximum error 16 s)
    #[arg(long, value_name = "STATE", value_enum, default_value_t = State::Critical, requires = "local_sync", help_heading = "Local clock")]
    pub unsynced_state: State,

    #[command(flatten)]
    pub thresholds: ThresholdArgs<Pairs>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// The validated options: the servers to ask and how to judge them.
pub type Config = hastack_common::Config<Target, Criteria>;

impl Cli {
    pub fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        if self.hosts.is_empty() && !self.local_sync && self.chrony.is_none() {
            return Err(CheckError::usage(
                "nothing to check: name an NTP server with -H, or add --chrony or --local-sync",
            ));
        }
        let chrony = self.chrony_endpoint()?;
        let servers = self.servers()?;
        if servers.len() < 2 && self.thresholds.given(&SKEW) {
            return Err(CheckError::usage(format!(
                "{} compare servers: name at least two with -H",
                SKEW.options()
            )));
        }
        let criteria = self.criteria(servers.len());
        Ok(Config {
            target: Target {
                servers,
                samples: self.samples,
                chrony,
                local_sync: self.local_sync,
            },
            criteria,
        })
    }

    /// `--chrony`: chronyd's UDP command port, or the path of its socket.
    fn chrony_endpoint(&self) -> Result<Option<ChronyEndpoint>, CheckError> {
        Ok(match &self.chrony {
            Some(spec) if spec.starts_with('/') => Some(ChronyEndpoint::Socket(spec.into())),
            Some(spec) => Some(ChronyEndpoint::Udp(
                HostPort::parse(spec, candm::DEFAULT_PORT, "UDP").map_err(|why| {
                    CheckError::usage(format!(
                        "invalid --chrony '{spec}': {why} (expected ADDR[:PORT] or the path of its socket)"
                    ))
                })?,
            )),
            None => None,
        })
    }

    /// The `-H` servers, each named as the output says it: `HOST` on the default port, else
    /// `HOST:PORT`; none given twice.
    fn servers(&self) -> Result<Vec<Server>, CheckError> {
        let mut servers: Vec<Server> = Vec::new();
        for spec in &self.hosts {
            let address = HostPort::parse(spec, self.port, "UDP").map_err(|why| {
                CheckError::usage(format!("invalid -H '{spec}': {why} (expected HOST[:PORT])"))
            })?;
            let name = if address.port == DEFAULT_PORT {
                match address.host.contains(':') {
                    true => format!("[{}]", address.host),
                    false => address.host.clone(),
                }
            } else {
                address.to_string()
            };
            if servers.iter().any(|s| s.address == address) {
                return Err(CheckError::usage(format!("-H '{spec}' is given twice")));
            }
            servers.push(Server { address, name });
        }
        Ok(servers)
    }

    /// The thresholds: `-w/-c` judge one server's offset by default, several servers' offsets
    /// only when given (their skew is what compares them), and chronyd's system time always.
    fn criteria(&self, servers: usize) -> Criteria {
        let defaults = || {
            Thresholds::new(
                DEFAULT_WARNING.parse::<Range>().ok(),
                DEFAULT_CRITICAL.parse::<Range>().ok(),
            )
        };
        let given_offset = self.thresholds.given(&OFFSET);
        let offset = match servers > 1 || given_offset {
            true => self.thresholds.get(&OFFSET),
            false => defaults(),
        };
        Criteria {
            offset,
            skew: self.thresholds.get(&SKEW),
            jitter: self.thresholds.get(&JITTER),
            stratum: self.thresholds.get(&STRATUM),
            root_distance: self.thresholds.get(&ROOT_DISTANCE),
            delay: self.thresholds.get(&DELAY),
            stale: Thresholds::warning_above((self.stale > 0.0).then_some(self.stale)),
            maxerror: self.thresholds.get(&MAXERROR),
            unsynced_state: self.unsynced_state,
            usable_sources: Thresholds::new(
                Some(Range::at_least(f64::from(self.min_sources))),
                None,
            ),
            chrony_offset: match given_offset {
                true => self.thresholds.get(&OFFSET),
                false => defaults(),
            },
        }
    }
}

/// Seconds, 0 for never: a plain non-negative number.
fn parse_stale(text: &str) -> Result<f64, String> {
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    text.parse::<f64>()
        .ok()
        .filter(|s| plain && s.is_finite())
        .ok_or_else(|| format!("'{text}' is not a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn config(args: &[&str]) -> Result<Config, CheckError> {
        Cli::try_parse_from(std::iter::once("check_clock_skew").chain(args.iter().copied()))
            .expect("parse")
            .into_config(&Context::with_timeout(Duration::from_secs(10)))
    }

    fn r(text: &str) -> Option<Range> {
        Some(text.parse().expect("range"))
    }

    #[test]
    fn one_server_gets_the_database_defaults() {
        let c = config(&["-H", "ntp1"]).expect("config");
        assert_eq!(c.criteria.offset, Thresholds::new(r("0.5"), r("2")));
        assert_eq!(c.target.servers[0].name, "ntp1");
        assert_eq!(c.target.servers[0].address.port, 123);
        let c = config(&["-H", "ntp1", "-w", "1", "-c", "5"]).expect("config");
        assert_eq!(c.criteria.offset, Thresholds::new(r("1"), r("5")));
    }

    #[test]
    fn several_servers_judge_skew_and_offsets_only_when_asked() {
        let c = config(&["-H", "db1", "-H", "db2:4123", "-p", "23"]).expect("config");
        assert!(c.criteria.offset.is_empty());
        assert_eq!(c.criteria.skew, Thresholds::new(r("0.5"), r("2")));
        let names: Vec<&str> = c.target.servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["db1:23", "db2:4123"]);
        let c = config(&["-H", "::1", "-H", "[::1]:124", "--skew-critical", "1"]).expect("c");
        assert_eq!(c.criteria.skew, Thresholds::new(None, r("1")));
        assert_eq!(c.target.servers[0].name, "[::1]");
        assert_eq!(c.target.servers[1].name, "[::1]:124");
    }

    #[test]
    fn usage_errors_name_the_input() {
        let table: &[(&[&str], &str)] = &[
            (
                &[],
                "nothing to check: name an NTP server with -H, or add --chrony or --local-sync",
            ),
            (
                &["-H", "a b"],
                "invalid -H 'a b': 'a b' is not a host name or address (expected HOST[:PORT])",
            ),
            (
                &["-H", "db1:0"],
                "invalid -H 'db1:0': '0' is not a UDP port (expected HOST[:PORT])",
            ),
            (
                &["-H", "db1", "--skew-warning", "1"],
                "--skew-warning/--skew-critical compare servers: name at least two with -H",
            ),
            (
                &["-H", "db1", "-H", "db1:123"],
                "-H 'db1:123' is given twice",
            ),
        ];
        for (args, message) in table {
            let err = config(args).expect_err("usage error");
            assert_eq!(err.message(), *message, "{args:?}");
            assert!(err.is_usage());
        }
    }

    #[test]
    fn local_sync_alone_needs_no_server() {
        let c = config(&["--local-sync", "--unsynced-state", "warning"]).expect("config");
        assert!(c.target.servers.is_empty() && c.target.local_sync);
        assert_eq!(c.criteria.unsynced_state, State::Warning);
    }
}
