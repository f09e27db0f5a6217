//! What check_galera's probe found and its evaluate judges: each node's status and clock, or
//! why it gave none; when they were read; and the previous run's record (whose keys
//! `facts::record` names). Plain data: no state is decided and no sentence is written here.

use hastack_common::Outcome;
use hastack_common::history::Baseline;

use crate::status::NodeStatus;

mod record;

pub use record::record;
pub(crate) use record::{COUNTERS, POSITION, SEEN, counter_key, counters, present};

/// A node's clock as read over its connection: `server time - local midpoint of the query`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockSample {
    /// Seconds the server's clock is ahead of ours (negative: behind).
    pub offset: f64,
    /// Round trip of the clock query, seconds: the uncertainty of `offset` is half of it.
    pub round_trip: f64,
}

/// What a node answered.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub status: NodeStatus,
    pub clock: Option<ClockSample>,
}

/// Where in the conversation a server said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The handshake and login.
    Login,
    /// The status query, after a login that succeeded.
    Status,
}

/// What only a MySQL server does to a check that asks it, beside the common failures (refused,
/// closed, no answer, malformed...).
#[derive(Debug, Clone, PartialEq)]
pub enum GaleraFailure {
    /// The TLS handshake failed as rustls says, and whether a CA was given (`--tls-ca`): the
    /// hint for an unknown issuer depends on it.
    Tls {
        error: rustls::Error,
        ca_given: bool,
    },
    /// The TLS layer failed without a rustls error: its own words.
    TlsOther(String),
    /// TLS was required and the server does not offer it.
    TlsNotOffered,
    /// The server answered with an error (access denied...): its code and its own words.
    Server {
        code: u16,
        message: String,
        step: Step,
    },
    /// The server asked for a local file (LOAD DATA LOCAL INFILE), which the check never sends.
    LocalInfile,
    /// Any other refusal of the MySQL driver, in its words.
    Driver(String),
}

/// One node asked: who it is (the name given with `--node NAME=`, if any, and its endpoint)
/// and what it answered.
pub type NodeOutcome = Outcome<NodeFacts, GaleraFailure>;

/// What was read: one node, or every member of a cluster (in the order named, discovered
/// members after them), when, and what the previous run left.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub cluster: bool,
    pub members: Vec<NodeOutcome>,
    /// When the members were read, Unix seconds.
    pub read_at: f64,
    pub history: History,
}

/// The previous run's record, and what became of this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub baseline: Baseline,
    /// Why this run's record could not be kept, if it could not (the system's words).
    pub unkept: Option<String>,
    /// History was asked for (`--state-dir`, or thresholds on what changed): a record that
    /// cannot be kept is then worth a WARNING.
    pub asked: bool,
}
