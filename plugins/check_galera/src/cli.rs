//! What the user can say to check_galera, and its validation into a `Config` before any I/O.

use std::path::PathBuf;

use clap::Parser;
use hastack_common::history::Place;
use hastack_common::input::{CA_FILE_CAP, OPTION_FILE_CAP, read_capped, read_text_capped};
use hastack_common::{
    CheckError, CommonArgs, Context, Range, Secret, ThresholdArgs, ThresholdPair, ThresholdSet,
    Thresholds, threshold_pair,
};

use crate::defaults_file::{self, ClientOptions};
use crate::evaluate::Criteria;
use crate::probe::{Endpoint, Login, Member, Mode, Target, Tls, parse_address};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 3306;

const SIZE: ThresholdPair = threshold_pair!(
    size,
    "size",
    "wsrep_cluster_size (cluster-wide: the Primary component's size), e.g. 3: (--expected-size N sets both)",
    "Thresholds"
)
.main();
const FC: ThresholdPair = threshold_pair!(
    fc,
    "fc",
    "the fraction of time paused by flow control since the previous run (0..1)",
    "Thresholds"
);
const RECV_QUEUE: ThresholdPair = threshold_pair!(
    recv_queue,
    "recv-queue",
    "the receive queue now (wsrep_local_recv_queue)",
    "Thresholds"
);
const SEND_QUEUE: ThresholdPair = threshold_pair!(
    send_queue,
    "send-queue",
    "the send queue now (wsrep_local_send_queue)",
    "Thresholds"
);
const IST_WINDOW: ThresholdPair = threshold_pair!(
    ist_window,
    "ist-window",
    "how long a leaving member can rejoin by IST (gcache.size against the write rate), minutes, e.g. 60:",
    "Thresholds"
);
const LAG: ThresholdPair = threshold_pair!(
    lag,
    "lag",
    "the spread of wsrep_last_committed across members (transactions)",
    "Cluster-wide"
);
const SKEW: ThresholdPair = threshold_pair!(
    skew,
    "skew",
    "the largest clock difference between members (seconds)",
    "Cluster-wide"
);

/// check_galera's warning/critical pairs, in the order `--help` lists them.
#[derive(Debug, Clone)]
pub(crate) struct Pairs;

impl ThresholdSet for Pairs {
    const PAIRS: &'static [ThresholdPair] =
        &[SIZE, FC, RECV_QUEUE, SEND_QUEUE, IST_WINDOW, LAG, SKEW];
}

/// What `--help` ends with, the man page's NOTES and EXAMPLES, and the CheckCommand's header:
/// how the plugin judges, and examples.
const OPERATOR_TEXT: &str = r#"One node, or the whole cluster in one run. Read-only (SHOW and SELECT only): an account with
USAGE, PROCESS, REPLICATION CLIENT is enough.

A node is CRITICAL when it is no Galera member (no provider, Disconnected, size 0), when
wsrep_on=OFF (it still reports Primary and ready, but its own writes are not replicated), when it
is not in a Primary component, not ready, not connected or only Initialized, and when it rejects
client queries (wsrep_reject_queries=ALL or ALL_KILL). It is WARNING while Joining or Joined, as
Donor/Desynced (OK with --donor-ok), with wsrep_desync=ON, a backup perhaps (OK with --desync-ok),
and with read_only or super_read_only (OK with --read-only-ok). The cluster size is judged only
when asked: -w/-c, or --expected-size N (WARNING below N, CRITICAL below a majority of N, WARNING
above N: a member joined that nobody planned).

Cluster-wide (--node repeated, or --discover from wsrep_incoming_addresses of the first node that
answers) every member is read at once, one long-output line each. A member that does not answer is
named: WARNING while the reachable Primary component holds a majority of the expected size,
CRITICAL otherwise. Primary members must agree on the state UUID (else CRITICAL, split brain) and
on conf_id. --lag-* judge the spread of wsrep_last_committed, --skew-* the clock difference
between members in seconds, and members on different server or provider versions are a WARNING
(rolling upgrade unfinished). Each member may take the timeout less a tenth of it (a second at
most), so a hung member is named and the others still count.

Galera's counters run since the server started. So the check keeps a small record per target and
judges what changed since the previous run: the time paused by flow control (--fc-*, a fraction
0..1), the IST window (--ist-window-*, minutes: 60: warns below an hour), the rates in perfdata, a
member that left (with when it was last seen) and one that will need a full SST. Run it at its
usual interval. The first run, a restart, FLUSH STATUS or a clock that went back give no baseline:
the rest is judged and -v says why, never UNKNOWN.

The record lives in --state-dir, else $STATE_DIRECTORY, /var/lib/hastack-plugins (made by the
packages, shared by the monitoring users, each record 0600), $XDG_STATE_HOME/hastack-plugins or
~/.local/state/hastack-plugins, and last /tmp/hastack-plugins-UID. A directory that cannot be
written is a WARNING only when history was asked for (--state-dir, --fc-*, --ist-window-*).
--forget sets the record aside once, after a planned removal of a member.

The password, first found: -p (visible in ps), --password-file, password in the [client] section
of --defaults-file, MYSQL_PWD. TLS is off unless asked: --tls, --tls-ca FILE (trusted beside the
webpki roots, the system store is not read), --tls-skip-verify. A TCP endpoint stays TCP, on
loopback too.

Examples:
  MYSQL_PWD=secret check_galera -H db1 -u monitor --expected-size 3
      One node: its state, and the cluster size against 3 planned members.
  check_galera -u monitor --password-file /etc/nagios/galera.pw --node db1 --node db2 --node db3
      Every member at once: unreachable members, split brain, lag and clock skew.
  check_galera --defaults-file /etc/icinga2/galera.cnf --discover --skew-critical 5
      The members found through the first node that answers, CRITICAL with clocks 5 s apart.
  check_galera -H db2 -u monitor --fc-warning 0.2 --ist-window-warning 60:
      Since the last run: paused over 20% of the time, or a rejoin by IST possible for under 1 h.
  check_galera -H backup1 -u monitor --donor-ok --desync-ok
      A node that serves backups and state transfers: Donor/Desynced and wsrep_desync are OK.
"#;

/// Galera cluster health, per node and cluster-wide.
#[derive(Debug, Parser)]
#[command(
    name = "check_galera",
    version,
    after_help = "See --help (or man check_galera) for what is judged, and examples",
    after_long_help = OPERATOR_TEXT
)]
pub struct Cli {
    /// Host of the node to check [default: 127.0.0.1]
    #[arg(short = 'H', long, value_name = "HOST", help_heading = "Connection")]
    pub(crate) host: Option<String>,

    /// TCP port [default: 3306]
    #[arg(short = 'P', long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Connection")]
    pub(crate) port: Option<u16>,

    /// Connect through this UNIX socket instead of TCP (-H and -P are then not used)
    #[arg(short = 'S', long, value_name = "PATH", help_heading = "Connection")]
    pub(crate) socket: Option<PathBuf>,

    /// User to log in as [default: from --defaults-file, else the login name]
    #[arg(short = 'u', long, value_name = "USER", help_heading = "Connection")]
    pub(crate) user: Option<String>,

    /// Password, visible to every local user in `ps`: prefer MYSQL_PWD, --password-file or --defaults-file
    #[arg(
        short = 'p',
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_file",
        help_heading = "Connection"
    )]
    pub(crate) password: Option<String>,

    /// Read the password from this file (trailing newline ignored)
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub(crate) password_file: Option<PathBuf>,

    /// MySQL option file (~/.my.cnf format): user, password, host, port, socket from [client]
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub(crate) defaults_file: Option<PathBuf>,

    /// Require TLS (off by default)
    #[arg(long, help_heading = "Connection")]
    pub(crate) tls: bool,

    /// Trust this CA (PEM) for the server certificate (implies --tls)
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub(crate) tls_ca: Option<PathBuf>,

    /// Do not verify the server certificate or name (insecure, implies --tls)
    #[arg(long, help_heading = "Connection")]
    pub(crate) tls_skip_verify: bool,

    /// A cluster member to check (repeatable): NAME labels it in the output
    #[arg(
        long = "node",
        value_name = "[NAME=]HOST[:PORT]",
        help_heading = "Cluster-wide"
    )]
    pub(crate) nodes: Vec<String>,

    /// Take the members from wsrep_incoming_addresses of the first node that answers
    #[arg(long, help_heading = "Cluster-wide")]
    pub(crate) discover: bool,

    #[command(flatten)]
    pub(crate) thresholds: ThresholdArgs<Pairs>,

    /// Members the cluster should have: WARNING below N, CRITICAL below a majority of N
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..1000), conflicts_with_all = ["size_warning", "size_critical"], help_heading = "Thresholds")]
    pub(crate) expected_size: Option<u64>,

    /// Accept Donor/Desynced as OK (a node serving a state transfer)
    #[arg(long, help_heading = "Thresholds")]
    pub(crate) donor_ok: bool,

    /// Accept wsrep_desync=ON (desynced on purpose, for a backup) as OK
    #[arg(long, help_heading = "Thresholds")]
    pub(crate) desync_ok: bool,

    /// Accept read_only / super_read_only as OK
    #[arg(long, help_heading = "Thresholds")]
    pub(crate) read_only_ok: bool,

    /// Keep what the next run compares with here (default: $STATE_DIRECTORY, /var/lib/hastack-plugins, $XDG_STATE_HOME/hastack-plugins or ~/.local/state/hastack-plugins, /tmp/hastack-plugins-UID)
    #[arg(long, value_name = "DIR", help_heading = "History")]
    pub(crate) state_dir: Option<PathBuf>,

    /// Set the previous run's record aside (after a planned removal of a member)
    #[arg(long, help_heading = "History")]
    pub(crate) forget: bool,

    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// The validated options: the nodes to read and how to log in, and how to judge them.
pub(crate) type Config = hastack_common::Config<Target, Criteria>;

impl Cli {
    pub(crate) fn into_config(self, ctx: &Context) -> Result<Config, CheckError> {
        let file = self.defaults_file(ctx)?;
        let login = self.login(ctx, &file)?;
        let default_port = self.port.or(file.port).unwrap_or(DEFAULT_PORT);
        let mode = self.mode(&file, default_port)?;
        // Thresholds on what changed since the last run need its record: a directory that
        // cannot keep one is then a WARNING, as with --state-dir, not a silent OK forever.
        let mut history = Place::resolve(self.state_dir.as_deref());
        history.asked |= self.thresholds.given(&FC) || self.thresholds.given(&IST_WINDOW);
        Ok(Config {
            target: Target {
                mode,
                login,
                default_port,
                history,
                forget: self.forget,
            },
            criteria: self.criteria(),
        })
    }

    /// The `[client]` options of `--defaults-file`, read under the run's deadline.
    fn defaults_file(&self, ctx: &Context) -> Result<ClientOptions, CheckError> {
        let Some(path) = &self.defaults_file else {
            return Ok(ClientOptions::default());
        };
        let text = read_text_capped(ctx, "defaults file", path, OPTION_FILE_CAP)?;
        defaults_file::parse(&text)
            .map_err(|why| CheckError::usage(format!("defaults file '{}' {why}", path.display())))
    }

    /// User and password (options, then the defaults file, then MYSQL_PWD and the login name),
    /// and TLS.
    fn login(&self, ctx: &Context, file: &ClientOptions) -> Result<Login, CheckError> {
        let password = Secret::from_sources(
            ctx,
            self.password.as_deref(),
            self.password_file.as_deref(),
            file.password.clone(),
            "MYSQL_PWD",
        )?;
        let user = self
            .user
            .clone()
            .or(file.user.clone())
            .unwrap_or_else(login_name);
        Ok(Login {
            user,
            password,
            tls: self.tls(ctx)?,
        })
    }

    /// TLS, required by any of its options; the CA file is read now: a missing, unreadable or
    /// endless one is UNKNOWN before any connection.
    fn tls(&self, ctx: &Context) -> Result<Tls, CheckError> {
        if !(self.tls || self.tls_ca.is_some() || self.tls_skip_verify) {
            return Ok(Tls::Off);
        }
        let ca = match &self.tls_ca {
            Some(path) => Some(read_capped(ctx, "TLS CA file", path, CA_FILE_CAP)?),
            None => None,
        };
        Ok(Tls::Required {
            ca,
            skip_verify: self.tls_skip_verify,
        })
    }

    /// One node, or the members (`--node`, and with `--discover` the seeds to ask for the
    /// rest); thresholds that compare members need them.
    fn mode(&self, file: &ClientOptions, default_port: u16) -> Result<Mode, CheckError> {
        let main = self.main_endpoint(file, default_port);
        if self.nodes.is_empty() && !self.discover {
            if let Some(pair) = [LAG, SKEW].iter().find(|p| self.thresholds.given(p)) {
                return Err(CheckError::usage(format!(
                    "{} compare members: add --node or --discover",
                    pair.options()
                )));
            }
            return Ok(Mode::Single(main));
        }
        let members = self
            .nodes
            .iter()
            .map(|spec| parse_member(spec, default_port))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CheckError::usage)?;
        let seeds = match members.is_empty() {
            true => vec![Member {
                name: None,
                endpoint: main,
            }],
            false => members.clone(),
        };
        Ok(Mode::Cluster {
            members,
            discover: self.discover,
            seeds,
        })
    }

    /// The thresholds and switches; `--expected-size N` stands for `-w N: -c MAJORITY:`.
    fn criteria(&self) -> Criteria {
        let size = match self.expected_size {
            Some(n) => Thresholds::new(
                Some(Range::at_least(n as f64)),
                Some(Range::at_least((n / 2 + 1) as f64)),
            ),
            None => self.thresholds.get(&SIZE),
        };
        Criteria {
            size,
            expected_size: self.expected_size,
            donor_ok: self.donor_ok,
            desync_ok: self.desync_ok,
            read_only_ok: self.read_only_ok,
            flow_control: self.thresholds.get(&FC),
            recv_queue: self.thresholds.get(&RECV_QUEUE),
            send_queue: self.thresholds.get(&SEND_QUEUE),
            ist_window: self.thresholds.get(&IST_WINDOW),
            lag: self.thresholds.get(&LAG),
            skew: self.thresholds.get(&SKEW),
        }
    }

    /// -S, -H/-P, then the defaults file (a socket there is used only without a host, or with
    /// host `localhost`, as the mariadb client does), then 127.0.0.1:3306.
    fn main_endpoint(&self, file: &ClientOptions, port: u16) -> Endpoint {
        if let Some(socket) = &self.socket {
            return Endpoint::Socket(socket.clone());
        }
        if let Some(host) = &self.host {
            return Endpoint::Tcp {
                host: host.clone(),
                port,
            };
        }
        match (&file.host, &file.socket) {
            (Some(host), Some(socket)) if host == "localhost" => Endpoint::Socket(socket.into()),
            (Some(host), _) => Endpoint::Tcp {
                host: host.clone(),
                port,
            },
            (None, Some(socket)) if self.port.is_none() => Endpoint::Socket(socket.into()),
            _ => Endpoint::Tcp {
                host: DEFAULT_HOST.into(),
                port,
            },
        }
    }
}

/// The login name, as the mariadb client defaults to it.
fn login_name() -> String {
    ["LOGNAME", "USER"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "root".to_string())
}

/// `[NAME=]HOST[:PORT]`, IPv6 in brackets (`[::1]:3307`).
pub(crate) fn parse_member(spec: &str, default_port: u16) -> Result<Member, String> {
    let bad = |why: &str| format!("invalid --node '{spec}': {why} (expected [NAME=]HOST[:PORT])");
    let (name, address) = match spec.split_once('=') {
        Some((name, address)) if !name.trim().is_empty() => {
            (Some(name.trim().to_string()), address)
        }
        Some(_) => return Err(bad("the name before '=' is empty")),
        None => (None, spec),
    };
    let endpoint = parse_address(address, default_port).map_err(|why| bad(&why))?;
    Ok(Member { name, endpoint })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Endpoint {
        Endpoint::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn members() {
        let table = [
            ("db1", None, tcp("db1", 3306)),
            ("db1:3307", None, tcp("db1", 3307)),
            (
                "node2=127.0.0.1:3307",
                Some("node2"),
                tcp("127.0.0.1", 3307),
            ),
            ("[::1]:3308", None, tcp("::1", 3308)),
            ("[::1]", None, tcp("::1", 3306)),
            ("::1", None, tcp("::1", 3306)),
        ];
        for (spec, name, endpoint) in table {
            assert_eq!(
                parse_member(spec, 3306),
                Ok(Member {
                    name: name.map(str::to_string),
                    endpoint
                }),
                "{spec}"
            );
        }
        let errors = [
            (
                "",
                "invalid --node '': the host is empty (expected [NAME=]HOST[:PORT])",
            ),
            (
                "db1:0",
                "invalid --node 'db1:0': '0' is not a TCP port (expected [NAME=]HOST[:PORT])",
            ),
            (
                "db1:x",
                "invalid --node 'db1:x': 'x' is not a TCP port (expected [NAME=]HOST[:PORT])",
            ),
            (
                "=db1",
                "invalid --node '=db1': the name before '=' is empty (expected [NAME=]HOST[:PORT])",
            ),
            (
                "[::1",
                "invalid --node '[::1': missing ']' after an IPv6 address (expected [NAME=]HOST[:PORT])",
            ),
            (
                "a b",
                "invalid --node 'a b': 'a b' is not a host name or address (expected [NAME=]HOST[:PORT])",
            ),
        ];
        for (spec, message) in errors {
            assert_eq!(parse_member(spec, 3306), Err(message.to_string()));
        }
    }

    fn config(args: &[&str]) -> Result<Config, CheckError> {
        let cli = Cli::try_parse_from(std::iter::once("check_galera").chain(args.iter().copied()))
            .expect("parse");
        cli.into_config(&Context::new(
            std::time::Instant::now(),
            std::time::Duration::from_secs(10),
            hastack_common::State::Unknown,
            0,
        ))
    }

    #[test]
    fn expected_size_is_a_shortcut_for_size_ranges() {
        let c = config(&["--expected-size", "3"]).expect("config");
        assert_eq!(
            c.criteria.size,
            Thresholds::new(
                Some("3:".parse().expect("r")),
                Some("2:".parse().expect("r"))
            )
        );
        let c = config(&["--expected-size", "5"]).expect("config");
        assert_eq!(c.criteria.size.critical(), Some(&"3:".parse().expect("r")));
        let c = config(&["--expected-size", "2"]).expect("config");
        assert_eq!(c.criteria.size.critical(), Some(&"2:".parse().expect("r")));
    }

    #[test]
    fn modes() {
        assert_eq!(
            config(&[]).expect("config").target.mode,
            Mode::Single(tcp("127.0.0.1", 3306))
        );
        assert_eq!(
            config(&["-S", "/tmp/s.sock"]).expect("config").target.mode,
            Mode::Single(Endpoint::Socket("/tmp/s.sock".into()))
        );
        let c = config(&["-P", "3310", "--node", "a", "--node", "b=h:1"]).expect("config");
        let Mode::Cluster {
            members,
            discover,
            seeds,
        } = c.target.mode
        else {
            panic!("cluster")
        };
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].endpoint, tcp("a", 3310));
        assert!(!discover);
        assert_eq!(seeds, members);
        let c = config(&["-H", "db1", "--discover"]).expect("config");
        assert_eq!(
            c.target.mode,
            Mode::Cluster {
                members: vec![],
                discover: true,
                seeds: vec![Member {
                    name: None,
                    endpoint: tcp("db1", 3306)
                }]
            }
        );
    }

    #[test]
    fn cluster_only_thresholds_need_cluster_mode() {
        let err = config(&["--skew-critical", "5"]).expect_err("usage");
        assert_eq!(
            err.message(),
            "--skew-warning/--skew-critical compare members: add --node or --discover"
        );
        assert!(err.is_usage());
        let err = config(&["--lag-warning", "10"]).expect_err("usage");
        assert_eq!(
            err.message(),
            "--lag-warning/--lag-critical compare members: add --node or --discover"
        );
        let c = config(&["--node", "a", "--lag-warning", "10", "--skew-critical", "5"])
            .expect("config");
        assert_eq!(
            c.criteria.lag,
            Thresholds::new(Some("10".parse().expect("r")), None)
        );
        assert_eq!(
            c.criteria.skew,
            Thresholds::new(None, Some("5".parse().expect("r")))
        );
    }

    /// Every pair keeps its options and ids: -w/-c (size, which --expected-size replaces), and
    /// --NAME-warning/--NAME-critical.
    #[test]
    fn threshold_options_keep_their_names() {
        let c = config(&[
            "-w",
            "3:",
            "--critical",
            "2:",
            "--fc-warning",
            "0.1",
            "--recv-queue-critical",
            "9",
            "--send-queue-warning",
            "4",
            "--ist-window-critical",
            "30:",
        ])
        .expect("config");
        let r = |text: &str| Some(text.parse::<Range>().expect("range"));
        assert_eq!(c.criteria.size, Thresholds::new(r("3:"), r("2:")));
        assert_eq!(c.criteria.flow_control, Thresholds::new(r("0.1"), None));
        assert_eq!(c.criteria.recv_queue, Thresholds::new(None, r("9")));
        assert_eq!(c.criteria.send_queue, Thresholds::new(r("4"), None));
        assert_eq!(c.criteria.ist_window, Thresholds::new(None, r("30:")));
        // What changed since the last run is judged: its record is asked for.
        assert!(c.target.history.asked);
        assert!(!config(&[]).expect("config").target.history.asked);
        for args in [
            ["--expected-size", "3", "-w", "3:"],
            ["--expected-size", "3", "--critical", "2:"],
        ] {
            let error = Cli::try_parse_from(std::iter::once("check_galera").chain(args))
                .expect_err("conflict");
            assert!(
                error
                    .to_string()
                    .contains("the argument '--expected-size <N>' cannot be used with"),
                "{error}"
            );
        }
    }

    #[test]
    fn defaults_file_endpoint_rules() {
        let cli = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("check_galera").chain(args.iter().copied()))
                .expect("parse")
        };
        let file = ClientOptions {
            host: Some("localhost".into()),
            socket: Some("/s".into()),
            ..ClientOptions::default()
        };
        assert_eq!(
            cli(&[]).main_endpoint(&file, 3306),
            Endpoint::Socket("/s".into())
        );
        assert_eq!(
            cli(&["-H", "localhost"]).main_endpoint(&file, 3306),
            tcp("localhost", 3306)
        );
        let file = ClientOptions {
            host: Some("db".into()),
            socket: Some("/s".into()),
            ..ClientOptions::default()
        };
        assert_eq!(cli(&[]).main_endpoint(&file, 3307), tcp("db", 3307));
        let file = ClientOptions {
            socket: Some("/s".into()),
            ..ClientOptions::default()
        };
        assert_eq!(
            cli(&[]).main_endpoint(&file, 3306),
            Endpoint::Socket("/s".into())
        );
        assert_eq!(
            cli(&["-P", "3307"]).main_endpoint(&file, 3307),
            tcp("127.0.0.1", 3307)
        );
    }
}
