//! What check_consul_dns's probe found and its evaluate judges: the question, and each server's
//! answer (its code, flags, instances, how it came, what a client without EDNS gets) or why
//! there is none. Plain data: no state is decided here.

use std::net::IpAddr;
use std::time::Duration;

use clap::ValueEnum;
use hastack_common::{Failure, Outcome};

/// The record types a Consul service lookup can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryType {
    #[value(name = "A")]
    A,
    #[value(name = "AAAA")]
    Aaaa,
    #[value(name = "SRV")]
    Srv,
}

impl QueryType {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
            QueryType::Srv => "SRV",
        }
    }
}

/// The question asked of every server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Fully qualified, with the trailing dot.
    pub name: String,
    pub query_type: QueryType,
    /// The Consul service, when the name was built from one (for "no healthy instance of X").
    pub service: Option<String>,
}

/// A DNS response code, as far as the check tells them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    NxDomain,
    ServFail,
    Refused,
    Other(String),
}

/// One instance in an answer: an address (A/AAAA), or an SRV target and port with the target's
/// address from the additional section when the server sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instance {
    pub target: Option<String>,
    pub port: Option<u16>,
    pub address: Option<IpAddr>,
}

impl std::fmt::Display for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.target, self.port, self.address) {
            (Some(target), Some(port), Some(address)) => {
                write!(f, "{}:{port} ({address})", target.trim_end_matches('.'))
            }
            (Some(target), Some(port), None) => {
                write!(f, "{}:{port}", target.trim_end_matches('.'))
            }
            (_, _, Some(address)) => write!(f, "{address}"),
            _ => f.write_str("?"),
        }
    }
}

/// How the answer that counted came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    /// `--tcp`.
    Tcp,
    /// The UDP answer said it was truncated (TC), as a standard server does.
    TcpAfterTruncation,
    /// The UDP answer filled the buffer, so a record may have been left out without TC (as
    /// Consul does): asked again over TCP.
    TcpAfterFullUdp,
}

/// What a client without EDNS gets over UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainView {
    pub instances: usize,
    /// TC was set: such a client asks again over TCP and gets the whole answer.
    pub truncated: bool,
}

/// The same question without EDNS, as a client without it asks.
#[derive(Debug, Clone, PartialEq)]
pub enum WithoutEdns {
    /// Not asked: `--tcp`, or a question of `--also-resolve`.
    NotAsked,
    Answered(PlainView),
    /// Nothing within the grace after the main answer (a datagram lost or swallowed).
    NoAnswer {
        grace: Duration,
    },
    /// Refused, malformed, or no answer by the deadline.
    Failed(Failure),
}

/// What a server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub rcode: Rcode,
    pub authoritative: bool,
    pub recursion_available: bool,
    pub transport: Transport,
    pub instances: Vec<Instance>,
    /// An SRV record with the target "." (RFC 2782: the service is decidedly not available).
    pub declined: bool,
    /// The same question without EDNS over UDP (the main question only, not with `--tcp`).
    pub without_edns: WithoutEdns,
    /// From sending the question to the final answer (TCP retry included).
    pub time: Duration,
}

/// What one server said: the question's answer, and the `--also-resolve` names'.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerAnswers {
    pub main: Outcome<Answer>,
    /// `--also-resolve` names and what the server said of each.
    pub also: Vec<(String, Result<Answer, Failure>)>,
}

/// Everything the servers said, with the question they were asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub question: Question,
    /// In the order the servers were given.
    pub servers: Vec<ServerAnswers>,
}
