//! The only place that prints and exits: parses arguments, installs the panic hook, runs the
//! check under one deadline on a current-thread tokio runtime with a watchdog thread, renders
//! the report and exits with its code.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use clap::error::ErrorKind;

use crate::cli::CommonArgs;
use crate::report::{status_line, status_line_with};
use crate::{CheckError, Report, State};

/// What [`Plugin::into_config`] gives: what to probe, and how to judge what the probe finds.
#[derive(Debug)]
pub struct Config<Target, Criteria> {
    pub target: Target,
    pub criteria: Criteria,
}

/// A plugin, in the three steps every plugin reads in: `cli` (a clap definition flattening
/// [`CommonArgs`], validated into a [`Config`] before any I/O), `probe` (I/O only: the target's
/// facts, failures included, never a state) and `evaluate` (pure: every state is decided there).
///
/// The plugins implement it with [`crate::plugin!`], which wires their modules by name; the
/// runtime runs the steps under one deadline, renders the report and exits.
pub trait Plugin: Parser {
    /// The service name that opens the output line (`GALERA`, `SPLIT ORDER`...).
    const SERVICE: &'static str;

    /// What the probe reads: servers, files, credentials.
    type Target;
    /// Everything the probe found, failures included.
    type Facts;
    /// How the facts are judged: thresholds, states for findings.
    type Criteria;

    fn common(&self) -> &CommonArgs;

    /// Validate the options (ranges, combinations) and read the files they name (through
    /// [`crate::input`], under the run's deadline) into a config.
    fn into_config(self, ctx: &Context)
    -> Result<Config<Self::Target, Self::Criteria>, CheckError>;

    /// I/O only, bounded by `ctx`'s deadline. Must not print or exit.
    fn probe(target: &Self::Target, ctx: &Context) -> impl Future<Output = Self::Facts>;

    /// Pure: the facts judged into a report, or the one line that says why there is none.
    fn evaluate(facts: &Self::Facts, criteria: &Self::Criteria) -> Result<Report, CheckError>;
}

/// `impl Plugin` for a plugin crate shaped as every hastack plugin is: `cli::Cli` with a
/// `common: CommonArgs` field and `Cli::into_config`; `probe::{Target, probe}`; `facts::Facts`
/// (what probe writes and evaluate reads); `evaluate::{Criteria, evaluate}`.
/// `plugin!(Cli, "GALERA");` in `lib.rs` is all the wiring a plugin has.
// `crate::` is meant: the paths name the calling plugin's own modules.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! plugin {
    ($cli:ty, $service:literal) => {
        impl $crate::Plugin for $cli {
            const SERVICE: &'static str = $service;
            type Target = crate::probe::Target;
            type Facts = crate::facts::Facts;
            type Criteria = crate::evaluate::Criteria;

            fn common(&self) -> &$crate::CommonArgs {
                &self.common
            }

            fn into_config(
                self,
                ctx: &$crate::Context,
            ) -> ::std::result::Result<
                $crate::Config<Self::Target, Self::Criteria>,
                $crate::CheckError,
            > {
                <$cli>::into_config(self, ctx)
            }

            fn probe(
                target: &Self::Target,
                ctx: &$crate::Context,
            ) -> impl ::std::future::Future<Output = Self::Facts> {
                crate::probe::probe(target, ctx)
            }

            fn evaluate(
                facts: &Self::Facts,
                criteria: &Self::Criteria,
            ) -> ::std::result::Result<$crate::Report, $crate::CheckError> {
                crate::evaluate::evaluate(facts, criteria)
            }
        }
    };
}

/// What a running check knows about its budget and verbosity, and where it tells the runtime
/// which stage it is in, so that a timeout names the stage that hung.
#[derive(Debug, Clone)]
pub struct Context {
    started: Instant,
    timeout: Duration,
    timeout_state: State,
    verbosity: u8,
    stage: Arc<Mutex<String>>,
}

/// A stage that did not finish before the deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    pub stage: String,
    pub after: Duration,
    /// The `--timeout-state` the run reports it with.
    pub state: State,
}

impl From<TimedOut> for CheckError {
    fn from(timed_out: TimedOut) -> CheckError {
        CheckError::new(timed_out.state, timed_out.to_string())
    }
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "timed out after {} while {}",
            crate::units::budget(self.after),
            self.stage
        )
    }
}

const DEFAULT_STAGE: &str = "running the check";

impl Context {
    pub fn new(
        started: Instant,
        timeout: Duration,
        timeout_state: State,
        verbosity: u8,
    ) -> Context {
        Context {
            started,
            timeout,
            timeout_state,
            verbosity,
            stage: Arc::new(Mutex::new(DEFAULT_STAGE.to_string())),
        }
    }

    /// A context starting now, with the default timeout state and no verbosity (for calling a
    /// plugin's steps outside the runtime: tests, benchmarks, fuzzing).
    pub fn with_timeout(timeout: Duration) -> Context {
        Context::new(Instant::now(), timeout, State::Unknown, 0)
    }

    /// When the whole run must be over.
    pub fn deadline(&self) -> Instant {
        self.started + self.timeout
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// What each of several concurrent parts (nodes, servers) may take: the timeout less a tenth
    /// of it (at most 1 s), so a part that hangs is reported on its own line, as that part's
    /// failure, while the others still count.
    pub fn parts_budget(&self) -> Duration {
        self.timeout - (self.timeout / 10).min(Duration::from_secs(1))
    }

    /// When the concurrent parts must be over: the start plus [`Context::parts_budget`].
    pub fn parts_deadline(&self) -> Instant {
        self.started + self.parts_budget()
    }

    /// Time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.deadline().saturating_duration_since(Instant::now())
    }

    pub fn timeout_state(&self) -> State {
        self.timeout_state
    }

    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// Name the stage now running, in words that complete "timed out after 5 s while ...".
    pub fn set_stage(&self, stage: impl Into<String>) {
        if let Ok(mut current) = self.stage.lock() {
            *current = stage.into();
        }
    }

    pub fn stage(&self) -> String {
        self.stage
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| DEFAULT_STAGE.to_string())
    }

    /// Run `future` as the named stage, bounded by the run's deadline. The error converts into
    /// the `--timeout-state` [`CheckError`] naming the stage, so `?` is all a probe needs.
    pub async fn within<F: Future>(
        &self,
        stage: impl Into<String>,
        future: F,
    ) -> Result<F::Output, TimedOut> {
        self.within_until(self.deadline(), stage, future).await
    }

    /// Like [`Context::within`], with an earlier deadline of the caller's (one node among
    /// several gets less than the whole budget, so the others can still be reported).
    pub async fn within_until<F: Future>(
        &self,
        deadline: Instant,
        stage: impl Into<String>,
        future: F,
    ) -> Result<F::Output, TimedOut> {
        let stage = stage.into();
        self.set_stage(stage.clone());
        let deadline = deadline.min(self.deadline());
        tokio::time::timeout_at(deadline.into(), future)
            .await
            .map_err(|_| TimedOut {
                stage,
                after: deadline.saturating_duration_since(self.started),
                state: self.timeout_state,
            })
    }

    /// The line the runtime prints when the deadline passes.
    fn timeout_message(&self) -> String {
        TimedOut {
            stage: self.stage(),
            after: self.timeout,
            state: self.timeout_state,
        }
        .to_string()
    }
}

/// Run plugin `P` as the process's `main`: never returns.
pub fn main<P: Plugin>() -> ! {
    let started = Instant::now();
    install_panic_hook(P::SERVICE);
    let cli = match P::try_parse() {
        Ok(cli) => cli,
        Err(error) => finish(&usage_error_output::<P>(&error), State::Unknown),
    };
    let common = cli.common().clone();
    let ctx = Context::new(
        started,
        common.timeout,
        common.timeout_state,
        common.verbosity(),
    );
    // The deadline covers everything from here: option files, password files, FIFOs.
    start_watchdog::<P>(ctx.clone());
    let Config { target, criteria } = match cli.into_config(&ctx) {
        Ok(config) => config,
        Err(error) => finish(&error_line::<P>(&error), error.state()),
    };

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => finish(
            &status_line(
                P::SERVICE,
                State::Unknown,
                &format!("internal error: cannot start the runtime: {e}"),
            ),
            State::Unknown,
        ),
    };
    let facts = runtime.block_on(async {
        tokio::time::timeout_at(ctx.deadline().into(), P::probe(&target, &ctx)).await
    });
    let Ok(facts) = facts else {
        finish(&timeout_line(P::SERVICE, &ctx), ctx.timeout_state())
    };
    match P::evaluate(&facts, &criteria) {
        Ok(report) => finish(
            &report.render_within(P::SERVICE, ctx.verbosity(), common.output_limit),
            report.state(),
        ),
        Err(error) => finish(&error_line::<P>(&error), error.state()),
    }
}

fn timeout_line(service: &str, ctx: &Context) -> String {
    status_line(service, ctx.timeout_state(), &ctx.timeout_message())
}

/// A watchdog thread: if the check blocks its thread past the deadline, this still prints the
/// timeout line and exits.
fn start_watchdog<P: Plugin>(ctx: Context) {
    let spawned = std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            // The async timeout normally fires first; the margin lets it win the race with its
            // own (identical) line, and stays far inside the timeout + 0.5 s promise.
            let wake = ctx.deadline() + Duration::from_millis(50);
            loop {
                let left = wake.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left);
            }
            finish(&timeout_line(P::SERVICE, &ctx), ctx.timeout_state())
        });
    if let Err(e) = spawned {
        finish(
            &status_line(
                P::SERVICE,
                State::Unknown,
                &format!("internal error: cannot start the watchdog: {e}"),
            ),
            State::Unknown,
        );
    }
}

/// One status line, whole within the smallest output limit with the usage hint included.
fn error_line<P: Plugin>(error: &CheckError) -> String {
    let hint = match error.is_usage() {
        true => help_hint::<P>(),
        false => String::new(),
    };
    status_line_with(P::SERVICE, error.state(), error.message(), &hint)
}

fn help_hint<P: Plugin>() -> String {
    format!(" (see '{} --help')", P::command().get_name())
}

/// `--help` and `--version` as clap renders them; any other clap error as one UNKNOWN line.
fn usage_error_output<P: Plugin>(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => rendered.trim_end().to_string(),
        _ => {
            // The message is the first paragraph; clap continues some (the missing arguments)
            // on indented lines.
            let paragraph: Vec<&str> = rendered
                .lines()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let message = paragraph.join(" ");
            let reason = message.strip_prefix("error: ").unwrap_or(&message);
            let reason = if reason.is_empty() {
                "invalid arguments"
            } else {
                reason
            };
            status_line_with(P::SERVICE, State::Unknown, reason, &help_hint::<P>())
        }
    }
}

/// The running plugin's service name, for lines printed where `P` is not known.
static SERVICE: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// The running plugin's service name (`CHECK` before the runtime knows it), for lines printed
/// where `P` is not known; reading it never allocates.
pub(crate) fn service_name() -> &'static str {
    SERVICE.get().copied().unwrap_or("CHECK")
}

/// A panic anywhere ends the run as one UNKNOWN line and exit 3, never 101 or an abort.
fn install_panic_hook(service: &'static str) {
    let _ = SERVICE.set(service);
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", source_place(l.file()), l.line()))
            .unwrap_or_default();
        finish(
            &status_line(
                service,
                State::Unknown,
                &format!("internal error: {message}{place}"),
            ),
            State::Unknown,
        )
    }));
}

/// Where a panic happened, without the build machine's paths: the compiler records the
/// workspace's files relative, and anything absolute (a dependency in the cargo registry, the
/// standard library) is shown from its crate directory on: `rand-0.8.5/src/rngs/thread.rs`.
fn source_place(file: &str) -> &str {
    if !file.starts_with('/') {
        return file;
    }
    match file.rfind("/src/") {
        Some(at) => &file[file[..at].rfind('/').map_or(0, |i| i + 1)..],
        None => file.rsplit('/').next().unwrap_or(file),
    }
}

static FINISHED: AtomicBool = AtomicBool::new(false);

/// Print `output` and exit with `state`'s code. The first caller wins; a racing caller (the
/// watchdog, a panic on another thread) waits for the winner's exit.
#[allow(clippy::print_stdout, clippy::exit)]
fn finish(output: &str, state: State) -> ! {
    if FINISHED.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    let mut stdout = std::io::stdout().lock();
    // Nothing sensible is left to do if stdout is gone; the exit code still tells the state.
    let _ = writeln!(stdout, "{output}");
    let _ = stdout.flush();
    std::process::exit(i32::from(state.exit_code()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn panic_places_carry_no_build_paths() {
        for (file, shown) in [
            ("common/src/runtime.rs", "common/src/runtime.rs"),
            (
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rand-0.10.4/src/rngs/thread.rs",
                "rand-0.10.4/src/rngs/thread.rs",
            ),
            (
                "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/option.rs",
                "core/src/option.rs",
            ),
            ("/build/x.rs", "x.rs"),
        ] {
            assert_eq!(source_place(file), shown);
        }
    }

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn within_names_the_stage_that_hung() {
        let ctx = Context::new(
            Instant::now(),
            Duration::from_millis(20),
            State::Critical,
            0,
        );
        let result = ctx
            .within(
                "waiting for the MySQL handshake from 10.0.0.2:3306",
                std::future::pending::<()>(),
            )
            .await;
        let err = result.expect_err("must time out");
        assert_eq!(
            err.to_string(),
            "timed out after 0.02 s while waiting for the MySQL handshake from 10.0.0.2:3306"
        );
        assert_eq!(
            ctx.stage(),
            "waiting for the MySQL handshake from 10.0.0.2:3306"
        );
        let error = CheckError::from(err);
        assert_eq!(error.state(), State::Critical);
        assert!(
            error
                .message()
                .starts_with("timed out after 0.02 s while waiting")
        );
    }

    #[test]
    fn timeout_line_format() {
        let ctx = Context::new(Instant::now(), Duration::from_secs(5), State::Critical, 0);
        assert_eq!(
            timeout_line("GALERA", &ctx),
            "GALERA CRITICAL - timed out after 5 s while running the check"
        );
        ctx.set_stage("reading the password file '/tmp/a|b\nc'");
        assert_eq!(
            timeout_line("GALERA", &ctx),
            "GALERA CRITICAL - timed out after 5 s while reading the password file '/tmp/a/b c'"
        );
    }
}
