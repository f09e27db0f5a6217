//! A real 389 Directory Server (Debian's `389-ds-base`), the third directory the tests know:
//! made once per machine and user by `dscreate` (without systemd: a private copy of its
//! defaults, every path under the seed's own directory) and loaded offline with 3,000 users, a
//! 3,000-member group and a 90,000-member group; each test copies the seed, gives it free
//! ports and starts `ns-slapd` in the foreground, stopped by PID.
//!
//! Stock limits, as 389 ships them: `nsslapd-sizelimit` 2000, applied to every page too;
//! `nsslapd-lookthroughlimit` 5000. [`Ds389::modify`] changes them (as Directory Manager, at once).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::ports::free_ports;
use crate::harness::process::{Server, wait_until};
use crate::harness::seed::{self, copy_dir};
use crate::harness::system::{as_root, group_name, tool, user_name};

pub const SUFFIX: &str = "dc=example,dc=com";
pub const PEOPLE: &str = "ou=people,dc=example,dc=com";
/// Users `uid=user0001` to `uid=user3000` under [`PEOPLE`]; with the reader, 3001 entries match
/// `(uid=*)`.
pub const USERS: u64 = 3000;
/// A group whose 3,000 members are the users.
pub const STAFF: &str = "cn=staff,ou=groups,dc=example,dc=com";
/// A group of 90,000 members (DNs of entries that do not exist: 389 does not check): one entry
/// of about 5.7 MB.
pub const EVERYONE: &str = "cn=everyone,ou=groups,dc=example,dc=com";
pub const EVERYONE_MEMBERS: u64 = 90_000;
pub const READER_DN: &str = "uid=reader,ou=people,dc=example,dc=com";
pub const READER_PASSWORD: &str = "Read3r.Hs-2024x";
pub const MANAGER_DN: &str = "cn=Directory Manager";
pub const MANAGER_PASSWORD: &str = "Adm1n.Hs-2024x";

/// The instance's name, in its paths (`etc/slapd-hastack`).
const INSTANCE: &str = "hastack";
/// Stands for the seed's directory in `dse.ldif`, until a copy puts its own there.
const PLACEHOLDER: &str = "@HASTACK_389_DIR@";

/// A running 389 Directory Server; stopped by PID when dropped.
pub struct Ds389 {
    pub port: u16,
    pub secure_port: u16,
    server: Server,
    dir: tempfile::TempDir,
}

impl Ds389 {
    /// A copy of the seed (built first when this machine has none), on free ports.
    pub fn start() -> Result<Ds389, String> {
        let slapd = tool("ns-slapd", "389-ds-base")?;
        let seed = seed::cached("hastack-389-seed-v1", build_seed)?;
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let root = dir.path().join("ds");
        copy_dir(&seed, &root)?;
        let ports = free_ports(2);
        let (port, secure_port) = (ports[0], ports[1]);
        let dse = config_dir(&root).join("dse.ldif");
        let text = std::fs::read_to_string(&dse).map_err(|e| format!("{}: {e}", dse.display()))?;
        let text = with_ports(
            &text.replace(PLACEHOLDER, &root.display().to_string()),
            port,
            secure_port,
        );
        std::fs::write(&dse, text).map_err(|e| format!("{}: {e}", dse.display()))?;
        let mut command = Command::new(slapd);
        // -d 0: in the foreground (the PID is ns-slapd's), logging to its files.
        command
            .arg("-D")
            .arg(config_dir(&root))
            .arg("-i")
            .arg(root.join("run/ns-slapd.pid"))
            .args(["-d", "0"]);
        let server = Server::spawn("ns-slapd", command, dir.path().join("ns-slapd.out"))
            .with_grace(Duration::from_secs(10));
        let ds = Ds389 {
            port,
            secure_port,
            server,
            dir,
        };
        wait_until(
            &format!("389 Directory Server on 127.0.0.1:{port}"),
            Duration::from_secs(30),
            || ds.search(&["-s", "base", "-b", ""]).is_ok(),
        )
        .map_err(|e| format!("{e}\n{}", ds.log()))?;
        Ok(ds)
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("ds")
    }

    /// `ldap://127.0.0.1:PORT`
    pub fn uri(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// `ldaps://localhost:PORT`: the server's certificate names localhost.
    pub fn ldaps_uri(&self) -> String {
        format!("ldaps://localhost:{}", self.secure_port)
    }

    /// The CA dscreate made, which signed the server's certificate.
    pub fn ca(&self) -> PathBuf {
        config_dir(&self.root()).join("ca.crt")
    }

    /// Apply `ldif` (changetype records) as Directory Manager: limits take effect at once.
    pub fn modify(&self, ldif: &str) -> Result<(), String> {
        let path = self.dir.path().join("modify.ldif");
        std::fs::write(&path, ldif).map_err(|e| e.to_string())?;
        let out = Command::new(tool("ldapmodify", "ldap-utils")?)
            .args([
                "-x",
                "-H",
                &self.uri(),
                "-D",
                MANAGER_DN,
                "-w",
                MANAGER_PASSWORD,
                "-f",
            ])
            .arg(&path)
            .output()
            .map_err(|e| format!("ldapmodify: {e}"))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "ldapmodify: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }

    /// `ldapsearch -x` against the server as Directory Manager with `args`: its output.
    pub fn search(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(tool("ldapsearch", "ldap-utils")?)
            .args([
                "-x",
                "-o",
                "nettimeout=2",
                "-H",
                &self.uri(),
                "-D",
                MANAGER_DN,
            ])
            .args(["-w", MANAGER_PASSWORD, "-LLL"])
            .args(args)
            .output()
            .map_err(|e| format!("ldapsearch: {e}"))?;
        match out.status.success() {
            true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        }
    }

    /// ns-slapd's error log and its stdout.
    pub fn log(&self) -> String {
        let errors =
            std::fs::read_to_string(self.root().join(format!("log/slapd-{INSTANCE}/errors")))
                .unwrap_or_default();
        let tail: Vec<&str> = errors.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("{}\n{}", self.server.log(), tail.join("\n"))
    }
}

fn config_dir(root: &Path) -> PathBuf {
    root.join(format!("etc/slapd-{INSTANCE}"))
}

/// LDIF with its folded lines (a line that starts with one space continues the one before)
/// joined: ns-slapd reads either.
fn unfold(ldif: &str) -> String {
    let mut out = String::with_capacity(ldif.len());
    for line in ldif.lines() {
        match line.strip_prefix(' ') {
            Some(rest) if !out.is_empty() => {
                out.pop();
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `dse.ldif` with the server's ports.
fn with_ports(dse: &str, port: u16, secure_port: u16) -> String {
    dse.lines()
        .map(|line| match line.split_once(": ") {
            Some(("nsslapd-port", _)) => format!("nsslapd-port: {port}"),
            Some(("nsslapd-securePort", _)) => format!("nsslapd-securePort: {secure_port}"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// dscreate's defaults, with every path under `root`, no systemd, and the user running the
/// tests as the server's user.
fn defaults(root: &Path) -> Result<String, String> {
    let stock = std::fs::read_to_string("/usr/share/dirsrv/inf/defaults.inf").map_err(|e| {
        format!("/usr/share/dirsrv/inf/defaults.inf (scripts/setup installs 389-ds-base): {e}")
    })?;
    let r = root.display();
    let paths = [
        ("with_systemd", "0".to_string()),
        // dscreate makes {sysconf_dir}/dirsrv/schema: /etc, which only root may write.
        ("sysconf_dir", format!("{r}/sysconf")),
        ("user", user_name().to_string()),
        ("group", group_name().to_string()),
        ("config_dir", format!("{r}/etc/slapd-{{instance_name}}")),
        ("local_state_dir", format!("{r}/var")),
        ("run_dir", format!("{r}/run")),
        ("ldapi", format!("{r}/run/slapd-{{instance_name}}.socket")),
        ("pid_file", format!("{r}/run/slapd-{{instance_name}}.pid")),
        ("inst_dir", format!("{r}/lib/slapd-{{instance_name}}")),
        (
            "schema_dir",
            format!("{r}/etc/slapd-{{instance_name}}/schema"),
        ),
        ("cert_dir", format!("{r}/etc/slapd-{{instance_name}}")),
        ("lock_dir", format!("{r}/lock/slapd-{{instance_name}}")),
        ("log_dir", format!("{r}/log/slapd-{{instance_name}}")),
        (
            "access_log",
            format!("{r}/log/slapd-{{instance_name}}/access"),
        ),
        (
            "audit_log",
            format!("{r}/log/slapd-{{instance_name}}/audit"),
        ),
        (
            "error_log",
            format!("{r}/log/slapd-{{instance_name}}/errors"),
        ),
        (
            "security_log",
            format!("{r}/log/slapd-{{instance_name}}/security"),
        ),
        ("db_dir", format!("{r}/db/slapd-{{instance_name}}/db")),
        ("db_home_dir", format!("{r}/db/slapd-{{instance_name}}/db")),
        ("backup_dir", format!("{r}/db/slapd-{{instance_name}}/bak")),
        ("ldif_dir", format!("{r}/db/slapd-{{instance_name}}/ldif")),
        ("tmpfiles_d", format!("{r}/tmpfiles.d")),
        ("initconfig_dir", format!("{r}/default")),
    ];
    Ok(stock
        .lines()
        .map(|line| {
            let key = line.split(" = ").next().unwrap_or_default();
            match paths.iter().find(|(k, _)| *k == key) {
                Some((k, v)) => format!("{k} = {v}"),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

/// The seed: an instance made by dscreate in `scratch/instance`, loaded offline, its directory
/// in `dse.ldif` replaced by [`PLACEHOLDER`].
fn build_seed(scratch: &Path) -> Result<PathBuf, String> {
    let root = scratch.join("instance");
    let prefix = scratch.join("prefix");
    let inf_dir = prefix.join("share/dirsrv/inf");
    std::fs::create_dir_all(&inf_dir).map_err(|e| e.to_string())?;
    std::fs::write(inf_dir.join("defaults.inf"), defaults(&root)?).map_err(|e| e.to_string())?;
    // What dscreate copies from the package's /etc/dirsrv (0750, the dirsrv user's): its own
    // copy under the seed, where it also makes its self-signed CA.
    for file in [
        "config/certmap.conf",
        "config/slapd-collations.conf",
        "schema/99user.ldif",
    ] {
        let to = root.join("sysconf/dirsrv").join(file);
        std::fs::create_dir_all(to.parent().unwrap_or(&root)).map_err(|e| e.to_string())?;
        std::fs::write(&to, system_file(&Path::new("/etc/dirsrv").join(file))?)
            .map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let ports = free_ports(2);
    let instance = format!(
        "[general]\nfull_machine_name = localhost\nstart = False\nstrict_host_checking = False\n\
         [slapd]\ninstance_name = {INSTANCE}\nport = {}\nsecure_port = {}\n\
         root_password = {MANAGER_PASSWORD}\nself_sign_cert = True\n\
         [backend-userroot]\nsample_entries = no\nsuffix = {SUFFIX}\ncreate_suffix_entry = False\n",
        ports[0], ports[1]
    );
    let inf = scratch.join("instance.inf");
    std::fs::write(&inf, instance).map_err(|e| e.to_string())?;
    run(
        Command::new(tool("dscreate", "389-ds-base")?)
            .arg("from-file")
            .arg(&inf)
            .env("PREFIX", &prefix),
        "dscreate",
    )?;
    let data = scratch.join("data.ldif");
    std::fs::write(&data, seed_ldif()).map_err(|e| e.to_string())?;
    run(
        Command::new(tool("ns-slapd", "389-ds-base")?)
            .arg("ldif2db")
            .arg("-D")
            .arg(config_dir(&root))
            .args(["-n", "userRoot", "-i"])
            .arg(&data),
        "ns-slapd ldif2db",
    )?;
    // Unfolded first: a long path is folded across lines, where no replacement would find it.
    let dse = config_dir(&root).join("dse.ldif");
    let text = unfold(&std::fs::read_to_string(&dse).map_err(|e| e.to_string())?);
    std::fs::write(&dse, text.replace(&root.display().to_string(), PLACEHOLDER))
        .map_err(|e| e.to_string())?;
    // What a run leaves that a copy must not inherit.
    for leftover in ["run", "lock"] {
        let _ = std::fs::remove_dir_all(root.join(leftover));
        std::fs::create_dir_all(root.join(leftover).join(format!("slapd-{INSTANCE}")))
            .map_err(|e| e.to_string())?;
    }
    Ok(root)
}

/// A file of the system's, read through `sudo -n` when the user may not read it.
fn system_file(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            let out = as_root("cat")
                .arg(path)
                .output()
                .map_err(|e| format!("sudo cat {}: {e}", path.display()))?;
            match out.status.success() {
                true => Ok(out.stdout),
                false => Err(format!(
                    "{}: {}",
                    path.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                )),
            }
        }
        Err(e) => Err(format!(
            "{} (scripts/setup installs 389-ds-base): {e}",
            path.display()
        )),
    }
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{what}: {e}"))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// The suffix with read access for everyone, 3,000 users, the reader, and the two groups.
fn seed_ldif() -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "dn: {SUFFIX}\nobjectClass: top\nobjectClass: domain\ndc: example\n\
         aci: (targetattr=\"*\")(version 3.0; acl \"hastack read\"; allow (read, search, compare) userdn=\"ldap:///anyone\";)\n\n\
         dn: {PEOPLE}\nobjectClass: top\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{SUFFIX}\nobjectClass: top\nobjectClass: organizationalUnit\nou: groups\n\n"
    );
    for i in 1..=USERS {
        let _ = write!(
            out,
            "dn: uid=user{i:04},{PEOPLE}\nobjectClass: top\nobjectClass: person\n\
             objectClass: organizationalPerson\nobjectClass: inetOrgPerson\nuid: user{i:04}\n\
             cn: User {i}\nsn: {i}\n\n"
        );
    }
    let _ = write!(
        out,
        "dn: {READER_DN}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n\
         objectClass: inetOrgPerson\nuid: reader\ncn: reader\nsn: reader\nuserPassword: {READER_PASSWORD}\n\n\
         dn: {STAFF}\nobjectClass: top\nobjectClass: groupOfNames\ncn: staff\n"
    );
    for i in 1..=USERS {
        let _ = writeln!(out, "member: uid=user{i:04},{PEOPLE}");
    }
    let _ = write!(
        out,
        "\ndn: {EVERYONE}\nobjectClass: top\nobjectClass: groupOfNames\ncn: everyone\n"
    );
    for i in 1..=EVERYONE_MEMBERS {
        let _ = writeln!(out, "member: uid=m{i:06},{PEOPLE}");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn folded_lines_are_joined() {
        assert_eq!(
            super::unfold("dn: cn=config\nnsslapd-lockdir: /tmp/a-long/pa\n th/lock\n\n"),
            "dn: cn=config\nnsslapd-lockdir: /tmp/a-long/path/lock\n\n"
        );
    }

    #[test]
    fn ports_are_set_in_the_configuration() {
        let dse =
            "dn: cn=config\nnsslapd-port: 389\nnsslapd-securePort: 636\nnsslapd-security: on\n";
        assert_eq!(
            super::with_ports(dse, 4000, 4001),
            "dn: cn=config\nnsslapd-port: 4000\nnsslapd-securePort: 4001\nnsslapd-security: on\n"
        );
    }
}
