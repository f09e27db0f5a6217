//! Who runs the tests, and where the tools are. The suite runs as root (CI) and as a normal user
//! with passwordless sudo (a contributor): servers run as the user running the tests, what truly
//! needs root (network namespaces, another user's files) goes through `sudo -n`, and every tool
//! is found by absolute path, since Debian keeps daemons in /usr/sbin, which a normal user's
//! PATH lacks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Whether the tests run as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The name of the user running the tests (`id -un`; the numeric id when it has no name).
pub fn user_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        id("-un").unwrap_or_else(|| rustix::process::geteuid().as_raw().to_string())
    })
}

/// The name of the primary group of the user running the tests (`id -gn`).
pub fn group_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        id("-gn").unwrap_or_else(|| rustix::process::getegid().as_raw().to_string())
    })
}

fn id(option: &str) -> Option<String> {
    let out = Command::new(tool_path("id")?).arg(option).output().ok()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

/// Where tools are looked for: the PATH, then the system directories a normal user's PATH
/// leaves out.
fn search_path() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    for dir in [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ] {
        let dir = PathBuf::from(dir);
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

fn tool_path(name: &str) -> Option<PathBuf> {
    search_path()
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|path| is_executable(path))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The absolute path of `name`, or an error that says which package provides it.
pub fn tool(name: &str, package: &str) -> Result<PathBuf, String> {
    tool_path(name)
        .ok_or_else(|| format!("{name} is not installed (scripts/setup installs {package})"))
}

/// libfaketime's multi-threaded preload library (Debian's `libfaketime`), in whichever
/// multiarch directory this machine has it.
pub fn libfaketime() -> Result<PathBuf, String> {
    let found = std::fs::read_dir("/usr/lib").ok().and_then(|dirs| {
        dirs.flatten()
            .map(|dir| dir.path().join("faketime/libfaketimeMT.so.1"))
            .find(|path| path.exists())
    });
    found.ok_or_else(|| {
        "/usr/lib/*/faketime/libfaketimeMT.so.1 is missing (scripts/setup installs libfaketime)"
            .to_string()
    })
}

/// The environment that shifts a process's wall clock by `offset` (`+1900s`, `-3s`: whole
/// seconds, as libfaketime reads compound or fractional values wrongly for chronyd).
pub fn faketime_env(offset: &str) -> Result<Vec<(String, String)>, String> {
    Ok(vec![
        ("LD_PRELOAD".into(), libfaketime()?.display().to_string()),
        ("FAKETIME".into(), offset.into()),
        ("FAKETIME_DONT_RESET".into(), "1".into()),
    ])
}

/// A command that runs `program` as root: as it is when the tests run as root, else through
/// `sudo -n` with the caller's environment kept (`-E`), so that a password given to a plugin
/// through the environment still reaches it. Fails at once, without a prompt, where sudo would
/// ask for a password.
pub fn as_root(program: impl AsRef<std::ffi::OsStr>) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut command = Command::new(tool_path("sudo").unwrap_or_else(|| "sudo".into()));
        command.args(["-n", "-E", "--"]).arg(program);
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_found_by_absolute_path_whatever_the_path() {
        // Debian keeps these in /usr/sbin; scripts/setup installs both.
        for (name, package) in [("chronyd", "chrony"), ("named", "bind9"), ("sh", "dash")] {
            let path = tool(name, package).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                path.is_absolute() && path.ends_with(name),
                "{}",
                path.display()
            );
        }
        assert_eq!(
            tool("no-such-tool-here", "nothing").expect_err("absent"),
            "no-such-tool-here is not installed (scripts/setup installs nothing)"
        );
    }

    #[test]
    fn the_user_has_a_name_and_a_group() {
        assert!(!user_name().is_empty() && !group_name().is_empty());
        assert_eq!(is_root(), user_name() == "root");
    }

    #[test]
    fn root_is_asked_of_sudo_only_when_needed() {
        let command = as_root("true");
        let program = command.get_program().to_string_lossy().to_string();
        match is_root() {
            true => assert_eq!(program, "true"),
            false => {
                assert!(program.ends_with("sudo"), "{program}");
                let args: Vec<_> = command.get_args().collect();
                assert_eq!(args, ["-n", "-E", "--", "true"]);
            }
        }
    }
}
