//! TLS failures in the words a server's admin needs, whichever client library carried the
//! rustls error (check_ldap_paging's client, mysql_async): which certificate problem, and what to do about it.

use std::error::Error as StdError;

/// How the plugin was told whom to trust, for the hint that follows an untrusted certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trust<'a> {
    /// The plugin's option that names a CA file (`--ca-file`, `--tls-ca`).
    pub ca_option: &'a str,
    /// Whether that option was given: the hint to give it is then wrong.
    pub ca_given: bool,
    /// What the port should be, with its article, for a server that answers with something
    /// else (`an LDAPS`: "is this an LDAPS port?").
    pub port_kind: &'a str,
}

/// The rustls error inside `error` or anything it wraps (an `io::Error`'s inner error, a
/// library's `source()` chain), if there is one.
pub fn find_rustls<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            current = Some(inner);
            continue;
        }
        current = error.source();
    }
    None
}

/// A rustls error as the certificate or handshake problem it is.
pub fn describe(error: &rustls::Error, trust: Trust<'_>) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => match trust.ca_given {
                false => format!(
                    "the server certificate is signed by an unknown CA (give the CA with {})",
                    trust.ca_option
                ),
                true => format!(
                    "the server certificate is not signed by the CA in {}",
                    trust.ca_option
                ),
            },
            C::NotValidForName => "the server certificate is not valid for this host name".into(),
            C::NotValidForNameContext { presented, .. } => {
                let mut text = "the server certificate is not valid for this host name".to_string();
                if !presented.is_empty() {
                    text.push_str(&format!(" (it is valid for {})", presented.join(", ")));
                }
                text
            }
            C::Expired | C::ExpiredContext { .. } => "the server certificate has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the server certificate is not valid yet".into()
            }
            C::Revoked => "the server certificate is revoked".into(),
            C::BadSignature => "the server certificate has a bad signature".into(),
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "the server certificate is not for TLS servers".into()
            }
            other if format!("{other:?}").contains("CaUsedAsEndEntity") => format!(
                "the server presents a CA certificate as its own (a self-signed certificate with CA:TRUE{})",
                match trust.ca_given {
                    true => format!(", given in {}", trust.ca_option),
                    false => String::new(),
                }
            ),
            other => format!("invalid server certificate: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => format!("the server sent TLS alert {alert:?}"),
        rustls::Error::InvalidMessage(_) => format!(
            "the server does not speak TLS there (is this {} port?)",
            trust.port_kind
        ),
        other => format!("TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError as C;

    const NOT_GIVEN: Trust<'static> = Trust {
        ca_option: "--ca-file",
        ca_given: false,
        port_kind: "an LDAPS",
    };
    const GIVEN: Trust<'static> = Trust {
        ca_option: "--ca-file",
        ca_given: true,
        port_kind: "an LDAPS",
    };

    #[test]
    fn certificate_problems_in_words() {
        let unknown = rustls::Error::InvalidCertificate(C::UnknownIssuer);
        assert_eq!(
            describe(&unknown, NOT_GIVEN),
            "the server certificate is signed by an unknown CA (give the CA with --ca-file)"
        );
        assert_eq!(
            describe(&unknown, GIVEN),
            "the server certificate is not signed by the CA in --ca-file"
        );
        let expired = rustls::Error::InvalidCertificate(C::Expired);
        assert_eq!(
            describe(&expired, NOT_GIVEN),
            "the server certificate has expired"
        );
        let other = rustls::Error::InvalidCertificate(C::Other(rustls::OtherError(
            std::sync::Arc::new(std::io::Error::other("CaUsedAsEndEntity")),
        )));
        assert_eq!(
            describe(&other, GIVEN),
            "the server presents a CA certificate as its own (a self-signed certificate with CA:TRUE, given in --ca-file)"
        );
    }

    #[test]
    fn found_inside_io_errors() {
        let io = std::io::Error::other(rustls::Error::InvalidCertificate(C::BadSignature));
        let found = find_rustls(&io).expect("inner rustls error");
        assert_eq!(
            describe(found, NOT_GIVEN),
            "the server certificate has a bad signature"
        );
        assert!(find_rustls(&std::io::Error::other("plain")).is_none());
    }
}
