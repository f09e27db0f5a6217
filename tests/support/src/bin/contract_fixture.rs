//! A plugin that misbehaves on request, to test the runtime contract through a real binary.
// The suite's allocator, wrapped to refuse one allocation on request: GlobalAlloc is an unsafe
// trait (the plugins' own exception, common/src/memory.rs, is the other place).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use hastack_common::runtime::TimedOut;
use hastack_common::{
    CheckError, CommonArgs, Config, Context, Plugin, Range, Report, Secret, State, Thresholds,
};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    /// Report OK with a metric judged against -w/-c
    Ok,
    /// Await a future that never completes
    Hang,
    /// Block the runtime's only thread
    Block,
    /// Panic inside the check
    Panic,
    /// Panic on another thread
    PanicThread,
    /// Panic with a message holding `|` and line breaks
    PanicPipe,
    /// Return a CRITICAL error
    Refused,
    /// Have the allocation of stdout's buffer refused: it happens inside the runtime's finish,
    /// while the final line is being printed
    OomWhileFinishing,
}

/// Set by `--mode oom-while-finishing`: the next allocation of 1024 bytes (stdout's line buffer,
/// made on stdout's first use, inside the runtime's `finish`) is refused.
static REFUSE_STDOUT_BUFFER: AtomicBool = AtomicBool::new(false);

/// hastack_common's allocator, refusing one allocation on request.
struct Refusing;

// SAFETY: every call goes to hastack_common's allocator with the caller's arguments, except the
// one refused, which asks it for an impossible size so that its refusal path runs.
unsafe impl GlobalAlloc for Refusing {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let allocator = hastack_common::memory::Allocator;
        if layout.size() == 1024 && REFUSE_STDOUT_BUFFER.swap(false, Ordering::SeqCst) {
            // 4 EiB: no machine gives it; the layout is valid (under isize::MAX).
            let impossible = Layout::from_size_align(1 << 62, 1).unwrap_or(layout);
            // SAFETY: a valid layout of non-zero size.
            return unsafe { allocator.alloc(impossible) };
        }
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { allocator.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe { hastack_common::memory::Allocator.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Refusing = Refusing;

#[derive(Debug, Parser)]
#[command(name = "contract_fixture", version, about = "Runtime contract fixture")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, value_enum, default_value = "ok")]
    mode: Mode,
    /// Value to judge
    #[arg(long, default_value = "5", allow_negative_numbers = true)]
    value: f64,
    #[arg(short = 'w', long = "warning", value_name = "RANGE")]
    warning: Option<Range>,
    #[arg(short = 'c', long = "critical", value_name = "RANGE")]
    critical: Option<Range>,
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

/// What the fixture's "probe" does.
struct Target {
    mode: Mode,
    value: f64,
}

/// What its probe found.
enum Facts {
    Value(f64),
    TimedOut(TimedOut),
    Refused,
}

struct Criteria {
    thresholds: Thresholds,
    password: Option<Secret>,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "CONTRACT";
    type Target = Target;
    type Facts = Facts;
    type Criteria = Criteria;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, ctx: &Context) -> Result<Config<Target, Criteria>, CheckError> {
        let password = match &self.password_file {
            Some(path) => Some(Secret::from_file(ctx, "password file", path)?),
            None => Secret::from_env("CONTRACT_PASSWORD")?,
        };
        Ok(Config {
            target: Target {
                mode: self.mode,
                value: self.value,
            },
            criteria: Criteria {
                thresholds: Thresholds::new(self.warning, self.critical),
                password,
            },
        })
    }

    async fn probe(target: &Target, ctx: &Context) -> Facts {
        match target.mode {
            Mode::Ok => Facts::Value(target.value),
            Mode::Hang => match ctx
                .within(
                    "waiting for a peer that never answers",
                    std::future::pending::<()>(),
                )
                .await
            {
                Err(timed_out) => Facts::TimedOut(timed_out),
                Ok(()) => Facts::Refused,
            },
            Mode::Block => {
                ctx.set_stage("blocked in a synchronous call");
                std::thread::sleep(Duration::from_secs(600));
                Facts::Refused
            }
            Mode::Panic => panic!("boom"),
            Mode::PanicPipe => panic!("boom | perf=1\nsecond line"),
            Mode::PanicThread => {
                let _ = std::thread::spawn(|| panic!("thread boom")).join();
                std::thread::sleep(Duration::from_secs(600));
                Facts::Refused
            }
            Mode::Refused => Facts::Refused,
            Mode::OomWhileFinishing => {
                REFUSE_STDOUT_BUFFER.store(true, Ordering::SeqCst);
                Facts::Value(target.value)
            }
        }
    }

    fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
        let value = match facts {
            Facts::Value(value) => *value,
            Facts::TimedOut(timed_out) => return Err(timed_out.clone().into()),
            Facts::Refused => return Err(CheckError::critical("127.0.0.1:1: connection refused")),
        };
        let checked = criteria.thresholds.check("value", value);
        let mut report = Report::new();
        let text = match checked.violation() {
            Some((_, why)) => format!("value {value} ({why})"),
            None => format!("value {value}"),
        };
        report.add(checked.state(), text);
        if let Some(password) = &criteria.password {
            report.detail_at(3, State::Ok, format!("password {password} ({password:?})"));
        }
        report.metric(checked);
        Ok(report)
    }
}

fn main() {
    hastack_common::runtime::main::<Cli>()
}
