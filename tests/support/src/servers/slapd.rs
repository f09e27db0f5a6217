//! A real OpenLDAP (slapd) behaving like Active Directory's 1000-entry limit: a size limit of
//! 1000 for unpaged searches, unlimited paged totals, users under `ou=users`, a service account
//! to bind as, StartTLS and LDAPS with a throwaway CA. Loaded offline with slapadd.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::ports::free_ports;
use crate::harness::process::{Server, wait_until};
use crate::harness::system::tool;
use crate::harness::tls::{TlsFiles, make_self_signed_at, make_server_cert};

pub const SUFFIX: &str = "dc=example,dc=com";
pub const USERS: &str = "ou=users,dc=example,dc=com";
pub const READER_DN: &str = "cn=reader,ou=service,dc=example,dc=com";
pub const READER_PASSWORD: &str = "readerpw-S3cret";
/// The rootdn: limits do not apply to it.
pub const ROOT_DN: &str = "cn=admin,dc=example,dc=com";
pub const ROOT_PASSWORD: &str = "rootpw-S3cret";
/// The AD-like size limit for unpaged searches.
pub const SIZE_LIMIT: usize = 1000;

/// What the directory holds and how it limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Directory {
    pub users: usize,
    /// OpenLDAP's `size.pr`: a page size over it is adminLimitExceeded (real AD serves its
    /// MaxPageSize instead).
    pub page_limit: Option<usize>,
    /// OpenLDAP's `size.prtotal`: paged searches end after this many entries (unlimited
    /// without it).
    pub page_total: Option<usize>,
    /// An ACL hides `supportedControl` in the root DSE: the paged-results control is not
    /// offered as far as clients can read.
    pub hide_supported_controls: bool,
    /// Log every operation (`-d stats`): the searches clients send, with their attributes.
    pub log_searches: bool,
    /// Serve the usual `openssl req -x509` certificate (self-signed, CA:TRUE) instead of one
    /// signed by a test CA; with `expired_certificate`, one that expired eight days ago.
    pub self_signed: bool,
    pub expired_certificate: bool,
}

/// A running slapd, stopped by PID when dropped.
pub struct Slapd {
    pub port: u16,
    pub ldaps_port: u16,
    pub tls: TlsFiles,
    server: Server,
    _dir: tempfile::TempDir,
}

impl Slapd {
    pub fn start(directory: Directory) -> Result<Slapd, String> {
        let slapd = tool("slapd", "slapd")?;
        let slapadd = tool("slapadd", "slapd")?;
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let d = dir.path();
        for sub in ["db", "run", "tls"] {
            std::fs::create_dir_all(d.join(sub)).map_err(|e| e.to_string())?;
        }
        let tls = match (directory.self_signed, directory.expired_certificate) {
            (false, false) => make_server_cert(&d.join("tls"))?,
            (_, expired) => make_self_signed_at(&d.join("tls"), expired.then_some("-864000s"))?,
        };
        let conf = slapd_conf(d, &tls, &directory);
        let conf_path = d.join("slapd.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let ldif = d.join("data.ldif");
        std::fs::write(&ldif, directory_ldif(directory.users)).map_err(|e| e.to_string())?;
        let out = Command::new(&slapadd)
            .arg("-f")
            .arg(&conf_path)
            .args(["-q", "-l"])
            .arg(&ldif)
            .output()
            .map_err(|e| format!("slapadd: {e}"))?;
        if !out.status.success() {
            return Err(format!("slapadd: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let ports = free_ports(2);
        let (port, ldaps_port) = (ports[0], ports[1]);
        let mut command = Command::new(&slapd);
        command
            .arg("-f")
            .arg(&conf_path)
            .arg("-h")
            .arg(format!(
                "ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{ldaps_port}/"
            ))
            // -d: stay in the foreground (the PID is slapd's), logging little, or the stats
            // of every operation.
            .args(["-d", if directory.log_searches { "stats" } else { "0" }]);
        let server =
            Server::spawn("slapd", command, d.join("slapd.log")).with_grace(Duration::from_secs(5));
        let slapd = Slapd {
            port,
            ldaps_port,
            tls,
            server,
            _dir: dir,
        };
        wait_until(
            &format!("slapd on 127.0.0.1:{port}"),
            Duration::from_secs(15),
            || {
                Command::new("ldapsearch")
                    .args([
                        "-x",
                        "-H",
                        &slapd.uri(),
                        "-b",
                        "",
                        "-s",
                        "base",
                        "namingContexts",
                    ])
                    .output()
                    .is_ok_and(|out| out.status.success())
            },
        )
        .map_err(|e| format!("{e}\n{}", slapd.server.log()))?;
        Ok(slapd)
    }

    /// `ldap://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// `ldaps://127.0.0.1:PORT`
    pub fn ldaps_uri(&self) -> String {
        format!("ldaps://127.0.0.1:{}", self.ldaps_port)
    }

    pub fn ca(&self) -> &PathBuf {
        &self.tls.ca
    }

    pub fn server(&self) -> &Server {
        &self.server
    }
}

/// The suffix, `ou=users`, `ou=service` with the reader, and `users` people.
fn directory_ldif(users: usize) -> String {
    let mut ldif = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
         dn: {USERS}\nobjectClass: organizationalUnit\nou: users\n\n\
         dn: ou=service,{SUFFIX}\nobjectClass: organizationalUnit\nou: service\n\n\
         dn: {READER_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: reader\nsn: reader\n\
         userPassword: {READER_PASSWORD}\n\n"
    );
    for i in 1..=users {
        let _ = write!(
            ldif,
            "dn: uid=user{i:06},{USERS}\nobjectClass: inetOrgPerson\nuid: user{i:06}\ncn: User {i}\nsn: {i}\n\n"
        );
    }
    ldif
}

/// slapd.conf: the schemas, TLS, the AD-like size limit, and the directory in `d`.
fn slapd_conf(d: &Path, tls: &TlsFiles, directory: &Directory) -> String {
    let page_limit = directory
        .page_limit
        .map(|n| format!(" size.pr={n}"))
        .unwrap_or_default();
    let page_total = directory
        .page_total
        .map_or("unlimited".to_string(), |n| n.to_string());
    let root_dse_acl = match directory.hide_supported_controls {
        true => {
            "access to dn.base=\"\" attrs=supportedControl by * none\n\
             access to dn.base=\"\" by * read\n"
        }
        false => "",
    };
    format!(
        "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
         include /etc/ldap/schema/nis.schema\ninclude /etc/ldap/schema/inetorgperson.schema\n\
         modulepath /usr/lib/ldap\nmoduleload back_mdb\n\
         pidfile {run}/slapd.pid\nargsfile {run}/slapd.args\n\
         TLSCACertificateFile {ca}\nTLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n\
         sizelimit size.soft={SIZE_LIMIT} size.hard={SIZE_LIMIT} size.prtotal={page_total}{page_limit}\n\
         timelimit 60\n{root_dse_acl}\
         database mdb\nmaxsize 1073741824\ndbnosync\nsuffix \"{SUFFIX}\"\n\
         rootdn \"{ROOT_DN}\"\nrootpw {ROOT_PASSWORD}\ndirectory {db}\n\
         index objectClass eq\nindex uid,cn eq\n\
         access to attrs=userPassword by self write by anonymous auth by * none\n\
         access to * by * read\n",
        run = d.join("run").display(),
        ca = tls.ca.display(),
        cert = tls.cert.display(),
        key = tls.key.display(),
        db = d.join("db").display(),
    )
}
