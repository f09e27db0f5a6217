//! What the user can say to check_ldap_paging, and its validation into a [`Config`].

use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};
use hastack_common::address::HostPort;
use hastack_common::input::{CA_FILE_CAP, read_capped};
use hastack_common::{
    CheckError, CommonArgs, Context, Secret, State, ThresholdArgs, ThresholdPair, ThresholdSet,
    Thresholds,
};

use crate::evaluate::Criteria;
use crate::ldap::filter;
use crate::ldap::message::Scope;
use crate::probe::{Security, Target, Trust};

const DEFAULT_PORT: u16 = 389;
const DEFAULT_PAGE_SIZE: u32 = 500;
const PASSWORD_ENV: &str = "LDAP_PASSWORD";

/// The entries counted (the values, with `--attribute`): `-w/--warning`, `-c/--critical`.
const ENTRIES: ThresholdPair = hastack_common::threshold_pair!(
    entries,
    "entries",
    "the number of entries (of values, with --attribute), e.g. 900 as the count nears AD's 1000",
    "Thresholds"
)
.main();
const TIME: ThresholdPair = hastack_common::threshold_pair!(
    time,
    "time",
    "the time of the search that counted the entries (seconds)",
    "Thresholds"
);
const CERT: ThresholdPair = hastack_common::threshold_pair!(
    cert,
    "cert",
    "the server certificate's remaining days, e.g. 30: (fewer than 30 days)",
    "Thresholds"
);

/// check_ldap_paging's threshold pairs, in the order `--help` lists them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pairs;

impl ThresholdSet for Pairs {
    const PAIRS: &'static [ThresholdPair] = &[ENTRIES, TIME, CERT];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScopeArg {
    Base,
    One,
    Sub,
}

/// What `--help` ends with, the man page's NOTES and EXAMPLES, and the CheckCommand's header:
/// how the plugin judges, and examples.
const OPERATOR_TEXT: &str = r#"The check reads the root DSE (is the paged-results control offered?) and runs the search unpaged.
Only when the server cuts that short (size, time or administrative limit exceeded) does it count
every entry again with paging: a directory is never read twice when once tells all. Only DNs are
requested and entries are counted as they stream, so memory stays flat however large the
directory.

Unpaged searches that see fewer entries than the paged count are --truncation-state (WARNING by
default). A search cut short with no paged-results control offered is CRITICAL (nothing can read
the whole set), and so is a paged search cut short too (OpenLDAP size.prtotal, AD's
MaxQueryDuration). A page size the server rejects is retried with the limit the unpaged search
revealed: a WARNING saying what to set, CRITICAL when that fails too. Counts that contradict each
other are UNKNOWN: the server is inconsistent. -w/-c judge the total (-w 900 warns as it nears
AD's 1000), or with --attribute the values.

Active Directory (its root DSE says so): the check reads the domain's query policy and judges
against it, because a DC need not enforce it. Samba answers an unpaged search of 1002 users whole
where a Windows DC of the same domain cuts it at 1000: more entries than MaxPageSize are
--truncation-state even when this DC answered them all. --attribute counts the values of one
attribute through range retrieval (a plain read elsewhere), judged against MaxValRange the same
way. Continuation references are counted and named at -v, never followed. A rejected bind is said
in AD's words (wrong password, account locked out, disabled, expired, password expired or to be
changed), and result 8 means the DC requires TLS or signing for simple binds.

TLS: ldaps:// or --starttls. --tls-ca FILE (alias --ca-file) is then the only trusted CA, the
system's store otherwise. Samba's own certificate, and older AD ones, carry the name in the CN and
no subjectAltName, which modern TLS ignores: --tls-accept-cn accepts the CN for the host, the CA
still verified. --tls-server-name verifies another name than the host connected to. --cert-warning
and --cert-critical take ranges of the days left: --cert-warning 30: warns below 30 days (a bare
30 is refused: it would alert above 30 days). A TLS failure names the certificate problem and what
the certificate says.

The password, first found: -P (visible in ps), --password-file, LDAP_PASSWORD. Without -D the
search is anonymous, and -D with an empty password is refused (servers take it as anonymous). A
password a server quotes back is printed as ********.

Perfdata: entries, unpaged_entries, pages (0 when the unpaged search was complete), references,
time, on AD max_page_size, max_val_range and max_query_duration, with --attribute values and
plain_values, with --cert-* certificate_days.

Examples:
  LDAP_PASSWORD=secret check_ldap_paging -H dc1 --starttls -D cn=nagios,dc=ex,dc=com -b dc=ex,dc=com
      The whole domain counted, WARNING when unpaged clients see fewer entries than exist.
  check_ldap_paging -U ldaps://dc1.ex.com --tls-ca /etc/ssl/ca.pem -b ou=users,dc=ex,dc=com -w 900
      Anonymous count of one OU over LDAPS, WARNING above 900 entries, before AD's 1000 bites.
  check_ldap_paging -H dc1 --starttls --cert-warning 30: --cert-critical 7: -b dc=ex,dc=com
      The count, and the server certificate's days left: WARNING below 30, CRITICAL below 7.
  check_ldap_paging -U ldaps://dc1 -b cn=ops,ou=groups,dc=ex,dc=com --scope base --attribute member
      The members of one group, counted through range retrieval on AD, judged against MaxValRange.
"#;

/// Count a directory search completely through paged results (RFC 2696), and report what
#[derive(Debug, Parser)]
#[command(
    name = "check_ldap_paging",
    version,
    after_help = "See --help (or man check_ldap_paging) for what is judged, and examples",
    after_long_help = OPERATOR_TEXT
)]
pub struct Cli {
    /// LDAP server host [default: 127.0.0.1]
    #[arg(short = 'H', long, value_name = "HOST", help_heading = "Server")]
    pub(crate) host: Option<String>,

    /// LDAP server port [default: 389]
    #[arg(short = 'p', long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Server")]
    pub(crate) port: Option<u16>,

    /// Server as a URI, ldap://HOST[:PORT] or ldaps://HOST[:PORT] (-H and -p are then not used)
    #[arg(short = 'U', long, value_name = "URI", help_heading = "Server")]
    pub(crate) uri: Option<String>,

    /// Upgrade the ldap:// connection with StartTLS
    #[arg(long, help_heading = "Server")]
    pub(crate) starttls: bool,

    /// Trust this CA (PEM) for the server certificate, instead of the system's
    #[arg(
        long = "tls-ca",
        visible_alias = "ca-file",
        value_name = "FILE",
        help_heading = "Server"
    )]
    pub(crate) tls_ca: Option<PathBuf>,

    /// Do not verify the server certificate or name (insecure)
    #[arg(long, help_heading = "Server")]
    pub(crate) tls_skip_verify: bool,

    /// Accept a certificate without subjectAltName whose CN names the host (Samba's own and older AD certificates), the CA still verified
    #[arg(long, help_heading = "Server")]
    pub(crate) tls_accept_cn: bool,

    /// Verify the certificate for this name instead of the host connected to (e.g. connecting by address)
    #[arg(long, value_name = "NAME", help_heading = "Server")]
    pub(crate) tls_server_name: Option<String>,

    /// Bind as this DN (anonymous without it)
    #[arg(short = 'D', long, value_name = "DN", help_heading = "Bind")]
    pub(crate) bind_dn: Option<String>,

    /// Password for --bind-dn, visible to every local user in `ps`: prefer LDAP_PASSWORD or --password-file
    #[arg(
        short = 'P',
        long,
        value_name = "PASSWORD",
        conflicts_with = "password_file",
        requires = "bind_dn",
        help_heading = "Bind"
    )]
    pub(crate) password: Option<String>,

    /// Read the password for --bind-dn from this file (trailing newline ignored)
    #[arg(long, value_name = "FILE", requires = "bind_dn", help_heading = "Bind")]
    pub(crate) password_file: Option<PathBuf>,

    /// Search base DN
    #[arg(short = 'b', long, value_name = "DN", help_heading = "Search")]
    pub(crate) base: String,

    /// Search filter
    #[arg(
        short = 'f',
        long,
        value_name = "FILTER",
        default_value = "(objectClass=*)",
        help_heading = "Search"
    )]
    pub(crate) filter: String,

    /// Search scope
    #[arg(long, value_name = "SCOPE", value_enum, default_value_t = ScopeArg::Sub, help_heading = "Search")]
    pub(crate) scope: ScopeArg,

    /// Count the values of ATTR on the entries found, through range retrieval (AD returns at most MaxValRange values at once): -w/-c then apply to the values
    #[arg(long, value_name = "ATTR", help_heading = "Search")]
    pub(crate) attribute: Option<String>,

    /// Count with paging even when the unpaged search completed (proves the paged path, as AD admins want)
    #[arg(long, help_heading = "Search")]
    pub(crate) always_page: bool,

    /// Entries per page of the paged search
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..=1_000_000), help_heading = "Search")]
    pub(crate) page_size: u32,

    #[command(flatten)]
    pub(crate) thresholds: ThresholdArgs<Pairs>,

    /// State when unpaged searches see fewer entries than exist
    #[arg(long, value_name = "STATE", value_enum, default_value_t = State::Warning, help_heading = "Thresholds")]
    pub(crate) truncation_state: State,

    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// The validated options: the directory and the search, and how to judge the count.
pub(crate) type Config = hastack_common::Config<Target, Criteria>;

impl Cli {
    pub(crate) fn into_config(self, ctx: &Context) -> Result<Config, CheckError> {
        let (address, ldaps) = self.server()?;
        let url = format!("{}://{address}", if ldaps { "ldaps" } else { "ldap" });
        let security = self.security(ldaps)?;
        let tls_name = self
            .tls_server_name
            .clone()
            .unwrap_or_else(|| address.host.clone());
        let criteria = self.criteria()?;
        let target = Target {
            url,
            host: address.host,
            port: address.port,
            tls_name,
            accept_cn: self.tls_accept_cn,
            security,
            trust: self.trust(ctx)?,
            attribute: self.attribute()?,
            filter: self.encoded_filter()?,
            bind: self.bind(ctx)?,
            scope: match self.scope {
                ScopeArg::Base => Scope::Base,
                ScopeArg::One => Scope::One,
                ScopeArg::Sub => Scope::Sub,
            },
            page_size: self.page_size,
            always_page: self.always_page,
            base: self.base,
        };
        Ok(Config { target, criteria })
    }

    /// The server's host and port, from `-U` or `-H`/`-p`, and whether it speaks LDAPS.
    fn server(&self) -> Result<(HostPort, bool), CheckError> {
        if let Some(uri) = &self.uri {
            return parse_uri(uri).map_err(CheckError::usage);
        }
        let host = self.host.as_deref().unwrap_or("127.0.0.1").trim();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || "/?#@".contains(c)) {
            return Err(CheckError::usage(format!(
                "invalid -H '{host}': not a host name or address"
            )));
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = self.port.unwrap_or(DEFAULT_PORT);
        Ok((HostPort { host, port }, false))
    }

    /// Plain, StartTLS or LDAPS; TLS options need one of the two with TLS.
    fn security(&self, ldaps: bool) -> Result<Security, CheckError> {
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
        let tls_options = self.tls_ca.is_some()
            || self.tls_skip_verify
            || self.tls_accept_cn
            || self.tls_server_name.is_some()
            || self.thresholds.given(&CERT);
        if tls_options && security == Security::Plain {
            return Err(CheckError::usage(
                "--tls-* and --cert-* need TLS: add --starttls or use -U ldaps://...",
            ));
        }
        Ok(security)
    }

    /// What the server certificate is verified against; a CA file is read and checked now.
    fn trust(&self, ctx: &Context) -> Result<Trust, CheckError> {
        match (&self.tls_ca, self.tls_skip_verify) {
            (Some(_), true) => Err(CheckError::usage(
                "--tls-ca and --tls-skip-verify contradict each other: verify with the CA, or not at all",
            )),
            (Some(path), false) => {
                let pem = read_capped(ctx, "CA file", path, CA_FILE_CAP)?;
                Ok(Trust::CaFile(ca_certificates(path, &pem)?))
            }
            (None, true) => Ok(Trust::SkipVerify),
            (None, false) => Ok(Trust::System),
        }
    }

    /// `--attribute`: a plain attribute name, without options (`member`, not `member;range=`).
    fn attribute(&self) -> Result<Option<String>, CheckError> {
        match &self.attribute {
            Some(name)
                if !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                Ok(Some(name.clone()))
            }
            Some(name) => Err(CheckError::usage(format!(
                "invalid --attribute '{name}': an attribute name (letters, digits, '-'), without options"
            ))),
            None => Ok(None),
        }
    }

    /// The filter, BER-encoded now: a bad one is a usage error before any connection.
    fn encoded_filter(&self) -> Result<Vec<u8>, CheckError> {
        filter::encode(&self.filter).map_err(|why| {
            let shown: String = self.filter.chars().take(80).collect();
            let more = if shown.len() < self.filter.len() {
                "..."
            } else {
                ""
            };
            CheckError::usage(format!(
                "invalid --filter '{shown}{more}': {why} (RFC 4515, e.g. (objectClass=user))"
            ))
        })
    }

    /// The DN to bind as and its password, from the first source given.
    fn bind(&self, ctx: &Context) -> Result<Option<(String, Secret)>, CheckError> {
        let Some(dn) = &self.bind_dn else {
            return Ok(None);
        };
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
        // many servers accept as anonymous; the check would then report a search as if bound.
        if password.expose().is_empty() {
            return Err(CheckError::usage(format!(
                "the password for --bind-dn '{dn}' is empty: that is an unauthenticated bind, which servers treat as anonymous"
            )));
        }
        Ok(Some((dn.clone(), password)))
    }

    fn criteria(&self) -> Result<Criteria, CheckError> {
        Ok(Criteria {
            entries: self.thresholds.get(&ENTRIES),
            time: self.thresholds.get(&TIME),
            truncation_state: self.truncation_state,
            cert: certificate_days(self.thresholds.get(&CERT))?,
        })
    }
}

/// The certificate's ranges judge the days left, as every range does: `30:` alerts below 30
/// days. A bare `30`, which the option meant before it took ranges, would now alert ABOVE 30
/// days, the opposite of what was written: refused, with the form that means it.
fn certificate_days(thresholds: Thresholds) -> Result<Thresholds, CheckError> {
    let given = [thresholds.warning(), thresholds.critical()];
    for (range, long) in given.into_iter().zip(CERT.longs) {
        let Some(range) = range else { continue };
        let text = range.to_string();
        if !text.contains([':', '@']) {
            return Err(CheckError::usage(format!(
                "--{long} {text} would alert while more than {text} days are left: the option takes a range of the days left, write --{long} {text}: for fewer than {text} days"
            )));
        }
    }
    Ok(thresholds)
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
                "--tls-* and --cert-* need TLS: add --starttls or use -U ldaps://...",
            ),
            (
                &["-b", "x", "--cert-critical", "7:"],
                "--tls-* and --cert-* need TLS: add --starttls or use -U ldaps://...",
            ),
            (
                &[
                    "-b",
                    "x",
                    "--starttls",
                    "--tls-skip-verify",
                    "--tls-ca",
                    "/dev/null",
                ],
                "--tls-ca and --tls-skip-verify contradict each other: verify with the CA, or not at all",
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
                &["-b", "x", "--starttls", "--tls-ca", "/"],
                "cannot read CA file '/': is a directory",
            ),
            // The old name still works.
            (
                &["-b", "x", "--starttls", "--ca-file", "/"],
                "cannot read CA file '/': is a directory",
            ),
            (
                &["-b", "x", "--starttls", "--cert-warning", "30"],
                "--cert-warning 30 would alert while more than 30 days are left: the option takes a range of the days left, write --cert-warning 30: for fewer than 30 days",
            ),
            (
                &[
                    "-b",
                    "x",
                    "--starttls",
                    "--cert-warning",
                    "30:",
                    "--cert-critical",
                    "7",
                ],
                "--cert-critical 7 would alert while more than 7 days are left: the option takes a range of the days left, write --cert-critical 7: for fewer than 7 days",
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
    fn certificate_days_are_ranges_of_the_days_left() {
        let thresholds = |args: &[&str]| {
            let base = ["-b", "x", "-U", "ldaps://dc1"];
            config(&[&base[..], args].concat())
                .expect("config")
                .criteria
                .cert
        };
        let range = |text: &str| text.parse::<hastack_common::Range>().ok();
        assert_eq!(thresholds(&[]), Thresholds::default());
        assert_eq!(
            thresholds(&["--cert-warning", "30:", "--cert-critical", "7:"]),
            Thresholds::new(range("30:"), range("7:"))
        );
        // Given with ':' or '@', a range is taken as written.
        assert_eq!(
            thresholds(&["--cert-critical", "@0:7"]),
            Thresholds::new(None, range("@0:7"))
        );
        assert_eq!(
            thresholds(&["--cert-warning", "~:3650"]),
            Thresholds::new(range("~:3650"), None)
        );
    }

    #[test]
    fn threshold_pairs_keep_their_names() {
        let c = config(&[
            "-b",
            "x",
            "-w",
            "900",
            "--critical",
            "1000",
            "--time-warning",
            "2",
        ])
        .expect("config");
        let range = |text: &str| text.parse::<hastack_common::Range>().ok();
        assert_eq!(
            c.criteria.entries,
            Thresholds::new(range("900"), range("1000"))
        );
        assert_eq!(c.criteria.time, Thresholds::new(range("2"), None));
        assert_eq!(
            (ENTRIES.ids, TIME.ids, CERT.ids),
            (
                ["entries_warning", "entries_critical"],
                ["time_warning", "time_critical"],
                ["cert_warning", "cert_critical"]
            )
        );
        assert_eq!(CERT.options(), "--cert-warning/--cert-critical");
    }

    #[test]
    fn password_from_option() {
        let c = config(&["-b", "x", "-D", "cn=r", "-P", "pw"]).expect("config");
        let (dn, password) = c.target.bind.expect("bind");
        assert_eq!((dn.as_str(), password.expose()), ("cn=r", "pw"));
    }
}
