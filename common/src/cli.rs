//! The options every plugin shares, flattened into each plugin's clap definition.

use std::time::Duration;

use clap::{ArgAction, Args};

use crate::report::OutputLimit;
use crate::threshold::Thresholds;
use crate::{Range, State};

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

/// One warning/critical pair of range options, declared once: `--NAME-warning RANGE` and
/// `--NAME-critical RANGE` (`-w/--warning` and `-c/--critical` for a plugin's main value),
/// their help written from one description. Made with [`crate::threshold_pair!`] and listed in
/// a [`ThresholdSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThresholdPair {
    /// clap ids of the two options (`fc_warning`, `fc_critical`).
    pub ids: [&'static str; 2],
    pub longs: [&'static str; 2],
    pub shorts: Option<[char; 2]>,
    /// What the ranges judge, completing "Warning range for ...".
    pub what: &'static str,
    pub heading: &'static str,
    /// The ranges used when neither option is given (one given replaces both).
    pub defaults: Option<[&'static str; 2]>,
    /// An option both need (`--local-sync` for the kernel's maximum error).
    pub requires: Option<&'static str>,
}

/// `threshold_pair!(fc, "fc", "the fraction ...", "Thresholds")`: the pair `--fc-warning` and
/// `--fc-critical`, with ids `fc_warning` and `fc_critical`.
#[macro_export]
macro_rules! threshold_pair {
    ($name:ident, $long:literal, $what:literal, $heading:literal) => {
        $crate::cli::ThresholdPair {
            ids: [
                concat!(stringify!($name), "_warning"),
                concat!(stringify!($name), "_critical"),
            ],
            longs: [concat!($long, "-warning"), concat!($long, "-critical")],
            shorts: None,
            what: $what,
            heading: $heading,
            defaults: None,
            requires: None,
        }
    };
}

impl ThresholdPair {
    /// The plugin's main pair: also `-w/--warning` and `-c/--critical`.
    pub const fn main(self) -> ThresholdPair {
        ThresholdPair {
            longs: ["warning", "critical"],
            shorts: Some(['w', 'c']),
            ..self
        }
    }

    pub const fn defaults(self, warning: &'static str, critical: &'static str) -> ThresholdPair {
        ThresholdPair {
            defaults: Some([warning, critical]),
            ..self
        }
    }

    pub const fn requires(self, option: &'static str) -> ThresholdPair {
        ThresholdPair {
            requires: Some(option),
            ..self
        }
    }

    /// `--fc-warning/--fc-critical`, as messages name the pair.
    pub fn options(&self) -> String {
        format!("--{}/--{}", self.longs[0], self.longs[1])
    }

    fn arg(&self, index: usize) -> clap::Arg {
        let level = ["Warning", "Critical"][index];
        let mut help = format!("{level} range for {}", self.what);
        if let Some(defaults) = self.defaults {
            help.push_str(&format!(" [default: {}]", defaults[index]));
        }
        let mut arg = clap::Arg::new(self.ids[index])
            .long(self.longs[index])
            .value_name("RANGE")
            .value_parser(|text: &str| text.parse::<Range>())
            .help(help)
            .help_heading(self.heading);
        if let Some(shorts) = self.shorts {
            arg = arg.short(shorts[index]);
        }
        if let Some(option) = self.requires {
            arg = arg.requires(option);
        }
        arg
    }
}

/// The threshold pairs of one plugin, in the order `--help` lists them.
pub trait ThresholdSet {
    const PAIRS: &'static [ThresholdPair];
}

/// The ranges given for every pair of `T`, flattened into the plugin's clap definition
/// (`#[command(flatten)] thresholds: ThresholdArgs<MyPairs>`), so that `--help`, the man page
/// and the CheckCommand all take them from the one list.
pub struct ThresholdArgs<T> {
    given: Vec<[Option<Range>; 2]>,
    set: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for ThresholdArgs<T> {
    fn clone(&self) -> ThresholdArgs<T> {
        ThresholdArgs {
            given: self.given.clone(),
            set: std::marker::PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for ThresholdArgs<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThresholdArgs")
            .field("given", &self.given)
            .finish()
    }
}

impl<T: ThresholdSet> ThresholdArgs<T> {
    fn index(pair: &ThresholdPair) -> Option<usize> {
        T::PAIRS.iter().position(|p| p.ids == pair.ids)
    }

    fn given_ranges(&self, pair: &ThresholdPair) -> [Option<Range>; 2] {
        Self::index(pair)
            .and_then(|i| self.given.get(i).cloned())
            .unwrap_or_default()
    }

    /// Whether the operator gave either option of `pair`.
    pub fn given(&self, pair: &ThresholdPair) -> bool {
        self.given_ranges(pair).iter().any(Option::is_some)
    }

    /// The thresholds for `pair`: the ranges given, else its defaults.
    pub fn get(&self, pair: &ThresholdPair) -> Thresholds {
        let [warning, critical] = self.given_ranges(pair);
        match (warning, critical, pair.defaults) {
            (None, None, Some([w, c])) => Thresholds::new(w.parse().ok(), c.parse().ok()),
            (warning, critical, _) => Thresholds::new(warning, critical),
        }
    }
}

impl<T: ThresholdSet> clap::FromArgMatches for ThresholdArgs<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let given = T::PAIRS
            .iter()
            .map(|pair| pair.ids.map(|id| matches.get_one::<Range>(id).cloned()))
            .collect();
        Ok(ThresholdArgs {
            given,
            set: std::marker::PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<T: ThresholdSet> clap::Args for ThresholdArgs<T> {
    fn augment_args(mut command: clap::Command) -> clap::Command {
        for pair in T::PAIRS {
            command = command.arg(pair.arg(0)).arg(pair.arg(1));
        }
        command
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

/// The longest timeout accepted: a plugin outliving a check interval helps nobody.
const MAX_TIMEOUT_SECS: f64 = 3600.0;

/// A positive number of seconds, fractions allowed (`0.5`), at most an hour.
pub(crate) fn parse_timeout(text: &str) -> Result<Duration, String> {
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

    struct Pairs;

    const SIZE: ThresholdPair =
        crate::threshold_pair!(size, "size", "the size", "Thresholds").main();
    const LAG: ThresholdPair =
        crate::threshold_pair!(recv_queue, "recv-queue", "the queue", "Thresholds")
            .defaults("1", "5");

    impl ThresholdSet for Pairs {
        const PAIRS: &'static [ThresholdPair] = &[SIZE, LAG];
    }

    fn parse(args: &[&str]) -> Result<ThresholdArgs<Pairs>, clap::Error> {
        use clap::{Args, FromArgMatches};
        let command = ThresholdArgs::<Pairs>::augment_args(clap::Command::new("t"));
        let matches =
            command.try_get_matches_from(std::iter::once("t").chain(args.iter().copied()))?;
        ThresholdArgs::from_arg_matches(&matches)
    }

    fn r(text: &str) -> Option<Range> {
        Some(text.parse().expect("range"))
    }

    #[test]
    fn threshold_pairs_from_one_definition() {
        let none = parse(&[]).expect("parse");
        assert_eq!(none.get(&SIZE), Thresholds::default());
        assert!(!none.given(&SIZE) && !none.given(&LAG));
        assert_eq!(none.get(&LAG), Thresholds::new(r("1"), r("5")));
        let given =
            parse(&["-w", "3:", "--critical", "2:", "--recv-queue-critical", "9"]).expect("parse");
        assert_eq!(given.get(&SIZE), Thresholds::new(r("3:"), r("2:")));
        // One option given replaces both defaults of its pair.
        assert_eq!(given.get(&LAG), Thresholds::new(None, r("9")));
        assert!(given.given(&LAG));
        assert_eq!(LAG.options(), "--recv-queue-warning/--recv-queue-critical");
        let error = parse(&["--recv-queue-warning", "20:10"]).expect_err("start > end");
        assert!(
            error.to_string().contains(
                "invalid value '20:10' for '--recv-queue-warning <RANGE>': invalid range '20:10': start is greater than end"
            ),
            "{error}"
        );
    }

    #[test]
    fn threshold_pair_help_comes_from_the_description() {
        use clap::Args;
        let command = ThresholdArgs::<Pairs>::augment_args(clap::Command::new("t"));
        let help = |id: &str| {
            command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(|a| a.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default()
        };
        assert_eq!(help("size_warning"), "Warning range for the size");
        assert_eq!(
            help("recv_queue_critical"),
            "Critical range for the queue [default: 5]"
        );
    }
}
