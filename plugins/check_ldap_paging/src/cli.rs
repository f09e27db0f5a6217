//! What the user can say to check_ldap_paging, and its validation into a [`Config`].

use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};
use hastack_common::address::HostPort;
use hastack_common::input::{CA_FILE_CAP, read_capped};
use hastack_common::range::Thresholds;
use hastack_common::{CheckError, CommonArgs, Context, Range, Secret, State};

use crate::evaluate::Judgement;
use crate::ldap::filter;
use crate::ldap::message::Scope;
use crate::probe::{Security, Target, Trust};

pub const DEFAULT_PORT: u16 = 389;
pub const DEFAULT_PAGE_SIZE: u32 = 500;
pub const PASSWORD_ENV: &str = "LDAP_PASSWORD";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Base,
    One,
    Sub,
}

/// Count a directory search completely through paged results (RFC 2696), and report what
/// clients that do not page lose.
///
/// Reads the root DSE (is the paged-results control offered?), runs the search unpaged and,
/// when the server cuts it short (Active Directory answers at most 1000 entries), counts every
/// matching entry with paging. Only DNs are requested, and entries are counted as they stream:
/// memory stays flat however large the directory.
#[derive(Debug, Parser)]
#[command(
    name = "check_ldap_paging",
    version,
    after_help = "Password sources, first found wins: -P (visible in ps), --password-file, LDAP_PASSWORD.\n\
Without --bind-dn the search runs anonymously.\n\n\
Examples:\n  \
LDAP_PASSWORD=... check_ldap_paging -H dc1 -D 'CN=monitor,OU=Service,DC=example,DC=com' -b 'OU=Users,DC=example,DC=com' -f '(objectClass=user)' -w 900\n  \
check_ldap_paging -U ldaps://dc1.example.com --ca-file /etc/ssl/ad-ca.pem -b 'DC=example,DC=com' --truncation-state critical"
)]
pub struct Cli {
    /// LDAP server host [default: 127.0.0.1]
    #[arg(short = 'H', long, value_name = "HOST", help_heading = "Server")]
    pub host: Option<String>,

    /// LDAP server port [default: 389]
    #[arg(short = 'p', long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Server")]
    pub port: Option<u16>,

    /// Server as a URI, ldap://HOST[:PORT] or ldaps://HOST[:PORT] (-H and -p are then not used)
    #[arg(short = 'U', long, value_name = "URI", help_heading = "Server")]
    pub uri: Option<String>,

    /// Upgrade the ldap:// connection with StartTLS
    #[arg(long, help_heading = "Server")]
    pub starttls: bool,

    /// Trust this CA (PEM) for the server certificate, instead of the system's
    #[arg(long, value_name = "FILE", help_heading = "Server")]
    pub ca_file: Option<PathBuf>,

    /// Do not verify the server certificate or name (insecure)
    #[arg(long, help_heading = "Server")]
    pub tls_skip_verify: bool,

    /// Accept a certificate without subjectAltName whose CN names the host (Samba's own and older AD certificates), the CA still verified
    #[arg(long, help_heading = "Server")]
    pub tls_accept_cn: bool,

    /// Verify the certificate for this name instead of the host connected to (e.g. connecting by address)
    #[arg(long, value_name = "NAME", help_heading = "Server")]
    pub tls_server_name: Option<String>,

    /// Warn when the server certificate expires within DAYS
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650), help_heading = "Thresholds")]
    pub cert_warning: Option<u32>,

    /// Critical when the server certificate expires within DAYS
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650), help_heading = "Thresholds")]
    pub cert_critical: Option<u32>,

    /// Bind as this DN (anonymous without it)
    #[arg(short = 'D', long, value_name = "DN", help_heading = "Bind")]
    pub bind_dn: Option<String>,

    /// Password for --bind-dn, visible to every local user in `ps`: prefer LDAP_PASSWORD or --password-file
    #[arg(
        short = 'P',
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_file",
        requires = "bind_dn",
        help_heading = "Bind"
    )]
    pub password: Option<String>,

    /// Read the password for --bind-dn from this file (trailing newline ignored)
    #[arg(long, value_name = "FILE", requires = "bind_dn", help_heading = "Bind")]
    pub password_file: Option<PathBuf>,

    /// Search base DN
    #[arg(short = 'b', long, value_name = "DN", help_heading = "Search")]
    pub base: String,

    /// Search filter
    #[arg(
        short = 'f',
        long,
        value_name = "FILTER",
        default_value = "(objectClass=*)",
        help_heading = "Search"
    )]
    pub filter: String,

    /// Search scope
    #[arg(long, value_name = "SCOPE", value_enum, default_value_t = ScopeArg::Sub, help_heading = "Search")]
    pub scope: ScopeArg,

    /// Count the values of ATTR on the entries found, through range retrieval (AD returns at most MaxValRange values at once): -w/-c then apply to the values
    #[arg(long, value_name = "ATTR", help_heading = "Search")]
    pub attribute: Option<String>,

    /// Count with paging even when the unpaged search completed (proves the paged path, as AD admins want)
    #[arg(long, help_heading = "Search")]
    pub always_page: bool,

    /// Entries per page of the paged search
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..=1_000_000), help_heading = "Search")]
    pub page_size: u32,

    /// Warning range for the number of entries, e.g. 900 (warn as the count nears AD's 1000)
    #[arg(
        short = 'w',
        long = "warning",
        value_name = "RANGE",
        help_heading = "Thresholds"
    )]
    pub entries_warning: Option<Range>,

    /// Critical range for the number of entries
    #[arg(
        short = 'c',
        long = "critical",
        value_name = "RANGE",
        help_heading = "Thresholds"
    )]
    pub entries_critical: Option<Range>,

    /// Warning range for the time of the search that counted the entries (seconds)
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub time_warning: Option<Range>,

    /// Critical range for the time of the search that counted the entries (seconds)
    #[arg(long, value_name = "RANGE", help_heading = "Thresholds")]
    pub time_critical: Option<Range>,

    /// State when unpaged searches see fewer entries than exist
    #[arg(long, value_name = "STATE", value_enum, default_value_t = State::Warning, help_heading = "Thresholds")]
    pub truncation_state: State,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// The validated options: the directory and the search, and how to judge the count.
pub type Config = hastack_common::Config<Target, Judgement>;

impl Cli {
    pub fn into_config(self, ctx: &Context) -> Result<Config, CheckError> {
        let (address, ldaps) = match &self.uri {
            Some(uri) => parse_uri(uri).map_err(CheckError::usage)?,
            None => {
                let host = self.host.clone().unwrap_or_else(|| "127.0.0.1".into());
                let host = host.trim().to_string();
                if host.is_empty()
                    || host.contains(|c: char| c.is_whitespace() || "/?#@".contains(c))
                {
                    return Err(CheckError::usage(format!(
                        "invalid -H '{host}': not a host name or address"
                    )));
                }
                let port = self.port.unwrap_or(DEFAULT_PORT);
                let host = host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                (HostPort { host, port }, false)
            }
        };
        let url = format!("{}://{address}", if ldaps { "ldaps" } else { "ldap" });
        let security = match (ldaps, self.starttls) {
            (true, true) => {
                return Err(CheckError::usage(
                    "--starttls upgrades ldap:// connections, ldaps:// is TLS from the start",
                ));
            }
            (true, false) => Security::Ldaps,
            (false, true) => Security::StartTls,
            (false, false) => Security::Plain,
        };
        let tls_options = self.ca_file.is_some()
            || self.tls_skip_verify
            || self.tls_accept_cn
            || self.tls_server_name.is_some()
            || self.cert_warning.is_some()
            || self.cert_critical.is_some();
        if tls_options && security == Security::Plain {
            return Err(CheckError::usage(
                "--ca-file, --tls-* and --cert-* need TLS: add --starttls or use -U ldaps://...",
            ));
        }
        let tls_name = self
            .tls_server_name
            .clone()
            .unwrap_or_else(|| address.host.clone());
        let trust = match (&self.ca_file, self.tls_skip_verify) {
            (Some(_), true) => {
                return Err(CheckError::usage(
                    "--ca-file and --tls-skip-verify contradict each other: verify with the CA, or not at all",
                ));
            }
            (Some(path), false) => {
                let pem = read_capped(ctx, "CA file", path, CA_FILE_CAP)?;
                Trust::CaFile(ca_certificates(path, &pem)?)
            }
            (None, true) => Trust::SkipVerify,
            (None, false) => Trust::System,
        };
        let attribute = match &self.attribute {
            Some(name)
                if !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                Some(name.clone())
            }
            Some(name) => {
                return Err(CheckError::usage(format!(
                    "invalid --attribute '{name}': an attribute name (letters, digits, '-'), without options"
                )));
            }
            None => None,
        };
        let filter = filter::encode(&self.filter).map_err(|why| {
            let shown: String = self.filter.chars().take(80).collect();
            let more = if shown.len() < self.filter.len() {
                "..."
            } else {
                ""
            };
            CheckError::usage(format!(
                "invalid --filter '{shown}{more}': {why} (RFC 4515, e.g. (objectClass=user))"
            ))
        })?;
        let bind = match &self.bind_dn {
            Some(dn) => {
                let password = Secret::from_sources(
                    ctx,
                    self.password.as_deref(),
                    self.password_file.as_deref(),
                    None,
                    PASSWORD_ENV,
                )?
                .ok_or_else(|| {
                    CheckError::usage(format!(
                        "no password for --bind-dn '{dn}': set {PASSWORD_ENV}, or give --password-file"
                    ))
                })?;
                // RFC 4513 5.1.2: a name with an empty password is an unauthenticated bind, which
                // many servers accept as anonymous; the check would then report a search as if
                // bound.
                if password.expose().is_empty() {
                    return Err(CheckError::usage(format!(
                        "the password for --bind-dn '{dn}' is empty: that is an unauthenticated bind, which servers treat as anonymous"
                    )));
                }
                Some((dn.clone(), password))
            }
            None => None,
        };
        let scope = match self.scope {
            ScopeArg::Base => Scope::Base,
            ScopeArg::One => Scope::One,
            ScopeArg::Sub => Scope::Sub,
        };
        Ok(Config {
            target: Target {
                url,
                host: address.host,
                port: address.port,
                tls_name,
                accept_cn: self.tls_accept_cn,
                security,
                trust,
                bind,
                base: self.base,
                filter,
                scope,
                page_size: self.page_size,
                always_page: self.always_page,
                attribute,
            },
            judge: Judgement {
                entries: Thresholds::new(self.entries_warning, self.entries_critical),
                time: Thresholds::new(self.time_warning, self.time_critical),
                truncation_state: self.truncation_state,
                cert_warning_days: self.cert_warning,
                cert_critical_days: self.cert_critical,
            },
        })
    }
}

/// The certificates of a CA file, each checked to be usable as a trust anchor.
fn ca_certificates(
    path: &Path,
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, CheckError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |why: String| CheckError::usage(format!("CA file '{}' {why}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| bad(format!("is not PEM: {e}")))?;
        roots
            .add(cert.clone())
            .map_err(|e| bad(format!("holds an unusable certificate: {e}")))?;
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    Ok(certs)
}

/// `ldap://HOST[:PORT]` or `ldaps://HOST[:PORT]` (a trailing `/` allowed); returns the host and
/// port and whether it is ldaps.
fn parse_uri(uri: &str) -> Result<(HostPort, bool), String> {
    let bad = |why: &str| {
        format!("invalid --uri '{uri}': {why} (expected ldap://HOST[:PORT] or ldaps://HOST[:PORT])")
    };
    let (ldaps, rest) = if let Some(rest) = uri.strip_prefix("ldaps://") {
        (true, rest)
    } else if let Some(rest) = uri.strip_prefix("ldap://") {
        (false, rest)
    } else {
        return Err(bad("the scheme must be ldap or ldaps"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#', '@']) {
        return Err(bad(
            "only a host and port are taken: give the base DN with -b",
        ));
    }
    let default_port = if ldaps { 636 } else { DEFAULT_PORT };
    let address = HostPort::parse(rest, default_port, "TCP").map_err(|why| bad(&why))?;
    Ok((address, ldaps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn ctx() -> Context {
        Context::new(Instant::now(), Duration::from_secs(10), State::Unknown, 0)
    }

    fn config(args: &[&str]) -> Result<Config, CheckError> {
        Cli::try_parse_from(std::iter::once("check_ldap_paging").chain(args.iter().copied()))
            .expect("parse")
            .into_config(&ctx())
    }

    #[test]
    fn servers_as_host_port_or_uri() {
        let table: &[(&[&str], &str, Security)] = &[
            (&["-b", "dc=x"], "ldap://127.0.0.1:389", Security::Plain),
            (
                &["-b", "dc=x", "-H", "dc1", "-p", "3389", "--starttls"],
                "ldap://dc1:3389",
                Security::StartTls,
            ),
            (
                &["-b", "dc=x", "-H", "::1"],
                "ldap://[::1]:389",
                Security::Plain,
            ),
            (
                &["-b", "dc=x", "-U", "ldaps://dc1"],
                "ldaps://dc1:636",
                Security::Ldaps,
            ),
            (
                &["-b", "dc=x", "-U", "ldap://dc1:1389/"],
                "ldap://dc1:1389",
                Security::Plain,
            ),
            (
                &["-b", "dc=x", "-U", "ldaps://[::1]:1636"],
                "ldaps://[::1]:1636",
                Security::Ldaps,
            ),
        ];
        for (args, url, security) in table {
            let c = config(args).expect("config");
            assert_eq!(
                (c.target.url.as_str(), &c.target.security),
                (*url, security),
                "{args:?}"
            );
        }
    }

    #[test]
    fn usage_errors_name_the_input() {
        let table: &[(&[&str], &str)] = &[
            (
                &["-b", "x", "-U", "http://dc1"],
                "invalid --uri 'http://dc1': the scheme must be ldap or ldaps (expected ldap://HOST[:PORT] or ldaps://HOST[:PORT])",
            ),
            (
                &["-b", "x", "-U", "ldap://dc1/dc=x?cn"],
                "invalid --uri 'ldap://dc1/dc=x?cn': only a host and port are taken: give the base DN with -b (expected ldap://HOST[:PORT] or ldaps://HOST[:PORT])",
            ),
            (
                &["-b", "x", "-U", "ldaps://dc1", "--starttls"],
                "--starttls upgrades ldap:// connections, ldaps:// is TLS from the start",
            ),
            (
                &["-b", "x", "--tls-skip-verify"],
                "--ca-file, --tls-* and --cert-* need TLS: add --starttls or use -U ldaps://...",
            ),
            (
                &[
                    "-b",
                    "x",
                    "--starttls",
                    "--tls-skip-verify",
                    "--ca-file",
                    "/dev/null",
                ],
                "--ca-file and --tls-skip-verify contradict each other: verify with the CA, or not at all",
            ),
            (
                &["-b", "x", "-f", "objectClass=*)"],
                "invalid --filter 'objectClass=*)': unexpected text after the filter at character 14 (RFC 4515, e.g. (objectClass=user))",
            ),
            (
                &["-b", "x", "-D", "cn=reader,dc=x"],
                "no password for --bind-dn 'cn=reader,dc=x': set LDAP_PASSWORD, or give --password-file",
            ),
            (
                &["-b", "x", "--starttls", "--ca-file", "/"],
                "cannot read CA file '/': is a directory",
            ),
            (
                &["-b", "x", "-H", "a b"],
                "invalid -H 'a b': not a host name or address",
            ),
        ];
        for (args, message) in table {
            let err = config(args).expect_err("usage error");
            assert_eq!(err.message(), *message, "{args:?}");
            assert_eq!(err.state(), State::Unknown);
        }
    }

    #[test]
    fn password_from_option() {
        let c = config(&["-b", "x", "-D", "cn=r", "-P", "pw"]).expect("config");
        let (dn, password) = c.target.bind.expect("bind");
        assert_eq!((dn.as_str(), password.expose()), ("cn=r", "pw"));
    }
}
