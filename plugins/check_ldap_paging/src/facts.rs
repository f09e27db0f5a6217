//! What check_ldap_paging's probe found and its evaluate judges: how the unpaged and the paged
//! searches ended, what the server says about itself and its limits, an attribute's values,
//! the certificate it presented, or the LDAP failure that left no count. Plain data: no state
//! is decided and no sentence is written here.

use std::time::Duration;

use hastack_common::certificate::Certificate;
use hastack_common::{Failure, Peer};

/// timeLimitExceeded, sizeLimitExceeded, adminLimitExceeded (RFC 4511): the server stopped
/// early.
pub(crate) const TIME_LIMIT_EXCEEDED: u32 = 3;
pub(crate) const SIZE_LIMIT_EXCEEDED: u32 = 4;
pub(crate) const ADMIN_LIMIT_EXCEEDED: u32 = 11;

/// Whether a search result code means the server stopped before the end.
pub(crate) fn cut_short(rc: u32) -> bool {
    matches!(
        rc,
        SIZE_LIMIT_EXCEEDED | TIME_LIMIT_EXCEEDED | ADMIN_LIMIT_EXCEEDED
    )
}

/// How one search ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchOutcome {
    pub(crate) entries: u64,
    pub(crate) rc: u32,
    /// The server's words with its result.
    pub(crate) text: String,
    pub(crate) time: Duration,
    /// Continuation references (never followed) and the first few of their URLs.
    pub(crate) references: u64,
    pub(crate) reference_urls: Vec<String>,
}

/// The paged count.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PagedOutcome {
    pub(crate) search: SearchOutcome,
    pub(crate) pages: u64,
    /// The page size the count used.
    pub(crate) page_size: u32,
    /// The page size asked for first, when the server rejected it (adminLimitExceeded).
    pub(crate) rejected_page_size: Option<u32>,
}

/// Everything the directory said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Directory {
    /// From the root DSE's supportedControl; `None` when the root DSE could not be read.
    pub(crate) paged_control_offered: Option<bool>,
    pub(crate) unpaged: SearchOutcome,
    /// Run when the unpaged search was cut short, or with `--always-page`.
    pub(crate) paged: Option<PagedOutcome>,
    pub(crate) server: ServerFacts,
    /// `--attribute`: its values on the entries found.
    pub(crate) values: Option<ValueCount>,
    /// The certificate the server presented, over TLS.
    pub(crate) certificate: Option<Certificate>,
    /// When the directory was read, Unix seconds (for the certificate's remaining days).
    pub(crate) read_at: i64,
}

/// The values of an attribute on the entries a search found.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ValueCount {
    pub(crate) attribute: String,
    /// Entries found (by the ranged read on AD).
    pub(crate) entries: u64,
    /// All values: through range retrieval on AD, by the plain read elsewhere.
    pub(crate) values: u64,
    /// What a plain read of the attribute returned.
    pub(crate) plain_values: u64,
    /// Whether the server answered in ranges.
    pub(crate) ranged: bool,
    /// The entry with the most values, and how many.
    pub(crate) most: (String, u64),
}

/// What the server says about itself and its limits.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ServerFacts {
    /// The root DSE names Active Directory's capability.
    pub(crate) active_directory: bool,
    /// The domain's query policy (`lDAPAdminLimits`), or why it could not be read; read on AD.
    pub(crate) policy: Option<Result<Vec<(String, u64)>, PolicyUnread>>,
}

impl ServerFacts {
    /// One of the policy's limits (`MaxPageSize`).
    pub(crate) fn limit(&self, name: &str) -> Option<u64> {
        match &self.policy {
            Some(Ok(limits)) => limits
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v),
            _ => None,
        }
    }
}

/// Why the domain's query policy could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PolicyUnread {
    /// The server answered the read with this result code and words.
    Answered { rc: u32, text: String },
    /// The read itself failed.
    Failed(Failure<LdapFailure>),
}

/// Which read of `--attribute` a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValuesRead {
    /// `member`: what a client that does not ask for ranges gets.
    Plain,
    /// `member;range=0-*`.
    Ranged,
}

/// What only an LDAP directory can do wrong; the generic failures (no answer in time, closed,
/// the network's words, a malformed answer) are common `Failure`s.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LdapFailure {
    /// The TLS layer refused.
    Tls(Box<TlsRefusal>),
    /// The server closed the connection during the TLS handshake (or StartTLS).
    ClosedDuringHandshake,
    /// A plain connection closed before the first answer (what an LDAPS port does to plain
    /// LDAP).
    ClosedBeforeAnswering,
    /// The host is an address or name TLS cannot verify.
    NotATlsName,
    StartTlsRefused {
        rc: u32,
        text: String,
    },
    BindRejected {
        dn: String,
        rc: u32,
        text: String,
    },
    /// A message larger than a message may be (`limit`).
    TooLarge {
        size: usize,
        limit: usize,
    },
    /// The server's Notice of Disconnection.
    Disconnected {
        rc: u32,
        text: String,
    },
    MalformedControl {
        page: u64,
        why: String,
    },
    /// The paged search went on past this many pages.
    EndlessPaging(u64),
    /// A read of `--attribute` ended with a result code other than success.
    ValuesRefused {
        read: ValuesRead,
        attribute: String,
        rc: u32,
        text: String,
    },
    /// More entries answered the attribute in part than are kept to be read on.
    TooManyRanged {
        attribute: String,
        limit: usize,
    },
}

/// Why TLS refused the server: the certificate problem, with the certificate presented (when
/// it got that far), the name it had to carry, and whether a CA file was given (the advice
/// after an untrusted certificate differs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TlsRefusal {
    pub(crate) error: rustls::Error,
    pub(crate) presented: Option<Certificate>,
    pub(crate) name: String,
    pub(crate) ca_given: bool,
}

/// What was asked of which directory, and what it said.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The server, named by its URL (`ldap://dc1:389`).
    pub(crate) server: Peer,
    pub(crate) base: String,
    pub(crate) outcome: Result<Directory, Failure<LdapFailure>>,
}
