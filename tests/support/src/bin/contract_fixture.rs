//! A plugin that misbehaves on request, to test the runtime contract through a real binary.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use hastack_common::range::Thresholds;
use hastack_common::{
    CheckError, CommonArgs, Context, Metric, Plugin, Range, Report, Secret, State,
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

struct Config {
    mode: Mode,
    value: f64,
    thresholds: Thresholds,
    password: Option<Secret>,
}

impl Plugin for Cli {
    const SERVICE: &'static str = "CONTRACT";
    type Config = Config;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, ctx: &Context) -> Result<Config, CheckError> {
        let password = match &self.password_file {
            Some(path) => Some(Secret::from_file(ctx, "password file", path)?),
            None => Secret::from_env("CONTRACT_PASSWORD")?,
        };
        Ok(Config {
            mode: self.mode,
            value: self.value,
            thresholds: Thresholds::new(self.warning, self.critical),
            password,
        })
    }

    async fn check(config: Config, ctx: Context) -> Result<Report, CheckError> {
        match config.mode {
            Mode::Ok => {
                let (state, range) = config.thresholds.evaluate(config.value);
                let mut report = Report::new();
                let text = match range {
                    Some(range) => format!("value {} ({})", config.value, range.violation()),
                    None => format!("value {}", config.value),
                };
                report.add(state, text);
                if let Some(password) = &config.password {
                    report.detail_at(3, State::Ok, format!("password {password} ({password:?})"));
                }
                report.metric(Metric::new("value", config.value).thresholds(config.thresholds));
                Ok(report)
            }
            Mode::Hang => {
                ctx.within(
                    "waiting for a peer that never answers",
                    std::future::pending::<()>(),
                )
                .await?;
                Err(CheckError::unknown("unreachable"))
            }
            Mode::Block => {
                ctx.set_stage("blocked in a synchronous call");
                std::thread::sleep(Duration::from_secs(600));
                Err(CheckError::unknown("unreachable"))
            }
            Mode::Panic => panic!("boom"),
            Mode::PanicPipe => panic!("boom | perf=1\nsecond line"),
            Mode::PanicThread => {
                let _ = std::thread::spawn(|| panic!("thread boom")).join();
                std::thread::sleep(Duration::from_secs(600));
                Err(CheckError::unknown("unreachable"))
            }
            Mode::Refused => Err(CheckError::critical("127.0.0.1:1: connection refused")),
        }
    }
}

fn main() {
    hastack_common::runtime::main::<Cli>()
}
