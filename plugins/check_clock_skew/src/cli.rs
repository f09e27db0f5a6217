//! What the user can say to check_clock_skew, and its validation into a [`Config`] before any I/O.

use clap::Parser;
use hastack_common::address::HostPort;
use hastack_common::range::Thresholds;
use hastack_common::{CheckError, CommonArgs, Context, Range, State};

use crate::evaluate::{Judgement, Server};
use crate::probe::Target;

pub const DEFAULT_PORT: u16 = 123;
/// Offset and skew defaults for database clusters: chrony keeps healthy clocks within
/// milliseconds, so half a second is already a clock nobody disciplines.
pub const DEFAULT_WARNING: &str = "0.5";
pub const DEFAULT_CRITICAL: &str = "2";
pub const DEFAULT_SAMPLES: u8 = 4;

/// Clock offset against NTP servers, skew between peers, and the local clock's sync state.
///
/// One server: the local clock's offset against it (-w/-c on the absolute offset, seconds).
/// Several servers (point it at the NTP service of each cluster node): all are asked at once,
/// and the skew between them (largest offset minus smallest) is judged by --skew-warning and
/// --skew-critical, independent of this host's own clock. --local-sync asks the kernel whether
/// anything disciplines the local clock (NTP disabled?), with or without servers.
#[derive(Debug, Parser)]
#[command(
    name = "check_clock_skew",
    version,
    after_help = "Offsets are judged by their absolute value; perfdata keeps the sign (positive: the server is ahead).\n\
With several servers, -w/-c apply to each server's offset only when given.\n\n\
Examples:\n  \
check_clock_skew -H ntp1.example.com\n  \
check_clock_skew -H db1 -H db2 -H db3 --skew-warning 0.5 --skew-critical 2\n  \
check_clock_skew --local-sync"
)]
pub struct Cli {
    /// NTP server to ask (repeatable); names are resolved, IPv6 as [ADDR]:PORT
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

    /// Requests per server; the answer with the smallest round trip is kept, the spread is the jitter
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

    /// Ask the kernel (adjtimex) whether a daemon disciplines the local clock
    #[arg(long, help_heading = "Local clock")]
    pub local_sync: bool,

    /// State when the local clock is not synchronised
    #[arg(long, value_name = "STATE", value_enum, default_value_t = State::Critical, requires = "local_sync", help_heading = "Local clock")]
    pub unsynced_state: State,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// The validated options: the servers to ask and how to judge them.
pub type Config = hastack_common::Config<Target, Judgement>;

impl Cli {
    pub fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        if self.hosts.is_empty() && !self.local_sync {
            return Err(CheckError::usage(
                "nothing to check: name an NTP server with -H, or add --local-sync",
            ));
        }
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
                local_sync: self.local_sync,
            },
            judge: Judgement {
                offset,
                skew,
                unsynced_state: self.unsynced_state,
            },
        })
    }
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
                "nothing to check: name an NTP server with -H, or add --local-sync",
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
