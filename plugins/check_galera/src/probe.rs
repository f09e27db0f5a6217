//! I/O only: connect to one node (TCP or socket, optional TLS), read its wsrep status, the
//! relevant global variables and, in cluster mode, its clock. Read-only: SHOW and SELECT only.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use futures_util::future::{join, join_all};
use futures_util::stream::FuturesUnordered;
use hastack_common::address::HostPort;
use hastack_common::error::describe_io_error;
use hastack_common::history::{Baseline, Place, Session};
use hastack_common::{Context, Failure, Outcome, Peer, Secret, tls, units};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, IoError, Opts, OptsBuilder, Row, SslOpts, Value};

use crate::facts::{
    ClockSample, Facts, GaleraFailure, History, NodeFacts, NodeOutcome, Step, record,
};
use crate::status::NodeStatus;

/// Why a node gave no facts: the common failures and MySQL's own.
type NodeFailure = Failure<GaleraFailure>;

/// Where a node listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Tcp { host: String, port: u16 },
    Socket(PathBuf),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Endpoint::Tcp { host, port } => write!(f, "{host}:{port}"),
            Endpoint::Socket(path) => write!(f, "{}", path.display()),
        }
    }
}

/// How to log in: user, password, TLS.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub(crate) user: String,
    pub(crate) password: Option<Secret>,
    pub(crate) tls: Tls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tls {
    Off,
    Required {
        /// The PEM bytes of a CA to trust besides the webpki roots (read, capped, before any
        /// connection).
        ca: Option<Vec<u8>>,
        skip_verify: bool,
    },
}

/// A member named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) name: Option<String>,
    pub(crate) endpoint: Endpoint,
}

impl Member {
    /// The member as the report names it: `node2 (127.0.0.1:3307)`, or its endpoint alone.
    fn peer(&self) -> Peer {
        match &self.name {
            Some(name) => Peer::named(name.clone(), self.endpoint.to_string()),
            None => Peer::at(self.endpoint.to_string()),
        }
    }
}

/// Which nodes to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    Single(Endpoint),
    /// `members` are read; with `discover`, `seeds` (the members, else the main endpoint) are
    /// asked for the rest.
    Cluster {
        members: Vec<Member>,
        discover: bool,
        seeds: Vec<Member>,
    },
}

/// What to read, how to log in, and where the previous run's record is.
#[derive(Debug, Clone)]
pub struct Target {
    pub(crate) mode: Mode,
    pub(crate) login: Login,
    /// Port for members named without one (discovered ones included).
    pub(crate) default_port: u16,
    pub(crate) history: Place,
    /// `--forget`: start the record afresh (a planned removal).
    pub(crate) forget: bool,
}

impl Target {
    /// What the record is the record of: the node, or the cluster as named (members, or the
    /// seeds of the discovery).
    fn history_key(&self) -> String {
        match &self.mode {
            Mode::Single(endpoint) => format!("node {endpoint}"),
            Mode::Cluster {
                members,
                discover,
                seeds,
            } => {
                let mut named: Vec<String> = members
                    .iter()
                    .chain(if *discover { seeds.as_slice() } else { &[] })
                    .map(|m| m.endpoint.to_string())
                    .collect();
                named.sort();
                named.dedup();
                format!(
                    "cluster {}{}",
                    if *discover { "discovered from " } else { "" },
                    named.join(",")
                )
            }
        }
    }
}

/// `HOST[:PORT]` or `[IPv6]:PORT`, as in --node and wsrep_incoming_addresses.
pub(crate) fn parse_address(address: &str, default_port: u16) -> Result<Endpoint, String> {
    let HostPort { host, port } = HostPort::parse(address, default_port, "TCP")?;
    Ok(Endpoint::Tcp { host, port })
}

/// One node with the whole run's time, or every member of the cluster at once; then the
/// previous run's record is read and this run's written (the counters, not a judgement).
pub(crate) async fn probe(target: &Target, ctx: &Context) -> Facts {
    // Locked first: a concurrent run of the same check waits, or goes without history.
    let session = Session::open(&target.history, "check_galera", &target.history_key());
    let (cluster, members) = match &target.mode {
        Mode::Single(endpoint) => (
            false,
            vec![Outcome {
                peer: Peer::at(endpoint.to_string()),
                result: read(endpoint, &target.login, false, ctx, ctx.deadline()).await,
            }],
        ),
        Mode::Cluster {
            members,
            discover,
            seeds,
        } => (
            true,
            read_cluster(target, members, *discover, seeds, ctx).await,
        ),
    };
    let read_at = now();
    let baseline = session.previous(ctx, read_at);
    let unkept = match members.iter().any(|m| m.result.is_ok()) {
        // Nothing read: the previous record stays as it was.
        false => None,
        true => session
            .save(
                &record(&members, read_at, &baseline, target.forget),
                read_at,
            )
            .err(),
    };
    let baseline = match target.forget {
        true => Baseline::None("--forget: the previous run's record is set aside".into()),
        false => baseline,
    };
    Facts {
        cluster,
        members,
        read_at,
        history: History {
            baseline,
            unkept,
            asked: target.history.asked,
        },
    }
}

/// Every member is read concurrently, each bounded a little before the run's deadline so one
/// hung member is reported as such while the others still count. With `--discover`, the seeds
/// get half of that time: the members found through the first seed that answers are read at
/// once, while slower seeds still run, and keep at least the other half for themselves.
async fn read_cluster(
    target: &Target,
    members: &[Member],
    discover: bool,
    seeds: &[Member],
    ctx: &Context,
) -> Vec<NodeOutcome> {
    let deadline = ctx.parts_deadline();
    let login = &target.login;
    if !discover {
        return join_all(members.iter().map(|m| read_member(m, login, ctx, deadline))).await;
    }
    let seed_deadline = deadline
        .checked_sub(ctx.parts_budget() / 2)
        .unwrap_or(deadline);
    let mut pending: FuturesUnordered<_> = seeds
        .iter()
        .enumerate()
        .map(|(i, seed)| async move { (i, read_member(seed, login, ctx, seed_deadline).await) })
        .collect();
    let mut seed_outcomes: Vec<Option<NodeOutcome>> = vec![None; seeds.len()];
    let mut discovered: Option<Vec<String>> = None;
    while discovered.is_none() {
        let Some((i, outcome)) = pending.next().await else {
            break;
        };
        if let Ok(facts) = &outcome.result {
            discovered = Some(facts.status.incoming_addresses.clone());
        }
        seed_outcomes[i] = Some(outcome);
    }
    let Some(addresses) = discovered else {
        // Nobody answered: report the seeds as the members we know of.
        return seed_outcomes.into_iter().flatten().collect();
    };
    let mut all: Vec<Member> = members.to_vec();
    for address in &addresses {
        // Entries Galera could not fill in (`AUTO`, `0.0.0.0`) cannot be reached from here.
        if let Ok(endpoint) = parse_address(address, target.default_port) {
            let unusable = matches!(&endpoint, Endpoint::Tcp { host, .. } if host == "AUTO" || host == "0.0.0.0");
            if !unusable && !all.iter().any(|m| m.endpoint == endpoint) {
                all.push(Member {
                    name: None,
                    endpoint,
                });
            }
        }
    }
    // Members that are not seeds are read now, while the seeds still pending finish.
    let is_seed = |member: &Member| seeds.iter().position(|s| s.endpoint == member.endpoint);
    let others = join_all(
        all.iter()
            .filter(|m| is_seed(m).is_none())
            .map(|m| read_member(m, login, ctx, deadline)),
    );
    let (rest, others) = join(pending.collect::<Vec<_>>(), others).await;
    for (i, outcome) in rest {
        seed_outcomes[i] = Some(outcome);
    }
    let mut others = others.into_iter();
    all.iter()
        .filter_map(|member| match is_seed(member) {
            Some(i) => seed_outcomes[i].clone(),
            None => others.next(),
        })
        .collect()
}

async fn read_member(
    member: &Member,
    login: &Login,
    ctx: &Context,
    deadline: Instant,
) -> NodeOutcome {
    let result = read(&member.endpoint, login, true, ctx, deadline).await;
    Outcome {
        peer: member.peer(),
        result,
    }
}

fn options(endpoint: &Endpoint, login: &Login) -> Opts {
    let mut builder = OptsBuilder::default()
        .user(Some(login.user.clone()))
        .pass(login.password.as_ref().map(|p| p.expose().to_string()))
        // Never switch silently from the TCP endpoint the user asked for to @@socket.
        .prefer_socket(false)
        // Known up front, so the driver skips its settings query after login (which a
        // non-Primary node would refuse with ERROR 1047).
        .max_allowed_packet(Some(MAX_PACKET))
        .wait_timeout(Some(28800))
        .stmt_cache_size(0)
        .tcp_nodelay(true);
    builder = match endpoint {
        Endpoint::Tcp { host, port } => builder.ip_or_hostname(host.clone()).tcp_port(*port),
        Endpoint::Socket(path) => builder.socket(Some(path.display().to_string())),
    };
    if let Tls::Required { ca, skip_verify } = &login.tls {
        let mut ssl = SslOpts::default();
        if let Some(ca) = ca {
            ssl = ssl.with_root_certs(vec![ca.clone().into()]);
        }
        if *skip_verify {
            ssl = ssl
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true);
        }
        builder = builder.ssl_opts(Some(ssl));
    }
    Opts::from(builder)
}

/// A driver error as the failure it is, at `step`. With TLS required, an I/O error carrying an
/// inner error is the TLS layer's (rustls reports certificate problems so).
fn failure(error: mysql_async::Error, tls: &Tls, step: Step) -> NodeFailure {
    use mysql_async::{DriverError, Error, TlsError};
    let ca_given = matches!(tls, Tls::Required { ca: Some(_), .. });
    let rustls = |error: &rustls::Error| {
        Failure::Specific(GaleraFailure::Tls {
            error: error.clone(),
            ca_given,
        })
    };
    match error {
        Error::Io(IoError::Io(io)) if *tls != Tls::Off && io.get_ref().is_some() => {
            match tls::find_rustls(&io) {
                Some(error) => rustls(error),
                None => Failure::Specific(GaleraFailure::TlsOther(describe_io_error(&io))),
            }
        }
        Error::Io(IoError::Io(io)) => answer_failure(&io),
        Error::Io(IoError::Tls(TlsError::Tls(error))) => rustls(&error),
        Error::Io(IoError::Tls(other)) => {
            Failure::Specific(GaleraFailure::TlsOther(other.to_string()))
        }
        Error::Server(server) => Failure::Specific(GaleraFailure::Server {
            code: server.code,
            message: server.message,
            step,
        }),
        Error::Driver(DriverError::NoClientSslFlagFromServer) => {
            Failure::Specific(GaleraFailure::TlsNotOffered)
        }
        Error::Driver(DriverError::LocalInfile(_)) => Failure::Specific(GaleraFailure::LocalInfile),
        Error::Driver(DriverError::ConnectionClosed) => Failure::Closed,
        Error::Driver(
            e @ (DriverError::UnexpectedPacket { .. }
            | DriverError::PacketOutOfOrder
            | DriverError::CantParseServerVersion { .. }),
        ) => Failure::Malformed(e.to_string()),
        other => Failure::Specific(GaleraFailure::Driver(other.to_string())),
    }
}

/// An I/O error of the connection: the packet layer's and the parser's refusals are the
/// server's malformed bytes (the driver reports them as I/O errors); the rest is the network.
fn answer_failure(io: &std::io::Error) -> NodeFailure {
    use std::io::ErrorKind;
    let text = io.to_string();
    if text.starts_with("Packet is larger than max_allowed_packet") {
        Failure::Malformed(format!(
            "a packet announced as larger than {} (a status answer is a few KB)",
            units::bytes(MAX_PACKET as f64)
        ))
    } else if text.starts_with("Packets out of sync") {
        Failure::Malformed("packets out of sequence".into())
    } else if io.kind() == ErrorKind::InvalidData {
        Failure::Malformed(text)
    } else if io.kind() == ErrorKind::UnexpectedEof && text == "connection closed" {
        // The socket's end; the parser running out of a packet is the other UnexpectedEof.
        Failure::Closed
    } else if io.kind() == ErrorKind::UnexpectedEof {
        Failure::Malformed("a packet ends before its fields do".into())
    } else if io.kind() == ErrorKind::ConnectionRefused {
        Failure::Refused
    } else {
        Failure::Io(describe_io_error(io))
    }
}

/// Read one node. `deadline` bounds every stage; `with_clock` adds the clock query.
async fn read(
    endpoint: &Endpoint,
    login: &Login,
    with_clock: bool,
    ctx: &Context,
    deadline: Instant,
) -> Result<NodeFacts, NodeFailure> {
    let stage = |what: &str| format!("{what} {endpoint}");
    let mut conn = ctx
        .within_until(
            deadline,
            stage("waiting to connect, for the MySQL handshake and login at"),
            Conn::new(options(endpoint, login)),
        )
        .await?
        .map_err(|e| failure(e, &login.tls, Step::Login))?;
    let (result, in_step) = read_node(&mut conn, endpoint, with_clock, ctx, deadline).await;
    // A polite COM_QUIT keeps "Aborted connection" noise out of the server log; the answer is
    // already known, so a server that does not take it costs at most 200 ms.
    if in_step {
        let polite = deadline.min(Instant::now() + Duration::from_millis(200));
        let _ = ctx
            .within_until(polite, stage("disconnecting from"), conn.disconnect())
            .await;
    }
    result
}

/// The node's facts, and whether the connection is still in step with the server (then a
/// polite disconnect is worth sending; after a broken or endless answer it would only wait).
async fn read_node(
    conn: &mut Conn,
    endpoint: &Endpoint,
    with_clock: bool,
    ctx: &Context,
    deadline: Instant,
) -> (Result<NodeFacts, NodeFailure>, bool) {
    let stage = format!("reading the wsrep status of {endpoint}");
    let (status, variables, clock) = match ctx
        .within_until(deadline, &stage, read_status(conn, with_clock))
        .await
    {
        Ok(Ok(read)) => read,
        Ok(Err(ReadError::Driver(e))) => {
            let in_step = matches!(e, mysql_async::Error::Server(_));
            return (Err(failure(e, &Tls::Off, Step::Status)), in_step);
        }
        Ok(Err(ReadError::TooManyRows(statement))) => {
            let why = format!(
                "more than {MAX_ROWS} rows for {statement} (a Galera node sends at most a few dozen)"
            );
            return (Err(Failure::Malformed(why)), false);
        }
        Err(timed_out) => return (Err(Failure::NoAnswer(timed_out)), false),
    };
    let facts = NodeStatus::parse(&status, &variables)
        .map(|status| NodeFacts { status, clock })
        .map_err(Failure::Malformed);
    (facts, true)
}

/// The server's clock, read first in the same round trip as the status when members are
/// compared: the server answers it before it runs the SHOW statements, so its reading is
/// compared with the midpoint of the time to that first answer.
const CLOCK_SQL: &str = "SELECT UNIX_TIMESTAMP(NOW(6))";

/// The two statements `read_status` sends together.
/// (SHOW, not SELECT: a non-Primary node refuses SELECT with ERROR 1047 but answers SHOW.)
/// The names are `status::STATUS` and `status::VARIABLES` (a test keeps them together).
const STATUS_SQL: &str = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', \
    'wsrep_cluster_conf_id', 'wsrep_cluster_size', 'wsrep_cluster_state_uuid', \
    'wsrep_cluster_status', 'wsrep_connected', 'wsrep_flow_control_active', \
    'wsrep_flow_control_paused', 'wsrep_flow_control_paused_ns', 'wsrep_flow_control_sent', \
    'wsrep_incoming_addresses', 'wsrep_last_committed', 'wsrep_local_bf_aborts', \
    'wsrep_local_cached_downto', 'wsrep_local_cert_failures', 'wsrep_local_recv_queue', \
    'wsrep_local_recv_queue_avg', 'wsrep_local_send_queue', 'wsrep_local_send_queue_avg', \
    'wsrep_local_state', 'wsrep_local_state_comment', 'wsrep_provider_name', \
    'wsrep_provider_version', 'wsrep_ready', 'wsrep_received_bytes', 'wsrep_replicated_bytes'); \
    SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_node_name', \
    'wsrep_provider_options', 'wsrep_reject_queries', 'wsrep_desync', \
    'wsrep_sst_donor_rejects_queries', 'read_only', 'super_read_only', 'version')";

type Pairs = HashMap<String, String>;

/// The most rows taken from one result set: a Galera node answers the status with 26 and the
/// variables with 9; a server that sends more is not answering these statements.
const MAX_ROWS: usize = 1000;
/// The largest packet read (checked on its announced length, before it is read): the longest
/// value asked for, `wsrep_provider_options`, is a few KB.
const MAX_PACKET: usize = 1024 * 1024;

/// Why the status could not be read.
enum ReadError {
    Driver(mysql_async::Error),
    /// More than [`MAX_ROWS`] rows for this statement.
    TooManyRows(&'static str),
}

impl From<mysql_async::Error> for ReadError {
    fn from(error: mysql_async::Error) -> Self {
        ReadError::Driver(error)
    }
}

/// The wsrep status and the variables as name/value pairs, and with `with_clock` the server's
/// clock, from one multi-statement query (one round trip). SHOW, not SELECT from
/// information_schema: a node that is not Primary refuses SELECT with ERROR 1047, and with it
/// the rest of the batch; the status is then read alone and the node has no clock.
async fn read_status(
    conn: &mut Conn,
    with_clock: bool,
) -> Result<(Pairs, Pairs, Option<ClockSample>), ReadError> {
    if with_clock {
        let sent = now();
        let started = Instant::now();
        let first = match conn.query_iter(format!("{CLOCK_SQL}; {STATUS_SQL}")).await {
            Ok(mut result) => match rows(&mut result, "SELECT UNIX_TIMESTAMP").await {
                Ok(rows) => Some((rows, result)),
                Err(ReadError::Driver(mysql_async::Error::Server(_))) => None,
                Err(e) => return Err(e),
            },
            Err(mysql_async::Error::Server(_)) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some((rows, result)) = first {
            let round_trip = started.elapsed().as_secs_f64();
            let clock = rows
                .first()
                .map(|r| text(r, 0))
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|t| t.is_finite())
                .map(|server| ClockSample {
                    offset: server - (sent + round_trip / 2.0),
                    round_trip,
                });
            let (status, variables) = status_sets(result).await?;
            return Ok((status, variables, clock));
        }
    }
    let result = conn.query_iter(STATUS_SQL).await?;
    let (status, variables) = status_sets(result).await?;
    Ok((status, variables, None))
}

/// The rows of the current result set, at most [`MAX_ROWS`] of them.
async fn rows(
    result: &mut mysql_async::QueryResult<'_, '_, mysql_async::TextProtocol>,
    statement: &'static str,
) -> Result<Vec<Row>, ReadError> {
    let mut rows = Vec::new();
    if let Some(mut stream) = result.stream::<Row>().await? {
        while let Some(row) = stream.next().await {
            if rows.len() == MAX_ROWS {
                return Err(ReadError::TooManyRows(statement));
            }
            rows.push(row?);
        }
    }
    Ok(rows)
}

/// The two SHOW result sets, then whatever is left drained so the connection is clean.
async fn status_sets(
    mut result: mysql_async::QueryResult<'_, '_, mysql_async::TextProtocol>,
) -> Result<(Pairs, Pairs), ReadError> {
    let pairs = |rows: Vec<Row>| -> Pairs {
        rows.iter()
            .map(|row| (text(row, 0), text(row, 1)))
            .collect()
    };
    let status = pairs(rows(&mut result, "SHOW GLOBAL STATUS").await?);
    let variables = pairs(rows(&mut result, "SHOW GLOBAL VARIABLES").await?);
    result.drop_result().await?;
    Ok((status, variables))
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn text(row: &Row, index: usize) -> String {
    match row.as_ref(index) {
        Some(Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(Value::NULL) | None => String::new(),
        Some(other) => other.as_sql(true),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_query_reads_every_variable_the_status_parses() {
        for name in crate::status::STATUS.iter().chain(crate::status::VARIABLES) {
            assert!(super::STATUS_SQL.contains(&format!("'{name}'")), "{name}");
        }
        let quoted = super::STATUS_SQL.matches('\'').count() / 2;
        assert_eq!(
            quoted,
            crate::status::STATUS.len() + crate::status::VARIABLES.len()
        );
    }

    use super::*;

    #[test]
    fn endpoints_display_as_operators_write_them() {
        assert_eq!(
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 3307
            }
            .to_string(),
            "127.0.0.1:3307"
        );
        assert_eq!(
            Endpoint::Tcp {
                host: "::1".into(),
                port: 3307
            }
            .to_string(),
            "[::1]:3307"
        );
        assert_eq!(
            Endpoint::Socket("/run/mysqld/mysqld.sock".into()).to_string(),
            "/run/mysqld/mysqld.sock"
        );
    }

    #[test]
    fn tcp_stays_tcp() {
        let login = Login {
            user: "monitor".into(),
            password: None,
            tls: Tls::Off,
        };
        let opts = options(
            &Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 3306,
            },
            &login,
        );
        assert!(!opts.prefer_socket());
        assert_eq!(opts.socket(), None);
        assert!(opts.ssl_opts().is_none());
        let tls = Login {
            tls: Tls::Required {
                ca: None,
                skip_verify: true,
            },
            ..login
        };
        assert!(
            options(
                &Endpoint::Tcp {
                    host: "db".into(),
                    port: 3306
                },
                &tls
            )
            .ssl_opts()
            .is_some_and(|s| s.accept_invalid_certs())
        );
    }

    /// Driver errors become structured failures: the common ones, and MySQL's own with the
    /// server's words and code, the rustls error, and whether a CA was given.
    #[test]
    fn driver_errors_are_failures_not_sentences() {
        use std::io::{Error as Io, ErrorKind};

        use mysql_async::{DriverError, Error, ServerError};
        let io = |error: Io| Error::Io(IoError::Io(error));
        let required = |ca: Option<Vec<u8>>| Tls::Required {
            ca,
            skip_verify: false,
        };
        let unknown = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let table: Vec<(Error, Tls, Step, NodeFailure)> = vec![
            (
                io(Io::from(ErrorKind::ConnectionRefused)),
                Tls::Off,
                Step::Login,
                Failure::Refused,
            ),
            (
                io(Io::from(ErrorKind::HostUnreachable)),
                Tls::Off,
                Step::Login,
                Failure::Io("host unreachable".into()),
            ),
            (
                io(Io::new(ErrorKind::UnexpectedEof, "connection closed")),
                Tls::Off,
                Step::Status,
                Failure::Closed,
            ),
            (
                io(Io::new(
                    ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                )),
                Tls::Off,
                Step::Status,
                Failure::Malformed("a packet ends before its fields do".into()),
            ),
            (
                io(Io::other("Packet is larger than max_allowed_packet")),
                Tls::Off,
                Step::Status,
                Failure::Malformed(
                    "a packet announced as larger than 1 MiB (a status answer is a few KB)".into(),
                ),
            ),
            (
                io(Io::other("Packets out of sync")),
                Tls::Off,
                Step::Status,
                Failure::Malformed("packets out of sequence".into()),
            ),
            (
                Error::Driver(DriverError::ConnectionClosed),
                Tls::Off,
                Step::Status,
                Failure::Closed,
            ),
            (
                Error::Server(ServerError {
                    code: 1045,
                    message: "Access denied for user 'monitor'@'127.0.0.1'".into(),
                    state: "28000".into(),
                }),
                Tls::Off,
                Step::Login,
                Failure::Specific(GaleraFailure::Server {
                    code: 1045,
                    message: "Access denied for user 'monitor'@'127.0.0.1'".into(),
                    step: Step::Login,
                }),
            ),
            (
                Error::Driver(DriverError::NoClientSslFlagFromServer),
                required(None),
                Step::Login,
                Failure::Specific(GaleraFailure::TlsNotOffered),
            ),
            (
                io(Io::new(ErrorKind::InvalidData, unknown.clone())),
                required(Some(b"PEM".to_vec())),
                Step::Login,
                Failure::Specific(GaleraFailure::Tls {
                    error: unknown.clone(),
                    ca_given: true,
                }),
            ),
            (
                Error::Io(IoError::Tls(mysql_async::TlsError::Tls(unknown.clone()))),
                required(None),
                Step::Login,
                Failure::Specific(GaleraFailure::Tls {
                    error: unknown,
                    ca_given: false,
                }),
            ),
            (
                io(Io::new(ErrorKind::UnexpectedEof, "tls handshake eof")),
                required(None),
                Step::Login,
                Failure::Specific(GaleraFailure::TlsOther("tls handshake eof".into())),
            ),
        ];
        for (error, tls, step, expected) in table {
            let shown = format!("{error:?}");
            assert_eq!(failure(error, &tls, step), expected, "{shown}");
        }
    }
}
