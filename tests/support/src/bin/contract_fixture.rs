//! A plugin that misbehaves on request, to test the runtime contract through a real binary.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use hastack_common::range::Thresholds;
use hastack_common::runtime::TimedOut;
use hastack_common::{
    CheckError, CommonArgs, Config, Context, Metric, Plugin, Range, Report, Secret, State,
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
}

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

struct Judgement {
    thresholds: Thresholds,
    password: Option<Secret>,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "CONTRACT";
    type Target = Target;
    type Facts = Facts;
    type Judgement = Judgement;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, ctx: &Context) -> Result<Config<Target, Judgement>, CheckError> {
        let password = match &self.password_file {
            Some(path) => Some(Secret::from_file(ctx, "password file", path)?),
            None => Secret::from_env("CONTRACT_PASSWORD")?,
        };
        Ok(Config {
            target: Target {
                mode: self.mode,
                value: self.value,
            },
            judge: Judgement {
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
        }
    }

    fn evaluate(facts: &Facts, judge: &Judgement) -> Result<Report, CheckError> {
        let value = match facts {
            Facts::Value(value) => *value,
            Facts::TimedOut(timed_out) => return Err(timed_out.clone().into()),
            Facts::Refused => return Err(CheckError::critical("127.0.0.1:1: connection refused")),
        };
        let (state, range) = judge.thresholds.evaluate(value);
        let mut report = Report::new();
        let text = match range {
            Some(range) => format!("value {value} ({})", range.violation()),
            None => format!("value {value}"),
        };
        report.add(state, text);
        if let Some(password) = &judge.password {
            report.detail_at(3, State::Ok, format!("password {password} ({password:?})"));
        }
        report.metric(Metric::new("value", value).thresholds(judge.thresholds.clone()));
        Ok(report)
    }
}

fn main() {
    hastack_common::runtime::main::<Cli>()
}
