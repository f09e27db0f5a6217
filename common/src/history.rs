//! What a plugin remembers from its previous run: a small record of named values per plugin and
//! target (what is monitored), like Python nagiosplugin's `Cookie`. Written atomically
//! (temporary file, then rename), mode 0600, locked against a concurrent run of the same check,
//! read under a size cap. A record that is missing, corrupt, from another format version, for
//! another target or dated in the future is no baseline, with the reason for `-v`: never an
//! error, the check judges what needs no history.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Context;
use crate::input::read_text_capped;

/// The format's first line; another version is no baseline.
const MAGIC: &str = "hastack-history 1";
/// A record is a few hundred values at most: more is not ours.
pub const HISTORY_CAP: u64 = 256 * 1024;
/// A record dated this far ahead of the clock means the clock went back.
const FUTURE_SLACK: f64 = 300.0;
/// How long a run waits for a concurrent run of the same check to release the record.
const LOCK_WAIT: Duration = Duration::from_millis(500);

/// The package's directory, shared by the monitoring users (sticky and world-writable like
/// /tmp: each record is 0600 and its owner's).
pub const PACKAGE_DIR: &str = "/var/lib/hastack-plugins";

/// Where records are kept, and whether the user asked for history (`--state-dir`): only then is
/// a directory that cannot be written worth a WARNING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub dir: PathBuf,
    pub asked: bool,
}

impl Place {
    /// `--state-dir` when given; else `$STATE_DIRECTORY` (systemd's), the package's directory
    /// when it exists, `$XDG_STATE_HOME/hastack-plugins` or `~/.local/state/hastack-plugins`,
    /// and last `/tmp/hastack-plugins-UID`.
    pub fn resolve(given: Option<&Path>) -> Place {
        if let Some(dir) = given {
            return Place {
                dir: dir.to_path_buf(),
                asked: true,
            };
        }
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = if let Some(dir) = env("STATE_DIRECTORY") {
            // systemd may list several, separated by colons: the first is ours.
            let text = dir.to_string_lossy().into_owned();
            PathBuf::from(text.split(':').next().unwrap_or_default())
        } else if Path::new(PACKAGE_DIR).is_dir() {
            PathBuf::from(PACKAGE_DIR)
        } else if let Some(state) = env("XDG_STATE_HOME") {
            PathBuf::from(state).join("hastack-plugins")
        } else if let Some(home) = env("HOME") {
            PathBuf::from(home).join(".local/state/hastack-plugins")
        } else {
            std::env::temp_dir().join(format!(
                "hastack-plugins-{}",
                rustix::process::getuid().as_raw()
            ))
        };
        Place { dir, asked: false }
    }
}

/// A previous run's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// When it was written, Unix seconds.
    pub saved_at: f64,
    pub values: BTreeMap<String, String>,
}

impl Record {
    pub fn number(&self, name: &str) -> Option<f64> {
        self.values
            .get(name)?
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
    }
}

/// The previous run's record, or why there is none (said at `-v`).
#[derive(Debug, Clone, PartialEq)]
pub enum Baseline {
    Found(Record),
    None(String),
}

/// One run's access to its record: locked from [`Session::open`] until dropped.
#[derive(Debug)]
pub struct Session {
    path: PathBuf,
    plugin: String,
    target: String,
    /// The lock file, held open: dropping it releases the lock.
    lock: Option<File>,
    /// Why the record cannot be written (no directory, a file of another user...).
    unwritable: Option<String>,
    /// Another run of the same check holds the record: it reads and writes it, this one goes
    /// without (not a fault of the directory).
    busy: Option<String>,
}

impl Session {
    /// Open the record of `plugin` for `target` (any text naming what is monitored) in
    /// `place`, creating the directory (0700) when it is missing.
    pub fn open(place: &Place, plugin: &str, target: &str) -> Session {
        // The user's id in the name: monitoring users sharing the package's directory (nagios,
        // icinga, nrpe) each keep their own record of the same target.
        let name = format!(
            "{plugin}-{}-{:016x}",
            rustix::process::getuid().as_raw(),
            fnv1a(target.as_bytes())
        );
        let path = place.dir.join(format!("{name}.history"));
        let mut session = Session {
            path,
            plugin: plugin.to_string(),
            target: target.to_string(),
            lock: None,
            unwritable: None,
            busy: None,
        };
        if let Err(why) = create_dir(&place.dir) {
            session.unwritable = Some(why);
            return session;
        }
        let lock_path = place.dir.join(format!("{name}.lock"));
        match lock(&lock_path) {
            Ok(file) => session.lock = Some(file),
            Err(Locked::Busy(why)) => session.busy = Some(why),
            Err(Locked::Failed(why)) => session.unwritable = Some(why),
        }
        session
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why this run cannot keep its record, if it cannot.
    #[cfg(test)]
    fn unwritable(&self) -> Option<&str> {
        self.unwritable.as_deref()
    }

    /// The previous run's record, read under [`HISTORY_CAP`] and the run's deadline.
    pub fn previous(&self, ctx: &Context, now: f64) -> Baseline {
        if self.lock.is_none() {
            return Baseline::None(
                self.busy
                    .clone()
                    .or_else(|| self.unwritable.clone())
                    .unwrap_or_else(|| "the record is not available".into()),
            );
        }
        match std::fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Baseline::None("no record of an earlier run yet".into());
            }
            // In a shared directory, only a plain file of this user's, written by nobody else,
            // is a record: anything else someone may have planted. Ours cannot be replaced
            // afterwards (the directory is sticky, or ours alone).
            Ok(meta) => {
                if let Some(why) = not_ours(&self.path, &meta) {
                    return Baseline::None(why);
                }
            }
            Err(_) => {}
        }
        match read_text_capped(ctx, "history record", &self.path, HISTORY_CAP) {
            Ok(text) => self.parse(&text, now),
            Err(e) => Baseline::None(e.to_string()),
        }
    }

    fn parse(&self, text: &str, now: f64) -> Baseline {
        let shown = self.path.display();
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Baseline::None(format!(
                "{shown} is not a record this version writes (another version, or not ours)"
            ));
        }
        let mut header = |key: &str| -> Option<String> {
            let line = lines.next()?;
            line.strip_prefix(key)?
                .strip_prefix(' ')
                .map(str::to_string)
        };
        let (Some(plugin), Some(target), Some(saved)) =
            (header("plugin"), header("target"), header("saved"))
        else {
            return Baseline::None(format!("{shown} is corrupt (its header is incomplete)"));
        };
        if plugin != self.plugin || target != self.target {
            return Baseline::None(format!("{shown} is the record of another target"));
        }
        let Some(saved_at) = saved.parse::<f64>().ok().filter(|s| s.is_finite()) else {
            return Baseline::None(format!("{shown} is corrupt (saved {saved:?})"));
        };
        if saved_at > now + FUTURE_SLACK {
            return Baseline::None(format!(
                "{shown} is dated {:.0} s in the future: the clock went back",
                saved_at - now
            ));
        }
        let mut values = BTreeMap::new();
        for (number, line) in lines.enumerate() {
            let Some((name, value)) = line.split_once('=') else {
                return Baseline::None(format!("{shown} is corrupt (line {})", number + 5));
            };
            values.insert(name.to_string(), value.to_string());
        }
        Baseline::Found(Record { saved_at, values })
    }

    /// Replace the record with `values`, atomically (a temporary file beside it, then rename).
    pub fn save(&self, values: &BTreeMap<String, String>, now: f64) -> Result<(), String> {
        if let Some(why) = &self.unwritable {
            return Err(why.clone());
        }
        if self.busy.is_some() {
            // The run holding the record writes it.
            return Ok(());
        }
        let mut text = format!(
            "{MAGIC}\nplugin {}\ntarget {}\nsaved {now:.6}\n",
            self.plugin,
            self.target.replace('\n', " ")
        );
        for (name, value) in values {
            let clean = |s: &str| s.replace(['\n', '='], " ");
            let _ = writeln!(text, "{}={}", clean(name), value.replace('\n', " "));
        }
        let temporary = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        // In a shared directory another user may have put something under that name: a new
        // file only, never through a symbolic link.
        let _ = std::fs::remove_file(&temporary);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&temporary)
            // No fsync: a record lost to a crash is only a run without a baseline, and a
            // monitoring host runs thousands of checks a minute.
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            format!(
                "cannot write {}: {}",
                self.path.display(),
                crate::error::describe_io_error(&e)
            )
        })
    }

    /// Forget: remove the record (`--forget`).
    pub fn forget(&self) -> Result<(), String> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!(
                "cannot remove {}: {}",
                self.path.display(),
                crate::error::describe_io_error(&e)
            )),
            _ => Ok(()),
        }
    }
}

fn create_dir(dir: &Path) -> Result<(), String> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| {
            format!(
                "cannot create the state directory {}: {}",
                dir.display(),
                crate::error::describe_io_error(&e)
            )
        })
}

/// Why a file at `path` is not a record (or lock) of this user's: a link, not a plain file,
/// another user's, or writable by others.
fn not_ours(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let shown = path.display();
    let uid = rustix::process::getuid().as_raw();
    if meta.file_type().is_symlink() {
        Some(format!(
            "{shown} is a symbolic link, not a record: set aside"
        ))
    } else if !meta.file_type().is_file() {
        Some(format!("{shown} is not a plain file: set aside"))
    } else if meta.uid() != uid {
        Some(format!(
            "{shown} belongs to user {}, not to this one ({uid}): set aside (remove it)",
            meta.uid()
        ))
    } else if meta.mode() & 0o022 != 0 {
        Some(format!(
            "{shown} is writable by others (mode {:o}): set aside",
            meta.mode() & 0o7777
        ))
    } else {
        None
    }
}

/// Why a run has no lock.
enum Locked {
    /// Another run of the same check holds it.
    Busy(String),
    /// It cannot be taken here.
    Failed(String),
}

/// An exclusive lock on `path`, waited for at most [`LOCK_WAIT`].
fn lock(path: &Path) -> Result<File, Locked> {
    use rustix::fs::{FlockOperation, flock};
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map_err(|e| {
            // Planted by another user in a shared directory: named, not "cannot write".
            if let Some(why) = std::fs::symlink_metadata(path)
                .ok()
                .and_then(|meta| not_ours(path, &meta))
            {
                return Locked::Failed(why);
            }
            Locked::Failed(format!(
                "cannot write in {}: {}",
                path.parent().unwrap_or(path).display(),
                crate::error::describe_io_error(&e)
            ))
        })?;
    if let Some(why) = file.metadata().ok().and_then(|meta| not_ours(path, &meta)) {
        return Err(Locked::Failed(why));
    }
    let started = Instant::now();
    loop {
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(file),
            Err(_) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(_) => {
                return Err(Locked::Busy(format!(
                    "another run of the same check holds {}",
                    path.display()
                )));
            }
        }
    }
}

/// FNV-1a: a stable, dependency-free name for a target's record.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::State;

    fn ctx() -> Context {
        Context::new(Instant::now(), Duration::from_secs(5), State::Unknown, 0)
    }

    fn place() -> (tempfile::TempDir, Place) {
        let dir = tempfile::tempdir().expect("tempdir");
        let place = Place {
            dir: dir.path().join("state"),
            asked: true,
        };
        (dir, place)
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_record_round_trips_with_mode_0600() {
        let (_dir, place) = place();
        let session = Session::open(&place, "check_x", "127.0.0.1:3306");
        assert_eq!(
            session.previous(&ctx(), 1000.0),
            Baseline::None("no record of an earlier run yet".into())
        );
        session
            .save(&values(&[("a", "1"), ("b.c", "2.5")]), 1000.0)
            .expect("save");
        drop(session);
        let mode = std::fs::metadata(Session::open(&place, "check_x", "127.0.0.1:3306").path())
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let session = Session::open(&place, "check_x", "127.0.0.1:3306");
        let Baseline::Found(record) = session.previous(&ctx(), 1010.0) else {
            panic!("no baseline");
        };
        assert_eq!(record.saved_at, 1000.0);
        assert_eq!(record.number("b.c"), Some(2.5));
        // Another target has its own record.
        let other = Session::open(&place, "check_x", "127.0.0.1:3307");
        assert!(matches!(other.previous(&ctx(), 1010.0), Baseline::None(_)));
    }

    #[test]
    fn a_corrupt_foreign_or_future_record_is_no_baseline() {
        let (_dir, place) = place();
        let session = Session::open(&place, "check_x", "t");
        let path = session.path().to_path_buf();
        let cases = [
            ("garbage\x00\x01", "is not a record this version writes"),
            (
                "hastack-history 2\nplugin check_x\n",
                "is not a record this version writes",
            ),
            (
                "hastack-history 1\nplugin check_x\n",
                "is corrupt (its header is incomplete)",
            ),
            (
                "hastack-history 1\nplugin check_x\ntarget t\nsaved 1000\nno equals sign\n",
                "is corrupt (line 5)",
            ),
            (
                "hastack-history 1\nplugin check_x\ntarget other\nsaved 1000\n",
                "is the record of another target",
            ),
            (
                "hastack-history 1\nplugin check_x\ntarget t\nsaved 99999\n",
                "is dated 98999 s in the future: the clock went back",
            ),
        ];
        for (content, why) in cases {
            std::fs::write(&path, content).expect("write");
            match session.previous(&ctx(), 1000.0) {
                Baseline::None(text) => assert!(text.contains(why), "{text}"),
                found => panic!("{content:?}: {found:?}"),
            }
        }
        // Over the cap: no baseline either, and no out-of-memory.
        std::fs::write(&path, "x".repeat(300 * 1024)).expect("write");
        assert!(matches!(
            session.previous(&ctx(), 1000.0),
            Baseline::None(_)
        ));
    }

    #[test]
    fn a_concurrent_run_waits_then_goes_without() {
        let (_dir, place) = place();
        let first = Session::open(&place, "check_x", "t");
        assert!(first.unwritable().is_none());
        let started = Instant::now();
        let second = Session::open(&place, "check_x", "t");
        assert!(started.elapsed() >= LOCK_WAIT);
        // Not a fault of the directory: nothing to warn about, the first run keeps the record.
        assert!(second.unwritable().is_none(), "{second:?}");
        match second.previous(&ctx(), 0.0) {
            Baseline::None(why) => assert!(
                why.starts_with("another run of the same check holds "),
                "{why}"
            ),
            found => panic!("{found:?}"),
        }
        assert_eq!(second.save(&values(&[("a", "1")]), 0.0), Ok(()));
        assert!(!second.path().exists());
        drop(first);
        assert!(Session::open(&place, "check_x", "t").unwritable().is_none());
    }

    /// In the shared package directory another user may plant links under the names a run
    /// writes: they are never followed, the run goes without history instead.
    #[test]
    fn links_planted_in_a_shared_directory_are_not_followed() {
        let (dir, place) = place();
        std::fs::create_dir_all(&place.dir).expect("dir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").expect("victim");
        let path = Session::open(&place, "check_x", "t").path().to_path_buf();
        let lock = path.with_extension("lock");
        std::fs::remove_file(&lock).expect("lock file");
        std::os::unix::fs::symlink(&victim, &lock).expect("link");
        let session = Session::open(&place, "check_x", "t");
        assert!(session.unwritable().is_some(), "{session:?}");
        std::fs::remove_file(&lock).expect("unlink");
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &temporary).expect("link");
        let session = Session::open(&place, "check_x", "t");
        // A leftover of this user's is removed first, then only a new file is written.
        session.save(&values(&[("a", "1")]), 1.0).expect("save");
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "precious"
        );
        // The record's name carries the user: another monitoring user has its own.
        let uid = rustix::process::getuid().as_raw();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(name.starts_with(&format!("check_x-{uid}-")), "{name}");
    }

    /// In the shared package directory another user may plant a record (a forged baseline)
    /// or the lock under this user's names: set aside and said, never read.
    #[test]
    fn files_of_another_user_are_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, place) = place();
        let session = Session::open(&place, "check_x", "t");
        session.save(&values(&[("a", "1")]), 1.0).expect("save");
        let path = session.path().to_path_buf();
        drop(session);
        let reason = |session: &Session| match session.previous(&ctx(), 2.0) {
            Baseline::None(why) => why,
            found => panic!("{found:?}"),
        };
        // Writable by others.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let session = Session::open(&place, "check_x", "t");
        assert!(
            reason(&session).ends_with("is writable by others (mode 666): set aside"),
            "{}",
            reason(&session)
        );
        drop(session);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        // Another user's: nobody's here.
        give_to_nobody(&path);
        let session = Session::open(&place, "check_x", "t");
        let uid = rustix::process::getuid().as_raw();
        assert!(
            reason(&session).ends_with(&format!(
                "belongs to user 65534, not to this one ({uid}): set aside (remove it)"
            )),
            "{}",
            reason(&session)
        );
        drop(session);
        // Its lock too: said as such, and history is not kept.
        std::fs::remove_file(&path).expect("remove");
        let lock = path.with_extension("lock");
        give_to_nobody(&lock);
        let session = Session::open(&place, "check_x", "t");
        assert!(
            session
                .unwritable()
                .is_some_and(|w| w.contains("belongs to user 65534")),
            "{session:?}"
        );
    }

    /// Make `path` user 65534's: as root directly, as anyone else through `sudo -n` (the suite
    /// runs as root or as a user with passwordless sudo).
    fn give_to_nobody(path: &Path) {
        if rustix::process::geteuid().is_root() {
            let nobody = rustix::process::Uid::from_raw(65534);
            rustix::fs::chown(path, Some(nobody), None).expect("chown");
            return;
        }
        let status = std::process::Command::new("sudo")
            .args(["-n", "chown", "65534"])
            .arg(path)
            .status()
            .expect("sudo");
        assert!(status.success(), "sudo -n chown 65534 {}", path.display());
    }

    #[test]
    fn an_unwritable_directory_is_said() {
        // /sys takes no new files, from root either: a read-only directory wherever this runs.
        let read_only = Place {
            dir: PathBuf::from("/sys"),
            asked: true,
        };
        let session = Session::open(&read_only, "check_x", "t");
        assert!(
            session
                .unwritable()
                .is_some_and(|w| w.starts_with("cannot write in /sys: ")),
            "{session:?}"
        );
        assert!(matches!(session.previous(&ctx(), 0.0), Baseline::None(_)));
        assert!(session.save(&values(&[("a", "1")]), 0.0).is_err());
        let missing_parent = Place {
            dir: PathBuf::from("/proc/hastack-no-such-dir"),
            asked: true,
        };
        let session = Session::open(&missing_parent, "check_x", "t");
        assert!(
            session
                .unwritable()
                .is_some_and(|w| w
                    .starts_with("cannot create the state directory /proc/hastack-no-such-dir: ")),
            "{session:?}"
        );
    }

    #[test]
    fn the_place_follows_the_options_and_the_environment() {
        let given = Place::resolve(Some(Path::new("/srv/state")));
        assert_eq!(
            given,
            Place {
                dir: PathBuf::from("/srv/state"),
                asked: true
            }
        );
        assert!(!Place::resolve(None).asked);
    }
}
