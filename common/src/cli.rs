//! The options every plugin shares, flattened into each plugin's clap definition.

use std::time::Duration;

use clap::{ArgAction, Args};

use crate::State;
use crate::report::OutputLimit;

/// `-t/--timeout`, `--timeout-state` and `-v`, as the monitoring-plugins guidelines define them.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Seconds the whole check may take: every connect, handshake, query and retry included
    #[arg(short = 't', long = "timeout", value_name = "SECONDS", default_value = "10", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// State to report when the timeout expires
    #[arg(long, value_name = "STATE", value_enum, default_value_t = State::Unknown, hide_possible_values = false)]
    pub timeout_state: State,

    /// Add detail to the long output (repeat up to 3 times: -vvv)
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbose: u8,

    /// Bytes of output the client takes whole: 4096 for Nagios Core 4 and NRPE 3+, 1024 for NRPE with v2 packets (check_nrpe -2), none for Icinga 2. What does not fit is left out, per-item data first, and counted
    #[arg(long, value_name = "BYTES", default_value = "4096")]
    pub output_limit: OutputLimit,
}

impl CommonArgs {
    /// Verbosity clamped to the guidelines' 0..=3.
    pub fn verbosity(&self) -> u8 {
        self.verbose.min(3)
    }
}

/// The longest timeout accepted: a plugin outliving a check interval helps nobody.
const MAX_TIMEOUT_SECS: f64 = 3600.0;

/// A positive number of seconds, fractions allowed (`0.5`), at most an hour.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let seconds: f64 = text
        .parse()
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| format!("'{text}' is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS) {
        return Err(format!(
            "'{text}' is out of range: the timeout must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A duration in seconds as people write it: `10s`, `0.5s`.
pub fn format_seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_timeout("3600"), Ok(Duration::from_secs(3600)));
        for bad in ["", "0", "-1", "abc", "1e3", "inf", "NaN", "3601", " 5", "."] {
            assert!(parse_timeout(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_timeout("x").unwrap_err(),
            "'x' is not a number of seconds"
        );
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(format_seconds(Duration::from_secs(5)), "5s");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5s");
    }
}
