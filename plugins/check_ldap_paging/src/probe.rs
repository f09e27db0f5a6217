//! Talking to the directory (ldap3): connect, bind, read the root DSE, search unpaged, and count
//! with paged results when the unpaged search is cut short. I/O only: plain facts for
//! `evaluate`, or an error naming what failed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hastack_common::error::describe_io_error;
use hastack_common::tls::find_rustls;
use hastack_common::{Context, Secret};
use ldap3::controls::RawControl;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Scope, SearchEntry};

use crate::evaluate::{
    ADMIN_LIMIT_EXCEEDED, Directory, Facts, Failure, PagedOutcome, SearchOutcome, cut_short,
};
use crate::ldap::ber;

/// RFC 2696's paged-results control.
pub const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";
/// A paged search longer than this many pages is not a directory, it is a loop.
const MAX_PAGES: u64 = 10_000_000;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    StartTls,
    Ldaps,
}

/// TLS trust: the system's roots, a CA file's certificates (read and checked before any
/// connection), or none.
#[derive(Debug, Clone)]
pub enum Trust {
    System,
    CaFile(Arc<rustls::ClientConfig>),
    SkipVerify,
}

/// What to search, where, and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    pub security: Security,
    pub trust: Trust,
    pub bind: Option<(String, Secret)>,
    pub base: String,
    pub filter: String,
    pub scope: Scope,
    pub page_size: u32,
}

/// Connect, bind, read the root DSE, search unpaged and, when that is cut short, count with
/// paged results.
pub async fn probe(target: &Target, ctx: &Context) -> Facts {
    Facts {
        url: target.url.clone(),
        base: target.base.clone(),
        ca_given: matches!(target.trust, Trust::CaFile(_)),
        outcome: search_directory(target, ctx).await,
    }
}

async fn search_directory(config: &Target, ctx: &Context) -> Result<Directory, Failure> {
    let mut ldap = connect(config, ctx).await?;
    if let Some((dn, password)) = &config.bind {
        let result = ctx
            .within(
                format!("binding as {dn}"),
                ldap.simple_bind(dn, password.expose()),
            )
            .await?
            .map_err(|e| failure(e, config))?;
        if result.rc != 0 {
            return Err(Failure::BindRejected {
                dn: dn.clone(),
                rc: result.rc,
                text: result.text,
            });
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
        .map_err(|e| failure(e, config))?;
    let unpaged = unpaged.0;
    let paged = if cut_short(unpaged.rc) && paged_control_offered != Some(false) {
        Some(count_paged(&mut ldap, config, ctx, unpaged.entries).await?)
    } else {
        None
    };
    // A polite end; the answer is already known, so a server that does not answer the unbind
    // costs nothing.
    let _ = tokio::time::timeout(Duration::from_millis(100), ldap.unbind()).await;
    Ok(Directory {
        paged_control_offered,
        unpaged,
        paged,
    })
}

async fn connect(config: &Target, ctx: &Context) -> Result<Ldap, Failure> {
    // No ldap3 connect timeout: the run's deadline bounds the connect, so a hang ends with
    // the --timeout-state and the stage, not as a connection error.
    let mut settings = LdapConnSettings::new().set_starttls(config.security == Security::StartTls);
    match &config.trust {
        Trust::System => {}
        Trust::SkipVerify => settings = settings.set_no_tls_verify(true),
        Trust::CaFile(tls) => settings = settings.set_config(tls.clone()),
    }
    let stage = match config.security {
        Security::Plain => format!("connecting to {}", config.url),
        Security::StartTls => format!("connecting to {} and starting TLS", config.url),
        Security::Ldaps => format!("connecting to {} (TLS handshake)", config.url),
    };
    let (conn, ldap) = ctx
        .within(stage, LdapConnAsync::with_settings(settings, &config.url))
        .await?
        .map_err(|e| failure(e, config))?;
    tokio::spawn(async move {
        // Errors surface on the operations that use the connection.
        let _ = conn.drive().await;
    });
    Ok(ldap)
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

/// One search, optionally with a paged-results control; entries are counted as they stream and
/// never kept. Returns the outcome and the response controls.
async fn search(
    ldap: &mut Ldap,
    config: &Target,
    page: Option<RawControl>,
) -> Result<(SearchOutcome, LdapResult), LdapError> {
    let started = Instant::now();
    if let Some(control) = page {
        ldap.with_controls(control);
    }
    // "1.1": no attributes, only the DNs.
    let mut stream = ldap
        .streaming_search(&config.base, config.scope, &config.filter, vec!["1.1"])
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
    config: &Target,
    ctx: &Context,
    unpaged_entries: u64,
) -> Result<PagedOutcome, Failure> {
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
    config: &Target,
    ctx: &Context,
    page_size: u32,
) -> Result<PagedOutcome, Failure> {
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
            .map_err(|e| failure(e, config))?;
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
            Some(value) => ber::decode_paged_response(value)
                .map(|(_, cookie)| cookie)
                .map_err(|why| Failure::MalformedControl { page: pages, why })?,
            // No control in the answer: the server ignored the (non-critical) request.
            None => Vec::new(),
        };
        if cookie.is_empty() {
            return Ok(done(0, String::new()));
        }
        if pages >= MAX_PAGES {
            return Err(Failure::EndlessPaging(MAX_PAGES));
        }
    }
}

/// An ldap3 error as the failure it is; TLS failures keep the rustls error.
fn failure(error: LdapError, config: &Target) -> Failure {
    match error {
        LdapError::Io { source } => {
            if let Some(tls) = find_rustls(&source) {
                return Failure::Tls(tls.clone());
            }
            if source.kind() == std::io::ErrorKind::UnexpectedEof
                && config.security != Security::Plain
            {
                return Failure::ClosedDuringHandshake {
                    ldaps: config.security == Security::Ldaps,
                };
            }
            Failure::Io(describe_io_error(&source))
        }
        LdapError::Rustls { source } => Failure::Tls(source),
        LdapError::DNSName { .. } => Failure::NotATlsName,
        LdapError::LdapResult { result } if config.security == Security::StartTls => {
            Failure::StartTlsRefused {
                rc: result.rc,
                text: result.text,
            }
        }
        LdapError::LdapResult { result } => Failure::Refused { rc: result.rc },
        LdapError::FilterParsing => Failure::BadFilter(config.filter.clone()),
        LdapError::Timeout { .. } => Failure::ConnectTimeout,
        LdapError::EndOfStream | LdapError::ResultRecv { .. } | LdapError::OpSend { .. } => {
            Failure::Closed
        }
        other => Failure::Other(other.to_string()),
    }
}
