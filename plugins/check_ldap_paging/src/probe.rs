//! Talking to the directory (ldap3): connect, bind, read the root DSE, search unpaged, and count
//! with paged results when the unpaged search is cut short. I/O only: plain facts for
//! `evaluate`, or an error naming what failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hastack_common::error::describe_io_error;
use hastack_common::{CheckError, Context, State};
use ldap3::controls::RawControl;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Scope, SearchEntry};

use crate::ber;
use crate::cli::{Config, ScopeArg, Security, Trust};

/// RFC 2696's paged-results control.
pub const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";
/// sizeLimitExceeded, timeLimitExceeded, adminLimitExceeded: the server stopped early.
pub const SIZE_LIMIT_EXCEEDED: u32 = 4;
pub const TIME_LIMIT_EXCEEDED: u32 = 3;
pub const ADMIN_LIMIT_EXCEEDED: u32 = 11;
/// A paged search longer than this many pages is not a directory, it is a loop.
const MAX_PAGES: u64 = 10_000_000;

/// How one search ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    pub entries: u64,
    pub rc: u32,
    pub text: String,
    pub time: Duration,
}

/// The paged count.
#[derive(Debug, Clone, PartialEq)]
pub struct PagedOutcome {
    pub search: SearchOutcome,
    pub pages: u64,
    /// The page size the count used.
    pub page_size: u32,
    /// The page size asked for first, when the server rejected it (adminLimitExceeded).
    pub rejected_page_size: Option<u32>,
}

/// Everything the directory said.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// From the root DSE's supportedControl; `None` when the root DSE could not be read.
    pub paged_control_offered: Option<bool>,
    pub unpaged: SearchOutcome,
    /// Run only when the unpaged search was cut short.
    pub paged: Option<PagedOutcome>,
}

/// Whether a search result code means the server stopped before the end.
pub fn cut_short(rc: u32) -> bool {
    matches!(
        rc,
        SIZE_LIMIT_EXCEEDED | TIME_LIMIT_EXCEEDED | ADMIN_LIMIT_EXCEEDED
    )
}

pub async fn probe(config: &Config, ctx: &Context) -> Result<Facts, CheckError> {
    let mut ldap = connect(config, ctx).await?;
    if let Some((dn, password)) = &config.bind {
        let result = ctx
            .within(
                format!("binding as {dn}"),
                ldap.simple_bind(dn, password.expose()),
            )
            .await?
            .map_err(|e| describe_ldap_error(&e, config))?;
        if result.rc != 0 {
            return Err(CheckError::critical(describe_bind(dn, &result)));
        }
    }
    let paged_control_offered = ctx
        .within(
            format!("reading the root DSE of {}", config.url),
            root_dse_offers_paging(&mut ldap),
        )
        .await?;
    let stage = format!("searching {} unpaged", config.base);
    let unpaged = ctx
        .within(stage, search(&mut ldap, config, None))
        .await?
        .map_err(|e| describe_ldap_error(&e, config))?;
    let unpaged = unpaged.0;
    let paged = if cut_short(unpaged.rc) && paged_control_offered != Some(false) {
        Some(count_paged(&mut ldap, config, ctx, unpaged.entries).await?)
    } else {
        None
    };
    // A polite end; the answer is already known, so a server that does not answer the unbind
    // costs nothing.
    let _ = tokio::time::timeout(Duration::from_millis(100), ldap.unbind()).await;
    Ok(Facts {
        paged_control_offered,
        unpaged,
        paged,
    })
}

async fn connect(config: &Config, ctx: &Context) -> Result<Ldap, CheckError> {
    // No ldap3 connect timeout: the run's deadline bounds the connect, so a hang ends with
    // the --timeout-state and the stage, not as a connection error.
    let mut settings = LdapConnSettings::new().set_starttls(config.security == Security::StartTls);
    match &config.trust {
        Trust::System => {}
        Trust::SkipVerify => settings = settings.set_no_tls_verify(true),
        Trust::CaFile { path, pem } => {
            settings = settings.set_config(tls_config(path, pem)?);
        }
    }
    let stage = match config.security {
        Security::Plain => format!("connecting to {}", config.url),
        Security::StartTls => format!("connecting to {} and starting TLS", config.url),
        Security::Ldaps => format!("connecting to {} (TLS handshake)", config.url),
    };
    let (conn, ldap) = ctx
        .within(stage, LdapConnAsync::with_settings(settings, &config.url))
        .await?
        .map_err(|e| describe_ldap_error(&e, config))?;
    tokio::spawn(async move {
        // Errors surface on the operations that use the connection.
        let _ = conn.drive().await;
    });
    Ok(ldap)
}

/// A rustls client configuration trusting exactly the certificates of the CA file.
fn tls_config(path: &std::path::Path, pem: &[u8]) -> Result<Arc<rustls::ClientConfig>, CheckError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = |why: String| CheckError::usage(format!("CA file '{}' {why}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| bad(format!("is not PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| bad(format!("holds an unusable certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no certificate".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CheckError::unknown(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// `Some(true)` when the root DSE lists the paged-results control, `None` when it cannot be read
/// (some servers hide it from anonymous clients; paging is then simply tried).
async fn root_dse_offers_paging(ldap: &mut Ldap) -> Option<bool> {
    let result = ldap
        .search("", Scope::Base, "(objectClass=*)", vec!["supportedControl"])
        .await
        .ok()?;
    let (entries, res) = (result.0, result.1);
    if res.rc != 0 {
        return None;
    }
    let entry = entries.into_iter().next()?;
    let entry = SearchEntry::construct(entry);
    let controls = entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("supportedControl"))
        .map(|(_, values)| values.as_slice())
        .unwrap_or(&[]);
    Some(controls.iter().any(|oid| oid == PAGED_RESULTS_OID))
}

fn scope(arg: ScopeArg) -> Scope {
    match arg {
        ScopeArg::Base => Scope::Base,
        ScopeArg::One => Scope::OneLevel,
        ScopeArg::Sub => Scope::Subtree,
    }
}

/// One search, optionally with a paged-results control; entries are counted as they stream and
/// never kept. Returns the outcome and the response controls.
async fn search(
    ldap: &mut Ldap,
    config: &Config,
    page: Option<RawControl>,
) -> Result<(SearchOutcome, LdapResult), LdapError> {
    let started = Instant::now();
    if let Some(control) = page {
        ldap.with_controls(control);
    }
    // "1.1": no attributes, only the DNs.
    let mut stream = ldap
        .streaming_search(
            &config.base,
            scope(config.scope),
            &config.filter,
            vec!["1.1"],
        )
        .await?;
    let mut entries = 0u64;
    while let Some(entry) = stream.next().await? {
        if !entry.is_ref() && !entry.is_intermediate() {
            entries += 1;
        }
    }
    let result = stream.finish().await;
    let outcome = SearchOutcome {
        entries,
        rc: result.rc,
        text: result.text.clone(),
        time: started.elapsed(),
    };
    Ok((outcome, result))
}

/// Count every entry with paged results. A page size the server rejects on the first page
/// (adminLimitExceeded, OpenLDAP's `size.pr`) is retried once with the limit the unpaged search
/// revealed.
async fn count_paged(
    ldap: &mut Ldap,
    config: &Config,
    ctx: &Context,
    unpaged_entries: u64,
) -> Result<PagedOutcome, CheckError> {
    let first = page_through(ldap, config, ctx, config.page_size).await?;
    let inferred = u32::try_from(unpaged_entries).unwrap_or(u32::MAX);
    let rejected = first.search.rc == ADMIN_LIMIT_EXCEEDED && first.pages == 1;
    if rejected && inferred > 0 && inferred < config.page_size {
        let mut retry = page_through(ldap, config, ctx, inferred).await?;
        retry.rejected_page_size = Some(config.page_size);
        return Ok(retry);
    }
    Ok(PagedOutcome {
        rejected_page_size: rejected.then_some(config.page_size),
        ..first
    })
}

async fn page_through(
    ldap: &mut Ldap,
    config: &Config,
    ctx: &Context,
    page_size: u32,
) -> Result<PagedOutcome, CheckError> {
    let started = Instant::now();
    let mut cookie: Vec<u8> = Vec::new();
    let mut entries = 0u64;
    let mut pages = 0u64;
    loop {
        pages += 1;
        let control = RawControl {
            ctype: PAGED_RESULTS_OID.to_string(),
            crit: false,
            val: Some(ber::encode_paged_request(page_size, &cookie)),
        };
        let stage = format!(
            "reading page {pages} of the paged search of {} (page size {page_size})",
            config.base
        );
        let (outcome, result) = ctx
            .within(stage, search(ldap, config, Some(control)))
            .await?
            .map_err(|e| describe_ldap_error(&e, config))?;
        entries += outcome.entries;
        let done = |rc: u32, text: String| PagedOutcome {
            search: SearchOutcome {
                entries,
                rc,
                text,
                time: started.elapsed(),
            },
            pages,
            page_size,
            rejected_page_size: None,
        };
        if outcome.rc != 0 {
            return Ok(done(outcome.rc, outcome.text));
        }
        let response = result
            .ctrls
            .iter()
            .find(|c| c.1.ctype == PAGED_RESULTS_OID)
            .and_then(|c| c.1.val.as_deref());
        cookie = match response {
            Some(value) => ber::decode_paged_response(value).map_err(|why| {
                CheckError::critical(format!(
                    "the server's paged-results control on page {pages} is malformed: {why}"
                ))
            })?,
            // No control in the answer: the server ignored the (non-critical) request.
            None => Vec::new(),
        };
        if cookie.is_empty() {
            return Ok(done(0, String::new()));
        }
        if pages >= MAX_PAGES {
            return Err(CheckError::critical(format!(
                "the paged search did not end after {MAX_PAGES} pages"
            )));
        }
    }
}

/// A rejected bind in words: 49 is the common case.
pub fn describe_bind(dn: &str, result: &LdapResult) -> String {
    let detail = result.text.trim();
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    match result.rc {
        49 => format!("bind as {dn} rejected: invalid credentials{detail}"),
        rc => format!(
            "bind as {dn} rejected: {} (result code {rc}){detail}",
            result_code_words(rc)
        ),
    }
}

/// RFC 4511 result codes an operator meets.
pub fn result_code_words(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operations error",
        2 => "protocol error",
        3 => "time limit exceeded",
        4 => "size limit exceeded",
        7 => "authentication method not supported",
        8 => "stronger authentication required",
        10 => "referral",
        11 => "administrative limit exceeded",
        12 => "unavailable critical extension",
        13 => "confidentiality required",
        32 => "no such object",
        34 => "invalid DN syntax",
        48 => "inappropriate authentication",
        49 => "invalid credentials",
        50 => "insufficient access rights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwilling to perform",
        _ => "error",
    }
}

/// An ldap3 error in words; TLS failures name the certificate problem.
pub fn describe_ldap_error(error: &LdapError, config: &Config) -> CheckError {
    let url = &config.url;
    match error {
        LdapError::Io { source } => {
            if let Some(tls) = source
                .get_ref()
                .and_then(|e| e.downcast_ref::<rustls::Error>())
            {
                return CheckError::critical(format!(
                    "TLS with {url} failed: {}",
                    describe_tls(tls)
                ));
            }
            if source.kind() == std::io::ErrorKind::UnexpectedEof
                && config.security != Security::Plain
            {
                return CheckError::critical(format!(
                    "TLS with {url} failed: the server closed the connection during the handshake{}",
                    match config.security {
                        Security::Ldaps => " (is this an LDAPS port?)",
                        _ => "",
                    }
                ));
            }
            CheckError::critical(format!("{url}: {}", describe_io_error(source)))
        }
        LdapError::Rustls { source } => {
            CheckError::critical(format!("TLS with {url} failed: {}", describe_tls(source)))
        }
        LdapError::DNSName { .. } => CheckError::new(
            State::Unknown,
            format!(
                "{url}: the host is not a name TLS can verify (use a DNS name, or --tls-skip-verify)"
            ),
        ),
        LdapError::LdapResult { result } if config.security == Security::StartTls => {
            CheckError::critical(format!(
                "{url} refused StartTLS: {} (result code {}){}",
                result_code_words(result.rc),
                result.rc,
                if result.text.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", result.text.trim())
                }
            ))
        }
        LdapError::LdapResult { result } => CheckError::critical(format!(
            "{url}: {} (result code {})",
            result_code_words(result.rc),
            result.rc
        )),
        LdapError::FilterParsing => CheckError::usage(format!(
            "invalid --filter '{}': not an LDAP filter",
            config.filter
        )),
        LdapError::Timeout { .. } => CheckError::critical(format!("{url}: connection timed out")),
        LdapError::EndOfStream | LdapError::ResultRecv { .. } | LdapError::OpSend { .. } => {
            CheckError::critical(format!("{url} closed the connection"))
        }
        other => CheckError::critical(format!("{url}: {other}")),
    }
}

/// A rustls error as the certificate problem it is.
pub fn describe_tls(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => {
                "the server certificate is signed by an unknown CA (give the CA with --ca-file)"
                    .into()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the server certificate is not valid for this host name".into()
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
            other => format!("invalid server certificate: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => format!("the server sent TLS alert {alert:?}"),
        rustls::Error::InvalidMessage(_) => {
            "the server does not speak TLS there (is this an LDAPS port?)".into()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}
