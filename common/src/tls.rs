//! TLS failures in the words a server's admin needs, whichever client library carried the
//! rustls error (check_ldap_paging's client, mysql_async): which certificate problem, and what to do about it.

use std::error::Error as StdError;
use std::sync::{Arc, Mutex};

use rustls::client::danger::ServerCertVerified;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use crate::certificate::Certificate;

/// What the operator gave the plugin to trust (a CA option, given or not), for the hint that
/// follows an untrusted certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustGiven<'a> {
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
pub fn describe(error: &rustls::Error, given: TrustGiven<'_>) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => match given.ca_given {
                false => format!(
                    "the server certificate is signed by an unknown CA (give the CA with {})",
                    given.ca_option
                ),
                true => format!(
                    "the server certificate is not signed by the CA in {}",
                    given.ca_option
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
                match given.ca_given {
                    true => format!(", given in {}", given.ca_option),
                    false => String::new(),
                }
            ),
            other => format!("invalid server certificate: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => format!("the server sent TLS alert {alert:?}"),
        rustls::Error::InvalidMessage(_) => format!(
            "the server does not speak TLS there (is this {} port?)",
            given.port_kind
        ),
        other => format!("TLS handshake failed: {other}"),
    }
}

/// The certificate the server presented, kept by [`Verifier`] for the report (its names, its
/// dates), whether or not it was accepted.
pub type Presented = Arc<Mutex<Option<Certificate>>>;

/// A rustls certificate verifier that keeps what the server presented, and accepts what an
/// admin who gave a certificate means, beyond the WebPKI rules:
/// - a certificate given as trusted is trusted as itself when the server presents exactly it
///   (OpenSSL's behaviour with a self-signed server certificate as the CA file, which WebPKI
///   refuses as "CA used as end entity"), within its validity dates;
/// - with `accept_cn`, a certificate that has no subjectAltName at all is accepted for the host
///   its CN names (Samba's self-made and older AD certificates), its chain still verified.
///
/// Without `webpki` (`--tls-skip-verify`) any certificate is accepted, and still kept.
#[derive(Debug)]
pub struct Verifier {
    webpki: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    given: Vec<CertificateDer<'static>>,
    accept_cn: bool,
    presented: Presented,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    /// Verify against `roots` (the system's or a CA file's), trusting `given` as themselves;
    /// the presented certificate goes into `presented`.
    pub fn new(
        roots: rustls::RootCertStore,
        given: Vec<CertificateDer<'static>>,
        accept_cn: bool,
        provider: Arc<CryptoProvider>,
        presented: Presented,
    ) -> Result<Arc<Verifier>, String> {
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|e| format!("TLS setup: {e}"))?;
        Ok(Arc::new(Verifier {
            webpki: Some(webpki),
            given,
            accept_cn,
            presented,
            provider,
        }))
    }

    /// No verification at all (`--tls-skip-verify`); the certificate is still kept.
    pub fn none(provider: Arc<CryptoProvider>, presented: Presented) -> Arc<Verifier> {
        Arc::new(Verifier {
            webpki: None,
            given: Vec::new(),
            accept_cn: false,
            presented,
            provider,
        })
    }
}

impl rustls::client::danger::ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let parsed = Certificate::parse(end_entity.as_ref()).ok();
        if let Ok(mut slot) = self.presented.lock() {
            *slot = parsed.clone();
        }
        let Some(webpki) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        if self.given.iter().any(|g| g.as_ref() == end_entity.as_ref()) {
            let now = now.as_secs() as i64;
            return match parsed {
                Some(cert) if now < cert.not_before => Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidYet,
                )),
                Some(cert) if now > cert.not_after => Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::Expired,
                )),
                _ => Ok(ServerCertVerified::assertion()),
            };
        }
        let verified = webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        match (&verified, &parsed) {
            (
                Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForName
                    | rustls::CertificateError::NotValidForNameContext { .. },
                )),
                Some(cert),
            ) if self.accept_cn && cert.alt_names.is_none() => {
                let host = match server_name {
                    ServerName::DnsName(name) => name.as_ref().to_string(),
                    other => other.to_str().into_owned(),
                };
                match cert.common_name.as_deref() {
                    Some(cn) if cn.eq_ignore_ascii_case(&host) => {
                        Ok(ServerCertVerified::assertion())
                    }
                    _ => verified,
                }
            }
            _ => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A certificate problem in words, with what the presented certificate says: the names it is
/// valid for (or that it has no subjectAltName and what would accept it), the date it expired
/// or becomes valid. Other errors as [`describe`] words them.
pub fn describe_presented(
    error: &rustls::Error,
    given: TrustGiven<'_>,
    presented: Option<&Certificate>,
    host: &str,
    accept_cn_option: &str,
) -> String {
    use rustls::CertificateError as C;
    let Some(cert) = presented else {
        return describe(error, given);
    };
    match error {
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => match (&cert.alt_names, &cert.common_name) {
            (None, Some(cn)) if cn.eq_ignore_ascii_case(host) => format!(
                "the server certificate has no subjectAltName, and modern TLS ignores its CN ({cn}): reissue it with a subjectAltName, or accept the CN with {accept_cn_option}"
            ),
            (None, cn) => format!(
                "the server certificate is not valid for {host}: it has no subjectAltName, and its CN is {}",
                cn.as_deref().unwrap_or("absent")
            ),
            (Some(names), _) if names.is_empty() => format!(
                "the server certificate is not valid for {host}: its subjectAltName names no host"
            ),
            (Some(names), _) => format!(
                "the server certificate is not valid for {host} (it is valid for {})",
                names.join(", ")
            ),
        },
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => format!(
            "the server certificate expired on {}",
            crate::certificate::date(cert.not_after)
        ),
        rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            format!(
                "the server certificate is not valid before {}",
                crate::certificate::date(cert.not_before)
            )
        }
        other => describe(other, given),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError as C;

    const NOT_GIVEN: TrustGiven<'static> = TrustGiven {
        ca_option: "--ca-file",
        ca_given: false,
        port_kind: "an LDAPS",
    };
    const GIVEN: TrustGiven<'static> = TrustGiven {
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

    #[test]
    fn the_presented_certificate_in_words() {
        let cert = |alt_names: Option<Vec<&str>>, common_name: Option<&str>| Certificate {
            common_name: common_name.map(str::to_owned),
            alt_names: alt_names.map(|n| n.into_iter().map(str::to_owned).collect()),
            // 2026-11-01 and 2026-11-03 (Unix seconds).
            not_before: 1_793_491_200,
            not_after: 1_793_664_000,
            is_ca: false,
        };
        let name = rustls::Error::InvalidCertificate(C::NotValidForName);
        let expired = rustls::Error::InvalidCertificate(C::Expired);
        let not_yet = rustls::Error::InvalidCertificate(C::NotValidYet);
        let unknown = rustls::Error::InvalidCertificate(C::UnknownIssuer);
        let dc = "dc1.samdom.example";
        let cases = [
            (
                &name,
                cert(None, Some("DC1.samdom.example")),
                "the server certificate has no subjectAltName, and modern TLS ignores its CN (DC1.samdom.example): reissue it with a subjectAltName, or accept the CN with --tls-accept-cn",
            ),
            (
                &name,
                cert(None, Some("other.example")),
                "the server certificate is not valid for dc1.samdom.example: it has no subjectAltName, and its CN is other.example",
            ),
            (
                &name,
                cert(None, None),
                "the server certificate is not valid for dc1.samdom.example: it has no subjectAltName, and its CN is absent",
            ),
            (
                &name,
                cert(Some(vec![]), Some(dc)),
                "the server certificate is not valid for dc1.samdom.example: its subjectAltName names no host",
            ),
            (
                &name,
                cert(Some(vec!["a.example", "10.0.0.1"]), Some(dc)),
                "the server certificate is not valid for dc1.samdom.example (it is valid for a.example, 10.0.0.1)",
            ),
            (
                &expired,
                cert(Some(vec![dc]), None),
                "the server certificate expired on 2026-11-03",
            ),
            (
                &not_yet,
                cert(Some(vec![dc]), None),
                "the server certificate is not valid before 2026-11-01",
            ),
            (
                &unknown,
                cert(Some(vec![dc]), None),
                "the server certificate is not signed by the CA in --ca-file",
            ),
        ];
        for (error, presented, words) in cases {
            let got = describe_presented(error, GIVEN, Some(&presented), dc, "--tls-accept-cn");
            assert!(got.starts_with(words), "{error:?} on {presented:?}: {got}");
        }
        // Nothing presented (the handshake ended before a certificate): the error alone.
        assert_eq!(
            describe_presented(&expired, GIVEN, None, dc, "--tls-accept-cn"),
            "the server certificate has expired"
        );
    }
}
