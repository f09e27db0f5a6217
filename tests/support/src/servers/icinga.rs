//! The shipped Icinga 2 CheckCommands against the binaries: every option the plugin has is an
//! argument of its CheckCommand (and nothing else is), and a real `icinga2 daemon -C` accepts
//! the file.

use std::path::Path;
use std::process::Command;

use crate::harness::system::{group_name, tool, user_name};

/// The argument keys (`"-H"`, `"--node"`) of a CheckCommand file.
pub fn checkcommand_arguments(conf: &str) -> Vec<String> {
    conf.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix('"')?;
            let (key, after) = rest.split_once('"')?;
            (key.starts_with('-') && after.trim_start().starts_with("= {")).then(|| key.to_string())
        })
        .collect()
}

/// Every option of `command` (by its short or long form) is an argument of the CheckCommand in
/// `conf_path`, except help, version and `not_exposed` (e.g. a password option whose value
/// goes through `env` instead); and every argument there is an option of `command`.
pub fn assert_checkcommand_matches(
    conf_path: &Path,
    command: &clap::Command,
    not_exposed: &[&str],
) {
    let conf = std::fs::read_to_string(conf_path)
        .unwrap_or_else(|e| panic!("{}: {e}", conf_path.display()));
    let keys = checkcommand_arguments(&conf);
    assert!(
        !keys.is_empty(),
        "no arguments found in {}",
        conf_path.display()
    );
    let mut known = Vec::new();
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        let forms: Vec<String> = arg
            .get_short()
            .map(|s| format!("-{s}"))
            .into_iter()
            .chain(arg.get_long().map(|l| format!("--{l}")))
            .collect();
        known.extend(forms.iter().cloned());
        if forms.iter().any(|f| not_exposed.contains(&f.as_str())) {
            assert!(
                !forms.iter().any(|f| keys.contains(f)),
                "{forms:?} must not be in {}",
                conf_path.display()
            );
            continue;
        }
        assert!(
            forms.iter().any(|f| keys.contains(f)),
            "option {forms:?} is missing from {}",
            conf_path.display()
        );
    }
    for key in &keys {
        assert!(
            known.contains(key),
            "{} has argument {key}, which {} does not know",
            conf_path.display(),
            command.get_name()
        );
    }
}

/// Run `icinga2 daemon -C` on a configuration that includes the ITL and `conf_files`, with
/// `PluginContribDir` set to `plugin_dir`. Returns icinga2's output on failure.
pub fn validate(conf_files: &[&Path], plugin_dir: &Path) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let v = dir.path().join("var");
    make_var(&v)?;
    let main = main_conf(conf_files, &[])?;
    std::fs::write(dir.path().join("icinga2.conf"), main).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.path().join("constants.conf"),
        constants(plugin_dir, "test-icinga"),
    )
    .map_err(|e| e.to_string())?;
    let conf = dir.path().join("icinga2.conf");
    let conf = conf.display().to_string();
    run_icinga2(&v, &["daemon", "-C", "-c", &conf])
}

/// `icinga2.conf`: the constants, the ITL, the plugins' CheckCommands and `extra` includes.
fn main_conf(conf_files: &[&Path], extra: &[&str]) -> Result<String, String> {
    let mut main = String::from("include \"constants.conf\"\ninclude <itl>\ninclude <plugins>\n");
    for file in conf_files {
        let file = file
            .canonicalize()
            .map_err(|e| format!("{}: {e}", file.display()))?;
        main.push_str(&format!("include \"{}\"\n", file.display()));
    }
    for name in extra {
        main.push_str(&format!("include \"{name}\"\n"));
    }
    Ok(main)
}

/// `constants.conf` for node `node`, with `PluginContribDir` at `plugin_dir`.
fn constants(plugin_dir: &Path, node: &str) -> String {
    format!(
        "const PluginDir = \"/usr/lib/nagios/plugins\"\nconst ManubulonPluginDir = \"/usr/lib/nagios/plugins\"\n\
         const PluginContribDir = \"{}\"\nconst NodeName = \"{node}\"\nconst ZoneName = \"{node}\"\nconst TicketSalt = \"\"\n",
        plugin_dir.display()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn argument_keys() {
        let conf = "arguments = {\n\t\"-H\" = {\n\t\tvalue = \"$x$\"\n\t}\n\t\"--node\" = { value = 1 }\n}\nvars.x = \"-y\"\n";
        assert_eq!(super::checkcommand_arguments(conf), ["-H", "--node"]);
    }
}

/// `-D` definitions that keep an icinga2 run inside `var` (never the system's directories).
fn dir_defines(var: &Path) -> Vec<String> {
    // Icinga runs as the test's user: as root it would otherwise drop to nagios, and anyone
    // else cannot become another user ("setgroups() failed").
    let mut defines = vec![
        format!("-DRunAsUser={}", user_name()),
        format!("-DRunAsGroup={}", group_name()),
    ];
    for (name, sub) in [
        ("DataDir", "lib"),
        ("CacheDir", "cache"),
        ("LogDir", "log"),
        ("SpoolDir", "spool"),
        ("InitRunDir", "run"),
    ] {
        defines.push(format!("-D{name}={}", var.join(sub).display()));
    }
    defines
}

fn icinga2() -> Result<Command, String> {
    let mut command = Command::new(tool("icinga2", "icinga2-bin")?);
    command
        .env("ICINGA2_USER", user_name())
        .env("ICINGA2_GROUP", group_name());
    Ok(command)
}

fn run_icinga2(var: &Path, args: &[&str]) -> Result<(), String> {
    let out = icinga2()?
        .args(args)
        .args(dir_defines(var))
        .output()
        .map_err(|e| format!("icinga2: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "icinga2 {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A certificate authority made with `icinga2 pki`, issuing node certificates.
pub struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Result<Pki, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        make_var(dir.path())?;
        run_icinga2(dir.path(), &["pki", "new-ca"])?;
        Ok(Pki { dir })
    }

    /// Key, certificate and the CA certificate for node `cn` in `certs`.
    pub fn issue(&self, cn: &str, certs: &Path) -> Result<(), String> {
        std::fs::create_dir_all(certs).map_err(|e| e.to_string())?;
        let p = |ext: &str| certs.join(format!("{cn}.{ext}")).display().to_string();
        run_icinga2(
            self.dir.path(),
            &[
                "pki",
                "new-cert",
                "--cn",
                cn,
                "--key",
                &p("key"),
                "--csr",
                &p("csr"),
            ],
        )?;
        run_icinga2(
            self.dir.path(),
            &["pki", "sign-csr", "--csr", &p("csr"), "--cert", &p("crt")],
        )?;
        std::fs::copy(self.dir.path().join("lib/ca/ca.crt"), certs.join("ca.crt"))
            .map_err(|e| format!("ca.crt: {e}"))?;
        Ok(())
    }
}

fn make_var(var: &Path) -> Result<(), String> {
    for sub in ["lib", "cache", "log", "spool", "run"] {
        std::fs::create_dir_all(var.join(sub)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A running Icinga 2 with its REST API on a free loopback port, its own directories, and the
/// plugins' CheckCommands with `PluginContribDir` at the fresh build.
pub struct Daemon {
    pub node: String,
    pub api_port: u16,
    server: crate::Server,
    dir: tempfile::TempDir,
}

/// API credentials of the test daemons.
pub const API_USER: &str = "test";
pub const API_PASSWORD: &str = "test-Pa55";

impl Daemon {
    /// Start node `node` (its zone has the same name, with `parent` as parent zone) with the
    /// CheckCommand files and `objects` (hosts, services, other endpoints and zones).
    pub fn start(
        pki: &Pki,
        node: &str,
        parent: Option<&str>,
        plugin_dir: &Path,
        conf_files: &[&Path],
        objects: &str,
        api_port: u16,
    ) -> Result<Daemon, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let var = dir.path().join("var");
        make_var(&var)?;
        pki.issue(node, &var.join("lib/certs"))?;
        let main = main_conf(conf_files, &["features.conf", "objects.conf"])?;
        let constants = constants(plugin_dir, node);
        let parent = parent
            .map(|p| format!("; parent = \"{p}\""))
            .unwrap_or_default();
        let features = format!(
            "object CheckerComponent \"checker\" {{ }}\n\
             object FileLogger \"main-log\" {{ severity = \"information\"; path = LogDir + \"/icinga2.log\" }}\n\
             object ApiListener \"api\" {{ bind_host = \"127.0.0.1\"; bind_port = {api_port}; accept_config = false; accept_commands = true }}\n\
             object ApiUser \"{API_USER}\" {{ password = \"{API_PASSWORD}\"; permissions = [ \"*\" ] }}\n\
             object Endpoint NodeName {{ }}\nobject Zone ZoneName {{ endpoints = [ NodeName ]{parent} }}\n"
        );
        for (name, text) in [
            ("icinga2.conf", main),
            ("constants.conf", constants),
            ("features.conf", features),
            ("objects.conf", objects.to_string()),
        ] {
            std::fs::write(dir.path().join(name), text).map_err(|e| e.to_string())?;
        }
        let mut command = icinga2()?;
        command
            .args(["daemon", "-c"])
            .arg(dir.path().join("icinga2.conf"))
            .args(dir_defines(&var));
        let server = crate::Server::spawn(node, command, dir.path().join("daemon.log"))
            .with_grace(std::time::Duration::from_secs(10));
        let daemon = Daemon {
            node: node.to_string(),
            api_port,
            server,
            dir,
        };
        crate::wait_until(
            &format!("icinga2 {node} API on 127.0.0.1:{api_port}"),
            std::time::Duration::from_secs(30),
            || {
                daemon
                    .api("GET", "/v1/status/IcingaApplication", None)
                    .is_ok()
            },
        )
        .map_err(|e| format!("{e}\n{}", daemon.log()))?;
        Ok(daemon)
    }

    /// The daemon's own log and its stdout.
    pub fn log(&self) -> String {
        let file = std::fs::read_to_string(self.dir.path().join("var/log/icinga2.log"))
            .unwrap_or_default();
        format!("{}\n{file}", self.server.log())
    }

    /// One REST API call; the parsed JSON answer.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let url = format!("https://127.0.0.1:{}{path}", self.api_port);
        let mut command = Command::new("curl");
        command
            .args(["-sk", "--max-time", "10", "-u"])
            .arg(format!("{API_USER}:{API_PASSWORD}"))
            .args(["-H", "Accept: application/json", "-X", method, &url]);
        if let Some(body) = body {
            command.args(["-d", &body.to_string()]);
        }
        let out = command.output().map_err(|e| format!("curl: {e}"))?;
        if !out.status.success() {
            return Err(format!("curl {method} {url}: exit {:?}", out.status.code()));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "{method} {path}: {e}: {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Check every service now.
    pub fn check_all_now(&self) -> Result<(), String> {
        self.api(
            "POST",
            "/v1/actions/reschedule-check",
            Some(&serde_json::json!({"type": "Service", "filter": "true", "force": true})),
        )
        .map(|_| ())
    }

    /// Every service's last check result (by service name), once all have one newer than `since`
    /// (a UNIX time), or an error after `limit`.
    pub fn results_after(
        &self,
        since: f64,
        limit: std::time::Duration,
    ) -> Result<Vec<CheckResult>, String> {
        let mut latest = Vec::new();
        crate::wait_until("every service checked", limit, || {
            match self.service_results() {
                Ok(results) => {
                    let done =
                        !results.is_empty() && results.iter().all(|r| r.execution_end > since);
                    latest = results;
                    done
                }
                Err(_) => false,
            }
        })
        .map_err(|e| {
            let pending: Vec<&str> = latest
                .iter()
                .filter(|r| r.execution_end <= since)
                .map(|r| r.service.as_str())
                .collect();
            format!("{e}: pending {pending:?}\n{}", self.log())
        })?;
        Ok(latest)
    }

    fn service_results(&self) -> Result<Vec<CheckResult>, String> {
        let answer = self.api(
            "GET",
            "/v1/objects/services?attrs=name&attrs=host_name&attrs=last_check_result",
            None,
        )?;
        let items = answer["results"].as_array().cloned().unwrap_or_default();
        Ok(items
            .iter()
            .map(|item| {
                let attrs = &item["attrs"];
                let result = &attrs["last_check_result"];
                let strings = |v: &serde_json::Value| -> Vec<String> {
                    v.as_array()
                        .map(|a| {
                            a.iter()
                                .map(|x| {
                                    x.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| x.to_string())
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                };
                CheckResult {
                    host: attrs["host_name"].as_str().unwrap_or_default().to_string(),
                    service: attrs["name"].as_str().unwrap_or_default().to_string(),
                    exit_status: result["exit_status"].as_i64().unwrap_or(-1),
                    output: result["output"].as_str().unwrap_or_default().to_string(),
                    performance_data: strings(&result["performance_data"]),
                    command: strings(&result["command"]),
                    execution_end: result["execution_end"].as_f64().unwrap_or(0.0),
                    check_source: result["check_source"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                }
            })
            .collect())
    }

    /// The perfdata labels of a service's last result as Icinga's own parser
    /// (`parse_performance_data`) reads them, through the API console.
    pub fn parsed_perfdata_labels(&self, host: &str, service: &str) -> Result<Vec<String>, String> {
        let script = format!(
            "var labels = []; for (p in get_service(\"{host}\", \"{service}\").last_check_result.performance_data) {{ labels.add(parse_performance_data(p).label) }}; labels"
        );
        let answer = self.api(
            "POST",
            "/v1/console/execute-script",
            Some(&serde_json::json!({"command": script, "session": "hastack-test"})),
        )?;
        let result = &answer["results"][0];
        if result["code"].as_i64() != Some(200) {
            return Err(format!("console: {result}"));
        }
        Ok(result["result"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// A service's last check result as Icinga recorded it.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub host: String,
    pub service: String,
    pub exit_status: i64,
    pub output: String,
    pub performance_data: Vec<String>,
    /// The argv Icinga ran.
    pub command: Vec<String>,
    pub execution_end: f64,
    /// The endpoint that ran the check.
    pub check_source: String,
}
