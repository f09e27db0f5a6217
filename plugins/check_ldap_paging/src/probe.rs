//! Talking to the directory through the check's own LDAP client: connect, TLS, bind, read the
//! root DSE, search unpaged, and count with paged results when the unpaged search is cut
//! short. I/O only: the `facts` evaluate judges, failures included (common `Failure`s, and
//! LDAP's own as data, never as sentences).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hastack_common::certificate::Certificate;
use hastack_common::error::describe_io_error;
use hastack_common::tls::{Presented, Verifier, find_rustls};
use hastack_common::{Context, Failure, Peer, Secret};
use rustls::pki_types::{CertificateDer, ServerName};

use crate::facts::{
    ADMIN_LIMIT_EXCEEDED, Directory, Facts, LdapFailure, PagedOutcome, PolicyUnread, SearchOutcome,
    ServerFacts, TlsRefusal, ValueCount, ValuesRead, cut_short,
};
use crate::ldap::ber;
use crate::ldap::client::{ClientError, Connection};
use crate::ldap::message::{Control, MAX_MESSAGE, Response, Scope};

/// RFC 2696's paged-results control.
const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";
/// A paged search longer than this many pages is not a directory, it is a loop.
const MAX_PAGES: u64 = 10_000_000;
/// The largest paged-results cookie taken back to the server (AD's are a few dozen bytes).
const MAX_COOKIE: usize = 64 * 1024;
/// Continuation references are counted; this many are kept to be named at -v.
const MAX_REFERENCES_KEPT: usize = 20;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    Plain,
    StartTls,
    Ldaps,
}

/// TLS trust: the system's roots, a CA file's certificates (read and checked before any
/// connection), or none.
#[derive(Debug, Clone)]
pub(crate) enum Trust {
    System,
    CaFile(Vec<CertificateDer<'static>>),
    SkipVerify,
}

/// What to search, where, and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ldap://host:port` or `ldaps://host:port`, as the output names the server.
    pub(crate) url: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The name the certificate must carry (`--tls-server-name`, else the host).
    pub(crate) tls_name: String,
    /// `--tls-accept-cn`: a certificate without subjectAltName may name the host in its CN.
    pub(crate) accept_cn: bool,
    pub(crate) security: Security,
    pub(crate) trust: Trust,
    pub(crate) bind: Option<(String, Secret)>,
    pub(crate) base: String,
    /// The filter, BER-encoded (checked with the options).
    pub(crate) filter: Vec<u8>,
    pub(crate) scope: Scope,
    pub(crate) page_size: u32,
    /// `--always-page`: count with paging even when the unpaged search completed.
    pub(crate) always_page: bool,
    /// `--attribute`: count the values of this attribute on the entries found.
    pub(crate) attribute: Option<String>,
}

/// Connect, bind, read the root DSE, search unpaged and, when that is cut short, count with
/// paged results.
pub(crate) async fn probe(target: &Target, ctx: &Context) -> Facts {
    let run = Run {
        target,
        ctx,
        presented: Presented::default(),
    };
    Facts {
        server: Peer::at(&target.url),
        base: target.base.clone(),
        outcome: search_directory(&run).await,
    }
}

/// One run against the directory: what to ask, under which deadline, and the certificate the
/// server presents (kept for the report, and for the words of a TLS failure).
struct Run<'a> {
    target: &'a Target,
    ctx: &'a Context,
    presented: Presented,
}

impl Run<'_> {
    fn presented(&self) -> Option<Certificate> {
        self.presented.lock().ok().and_then(|c| c.clone())
    }

    /// A client error as the failure it is; TLS failures keep the rustls error and what the
    /// server presented.
    fn failure(&self, error: ClientError) -> Failure<LdapFailure> {
        match error {
            ClientError::Io(source) => match find_rustls(&source) {
                Some(tls) => Failure::Specific(LdapFailure::Tls(Box::new(TlsRefusal {
                    error: tls.clone(),
                    presented: self.presented(),
                    name: self.target.tls_name.clone(),
                    ca_given: matches!(self.target.trust, Trust::CaFile(_)),
                }))),
                None if source.kind() == std::io::ErrorKind::ConnectionRefused => Failure::Refused,
                None => Failure::Io(describe_io_error(&source)),
            },
            ClientError::Closed => Failure::Closed,
            ClientError::TooLarge { size } => Failure::Specific(LdapFailure::TooLarge {
                size,
                limit: MAX_MESSAGE,
            }),
            ClientError::Malformed(why) | ClientError::Unexpected(why) => Failure::Malformed(why),
            ClientError::Disconnected(result) => Failure::Specific(LdapFailure::Disconnected {
                rc: result.code,
                text: result.message,
            }),
        }
    }

    /// A failure while TLS was being set up: a close there is the handshake's.
    fn handshake_failure(&self, error: ClientError) -> Failure<LdapFailure> {
        match error {
            ClientError::Closed => Failure::Specific(LdapFailure::ClosedDuringHandshake),
            error => self.failure(error),
        }
    }

    /// The failure of the first request on a connection: a plain connection closed before any
    /// answer is what a TLS-only port does with plain LDAP.
    fn first_answer_failure(&self, error: ClientError) -> Failure<LdapFailure> {
        match (error, self.target.security) {
            (ClientError::Closed, Security::Plain) => {
                Failure::Specific(LdapFailure::ClosedBeforeAnswering)
            }
            (error, _) => self.failure(error),
        }
    }
}

async fn search_directory(run: &Run<'_>) -> Result<Directory, Failure<LdapFailure>> {
    let (target, ctx) = (run.target, run.ctx);
    let mut ldap = connect(run).await?;
    if let Some((dn, password)) = &target.bind {
        let result = ctx
            .within(
                format!("binding as {dn}"),
                ldap.bind(dn, password.expose().as_bytes()),
            )
            .await?
            .map_err(|e| run.first_answer_failure(e))?;
        if result.code != 0 {
            return Err(Failure::Specific(LdapFailure::BindRejected {
                dn: dn.clone(),
                rc: result.code,
                text: result.message,
            }));
        }
    }
    let root = ctx
        .within(
            format!("reading the root DSE of {}", target.url),
            read_root_dse(&mut ldap),
        )
        .await?
        .map_err(|e| match target.bind {
            None => run.first_answer_failure(e),
            Some(_) => run.failure(e),
        })?;
    let mut server = ServerFacts {
        active_directory: root.active_directory,
        ..ServerFacts::default()
    };
    if let (true, Some(configuration)) = (root.active_directory, &root.configuration) {
        let policy = format!("{QUERY_POLICY_RDN},{configuration}");
        let read = ctx
            .within(
                format!("reading the query policy {policy}"),
                read_query_policy(&mut ldap, &policy),
            )
            .await?;
        server.policy = Some(match read {
            Ok(answer) => answer,
            Err(error) => Err(PolicyUnread::Failed(run.failure(error))),
        });
    }
    let stage = format!("searching {} unpaged", target.base);
    let (unpaged, _) = ctx
        .within(stage, search(&mut ldap, target, None))
        .await?
        .map_err(|e| run.failure(e))?;
    let page = (cut_short(unpaged.rc) || target.always_page) && root.paged_offered != Some(false);
    let paged = match page {
        true => Some(count_paged(&mut ldap, run, unpaged.entries).await?),
        false => None,
    };
    let values = match &target.attribute {
        Some(attribute) => {
            Some(count_values(&mut ldap, run, attribute, root.active_directory).await?)
        }
        None => None,
    };
    // A polite end; the answer is already known, so a server that does not read it costs
    // nothing.
    let _ = tokio::time::timeout(Duration::from_millis(100), ldap.unbind()).await;
    Ok(Directory {
        paged_control_offered: root.paged_offered,
        unpaged,
        paged,
        server,
        values,
        certificate: run.presented(),
        read_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    })
}

async fn connect(run: &Run<'_>) -> Result<Connection, Failure<LdapFailure>> {
    let (target, ctx) = (run.target, run.ctx);
    let tcp = ctx
        .within(
            format!("connecting to {}", target.url),
            Connection::connect(&target.host, target.port),
        )
        .await?
        .map_err(|e| run.failure(e))?;
    if target.security == Security::Plain {
        return Ok(tcp);
    }
    let tls = tls_config(&target.trust, target.accept_cn, &run.presented)?;
    let name = ServerName::try_from(target.tls_name.clone())
        .map_err(|_| Failure::Specific(LdapFailure::NotATlsName))?;
    match target.security {
        Security::Ldaps => ctx
            .within(
                format!("connecting to {} (TLS handshake)", target.url),
                tcp.tls(tls, name),
            )
            .await?
            .map_err(|e| run.handshake_failure(e)),
        _ => {
            let started = ctx
                .within(
                    format!("connecting to {} and starting TLS", target.url),
                    tcp.start_tls(tls, name),
                )
                .await?
                .map_err(|e| run.handshake_failure(e))?;
            started.map_err(|refused| {
                Failure::Specific(LdapFailure::StartTlsRefused {
                    rc: refused.code,
                    text: refused.message,
                })
            })
        }
    }
}

/// The client configuration for the trust asked for (a CA file's certificates, the system's
/// roots, or no verification at all); its verifier keeps the presented certificate in
/// `presented`.
fn tls_config(
    trust: &Trust,
    accept_cn: bool,
    presented: &Presented,
) -> Result<Arc<rustls::ClientConfig>, Failure<LdapFailure>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Io(format!("TLS setup: {e}")))?;
    let mut roots = rustls::RootCertStore::empty();
    let verifier = match trust {
        Trust::SkipVerify => Verifier::none(provider, presented.clone()),
        Trust::CaFile(certs) => {
            for cert in certs {
                let _ = roots.add(cert.clone());
            }
            Verifier::new(roots, certs.clone(), accept_cn, provider, presented.clone())
                .map_err(Failure::Io)?
        }
        Trust::System => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            Verifier::new(roots, Vec::new(), accept_cn, provider, presented.clone())
                .map_err(Failure::Io)?
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// What the root DSE says the server is.
#[derive(Debug, Default)]
struct RootDse {
    /// `Some(true)` when it lists the paged-results control, `None` when it cannot be read
    /// (some servers hide it from anonymous clients; paging is then simply tried).
    paged_offered: Option<bool>,
    /// supportedCapabilities holds Active Directory's OID.
    active_directory: bool,
    configuration: Option<String>,
}

/// Active Directory's capability OID in the root DSE.
const AD_CAPABILITY: &str = "1.2.840.113556.1.4.800";
/// Where the domain's query policy lives under the configuration naming context.
const QUERY_POLICY_RDN: &str =
    "CN=Default Query Policy,CN=Query-Policies,CN=Directory Service,CN=Windows NT,CN=Services";

/// The root DSE, or the client error that shows the server cannot be talked to (a
/// malformed answer, more than one entry); an answer without the entry is an empty one.
async fn read_root_dse(ldap: &mut Connection) -> Result<RootDse, ClientError> {
    let filter = crate::ldap::filter::encode("(objectClass=*)").map_err(ClientError::Malformed)?;
    let mut root = RootDse::default();
    let mut entries = 0;
    let attributes = [
        "supportedControl",
        "supportedCapabilities",
        "configurationNamingContext",
    ];
    let read = ldap
        .search("", Scope::Base, &filter, &attributes, &[], |response| {
            let Response::Entry { attributes, .. } = response else {
                return Ok(());
            };
            entries += 1;
            if entries > 1 {
                return Err("more than one entry for the root DSE (a base search)".into());
            }
            let values = |name: &str| -> Vec<Vec<u8>> {
                attributes
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let has = |name: &str, oid: &str| values(name).iter().any(|v| v == oid.as_bytes());
            root.paged_offered = Some(has("supportedControl", PAGED_RESULTS_OID));
            root.active_directory = has("supportedCapabilities", AD_CAPABILITY);
            root.configuration = values("configurationNamingContext")
                .first()
                .map(|v| String::from_utf8_lossy(v).into_owned());
            Ok(())
        })
        .await;
    match read {
        Ok((result, _)) if result.code == 0 && entries == 1 => Ok(root),
        // Hidden from this client, or not there: paging is simply tried.
        Ok(_) => Ok(RootDse::default()),
        Err(error) => Err(error),
    }
}

/// The domain's query policy, `lDAPAdminLimits` as name and number (`MaxPageSize=1000`), or
/// the server's answer when it is not there to read; the client error when the read failed.
async fn read_query_policy(
    ldap: &mut Connection,
    dn: &str,
) -> Result<Result<Vec<(String, u64)>, PolicyUnread>, ClientError> {
    let filter = crate::ldap::filter::encode("(objectClass=*)").map_err(ClientError::Malformed)?;
    let mut limits = Vec::new();
    let (result, _) = ldap
        .search(
            dn,
            Scope::Base,
            &filter,
            &["lDAPAdminLimits"],
            &[],
            |response| {
                if let Response::Entry { attributes, .. } = response {
                    for (_, values) in attributes
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case("lDAPAdminLimits"))
                    {
                        for value in values.iter().take(64) {
                            let text = String::from_utf8_lossy(value);
                            if let Some((name, number)) = text.split_once('=')
                                && let Ok(number) = number.trim().parse()
                            {
                                limits.push((name.trim().to_string(), number));
                            }
                        }
                    }
                }
                Ok(())
            },
        )
        .await?;
    Ok(match result.code {
        0 => Ok(limits),
        rc => Err(PolicyUnread::Answered {
            rc,
            text: result.message,
        }),
    })
}

/// One search, optionally with a paged-results control; entries are counted as they stream and
/// never kept. Returns the outcome and the response controls.
async fn search(
    ldap: &mut Connection,
    config: &Target,
    page: Option<Control>,
) -> Result<(SearchOutcome, Vec<Control>), ClientError> {
    let started = Instant::now();
    let controls: Vec<Control> = page.into_iter().collect();
    let mut entries = 0u64;
    let mut references = 0u64;
    let mut reference_urls = Vec::new();
    // "1.1": no attributes, only the DNs.
    let (result, response_controls) = ldap
        .search(
            &config.base,
            config.scope,
            &config.filter,
            &["1.1"],
            &controls,
            |response| {
                match response {
                    Response::Entry { .. } => entries += 1,
                    Response::Reference(urls) => {
                        references += 1;
                        if reference_urls.len() < MAX_REFERENCES_KEPT {
                            reference_urls.extend(urls.into_iter().take(1));
                        }
                    }
                    _ => {}
                }
                Ok(())
            },
        )
        .await?;
    let outcome = SearchOutcome {
        entries,
        rc: result.code,
        text: result.message,
        time: started.elapsed(),
        references,
        reference_urls,
    };
    Ok((outcome, response_controls))
}

/// The most entries whose values are still to be fetched by range, kept while a search runs.
const MAX_RANGED_ENTRIES: usize = 10_000;

/// The values of `attribute` on the entries found: what a plain read returns, and all of them
/// through range retrieval (`member;range=0-*`, then `member;range=1500-*` from each entry
/// the server answered in part). Values are counted, never kept.
async fn count_values(
    ldap: &mut Connection,
    run: &Run<'_>,
    attribute: &str,
    ranges: bool,
) -> Result<ValueCount, Failure<LdapFailure>> {
    let plain = read_plainly(ldap, run, attribute).await?;
    let mut count = ValueCount {
        attribute: attribute.to_string(),
        plain_values: plain.values,
        ..ValueCount::default()
    };
    if !ranges {
        count.entries = plain.entries;
        count.values = plain.values;
        count.most = plain.most;
        return Ok(count);
    }
    // All of them, by range.
    let pending = read_first_ranges(ldap, run, attribute, &mut count).await?;
    let filter = crate::ldap::filter::encode("(objectClass=*)").map_err(Failure::Malformed)?;
    for (dn, start, on_entry) in pending {
        let further = read_further_ranges(ldap, run, &filter, attribute, &dn, start).await?;
        count.values += further;
        let on_entry = on_entry + further;
        if on_entry > count.most.1 {
            count.most = (dn, on_entry);
        }
    }
    Ok(count)
}

/// What a plain read of an attribute returned.
#[derive(Debug, Default)]
struct PlainRead {
    entries: u64,
    values: u64,
    /// The entry with the most values, and how many.
    most: (String, u64),
}

/// A plain read: how many values a client that does not ask for ranges gets; all of them
/// from a server without range retrieval (which is AD's: OpenLDAP answers `member;range=0-*`
/// with no values at all).
async fn read_plainly(
    ldap: &mut Connection,
    run: &Run<'_>,
    attribute: &str,
) -> Result<PlainRead, Failure<LdapFailure>> {
    let target = run.target;
    let mut read = PlainRead::default();
    let (done, _) = run
        .ctx
        .within(
            format!("reading {attribute} plainly under {}", target.base),
            ldap.search(
                &target.base,
                target.scope,
                &target.filter,
                &[attribute],
                &[],
                |r| {
                    if let Response::Entry { dn, attributes } = r {
                        let on_entry = attributes
                            .iter()
                            .filter(|(n, _)| same_attribute(n, attribute))
                            .map(|(_, v)| v.len() as u64)
                            .sum::<u64>();
                        read.entries += 1;
                        read.values += on_entry;
                        if on_entry > read.most.1 {
                            read.most = (dn, on_entry);
                        }
                    }
                    Ok(())
                },
            ),
        )
        .await?
        .map_err(|e| run.failure(e))?;
    match done.code {
        0 => Ok(read),
        rc => Err(values_refused(
            ValuesRead::Plain,
            attribute,
            rc,
            done.message,
        )),
    }
}

/// The first range of every entry (`member;range=0-*`), counted into `count`; the entries the
/// server answered in part, with where their next range starts and the values seen so far.
async fn read_first_ranges(
    ldap: &mut Connection,
    run: &Run<'_>,
    attribute: &str,
    count: &mut ValueCount,
) -> Result<Vec<(String, u64, u64)>, Failure<LdapFailure>> {
    let target = run.target;
    let ranged = format!("{attribute};range=0-*");
    let mut pending: Vec<(String, u64, u64)> = Vec::new();
    let mut too_many = false;
    let (done, _) = run
        .ctx
        .within(
            format!("reading {ranged} under {}", target.base),
            ldap.search(
                &target.base,
                target.scope,
                &target.filter,
                &[&ranged],
                &[],
                |r| {
                    if let Response::Entry { dn, attributes } = r {
                        count.entries += 1;
                        let mut on_entry = 0u64;
                        let mut more = None;
                        for (name, values) in &attributes {
                            if !same_attribute(name, attribute) {
                                continue;
                            }
                            on_entry += values.len() as u64;
                            more = more.or(next_range(name));
                        }
                        count.values += on_entry;
                        match more {
                            Some(next) => {
                                count.ranged = true;
                                match pending.len() < MAX_RANGED_ENTRIES {
                                    true => pending.push((dn, next, on_entry)),
                                    false => too_many = true,
                                }
                            }
                            None if on_entry > count.most.1 => count.most = (dn, on_entry),
                            None => {}
                        }
                    }
                    Ok(())
                },
            ),
        )
        .await?
        .map_err(|e| run.failure(e))?;
    if done.code != 0 {
        return Err(values_refused(
            ValuesRead::Ranged,
            attribute,
            done.code,
            done.message,
        ));
    }
    if too_many {
        return Err(Failure::Specific(LdapFailure::TooManyRanged {
            attribute: attribute.to_string(),
            limit: MAX_RANGED_ENTRIES,
        }));
    }
    Ok(pending)
}

/// The values of `attribute` on entry `dn` from range `start` on, one range after another
/// until the server says it answered to the end (or stops answering).
async fn read_further_ranges(
    ldap: &mut Connection,
    run: &Run<'_>,
    filter: &[u8],
    attribute: &str,
    dn: &str,
    mut start: u64,
) -> Result<u64, Failure<LdapFailure>> {
    let mut values = 0u64;
    loop {
        let asked = format!("{attribute};range={start}-*");
        let mut next = None;
        let mut got = 0u64;
        let (done, _) = run
            .ctx
            .within(
                format!("reading {asked} of {dn}"),
                ldap.search(dn, Scope::Base, filter, &[&asked], &[], |r| {
                    if let Response::Entry { attributes, .. } = r {
                        for (name, values) in &attributes {
                            if same_attribute(name, attribute) {
                                got += values.len() as u64;
                                next = next_range(name);
                            }
                        }
                    }
                    Ok(())
                }),
            )
            .await?
            .map_err(|e| run.failure(e))?;
        if done.code != 0 || got == 0 {
            return Ok(values);
        }
        values += got;
        match next {
            Some(n) if n > start => start = n,
            _ => return Ok(values),
        }
    }
}

fn values_refused(
    read: ValuesRead,
    attribute: &str,
    rc: u32,
    text: String,
) -> Failure<LdapFailure> {
    Failure::Specific(LdapFailure::ValuesRefused {
        read,
        attribute: attribute.to_string(),
        rc,
        text,
    })
}

/// `member` or `member;range=...` for `member`, whatever the case.
fn same_attribute(name: &str, attribute: &str) -> bool {
    let base = name.split(';').next().unwrap_or(name);
    base.eq_ignore_ascii_case(attribute)
}

/// Where the next range starts when the server answered `ATTR;range=0-1499` (none when it
/// answered to the end, `-*`, or without a range).
fn next_range(name: &str) -> Option<u64> {
    let range = name
        .split(';')
        .find_map(|option| option.strip_prefix("range="))?;
    let (_, end) = range.split_once('-')?;
    match end {
        "*" => None,
        end => end.parse::<u64>().ok().map(|e| e + 1),
    }
}

/// Count every entry with paged results. A page size the server rejects on the first page
/// (adminLimitExceeded, OpenLDAP's `size.pr`) is retried once with the limit the unpaged search
/// revealed.
async fn count_paged(
    ldap: &mut Connection,
    run: &Run<'_>,
    unpaged_entries: u64,
) -> Result<PagedOutcome, Failure<LdapFailure>> {
    let asked = run.target.page_size;
    let first = page_through(ldap, run, asked).await?;
    let inferred = u32::try_from(unpaged_entries).unwrap_or(u32::MAX);
    let rejected = first.search.rc == ADMIN_LIMIT_EXCEEDED && first.pages == 1;
    if rejected && inferred > 0 && inferred < asked {
        let mut retry = page_through(ldap, run, inferred).await?;
        retry.rejected_page_size = Some(asked);
        return Ok(retry);
    }
    Ok(PagedOutcome {
        rejected_page_size: rejected.then_some(asked),
        ..first
    })
}

async fn page_through(
    ldap: &mut Connection,
    run: &Run<'_>,
    page_size: u32,
) -> Result<PagedOutcome, Failure<LdapFailure>> {
    let started = Instant::now();
    let mut cookie: Vec<u8> = Vec::new();
    let mut entries = 0u64;
    let mut references = 0u64;
    let mut pages = 0u64;
    loop {
        pages += 1;
        let control = Control {
            oid: PAGED_RESULTS_OID.to_string(),
            critical: false,
            value: Some(ber::encode_paged_request(page_size, &cookie)),
        };
        let stage = format!(
            "reading page {pages} of the paged search of {} (page size {page_size})",
            run.target.base
        );
        let (outcome, controls) = run
            .ctx
            .within(stage, search(ldap, run.target, Some(control)))
            .await?
            .map_err(|e| run.failure(e))?;
        entries += outcome.entries;
        references += outcome.references;
        let done = |rc: u32, text: String| PagedOutcome {
            search: SearchOutcome {
                entries,
                rc,
                text,
                time: started.elapsed(),
                references,
                reference_urls: Vec::new(),
            },
            pages,
            page_size,
            rejected_page_size: None,
        };
        if outcome.rc != 0 {
            return Ok(done(outcome.rc, outcome.text));
        }
        let malformed =
            |why: String| Failure::Specific(LdapFailure::MalformedControl { page: pages, why });
        let response = controls
            .iter()
            .find(|c| c.oid == PAGED_RESULTS_OID)
            .and_then(|c| c.value.as_deref());
        cookie = match response {
            Some(value) => ber::decode_paged_response(value)
                .map(|(_, cookie)| cookie)
                .map_err(malformed)?,
            // No control in the answer: the server ignored the (non-critical) request.
            None => Vec::new(),
        };
        if cookie.len() > MAX_COOKIE {
            return Err(malformed(format!(
                "a cookie of {} bytes (at most {MAX_COOKIE} are taken back)",
                cookie.len()
            )));
        }
        if cookie.is_empty() {
            return Ok(done(0, String::new()));
        }
        if pages >= MAX_PAGES {
            return Err(Failure::Specific(LdapFailure::EndlessPaging(MAX_PAGES)));
        }
    }
}
