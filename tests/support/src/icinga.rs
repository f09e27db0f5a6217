//! The shipped Icinga 2 CheckCommands against the binaries: every option the plugin has is an
//! argument of its CheckCommand (and nothing else is), and a real `icinga2 daemon -C` accepts
//! the file.

use std::path::Path;
use std::process::Command;

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
    for sub in ["lib", "cache", "log", "spool", "run"] {
        std::fs::create_dir_all(v.join(sub)).map_err(|e| e.to_string())?;
    }
    let mut main = String::from("include \"constants.conf\"\ninclude <itl>\ninclude <plugins>\n");
    for file in conf_files {
        main.push_str(&format!(
            "include \"{}\"\n",
            file.canonicalize().map_err(|e| e.to_string())?.display()
        ));
    }
    let constants = format!(
        "const PluginDir = \"/usr/lib/nagios/plugins\"\nconst ManubulonPluginDir = \"/usr/lib/nagios/plugins\"\n\
         const PluginContribDir = \"{}\"\nconst NodeName = \"test-icinga\"\nconst ZoneName = \"test-icinga\"\nconst TicketSalt = \"\"\n",
        plugin_dir.display()
    );
    std::fs::write(dir.path().join("icinga2.conf"), main).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("constants.conf"), constants).map_err(|e| e.to_string())?;
    let out = Command::new("icinga2")
        .args(["daemon", "-C", "-c"])
        .arg(dir.path().join("icinga2.conf"))
        .args(["-DRunAsUser=root", "-DRunAsGroup=root"])
        .arg(format!("-DDataDir={}", v.join("lib").display()))
        .arg(format!("-DCacheDir={}", v.join("cache").display()))
        .arg(format!("-DLogDir={}", v.join("log").display()))
        .arg(format!("-DSpoolDir={}", v.join("spool").display()))
        .arg(format!("-DInitRunDir={}", v.join("run").display()))
        .env("ICINGA2_USER", whoami())
        .env("ICINGA2_GROUP", whoami())
        .output()
        .map_err(|e| format!("icinga2 (scripts/setup installs icinga2-bin): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn argument_keys() {
        let conf = "arguments = {\n\t\"-H\" = {\n\t\tvalue = \"$x$\"\n\t}\n\t\"--node\" = { value = 1 }\n}\nvars.x = \"-y\"\n";
        assert_eq!(super::checkcommand_arguments(conf), ["-H", "--node"]);
    }
}
