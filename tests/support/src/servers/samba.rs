//! A real Active Directory for the tests: Samba's AD DC in a network namespace of the test's
//! own (`tests/support/samba/samba-dc`: a seed provisioned and filled once per machine, copied
//! for each DC, about a second to start). Clients run inside the namespace through
//! [`SambaDc::command`], as the user running the tests. Stopped, and its namespace deleted, when
//! dropped. The script needs root: a normal user's tests run it through `sudo -n`.
//!
//! The seed (see `tests/support/samba/README.md`): realm EXAMPLE.TEST, `dc1.example.test` at
//! 10.99.0.1, 1002 users in OU=Users, a group of 1600 members, service accounts whose binds fail
//! with each of AD's sub-codes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::harness::system::{as_root, tool};

pub const BASE: &str = "DC=example,DC=test";
pub const USERS: &str = "OU=Users,DC=example,DC=test";
pub const USERS_COUNT: u64 = 1002;
pub const BIG_GROUP: &str = "CN=big,OU=Groups,DC=example,DC=test";
pub const BIG_GROUP_MEMBERS: u64 = 1600;
pub const QUERY_POLICY: &str = "CN=Default Query Policy,CN=Query-Policies,CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=example,DC=test";
pub const HOST: &str = "dc1.example.test";
pub const ADDRESS: &str = "10.99.0.1";

/// A service account of the seed: its DN and password.
pub fn account(name: &str) -> (String, &'static str) {
    let password = match name {
        "reader" => "Read3r.Hs-2024x",
        "disabled1" => "Disabl3d.Hs-2024x",
        "mustchange" => "Mustch4nge.Hs-2024x",
        "locked" => "L0cked.Hs-2024x",
        "expired" => "Exp1red.Hs-2024x",
        "pwexpired" => "PwExp1red.Hs-2024x",
        other => panic!("no account {other} in the seed"),
    };
    (format!("CN={name},OU=Service,{BASE}"), password)
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samba/samba-dc")
}

/// A running DC in its own namespace.
pub struct SambaDc {
    dir: tempfile::TempDir,
    namespace: String,
}

impl SambaDc {
    /// Start a DC (building the seed first when this machine has none).
    pub fn start() -> Result<SambaDc, String> {
        tool("samba", "samba-ad-dc")?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let namespace = format!(
            "hastack-ad-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let out = as_root(script())
            .arg("start")
            .arg(dir.path().join("dc"))
            .arg(&namespace)
            .output()
            .map_err(|e| format!("samba-dc: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "samba-dc start failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(SambaDc { dir, namespace })
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("dc")
    }

    /// The CA that signed the DC's certificate (a copy anyone may read).
    pub fn ca(&self) -> PathBuf {
        self.root().join("client/ca.pem")
    }

    /// The DC's TLS certificate (CN=DC1.example.test, no subjectAltName).
    pub fn certificate(&self) -> PathBuf {
        self.root().join("client/cert.pem")
    }

    /// `program ARGS` to be run inside the DC's namespace, with its /etc/hosts and resolv.conf,
    /// as the user running the tests.
    pub fn command(&self, program: impl AsRef<Path>) -> Command {
        let mut command = as_root(script());
        command
            .arg("exec")
            .arg(self.root())
            .arg(&self.namespace)
            .arg(program.as_ref());
        command
    }

    /// The script and the arguments before the program, for runners that take them apart
    /// ([`crate::PluginRun::wrapped`]).
    pub fn prefix(&self) -> (PathBuf, Vec<String>) {
        let command = self.command("");
        let mut args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.pop();
        (PathBuf::from(command.get_program()), args)
    }
}

impl Drop for SambaDc {
    fn drop(&mut self) {
        let _ = as_root(script())
            .arg("stop")
            .arg(self.root())
            .arg(&self.namespace)
            .output();
    }
}
