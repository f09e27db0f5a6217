//! Server processes owned by a test: started in their own process group and stopped by PID
//! (SIGTERM, then SIGKILL) when the guard drops, also when the test fails or panics.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process, kill_process_group};

/// A running server process and its log file. Dropping it stops the whole process group.
pub struct Server {
    name: String,
    child: Option<Child>,
    log: PathBuf,
    grace: Duration,
}

impl Server {
    /// Start `command` with stdout and stderr going to `log`.
    pub fn spawn(name: &str, mut command: Command, log: impl Into<PathBuf>) -> Server {
        use std::os::unix::process::CommandExt;
        let log = log.into();
        let out =
            std::fs::File::create(&log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("clone log handle");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name} ({command:?}): {e}"));
        Server {
            name: name.to_string(),
            child: Some(child),
            log,
            grace: Duration::from_secs(10),
        }
    }

    /// How long `stop` waits after SIGTERM before SIGKILL.
    pub fn with_grace(mut self, grace: Duration) -> Server {
        self.grace = grace;
        self
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running (not exited, not reaped).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// Send a signal to the server process itself (SIGSTOP/SIGCONT/SIGKILL scenarios).
    pub fn signal(&self, signal: Signal) {
        if let Some(pid) = Pid::from_raw(self.pid() as i32) {
            let _ = kill_process(pid, signal);
        }
    }

    /// SIGKILL and reap, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = Pid::from_raw(child.id() as i32) {
                let _ = kill_process_group(pid, Signal::KILL);
            }
            let _ = child.wait();
        }
    }

    /// SIGTERM, wait up to the grace period, then SIGKILL; always reaps.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let Some(pid) = Pid::from_raw(child.id() as i32) else {
            return;
        };
        let _ = kill_process_group(pid, Signal::TERM);
        let deadline = Instant::now() + self.grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                // The leader is gone; make sure no helper it forked outlives it.
                let _ = kill_process_group(pid, Signal::KILL);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill_process_group(pid, Signal::KILL);
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Poll `ready` every 50 ms until it returns true or `limit` passes.
pub fn wait_until(
    what: &str,
    limit: Duration,
    mut ready: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        if ready() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("{what}: not ready after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_stops_the_process_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 300 & sleep 300"]);
        let mut server = Server::spawn("sleeper", cmd, dir.path().join("log"))
            .with_grace(Duration::from_secs(2));
        let pid = server.pid();
        assert!(server.is_running());
        drop(server);
        let alive =
            Pid::from_raw(pid as i32).map(|p| rustix::process::test_kill_process(p).is_ok());
        assert_eq!(alive, Some(false), "process {pid} still exists");
    }

    #[test]
    fn wait_until_is_bounded() {
        let started = Instant::now();
        let err =
            wait_until("never", Duration::from_millis(200), || false).expect_err("must give up");
        assert!(err.starts_with("never: not ready"));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(wait_until("now", Duration::from_millis(1), || true), Ok(()));
    }
}
