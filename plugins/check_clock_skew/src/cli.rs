//! What the user can say to check_clock_skew, and its validation into a [`Config`] before any I/O.

use clap::Parser;
use hastack_common::address::HostPort;
use hastack_common::range::Thresholds;
use hastack_common::{CheckError, CommonArgs, Context, Range, State};

use crate::candm;
use crate::evaluate::{Judgement, Server};
use crate::probe::{ChronyEndpoint, Target};

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

/// Clock offset against NTP servers, skew between peers, and the local clock's sync state.
///
/// One server: the local clock's offset against it (-w/-c on the absolute offset, seconds).
/// Several servers (point it at the NTP service of each cluster node): all are asked at once,
/// and the skew between them (largest offset minus smallest) is judged by --skew-warning and
/// --skew-critical, independent of this host's own clock. --chrony reads what the local chronyd
/// knows (as chronyc tracking and sources): leap status, sources, offset, last update.
/// --local-sync asks the kernel whether anything disciplines the local clock (NTP disabled?).
#[derive(Debug, Parser)]
#[command(
    name = "check_clock_skew",
    version,
    after_help = "Offsets are judged by their absolute value, perfdata keeps the sign (positive: the server is ahead).\n\
With several servers, -w/-c apply to each server's offset only when given.\n\n\
Examples:\n  \
check_clock_skew -H ntp1.example.com\n  \
check_clock_skew -H db1 -H db2 -H db3 --skew-warning 0.5 --skew-critical 2\n  \
check_clock_skew --chrony --min-sources 2\n  \
check_clock_skew --local-sync"
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

    /// Warning range for the absolute offset in seconds [default with one server: 0.5]
    #[arg(
        short = 'w',
        long = "warning",
        value_name = "RANGE",
        help_heading = "Thresholds"
    )]
    pub offset_warning: Option<Range>,

    /// Critical range for the absolute offset in seconds [default with one server: 2]
    #[arg(
        short = 'c',
        long = "critical",
        value_name = "RANGE",
        help_heading = "Thresholds"
    )]
    pub offset_critical: Option<Range>,

    /// Warning range for the skew between servers in seconds [default: 0.5]
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub skew_warning: Option<Range>,

    /// Critical range for the skew between servers in seconds [default: 2]
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub skew_critical: Option<Range>,

    /// Warning range for each server's jitter (the spread of its samples) in seconds [default: 0.1]
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub jitter_warning: Option<Range>,

    /// Critical range for each server's jitter in seconds [default: 1]
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub jitter_critical: Option<Range>,

    /// Warning range for each server's stratum, e.g. 1:4
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub stratum_warning: Option<Range>,

    /// Critical range for each server's stratum
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub stratum_critical: Option<Range>,

    /// Warning range for the root distance (of each server, and of chronyd) in seconds
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub root_distance_warning: Option<Range>,

    /// Critical range for the root distance in seconds
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub root_distance_critical: Option<Range>,

    /// Warning range for each server's round trip in seconds
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub delay_warning: Option<Range>,

    /// Critical range for each server's round trip in seconds
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub delay_critical: Option<Range>,

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

    /// Warning range for the kernel's maximum error in seconds [default: 1]
    #[arg(
        long,
        value_name = "RANGE",
        requires = "local_sync",
        help_heading = "Local clock"
    )]
    pub maxerror_warning: Option<Range>,

    /// Critical range for the kernel's maximum error in seconds [default: 5]
    #[arg(
        long,
        value_name = "RANGE",
        requires = "local_sync",
        help_heading = "Local clock"
    )]
    pub maxerror_critical: Option<Range>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// The validated options: the servers to ask and how to judge them.
pub type Config = hastack_common::Config<Target, Judgement>;

impl Cli {
    pub fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        if self.hosts.is_empty() && !self.local_sync && self.chrony.is_none() {
            return Err(CheckError::usage(
                "nothing to check: name an NTP server with -H, or add --chrony or --local-sync",
            ));
        }
        let chrony = match &self.chrony {
            Some(spec) if spec.starts_with('/') => Some(ChronyEndpoint::Socket(spec.into())),
            Some(spec) => Some(ChronyEndpoint::Udp(
                HostPort::parse(spec, candm::DEFAULT_PORT, "UDP").map_err(|why| {
                    CheckError::usage(format!(
                        "invalid --chrony '{spec}': {why} (expected ADDR[:PORT] or the path of its socket)"
                    ))
                })?,
            )),
            None => None,
        };
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
        let several = servers.len() > 1;
        if !several && (self.skew_warning.is_some() || self.skew_critical.is_some()) {
            return Err(CheckError::usage(
                "--skew-warning/--skew-critical compare servers: name at least two with -H",
            ));
        }
        let default = |text: &str| text.parse::<Range>().ok();
        // Options given replace both defaults of their pair.
        let pair = |w: Option<Range>, c: Option<Range>, dw: &str, dc: &str| match (&w, &c) {
            (None, None) => Thresholds::new(default(dw), default(dc)),
            _ => Thresholds::new(w, c),
        };
        let chrony_offset = pair(
            self.offset_warning.clone(),
            self.offset_critical.clone(),
            DEFAULT_WARNING,
            DEFAULT_CRITICAL,
        );
        let offset = if several || self.offset_warning.is_some() || self.offset_critical.is_some() {
            Thresholds::new(self.offset_warning, self.offset_critical)
        } else {
            Thresholds::new(default(DEFAULT_WARNING), default(DEFAULT_CRITICAL))
        };
        let skew = if self.skew_warning.is_some() || self.skew_critical.is_some() {
            Thresholds::new(self.skew_warning, self.skew_critical)
        } else {
            Thresholds::new(default(DEFAULT_WARNING), default(DEFAULT_CRITICAL))
        };

        Ok(Config {
            target: Target {
                servers,
                samples: self.samples,
                chrony,
                local_sync: self.local_sync,
            },
            judge: Judgement {
                offset,
                skew,
                jitter: pair(
                    self.jitter_warning,
                    self.jitter_critical,
                    DEFAULT_JITTER_WARNING,
                    DEFAULT_JITTER_CRITICAL,
                ),
                stratum: Thresholds::new(self.stratum_warning, self.stratum_critical),
                root_distance: Thresholds::new(
                    self.root_distance_warning,
                    self.root_distance_critical,
                ),
                delay: Thresholds::new(self.delay_warning, self.delay_critical),
                stale: (self.stale > 0.0).then_some(self.stale),
                maxerror: pair(
                    self.maxerror_warning,
                    self.maxerror_critical,
                    DEFAULT_MAXERROR_WARNING,
                    DEFAULT_MAXERROR_CRITICAL,
                ),
                unsynced_state: self.unsynced_state,
                min_sources: self.min_sources,
                chrony_offset,
            },
        })
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
        assert_eq!(c.judge.offset, Thresholds::new(r("0.5"), r("2")));
        assert_eq!(c.target.servers[0].name, "ntp1");
        assert_eq!(c.target.servers[0].address.port, 123);
        let c = config(&["-H", "ntp1", "-w", "1", "-c", "5"]).expect("config");
        assert_eq!(c.judge.offset, Thresholds::new(r("1"), r("5")));
    }

    #[test]
    fn several_servers_judge_skew_and_offsets_only_when_asked() {
        let c = config(&["-H", "db1", "-H", "db2:4123", "-p", "23"]).expect("config");
        assert!(c.judge.offset.is_empty());
        assert_eq!(c.judge.skew, Thresholds::new(r("0.5"), r("2")));
        let names: Vec<&str> = c.target.servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["db1:23", "db2:4123"]);
        let c = config(&["-H", "::1", "-H", "[::1]:124", "--skew-critical", "1"]).expect("c");
        assert_eq!(c.judge.skew, Thresholds::new(None, r("1")));
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
        assert_eq!(c.judge.unsynced_state, State::Warning);
    }
}
