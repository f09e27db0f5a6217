//! A node that gave no answer, in words: MySQL's own failures (TLS, a server's error, a request
//! for a local file) beside the common vocabulary, which words the rest.

use hastack_common::Peer;
use hastack_common::peer::Specific;
use hastack_common::tls::{self, TrustGiven};

use crate::facts::{GaleraFailure, Step};

impl Specific for GaleraFailure {
    fn describe(&self, peer: &Peer) -> String {
        match self {
            GaleraFailure::Tls { error, ca_given } => {
                let given = TrustGiven {
                    ca_option: "--tls-ca",
                    ca_given: *ca_given,
                    port_kind: "a MySQL",
                };
                format!("{peer}: TLS failed: {}", tls::describe(error, given))
            }
            GaleraFailure::TlsOther(why) => format!("{peer}: TLS failed: {why}"),
            GaleraFailure::TlsNotOffered => {
                format!("{peer}: TLS is required but the server does not offer it")
            }
            GaleraFailure::Server {
                code,
                message,
                step: Step::Login,
            } => format!("{peer}: {message} (MySQL error {code})"),
            GaleraFailure::Server {
                code,
                message,
                step: Step::Status,
            } => format!("{peer}: reading the wsrep status failed: {message} (MySQL error {code})"),
            GaleraFailure::LocalInfile => format!(
                "{peer}: the server asked for a local file (LOAD DATA LOCAL INFILE), which the check never sends"
            ),
            GaleraFailure::Driver(why) => format!("{peer}: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use hastack_common::{Failure, State};
    use rustls::CertificateError;

    use super::*;

    #[test]
    fn mysql_failures_in_words() {
        let peer = Peer::named("node2", "127.0.0.1:3307");
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let table: Vec<(GaleraFailure, &str)> = vec![
            (
                GaleraFailure::Tls {
                    error: unknown.clone(),
                    ca_given: false,
                },
                "node2 (127.0.0.1:3307): TLS failed: the server certificate is signed by an unknown CA (give the CA with --tls-ca)",
            ),
            (
                GaleraFailure::Tls {
                    error: unknown,
                    ca_given: true,
                },
                "node2 (127.0.0.1:3307): TLS failed: the server certificate is not signed by the CA in --tls-ca",
            ),
            (
                GaleraFailure::Tls {
                    error: rustls::Error::InvalidMessage(
                        rustls::InvalidMessage::InvalidContentType,
                    ),
                    ca_given: false,
                },
                "node2 (127.0.0.1:3307): TLS failed: the server does not speak TLS there (is this a MySQL port?)",
            ),
            (
                GaleraFailure::TlsOther("tls handshake eof".into()),
                "node2 (127.0.0.1:3307): TLS failed: tls handshake eof",
            ),
            (
                GaleraFailure::TlsNotOffered,
                "node2 (127.0.0.1:3307): TLS is required but the server does not offer it",
            ),
            (
                GaleraFailure::Server {
                    code: 1045,
                    message: "Access denied for user 'monitor'@'127.0.0.1' (using password: YES)"
                        .into(),
                    step: Step::Login,
                },
                "node2 (127.0.0.1:3307): Access denied for user 'monitor'@'127.0.0.1' (using password: YES) (MySQL error 1045)",
            ),
            (
                GaleraFailure::Server {
                    code: 1047,
                    message: "WSREP has not yet prepared node for application use".into(),
                    step: Step::Status,
                },
                "node2 (127.0.0.1:3307): reading the wsrep status failed: WSREP has not yet prepared node for application use (MySQL error 1047)",
            ),
            (
                GaleraFailure::LocalInfile,
                "node2 (127.0.0.1:3307): the server asked for a local file (LOAD DATA LOCAL INFILE), which the check never sends",
            ),
            (
                GaleraFailure::Driver("Unknown authentication plugin `x'.".into()),
                "node2 (127.0.0.1:3307): Unknown authentication plugin `x'.",
            ),
        ];
        for (specific, words) in table {
            let failure = Failure::Specific(specific);
            assert_eq!(failure.state(), State::Critical, "{failure:?}");
            assert_eq!(failure.describe(&peer), words);
        }
    }
}
