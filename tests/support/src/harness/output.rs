//! Running a plugin binary with a bound on its run time, and reading what a monitoring core
//! would read: exit code, first line, long output and perfdata (parsed independently of
//! `hastack-common`'s renderer, so tests check the real text).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One perfdata item as a monitoring core parses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Perf {
    pub label: String,
    pub value: String,
    pub uom: String,
    pub warn: String,
    pub crit: String,
    pub min: String,
    pub max: String,
}

impl Perf {
    /// The value as a number (panics with the label if it is not one).
    pub fn number(&self) -> f64 {
        self.value.parse().unwrap_or_else(|_| {
            panic!(
                "perfdata {} value {:?} is not a number",
                self.label, self.value
            )
        })
    }
}

/// What a plugin run produced.
#[derive(Debug, Clone)]
pub struct PluginOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// What a loaded two-core machine may add to a run's wall time (process start, scheduling, a
/// neighbour's build): the contract's own bounds (timeout + 0.5 s, "at once") are asserted with
/// this much room, which still catches a run that waits out another second, and any hang.
pub const BUSY_MACHINE_ROOM: Duration = Duration::from_secs(1);

impl PluginOutput {
    /// The peak RSS in KB of a [`PluginRun::measured`] run (the last line of stderr).
    pub fn peak_rss_kb(&self) -> u64 {
        self.stderr
            .trim()
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak RSS in {:?}", self.stderr))
    }

    /// The run ended within `bound`, the time the contract promises, give or take
    /// [`BUSY_MACHINE_ROOM`].
    pub fn assert_ended_within(&self, bound: Duration) {
        assert!(
            self.elapsed < bound + BUSY_MACHINE_ROOM,
            "the run took {:?}: more than the {bound:?} promised (and {BUSY_MACHINE_ROOM:?} of room for a busy machine)\n{}",
            self.elapsed,
            self.stdout
        );
    }

    pub fn first_line(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }

    /// The first line without its perfdata.
    pub fn summary_line(&self) -> &str {
        self.first_line()
            .split(" | ")
            .next()
            .unwrap_or("")
            .trim_end()
    }

    pub fn long_output(&self) -> Vec<&str> {
        self.stdout.lines().skip(1).collect()
    }

    pub fn line_count(&self) -> usize {
        self.stdout.lines().count()
    }

    /// Perfdata from the first line, by label.
    pub fn perfdata(&self) -> HashMap<String, Perf> {
        let line = self.first_line();
        match line.split_once(" | ") {
            Some((_, perf)) => parse_perfdata(perf)
                .into_iter()
                .map(|p| (p.label.clone(), p))
                .collect(),
            None => HashMap::new(),
        }
    }

    /// The perfdata labels in the order printed.
    pub fn perfdata_order(&self) -> Vec<String> {
        match self.first_line().split_once(" | ") {
            Some((_, perf)) => parse_perfdata(perf).into_iter().map(|p| p.label).collect(),
            None => Vec::new(),
        }
    }

    pub fn perf(&self, label: &str) -> Perf {
        self.perfdata()
            .remove(label)
            .unwrap_or_else(|| panic!("no perfdata {label:?} in {:?}", self.first_line()))
    }

    /// Assert exit code and the start of the first line, with the whole output in the message.
    pub fn assert(&self, code: i32, first_line_prefix: &str) -> &PluginOutput {
        assert_eq!(
            self.code,
            Some(code),
            "exit code; output:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert!(
            self.first_line().starts_with(first_line_prefix),
            "first line {:?} does not start with {:?}; output:\n{}",
            self.first_line(),
            first_line_prefix,
            self.stdout
        );
        self
    }
}

/// Parse a perfdata string (`'a b'=1s;2;3;0;10 c=5`).
pub fn parse_perfdata(text: &str) -> Vec<Perf> {
    let mut items = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let (label, after) = if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted
                .find("'=")
                .unwrap_or_else(|| panic!("unterminated label in {text:?}"));
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = rest
                .find('=')
                .unwrap_or_else(|| panic!("no '=' in {rest:?}"));
            (&rest[..end], &rest[end..])
        };
        let after = after
            .strip_prefix('=')
            .unwrap_or_else(|| panic!("no '=' after label {label:?}"));
        let end = after.find(' ').unwrap_or(after.len());
        let mut fields = after[..end].split(';').map(str::to_string);
        let first = fields.next().unwrap_or_default();
        let split = first
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(first.len());
        let (value, uom) = first.split_at(split);
        let mut next = || fields.next().unwrap_or_default();
        items.push(Perf {
            label: label.to_string(),
            value: value.to_string(),
            uom: uom.to_string(),
            warn: next(),
            crit: next(),
            min: next(),
            max: next(),
        });
        rest = after[end..].trim_start();
    }
    items
}

/// A plugin invocation: binary, arguments, environment, and a hard limit after which the test
/// kills it and fails (so a hanging plugin cannot hang the test run).
pub struct PluginRun {
    command: Command,
    limit: Duration,
}

impl PluginRun {
    pub fn new(binary: impl Into<PathBuf>) -> PluginRun {
        let mut command = Command::new(binary.into());
        command
            .env_remove("MYSQL_PWD")
            .env_remove("LDAP_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        PluginRun {
            command,
            limit: Duration::from_secs(30),
        }
    }

    /// `binary` run under `/usr/bin/time -f %M`, which adds its peak RSS to stderr: read it with
    /// [`PluginOutput::peak_rss_kb`].
    pub fn measured(binary: &str) -> PluginRun {
        PluginRun::wrapped("/usr/bin/time", &["-f".into(), "%M".into()], binary)
    }

    /// `binary` run through `program PREFIX...` (a network namespace's `exec`), bounded and
    /// read the same way.
    pub fn wrapped(program: impl Into<PathBuf>, prefix: &[String], binary: &str) -> PluginRun {
        let mut run = PluginRun::new(program);
        run.command.args(prefix).arg(binary);
        run
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> PluginRun {
        self.command.arg(arg);
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(
        mut self,
        args: I,
    ) -> PluginRun {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> PluginRun {
        self.command.env(key, value);
        self
    }

    pub fn limit(mut self, limit: Duration) -> PluginRun {
        self.limit = limit;
        self
    }

    pub fn run(mut self) -> PluginOutput {
        // Every run keeps its history apart from every other's, unless the test says where
        // (`STATE_DIRECTORY` or `--state-dir`): a test about history runs twice in one place.
        let isolated = tempfile::tempdir().expect("a state directory");
        if !self
            .command
            .get_envs()
            .any(|(k, _)| k == std::ffi::OsStr::new("STATE_DIRECTORY"))
        {
            self.command.env("STATE_DIRECTORY", isolated.path());
        }
        let started = Instant::now();
        let mut child = self
            .command
            .spawn()
            .unwrap_or_else(|e| panic!("start {:?}: {e}", self.command));
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for plugin") {
                break status;
            }
            if started.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{:?} still running after {:?}: killed",
                    self.command, self.limit
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let elapsed = started.elapsed();
        PluginOutput {
            code: status.code(),
            stdout: out_reader.join().unwrap_or_default(),
            stderr: err_reader.join().unwrap_or_default(),
            elapsed,
        }
    }
}

/// The words of a plugin's text with every measured number, its sign and its unit replaced by
/// `#`: two runs of one check say the same words, but a near-zero offset may be `+12 us` in one
/// and `-8 us` or `0 us` in the next (chronyd's `12 us fast` or `8 us slow`). A `-` or `+`
/// inside a word (`clock-good-v2`) is kept.
pub fn masked(text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() || (in_number && c == '.') {
            if !in_number {
                // A sign right before the number, not inside a word, belongs to the number.
                let mut tail = out.chars().rev();
                if let (Some('-' | '+'), before) = (tail.next(), tail.next())
                    && !before.is_some_and(|b| b.is_alphanumeric() || b == '#')
                {
                    out.pop();
                }
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    // Units after a number, as words, then chronyd's "12 us fast" or "8 us slow": a sign in
    // words.
    for word in ["ns", "us", "ms", "s", "fast", "slow"] {
        out = drop_word_after_number(&out, word);
    }
    out
}

/// `text` with every `# WORD` that ends at a word boundary turned into `#`.
fn drop_word_after_number(text: &str, word: &str) -> String {
    let pattern = format!("# {word}");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&pattern) {
        let after = &rest[at + pattern.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(|c: char| c.is_alphanumeric()) {
            out.push_str(&pattern);
        } else {
            out.push('#');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_perfdata_like_a_core() {
        let items = parse_perfdata(
            "cluster_size=3;;;0 'node1 lag'=4s;5;10;0;100 flow=0.0000251089;0.1;0.5;0;1 c=7c",
        );
        assert_eq!(items.len(), 4);
        assert_eq!(items[1].label, "node1 lag");
        assert_eq!((items[1].value.as_str(), items[1].uom.as_str()), ("4", "s"));
        assert_eq!(
            (
                items[1].warn.as_str(),
                items[1].crit.as_str(),
                items[1].max.as_str()
            ),
            ("5", "10", "100")
        );
        assert_eq!(items[0].min, "0");
        assert_eq!(items[2].value, "0.0000251089");
        assert_eq!(items[3].uom, "c");
    }

    #[test]
    fn masking_hides_numbers_their_signs_and_units() {
        let table = [
            ("offset +12 us against ntp1", "offset # against ntp#"),
            ("offset -8 us against ntp1", "offset # against ntp#"),
            ("offset 0 us against ntp1", "offset # against ntp#"),
            ("offset -1.250 s (outside ~:1)", "offset # (outside ~:#)"),
            ("clock-good-v2 -2: 4.7 ms", "clock-good-v# #: #"),
            ("127.0.0.1:1234", "#:#"),
            ("a-b 3-4 x", "a-b #-# x"),
            ("(-3 s)", "(#)"),
            ("system time 12 us fast, last", "system time #, last"),
            ("system time 8.5 ms slow, last", "system time #, last"),
            ("4 seconds, 2 servers", "# seconds, # servers"),
        ];
        for (text, shown) in table {
            assert_eq!(masked(text), shown, "{text}");
        }
        // Two runs whose offsets crossed zero read alike.
        assert_eq!(
            masked("CLOCK SKEW OK - offset -3 us against 127.0.0.1:4000 (stratum 8, delay 60 us)"),
            masked("CLOCK SKEW OK - offset +5 us against 127.0.0.1:4000 (stratum 8, delay 71 us)")
        );
    }
}
