//! Seeds: what a real server takes long to make (a Galera datadir, a 389 instance loaded with
//! 90,000 group members) is built once per machine and user and copied for each test.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// Written into a seed when its build completed: a seed without it is a build that died.
const COMPLETE: &str = ".hastack-seed-complete";

/// The seed called `name` (`hastack-389-seed-v1`): built by `build` in a scratch directory the
/// first time (it returns the path inside that directory to keep), then taken from the cache.
///
/// The cache and its lock are the user's own (their names carry the user id): root's files in
/// /tmp are neither readable nor lockable by anyone else, and another user's no safer to copy.
/// The first test to need a seed builds it, the others (threads and test processes) wait on the
/// lock and take it; a failed build is tried once more.
pub fn cached(
    name: &str,
    build: impl Fn(&Path) -> Result<PathBuf, String>,
) -> Result<PathBuf, String> {
    let uid = rustix::process::geteuid().as_raw();
    let cache = std::env::temp_dir().join(format!("{name}-uid{uid}"));
    if cache.join(COMPLETE).exists() {
        return Ok(cache);
    }
    let lock_path = std::env::temp_dir().join(format!("{name}-uid{uid}.lock"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    if cache.join(COMPLETE).exists() {
        return Ok(cache);
    }
    // What a build that died left: not a seed.
    let _ = std::fs::remove_dir_all(&cache);
    let mut result = Err(String::new());
    for _ in 0..2 {
        let nonce = Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id());
        let scratch = std::env::temp_dir().join(format!(
            "{name}-build-uid{uid}-{}-{nonce}",
            std::process::id()
        ));
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        result = build(&scratch).and_then(|built| {
            std::fs::write(built.join(COMPLETE), "").map_err(|e| e.to_string())?;
            std::fs::rename(&built, &cache)
                .map_err(|e| format!("{} -> {}: {e}", built.display(), cache.display()))
        });
        let _ = std::fs::remove_dir_all(&scratch);
        if result.is_ok() {
            break;
        }
    }
    result.map(|()| cache)
}

/// `from` copied to `to` as it is (`cp -a`).
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| format!("cp: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("cp -a {} {} failed", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_is_built_once_and_a_failed_build_leaves_none() {
        let name = format!("hastack-seed-test-{}", std::process::id());
        let builds = std::sync::atomic::AtomicUsize::new(0);
        let build = |scratch: &Path| {
            builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let built = scratch.join("out");
            std::fs::create_dir_all(&built).map_err(|e| e.to_string())?;
            std::fs::write(built.join("data"), "x").map_err(|e| e.to_string())?;
            Ok(built)
        };
        let seed = cached(&name, build).expect("built");
        assert_eq!(
            std::fs::read_to_string(seed.join("data")).ok().as_deref(),
            Some("x")
        );
        assert_eq!(cached(&name, build).expect("cached"), seed);
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);
        let _ = std::fs::remove_dir_all(&seed);
        // A build that fails twice is an error, and leaves no seed behind.
        let failing = format!("{name}-failing");
        let error = cached(&failing, |_| Err("no".into())).expect_err("fails");
        assert_eq!(error, "no");
        let uid = rustix::process::geteuid().as_raw();
        assert!(
            !std::env::temp_dir()
                .join(format!("{failing}-uid{uid}"))
                .exists()
        );
        for lock in [&name, &failing] {
            let _ =
                std::fs::remove_file(std::env::temp_dir().join(format!("{lock}-uid{uid}.lock")));
        }
    }
}
