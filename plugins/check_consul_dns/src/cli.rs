//! What the user can say to check_consul_dns, and its validation into a [`Config`] before any I/O.

use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use hastack_common::address::HostPort;
use hastack_common::{
    CheckError, CommonArgs, Context, ThresholdArgs, ThresholdPair, ThresholdSet, threshold_pair,
};

use crate::evaluate::{Criteria, Expected};
use crate::facts::{QueryType, Question};
use crate::probe::{DnsServer, Target};

pub const DEFAULT_PORT: u16 = 8600;

const INSTANCES: ThresholdPair = threshold_pair!(
    instances,
    "instances",
    "the number of instances, e.g. 3: (zero instances is always CRITICAL)",
    "Thresholds"
)
.main();
const TIME: ThresholdPair = threshold_pair!(
    time,
    "time",
    "each server's response time (seconds)",
    "Thresholds"
);

/// check_consul_dns's warning/critical pairs, in the order `--help` lists them.
#[derive(Debug, Clone)]
pub struct Pairs;

impl ThresholdSet for Pairs {
    const PAIRS: &'static [ThresholdPair] = &[INSTANCES, TIME];
}

/// What `--help` ends with, the man page's NOTES and EXAMPLES, and the CheckCommand's header:
/// how the plugin judges, and examples.
const OPERATOR_TEXT: &str = r#"Each server is asked directly, with no system resolver, hosts file, search list or cache in
between, and the check says how the path fails. NXDOMAIN for a service is CRITICAL: no healthy
instance of NAME. SERVFAIL is CRITICAL: server failure, the forwarder cannot reach Consul?
REFUSED, NODATA and other codes are CRITICAL, named. An SRV target of . is CRITICAL (RFC 2782: the
service is decidedly not available). A closed port reads 127.0.0.1:8600: connection refused (no
DNS server listens there). Silence reads 127.0.0.1:53: no answer within 9 s while waiting for an
answer (with -t 10), once the server's share of the run (the timeout less a tenth, a second at
most) is spent. An answer with the query's ID that is malformed, is not a response, has another
opcode or answers another question is CRITICAL at once, naming what is wrong. Datagrams with
another ID are skipped.

Judged: -w/-c on the number of instances (zero is always CRITICAL), --expect for instances that
must be there (with --exact, any other is a WARNING), --time-* on each server's response time, and
--also-resolve for names outside Consul that every server must still resolve (a forwarder must
keep recursing for the rest of the world). Several servers are compared as sets with the first
that answered: a difference is a WARNING naming both.

Names follow Consul's rules: [TAG.]NAME.service[.DC].DOMAIN for A and AAAA,
_NAME._TAG.service[.DC].DOMAIN (or NAME.service... without a tag) for SRV, whose answers read
TARGET:PORT (ADDRESS). -q asks for a name as it is. Servers are IP addresses (naming them would
need the resolver being tested), 127.0.0.1:8600 by default.

What Consul serves: with its defaults (udp_answer_limit 3, enable_truncate false) it cuts a UDP
answer to a query without EDNS to 3 records, and trims one with EDNS until it fits the client's
buffer, without setting TC. A client that believes the UDP answer sees 3 of 90 instances and is
not told. So every query carries EDNS with a 1232-byte buffer, and an answer that fills it is
asked again over TCP, where Consul answers whole. --tcp asks over TCP only. The long output says
what clients without EDNS (glibc's default resolver) get, as information. A forwarder such as BIND
asks Consul with EDNS and a 1232-byte buffer, gets the trimmed set and serves it to everyone, over
TCP too: give the agent and the forwarder (-H agent -H forwarder) and a forwarder that returns
fewer of the agent's instances is a WARNING that says so.

Perfdata: instances (the fewest any server returned) and time, per server with several
(127.0.0.1_8600_time).

Examples:
  check_consul_dns -s galeradb -w 3: -c 2:
      The local agent (127.0.0.1:8600): WARNING below 3 healthy instances, CRITICAL below 2.
  check_consul_dns -H 127.0.0.1:8600 -H 127.0.0.1:53 -s galeradb
      The agent and the BIND forwarder in front of it: both answer, with the same instances.
  check_consul_dns -H 10.0.0.2:53 -s galeradb --type SRV --expect 10.0.0.11:3306
      SRV through the forwarder: the instance on 10.0.0.11 port 3306 must be among the answers.
  check_consul_dns -H 10.0.0.2:53 -s galeradb --also-resolve debian.org --time-critical 1
      The forwarder still resolves the outside world, and answers within a second.
"#;

/// Service discovery through Consul's DNS interface, directly or through a forwarder.
#[derive(Debug, Parser)]
#[command(
    name = "check_consul_dns",
    version,
    after_help = "See --help (or man check_consul_dns) for what is judged, and examples",
    after_long_help = OPERATOR_TEXT
)]
pub struct Cli {
    /// DNS server to ask, an IP address (repeatable, names are not resolved) [default: 127.0.0.1:8600]
    #[arg(
        short = 'H',
        long = "server",
        value_name = "ADDR[:PORT]",
        help_heading = "Servers"
    )]
    pub servers: Vec<String>,

    /// Port for servers given without one
    #[arg(short = 'p', long, value_name = "PORT", default_value_t = DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..), help_heading = "Servers")]
    pub port: u16,

    /// Use TCP only (by default UDP, and TCP when an answer is truncated)
    #[arg(long, help_heading = "Servers")]
    pub tcp: bool,

    /// Consul service name to look up
    #[arg(
        short = 's',
        long,
        value_name = "NAME",
        required_unless_present = "query",
        conflicts_with = "query",
        help_heading = "Name"
    )]
    pub service: Option<String>,

    /// Only instances with this tag
    #[arg(long, value_name = "TAG", requires = "service", help_heading = "Name")]
    pub tag: Option<String>,

    /// Consul datacenter (default: the agent's own)
    #[arg(long, value_name = "DC", requires = "service", help_heading = "Name")]
    pub datacenter: Option<String>,

    /// Consul DNS domain [default: consul]
    // No clap default: a name too long for DNS names only the options the user gave.
    #[arg(long, value_name = "DOMAIN", help_heading = "Name")]
    pub domain: Option<String>,

    /// Ask for this name as it is, instead of a service name
    #[arg(short = 'q', long, value_name = "FQDN", help_heading = "Name")]
    pub query: Option<String>,

    /// Record type to ask for
    #[arg(long = "type", value_name = "TYPE", value_enum, default_value_t = QueryType::A, help_heading = "Name")]
    pub query_type: QueryType,

    #[command(flatten)]
    pub thresholds: ThresholdArgs<Pairs>,

    /// An instance that must be returned (repeatable): ADDR for A/AAAA, ADDR[:PORT] or TARGET:PORT for SRV
    #[arg(long, value_name = "ADDR[:PORT]", help_heading = "Thresholds")]
    pub expect: Vec<String>,

    /// With --expect: any other instance is a WARNING
    #[arg(long, requires = "expect", help_heading = "Thresholds")]
    pub exact: bool,

    /// A name outside Consul that must also resolve through every server (repeatable)
    #[arg(long, value_name = "NAME", help_heading = "Thresholds")]
    pub also_resolve: Vec<String>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// The validated options: the servers and the question, and how to judge the answers.
pub type Config = hastack_common::Config<Target, Criteria>;

impl Cli {
    pub fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        let specs = if self.servers.is_empty() {
            vec![format!("127.0.0.1:{}", self.port)]
        } else {
            self.servers.clone()
        };
        let mut servers: Vec<DnsServer> = Vec::new();
        for spec in &specs {
            let server = parse_server(spec, self.port).map_err(CheckError::usage)?;
            if servers.contains(&server) {
                return Err(CheckError::usage(format!("-H '{spec}' is given twice")));
            }
            servers.push(server);
        }
        let question = match (&self.service, &self.query) {
            (Some(service), _) => Question {
                name: service_name(
                    service,
                    self.tag.as_deref(),
                    self.datacenter.as_deref(),
                    self.domain.as_deref(),
                    self.query_type,
                )
                .map_err(CheckError::usage)?,
                query_type: self.query_type,
                service: Some(service.clone()),
            },
            (None, Some(query)) => Question {
                name: fqdn(query).map_err(|why| {
                    CheckError::usage(format!("invalid --query '{query}': {why}"))
                })?,
                query_type: self.query_type,
                service: None,
            },
            (None, None) => return Err(CheckError::usage("name a --service or a --query")),
        };
        let expected = self
            .expect
            .iter()
            .map(|spec| parse_expected(spec, self.query_type))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CheckError::usage)?;
        let also_resolve = self
            .also_resolve
            .iter()
            .map(|name| {
                fqdn(name).map_err(|why| {
                    CheckError::usage(format!("invalid --also-resolve '{name}': {why}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            target: Target {
                servers,
                tcp: self.tcp,
                question,
                also_resolve,
            },
            criteria: Criteria {
                instances: self.thresholds.get(&INSTANCES),
                time: self.thresholds.get(&TIME),
                expected,
                exact: self.exact,
            },
        })
    }
}

fn parse_server(spec: &str, default_port: u16) -> Result<DnsServer, String> {
    let bad = |why: &str| format!("invalid -H '{spec}': {why} (expected ADDR[:PORT])");
    let HostPort { host, port } =
        HostPort::parse(spec, default_port, "DNS").map_err(|w| bad(&w))?;
    let ip: IpAddr = host.parse().map_err(|_| {
        bad(&format!(
            "'{host}' is not an IP address (names are not resolved: no system resolver is involved)"
        ))
    })?;
    Ok(DnsServer {
        addr: SocketAddr::new(ip, port),
    })
}

/// Consul's DNS domain when `--domain` is not given.
pub const DEFAULT_DOMAIN: &str = "consul";

/// `[TAG.]NAME.service[.DC].DOMAIN.`, or `_NAME._TAG.service[.DC].DOMAIN.` for SRV with a tag,
/// as Consul's DNS interface names services. `domain` is `None` when `--domain` was not given.
pub fn service_name(
    service: &str,
    tag: Option<&str>,
    datacenter: Option<&str>,
    domain: Option<&str>,
    query_type: QueryType,
) -> Result<String, String> {
    for (what, value) in [
        ("--service", Some(service)),
        ("--tag", tag),
        ("--datacenter", datacenter),
    ] {
        if let Some(value) = value {
            check_label(value).map_err(|why| format!("invalid {what} '{value}': {why}"))?;
        }
    }
    let domain_name = domain.unwrap_or(DEFAULT_DOMAIN);
    let domain_name =
        fqdn(domain_name).map_err(|why| format!("invalid --domain '{domain_name}': {why}"))?;
    let mut name = match (query_type, tag) {
        (QueryType::Srv, Some(tag)) => {
            // RFC 2782's `_` prefix makes each label one octet longer than the value.
            for (what, value) in [("--service", service), ("--tag", tag)] {
                if value.len() + 1 > MAX_LABEL {
                    return Err(format!(
                        "invalid {what} '{value}': with --type SRV and a tag the label is '_{value}', \
                         {} octets (a DNS label is at most {MAX_LABEL})",
                        value.len() + 1
                    ));
                }
            }
            format!("_{service}._{tag}.service")
        }
        (_, Some(tag)) => format!("{tag}.{service}.service"),
        (_, None) => format!("{service}.service"),
    };
    if let Some(dc) = datacenter {
        name.push('.');
        name.push_str(dc);
    }
    name.push('.');
    name.push_str(&domain_name);
    // The parts are valid alone; together they must still make a name DNS can carry: at most
    // 255 octets on the wire, a length octet per label and the root's zero octet included.
    let wire = name.len() + 1;
    if wire > MAX_NAME {
        let given: Vec<&str> = [
            Some("--service"),
            tag.map(|_| "--tag"),
            datacenter.map(|_| "--datacenter"),
            domain.map(|_| "--domain"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let given = match given.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        return Err(format!(
            "{given} make a name of {wire} octets: a DNS name is at most {MAX_NAME}"
        ));
    }
    Ok(name)
}

/// DNS limits (RFC 1035 2.3.4): a label's octets, a name's octets on the wire.
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 255;

/// One DNS label: 1 to 63 letters, digits, `-` or `_`.
fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("it is empty".into());
    }
    if label.len() > 63 {
        return Err("a DNS label is at most 63 characters".into());
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        return Err(format!("'{c}' is not allowed in a DNS label"));
    }
    Ok(())
}

/// `name` as a fully qualified name with its trailing dot, each label checked.
pub fn fqdn(name: &str) -> Result<String, String> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err("the name is empty".into());
    }
    if trimmed.len() > 253 {
        return Err("a DNS name is at most 253 characters".into());
    }
    for label in trimmed.split('.') {
        check_label(label)?;
    }
    Ok(format!("{trimmed}."))
}

fn parse_expected(spec: &str, query_type: QueryType) -> Result<Expected, String> {
    let bad = |why: &str| format!("invalid --expect '{spec}': {why}");
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(Expected {
            host: ip.to_string(),
            port: None,
        });
    }
    let HostPort { host, port } = HostPort::parse(spec, 0, "TCP").map_err(|w| bad(&w))?;
    let port = (port != 0).then_some(port);
    match query_type {
        QueryType::A | QueryType::Aaaa => {
            if port.is_some() {
                return Err(bad(
                    "A and AAAA answers have no port (ports come with --type SRV)",
                ));
            }
            host.parse::<IpAddr>()
                .map_err(|_| bad(&format!("'{host}' is not an IP address")))?;
            Ok(Expected { host, port })
        }
        QueryType::Srv => {
            if host.parse::<IpAddr>().is_ok() {
                return Ok(Expected { host, port });
            }
            let target = fqdn(&host).map_err(|w| bad(&w))?;
            Ok(Expected { host: target, port })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<Config, CheckError> {
        Cli::try_parse_from(std::iter::once("check_consul_dns").chain(args.iter().copied()))
            .expect("parse")
            .into_config(&Context::with_timeout(std::time::Duration::from_secs(10)))
    }

    /// (service, tag, datacenter, domain, type, name)
    type NameCase<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        QueryType,
        &'a str,
    );

    #[test]
    fn names_by_consuls_rules() {
        use QueryType::*;
        let table: &[NameCase] = &[
            ("galeradb", None, None, None, A, "galeradb.service.consul."),
            (
                "galeradb",
                Some("icinga-galera"),
                None,
                None,
                A,
                "icinga-galera.galeradb.service.consul.",
            ),
            (
                "galeradb",
                None,
                Some("dc1"),
                None,
                Aaaa,
                "galeradb.service.dc1.consul.",
            ),
            (
                "galeradb",
                None,
                None,
                Some("consul."),
                Srv,
                "galeradb.service.consul.",
            ),
            (
                "galeradb",
                Some("tcp"),
                None,
                None,
                Srv,
                "_galeradb._tcp.service.consul.",
            ),
            (
                "galeradb",
                Some("icinga-galera"),
                Some("dc1"),
                Some("example.internal"),
                Srv,
                "_galeradb._icinga-galera.service.dc1.example.internal.",
            ),
        ];
        for (service, tag, dc, domain, qt, name) in table {
            assert_eq!(
                service_name(service, *tag, *dc, *domain, *qt).as_deref(),
                Ok(*name)
            );
        }
    }

    #[test]
    fn defaults() {
        let c = config(&["-s", "galeradb"]).expect("config");
        assert_eq!(
            c.target.servers,
            [DnsServer {
                addr: "127.0.0.1:8600".parse().expect("addr")
            }]
        );
        assert_eq!(c.target.question.name, "galeradb.service.consul.");
        assert_eq!(c.target.question.service.as_deref(), Some("galeradb"));
        let c = config(&[
            "-H",
            "::1",
            "-H",
            "[::1]:53",
            "-H",
            "127.0.0.2",
            "-p",
            "5353",
            "-q",
            "db.example.org",
        ])
        .expect("config");
        let servers: Vec<String> = c.target.servers.iter().map(ToString::to_string).collect();
        assert_eq!(servers, ["[::1]:5353", "[::1]:53", "127.0.0.2:5353"]);
        assert_eq!(c.target.question.name, "db.example.org.");
        assert_eq!(c.target.question.service, None);
    }

    #[test]
    fn expected_instances() {
        let c = config(&[
            "-s",
            "x",
            "--type",
            "SRV",
            "--expect",
            "10.0.0.11:3306",
            "--expect",
            "node1.node.dc1.consul:3306",
            "--expect",
            "10.0.0.12",
        ])
        .expect("c");
        let e: Vec<(String, Option<u16>)> = c
            .criteria
            .expected
            .iter()
            .map(|e| (e.host.clone(), e.port))
            .collect();
        assert_eq!(
            e,
            [
                ("10.0.0.11".into(), Some(3306)),
                ("node1.node.dc1.consul.".into(), Some(3306)),
                ("10.0.0.12".into(), None)
            ]
        );
        let c = config(&["-s", "x", "--type", "AAAA", "--expect", "fd00::1"]).expect("c");
        assert_eq!(c.criteria.expected[0].host, "fd00::1");
    }

    #[test]
    fn usage_errors_name_the_input() {
        let table: &[(&[&str], &str)] = &[
            (
                &["-s", "x", "-H", "dns1"],
                "invalid -H 'dns1': 'dns1' is not an IP address (names are not resolved: no system resolver is involved) (expected ADDR[:PORT])",
            ),
            (
                &["-s", "x", "-H", "127.0.0.1:0"],
                "invalid -H '127.0.0.1:0': '0' is not a DNS port (expected ADDR[:PORT])",
            ),
            (
                &["-s", "x", "-H", "127.0.0.1", "-H", "127.0.0.1:8600"],
                "-H '127.0.0.1:8600' is given twice",
            ),
            (
                &["-s", "gal era"],
                "invalid --service 'gal era': ' ' is not allowed in a DNS label",
            ),
            (&["-s", "x", "--tag", ""], "invalid --tag '': it is empty"),
            (
                &["-s", "x", "--domain", "a..b"],
                "invalid --domain 'a..b': it is empty",
            ),
            (&["-q", "."], "invalid --query '.': the name is empty"),
            (
                &["-s", "x", "--expect", "10.0.0.1:3306"],
                "invalid --expect '10.0.0.1:3306': A and AAAA answers have no port (ports come with --type SRV)",
            ),
            (
                &["-s", "x", "--expect", "db1"],
                "invalid --expect 'db1': 'db1' is not an IP address",
            ),
            (
                &["-s", "x", "--also-resolve", "bad name"],
                "invalid --also-resolve 'bad name': ' ' is not allowed in a DNS label",
            ),
        ];
        for (args, message) in table {
            let err = config(args).expect_err("usage error");
            assert_eq!(err.message(), *message, "{args:?}");
        }
    }

    #[test]
    fn names_too_long_together_are_usage_errors() {
        let label = "a".repeat(63);
        let domain = [label.as_str(); 3].join(".");
        let long = config(&[
            "-s",
            "db",
            "--tag",
            &label,
            "--datacenter",
            &label,
            "--domain",
            &domain,
        ])
        .expect_err("too long");
        assert_eq!(
            long.message(),
            "--service, --tag, --datacenter and --domain make a name of 332 octets: a DNS name is at most 255"
        );
        assert!(long.is_usage());
        // Only the options given are named.
        let domain = |last: usize| format!("{label}.{label}.{label}.{}", "b".repeat(last));
        assert_eq!(
            config(&["-s", "x", "--tag", "t", "--domain", &domain(60)])
                .expect_err("too long")
                .message(),
            "--service, --tag and --domain make a name of 266 octets: a DNS name is at most 255"
        );
        // Right at the limit: 255 octets on the wire; one more is too many.
        let ok = config(&["-s", "x", "--domain", &domain(51)]);
        assert!(ok.is_ok(), "{ok:?}");
        assert_eq!(
            config(&["-s", "x", "--domain", &domain(52)])
                .expect_err("256 octets")
                .message(),
            "--service and --domain make a name of 256 octets: a DNS name is at most 255"
        );
        // A label too long only with SRV's `_` prefix: the option whose value made it.
        for (args, option, value) in [
            (
                ["-s", label.as_str(), "--tag", "x"],
                "--service",
                label.as_str(),
            ),
            (
                ["-s", "x", "--tag", label.as_str()],
                "--tag",
                label.as_str(),
            ),
        ] {
            let srv = config(&[&args[..], &["--type", "SRV"]].concat()).expect_err("label");
            assert_eq!(
                srv.message(),
                format!(
                    "invalid {option} '{value}': with --type SRV and a tag the label is '_{value}', 64 octets (a DNS label is at most 63)"
                )
            );
            // The same values make a name for A: no prefix.
            assert!(config(&args).is_ok(), "{args:?}");
        }
        // Without --domain, Consul's own domain is used (and never named).
        let c = config(&["-s", &label, "--tag", &label, "--datacenter", &label]).expect("fits");
        assert!(c.target.question.name.ends_with(".consul."));
    }
}
