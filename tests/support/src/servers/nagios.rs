//! The other clients that run plugins, started by a test with their own directories on
//! loopback and stopped by PID: a real Nagios Core 4 (`nagios4`, its own nagios.cfg, command FIFO
//! and status.dat, never the packaged service) and a real NRPE daemon with `check_nrpe`.
//!
//! Either can run the plugins through recording wrappers ([`RecordingPlugins`]), so a test can
//! compare what the client kept with what the plugin printed in that very run.
//!
//! What they do to plugin output, measured on Nagios 4.4.6 and NRPE 4.1.0: Nagios turns `;` into
//! `:` in the first line, escapes the long output (`\n`, `\\`) in status.dat and joins the
//! perfdata of the first line and the long output with two spaces; a worker that reaps a plugin
//! which wrote more than 4096 bytes at once can keep only the first 4096. NRPE passes the output
//! unchanged, cut to 65504 bytes (v4 packets) or 1023 (`check_nrpe -2`; also `-3`: NRPE 4 refuses
//! v3 packets, so check_nrpe prints a line of its own, "Receive header underflow", and asks again
//! with v2), and runs as an unprivileged user (it refuses root).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::ports::free_tcp_port;
use crate::harness::process::{Server, wait_until};
use crate::harness::system::{group_name, tool, user_name};

/// One service Nagios runs: its name and `check_command` (`check_hastack_galera!-P 3306`).
#[derive(Debug, Clone)]
pub struct NagiosService {
    pub name: String,
    pub check_command: String,
}

/// A service's latest result as Nagios recorded it in status.dat.
#[derive(Debug, Clone, PartialEq)]
pub struct NagiosResult {
    pub state: i64,
    /// The first line's text (before ` | `), as Nagios keeps it.
    pub plugin_output: String,
    /// The long output, unescaped: the lines after the first, joined by `\n`.
    pub long_output: String,
    pub perfdata: String,
    /// When it ran (Unix seconds, whole).
    pub last_check: i64,
}

/// A running Nagios Core 4 with its own directories; stopped (SIGTERM) when dropped.
pub struct NagiosCore {
    dir: PathBuf,
    server: Server,
}

impl NagiosCore {
    /// Validate (`nagios4 -v`) and start Nagios in `dir` with `command_files` (the shipped
    /// command definitions), `$USER1$` = `plugin_dir`, one host `hastack` (127.0.0.1) and
    /// `services`, each run at once and then every `interval`.
    pub fn start(
        dir: &Path,
        plugin_dir: &Path,
        command_files: &[&Path],
        services: &[NagiosService],
        interval: Duration,
    ) -> Result<NagiosCore, String> {
        let nagios4 = tool("nagios4", "nagios4-core")?;
        for sub in ["etc", "var", "rw", "spool/checkresults", "archives"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{sub}: {e}"))?;
        }
        let d = dir.display();
        // Run as the current user (Nagios drops to `nagios_user`, `nagios` unless told).
        let (user, group) = (user_name(), group_name());
        let mut cfg = String::new();
        for file in command_files {
            let _ = writeln!(cfg, "cfg_file={}", file.display());
        }
        let _ = write!(
            cfg,
            "cfg_file={d}/etc/objects.cfg\nresource_file={d}/etc/resource.cfg\n\
             nagios_user={user}\nnagios_group={group}\n\
             log_file={d}/var/nagios.log\nlog_archive_path={d}/archives\nlog_rotation_method=n\n\
             use_syslog=0\ndebug_file={d}/var/nagios.debug\ndebug_level=0\n\
             object_cache_file={d}/var/objects.cache\nprecached_object_file={d}/var/objects.precache\n\
             status_file={d}/var/status.dat\nstatus_update_interval=1\ntemp_file={d}/var/nagios.tmp\n\
             temp_path={d}/var\nlock_file={d}/var/nagios.lock\ncheck_result_path={d}/spool/checkresults\n\
             query_socket={d}/rw/nagios.qh\ncheck_external_commands=1\ncommand_file={d}/rw/nagios.cmd\n\
             retain_state_information=0\nstate_retention_file={d}/var/retention.dat\n\
             check_for_updates=0\nbare_update_check=1\nenable_notifications=0\n\
             enable_event_handlers=0\nenable_flap_detection=0\nprocess_performance_data=0\n\
             interval_length=1\nservice_inter_check_delay_method=n\nhost_inter_check_delay_method=n\n\
             max_service_check_spread=1\nmax_host_check_spread=1\nmax_concurrent_checks=0\n\
             check_result_reaper_frequency=1\nservice_check_timeout=60\nhost_check_timeout=30\n\
             check_service_freshness=0\ncheck_host_freshness=0\nlog_initial_states=1\n\
             illegal_macro_output_chars=`~$&|'\"<>\n"
        );
        write(dir, "etc/nagios.cfg", &cfg)?;
        write(
            dir,
            "etc/resource.cfg",
            &format!("$USER1$={}\n", plugin_dir.display()),
        )?;
        let mut objects = String::from(
            "define timeperiod {\n\ttimeperiod_name 24x7\n\talias always\n\tsunday 00:00-24:00\n\
             \tmonday 00:00-24:00\n\ttuesday 00:00-24:00\n\twednesday 00:00-24:00\n\
             \tthursday 00:00-24:00\n\tfriday 00:00-24:00\n\tsaturday 00:00-24:00\n}\n\
             define command {\n\tcommand_name noop\n\tcommand_line /bin/true\n}\n\
             define contact {\n\tcontact_name nobody\n\thost_notifications_enabled 0\n\
             \tservice_notifications_enabled 0\n\thost_notification_period 24x7\n\
             \tservice_notification_period 24x7\n\thost_notification_options n\n\
             \tservice_notification_options n\n\thost_notification_commands noop\n\
             \tservice_notification_commands noop\n}\n\
             define host {\n\thost_name hastack\n\taddress 127.0.0.1\n\tmax_check_attempts 1\n\
             \tcheck_period 24x7\n\tactive_checks_enabled 0\n\tcontacts nobody\n\
             \tnotification_period 24x7\n\tnotification_interval 0\n}\n",
        );
        let every = interval.as_secs().max(1);
        for service in services {
            let _ = write!(
                objects,
                "define service {{\n\thost_name hastack\n\tservice_description {}\n\
                 \tcheck_command {}\n\tmax_check_attempts 1\n\tcheck_interval {every}\n\
                 \tretry_interval {every}\n\tcheck_period 24x7\n\tcontacts nobody\n\
                 \tnotification_period 24x7\n\tnotification_interval 0\n}}\n",
                service.name, service.check_command
            );
        }
        write(dir, "etc/objects.cfg", &objects)?;
        let config = dir.join("etc/nagios.cfg");
        let verify = Command::new(&nagios4)
            .arg("-v")
            .arg(&config)
            .output()
            .map_err(|e| format!("nagios4 -v: {e}"))?;
        if !verify.status.success() {
            return Err(format!(
                "nagios4 -v rejects the configuration:\n{}",
                String::from_utf8_lossy(&verify.stdout)
            ));
        }
        let mut command = Command::new(&nagios4);
        command.arg(&config);
        let server = Server::spawn("nagios4", command, dir.join("var/stdout.log"))
            .with_grace(Duration::from_secs(5));
        Ok(NagiosCore {
            dir: dir.to_path_buf(),
            server,
        })
    }

    /// Every service's latest result checked after `since` (Unix seconds), waiting up to `limit`.
    pub fn results_after(
        &self,
        services: &[NagiosService],
        since: i64,
        limit: Duration,
    ) -> Result<HashMap<String, NagiosResult>, String> {
        let mut seen = HashMap::new();
        let ready = wait_until("Nagios results", limit, || {
            seen = self.status().unwrap_or_default();
            services.iter().all(|s| {
                seen.get(&s.name)
                    .is_some_and(|r: &NagiosResult| r.last_check >= since)
            })
        });
        match ready {
            Ok(()) => Ok(seen),
            Err(e) => Err(format!(
                "{e}: {} of {} services checked\n{}",
                seen.values().filter(|r| r.last_check >= since).count(),
                services.len(),
                self.log()
            )),
        }
    }

    /// Run every service of the host again now (SCHEDULE_FORCED_HOST_SVC_CHECKS).
    pub fn force_all(&self) -> Result<(), String> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt;
        let now = unix_now();
        // Non-blocking: with nobody reading the FIFO, opening it fails at once instead of hanging.
        let mut fifo = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(self.dir.join("rw/nagios.cmd"))
            .map_err(|e| format!("the command FIFO: {e}"))?;
        writeln!(
            fifo,
            "[{now}] SCHEDULE_FORCED_HOST_SVC_CHECKS;hastack;{now}"
        )
        .map_err(|e| format!("the command FIFO: {e}"))
    }

    /// The services' results in status.dat now.
    pub fn status(&self) -> Result<HashMap<String, NagiosResult>, String> {
        let text = std::fs::read_to_string(self.dir.join("var/status.dat"))
            .map_err(|e| format!("status.dat: {e}"))?;
        let mut results = HashMap::new();
        for block in text.split("servicestatus {").skip(1) {
            let block = block.split("\n\t}").next().unwrap_or_default();
            let fields: HashMap<&str, &str> = block
                .lines()
                .filter_map(|l| l.trim_start_matches('\t').split_once('='))
                .collect();
            if fields.get("has_been_checked") != Some(&"1") {
                continue;
            }
            let field = |k: &str| fields.get(k).copied().unwrap_or_default();
            results.insert(
                field("service_description").to_string(),
                NagiosResult {
                    state: field("current_state").parse().unwrap_or(-1),
                    plugin_output: field("plugin_output").to_string(),
                    long_output: unescape(field("long_plugin_output")),
                    perfdata: field("performance_data").to_string(),
                    last_check: field("last_check").parse().unwrap_or(0),
                },
            );
        }
        Ok(results)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("var/nagios.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.server.pid()
    }
}

/// status.dat's escaping of the long output undone: `\n` is a line break, `\\` a backslash.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('n')) => {
                out.push('\n');
                chars.next();
            }
            ('\\', Some('\\')) => {
                out.push('\\');
                chars.next();
            }
            (c, _) => out.push(c),
        }
    }
    out
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))
}

/// The packets `check_nrpe` speaks: its default (version 4, falling back to 2 when the daemon
/// refuses them), `-3` (which NRPE 4 refuses: check_nrpe prints a line of its own and falls back
/// to 2) or `-2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packets {
    Default,
    V3,
    V2,
}

impl Packets {
    /// The option, as a test names the variant.
    pub fn option(self) -> &'static str {
        match self {
            Packets::Default => "(default)",
            Packets::V3 => "-3",
            Packets::V2 => "-2",
        }
    }
}

/// A running NRPE daemon (as the `nagios` user: NRPE refuses root) serving `commands` on a
/// free loopback port, without SSL; stopped when dropped.
pub struct Nrpe {
    pub port: u16,
    _server: Server,
    dir: PathBuf,
}

impl Nrpe {
    /// Start NRPE in `dir` (which, with the plugins, the nagios user must be able to read)
    /// with `commands`: (name, command line).
    pub fn start(dir: &Path, commands: &[(String, String)]) -> Result<Nrpe, String> {
        let program = tool("nrpe", "nagios-nrpe-server")?;
        let port = free_tcp_port();
        let root = rustix::process::getuid().is_root();
        let mut cfg = format!(
            "pid_file={d}/nrpe.pid\nlog_file={d}/nrpe.log\ndisable_syslog=1\ndebug=0\n\
             server_address=127.0.0.1\nserver_port={port}\nallowed_hosts=127.0.0.1\n\
             dont_blame_nrpe=0\nallow_bash_command_substitution=0\ncommand_timeout=60\n\
             connection_timeout=60\n",
            d = dir.display()
        );
        if root {
            cfg.push_str("nrpe_user=nagios\nnrpe_group=nagios\n");
        }
        for (name, line) in commands {
            let _ = writeln!(cfg, "command[{name}]={line}");
        }
        write(dir, "nrpe.cfg", &cfg)?;
        let mut command = Command::new(program);
        command
            .arg("-n")
            .arg("-c")
            .arg(dir.join("nrpe.cfg"))
            .arg("-f");
        let server = Server::spawn("nrpe", command, dir.join("stdout.log"))
            .with_grace(Duration::from_secs(5));
        let nrpe = Nrpe {
            port,
            _server: server,
            dir: dir.to_path_buf(),
        };
        wait_until("nrpe answers", Duration::from_secs(10), || {
            nrpe.check(&[], Packets::Default)
                .is_ok_and(|(code, out)| code == 0 && out.starts_with("NRPE v"))
        })
        .map_err(|e| format!("{e}\n{}", nrpe.log()))?;
        Ok(nrpe)
    }

    /// `check_nrpe -n -H 127.0.0.1 -p PORT ARGS` with `packets`: exit code and stdout.
    pub fn check(&self, args: &[&str], packets: Packets) -> Result<(i32, String), String> {
        let mut command = Command::new("/usr/lib/nagios/plugins/check_nrpe");
        command
            .args(["-n", "-H", "127.0.0.1", "-t", "60", "-p"])
            .arg(self.port.to_string())
            .args(args);
        match packets {
            Packets::Default => {}
            Packets::V3 => {
                command.arg("-3");
            }
            Packets::V2 => {
                command.arg("-2");
            }
        }
        let out = command.output().map_err(|e| format!("check_nrpe: {e}"))?;
        Ok((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("nrpe.log")).unwrap_or_default()
    }
}

/// The plugins behind wrappers a client runs instead (`$USER1$`, an NRPE command line): each
/// wrapper runs the real plugin with the same arguments, keeps its argv, its exact stdout and its
/// exit code in a directory of its own (`runs/<ns since the epoch>.<binary>.<random>`), then
/// writes that stdout unchanged, in one write as the plugin does (`cat` of a file of a few KB),
/// and exits with that code.
pub struct RecordingPlugins {
    bin: PathBuf,
    runs: PathBuf,
}

/// One run of a plugin through its wrapper.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRun {
    /// The run's directory name; names sort by start time.
    pub id: String,
    pub binary: String,
    pub args: Vec<String>,
    pub stdout: String,
    pub code: i32,
}

/// Single-quoted for /bin/sh.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

impl RecordingPlugins {
    /// Wrappers in `dir/bin` for `binaries` of `plugin_dir`, recording into `dir/runs`, which
    /// anyone may write (NRPE runs them as nagios); `dir`'s parents must let that user through.
    /// The plugins are linked (or copied) into `dir/plugins` first: the checkout they were built
    /// in may be where the nagios user cannot go (a clone under /root, mode 0700).
    pub fn create(
        dir: &Path,
        plugin_dir: &Path,
        binaries: &[&str],
    ) -> Result<RecordingPlugins, String> {
        use std::os::unix::fs::PermissionsExt;
        let bin = dir.join("bin");
        let runs = dir.join("runs");
        let plugins = dir.join("plugins");
        for (sub, mode) in [(&bin, 0o755), (&runs, 0o1777), (&plugins, 0o755)] {
            std::fs::create_dir_all(sub).map_err(|e| format!("{}: {e}", sub.display()))?;
            std::fs::set_permissions(sub, std::fs::Permissions::from_mode(mode))
                .map_err(|e| format!("{}: {e}", sub.display()))?;
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        for binary in binaries {
            let (built, reachable) = (plugin_dir.join(binary), plugins.join(binary));
            std::fs::hard_link(&built, &reachable)
                .or_else(|_| std::fs::copy(&built, &reachable).map(|_| ()))
                .map_err(|e| format!("{} -> {}: {e}", built.display(), reachable.display()))?;
            // The record is complete (`code` renamed into place last) before the client
            // reads a byte, so a result the client holds always has its run on disk.
            let script = format!(
                "#!/bin/sh\n\
                 # Records what {binary} prints for a test (hastack-test-support), then passes it on.\n\
                 run=$(mktemp -d {runs}/\"$(date +%s%N)\".{binary}.XXXXXXXX) || {{\n\
                 \techo 'UNKNOWN - the recording wrapper cannot create a run directory'\n\
                 \texit 3\n\
                 }}\n\
                 printf '%s\\0' \"$@\" >\"$run/args\"\n\
                 {plugin} \"$@\" >\"$run/stdout\"\n\
                 code=$?\n\
                 printf '%s' \"$code\" >\"$run/code.partial\" && mv \"$run/code.partial\" \"$run/code\"\n\
                 cat \"$run/stdout\"\n\
                 exit \"$code\"\n",
                runs = sh_quote(&runs.display().to_string()),
                plugin = sh_quote(&reachable.display().to_string()),
            );
            let path = bin.join(binary);
            std::fs::write(&path, script).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(RecordingPlugins { bin, runs })
    }

    /// Where the wrappers are: what `$USER1$` or an NRPE command line names.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Every finished run so far, oldest first.
    pub fn runs(&self) -> Result<Vec<RecordedRun>, String> {
        let entries =
            std::fs::read_dir(&self.runs).map_err(|e| format!("{}: {e}", self.runs.display()))?;
        let mut runs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", self.runs.display()))?;
            let id = entry.file_name().to_string_lossy().into_owned();
            let dir = entry.path();
            let Ok(code) = std::fs::read_to_string(dir.join("code")) else {
                continue; // still running
            };
            let read =
                |name: &str| std::fs::read(dir.join(name)).map_err(|e| format!("{id}/{name}: {e}"));
            let args = read("args")?;
            let args = match args.strip_suffix(b"\0") {
                Some(args) => args
                    .split(|b| *b == 0)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
                None => Vec::new(),
            };
            runs.push(RecordedRun {
                binary: id.split('.').nth(1).unwrap_or_default().to_string(),
                args,
                stdout: String::from_utf8_lossy(&read("stdout")?).into_owned(),
                code: code
                    .trim()
                    .parse()
                    .map_err(|e| format!("{id}/code {code:?}: {e}"))?,
                id,
            });
        }
        runs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(runs)
    }
}
