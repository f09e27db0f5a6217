//! Who a sub-result is about, and why it has no answer: one way to name a server and one
//! vocabulary of failures for every plugin, so that a refused connection or a silent peer reads
//! the same whichever check met it.

use std::fmt;

use crate::runtime::TimedOut;
use crate::state::State;
use crate::units;

/// A server, node or daemon the check asked: the name the operator knows it by, when there is
/// one, and where it was asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Peer {
    name: Option<String>,
    endpoint: String,
}

impl Peer {
    /// A peer known only by where it was asked (`127.0.0.1:53`, `ldaps://dc1`).
    pub fn at(endpoint: impl Into<String>) -> Peer {
        Peer {
            name: None,
            endpoint: endpoint.into(),
        }
    }

    /// A peer with a name of its own (`node2`) asked at `endpoint`.
    pub fn named(name: impl Into<String>, endpoint: impl Into<String>) -> Peer {
        Peer::at(endpoint).or_named(Some(name.into()))
    }

    /// This peer, named `name` unless it has a name already; a name equal to the endpoint is
    /// no name.
    pub fn or_named(mut self, name: Option<String>) -> Peer {
        if self.name.is_none() {
            self.name = name.filter(|n| *n != self.endpoint);
        }
        self
    }

    /// The short name: the given name, else the endpoint.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.endpoint)
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl fmt::Display for Peer {
    /// `node2 (127.0.0.1:3307)`, or the endpoint alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} ({})", self.endpoint),
            None => f.write_str(&self.endpoint),
        }
    }
}

/// A failure only one plugin knows (a kiss-o'-death, a rejected bind), in its own words.
pub trait Specific {
    /// The state it is worth; CRITICAL unless said otherwise.
    fn state(&self) -> State {
        State::Critical
    }

    /// The finding, naming `peer` where the sentence wants it.
    fn describe(&self, peer: &Peer) -> String;
}

/// No failure of a plugin's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nothing {}

impl Specific for Nothing {
    fn describe(&self, _: &Peer) -> String {
        match *self {}
    }
}

/// Why a peer gave no usable answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure<S = Nothing> {
    /// Nothing came back within the peer's share of the run (the stage names what was awaited).
    NoAnswer(TimedOut),
    /// Nothing listens there: a TCP reset, an ICMP port unreachable, no socket file.
    Refused,
    /// The connection closed before the answer.
    Closed,
    /// The network or the system said no before any answer: `host unreachable`, `address not
    /// available`, `permission denied`.
    Io(String),
    /// Something came back that is not an answer to the question.
    Malformed(String),
    /// The name does not resolve: a configuration problem, not the peer's.
    Resolve(String),
    /// What only this plugin knows.
    Specific(S),
}

impl<S: Specific> Failure<S> {
    /// CRITICAL for what the peer did or failed to do, UNKNOWN for a name that does not
    /// resolve, the plugin's choice for its own.
    pub fn state(&self) -> State {
        match self {
            Failure::Resolve(_) => State::Unknown,
            Failure::Specific(specific) => specific.state(),
            _ => State::Critical,
        }
    }

    /// The finding about `peer`: `node2 (127.0.0.1:3307): connection refused`.
    pub fn describe(&self, peer: &Peer) -> String {
        match self {
            Failure::NoAnswer(timed_out) => format!(
                "{peer}: no answer within {} while {}",
                units::budget(timed_out.after),
                timed_out.stage
            ),
            Failure::Refused => format!("{peer}: connection refused"),
            Failure::Closed => format!("{peer}: closed the connection before answering"),
            Failure::Io(why) => format!("{peer}: {why}"),
            Failure::Malformed(why) => format!("{peer}: malformed answer: {why}"),
            Failure::Resolve(why) => format!("cannot resolve {peer}: {why}"),
            Failure::Specific(specific) => specific.describe(peer),
        }
    }
}

impl<S> From<TimedOut> for Failure<S> {
    fn from(timed_out: TimedOut) -> Failure<S> {
        Failure::NoAnswer(timed_out)
    }
}

/// What one peer gave: its answer, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T, S = Nothing> {
    pub peer: Peer,
    pub result: Result<T, Failure<S>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[derive(Debug, Clone, PartialEq)]
    struct Kiss(&'static str);

    impl Specific for Kiss {
        fn describe(&self, peer: &Peer) -> String {
            format!("{} sent kiss-o'-death {}", peer.name(), self.0)
        }
    }

    #[test]
    fn peers_are_named_one_way() {
        assert_eq!(Peer::at("127.0.0.1:53").to_string(), "127.0.0.1:53");
        let node = Peer::named("node2", "127.0.0.1:3307");
        assert_eq!(node.to_string(), "node2 (127.0.0.1:3307)");
        assert_eq!((node.name(), node.endpoint()), ("node2", "127.0.0.1:3307"));
        let found = Peer::at("10.0.0.2:3306").or_named(Some("db2".into()));
        assert_eq!(found.to_string(), "db2 (10.0.0.2:3306)");
        assert_eq!(node.clone().or_named(Some("other".into())), node);
        assert_eq!(
            Peer::at("x:1").or_named(Some("x:1".into())).to_string(),
            "x:1"
        );
    }

    #[test]
    fn failures_are_said_one_way() {
        let peer = Peer::named("node2", "127.0.0.1:3307");
        let timed_out = TimedOut {
            stage: "waiting for the MySQL handshake".into(),
            after: Duration::from_millis(2700),
            state: State::Unknown,
        };
        let table: Vec<(Failure<Kiss>, State, &str)> = vec![
            (
                Failure::NoAnswer(timed_out),
                State::Critical,
                "node2 (127.0.0.1:3307): no answer within 2.7 s while waiting for the MySQL handshake",
            ),
            (
                Failure::Refused,
                State::Critical,
                "node2 (127.0.0.1:3307): connection refused",
            ),
            (
                Failure::Closed,
                State::Critical,
                "node2 (127.0.0.1:3307): closed the connection before answering",
            ),
            (
                Failure::Io("host unreachable".into()),
                State::Critical,
                "node2 (127.0.0.1:3307): host unreachable",
            ),
            (
                Failure::Malformed("a packet of 3 bytes".into()),
                State::Critical,
                "node2 (127.0.0.1:3307): malformed answer: a packet of 3 bytes",
            ),
            (
                Failure::Resolve("no such host".into()),
                State::Unknown,
                "cannot resolve node2 (127.0.0.1:3307): no such host",
            ),
            (
                Failure::Specific(Kiss("RATE")),
                State::Critical,
                "node2 sent kiss-o'-death RATE",
            ),
        ];
        for (failure, state, text) in table {
            assert_eq!(failure.state(), state, "{failure:?}");
            assert_eq!(failure.describe(&peer), text);
        }
    }
}
