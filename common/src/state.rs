//! Service states, their exit codes and the worst-of order used to combine sub-results.

use std::fmt;

/// A Nagios/Icinga service state.
///
/// States are ordered by severity, as the monitoring-plugins guidelines combine them:
/// `Ok < Unknown < Warning < Critical`. `max()` of several states is therefore the worst one
/// (the one way states are combined): a confirmed problem (WARNING, CRITICAL) outranks "could
/// not tell" (UNKNOWN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum State {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl State {
    /// The process exit code Nagios and Icinga expect for this state.
    pub fn exit_code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    /// Position in the worst-of order (higher is worse).
    fn severity(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Unknown => 1,
            State::Warning => 2,
            State::Critical => 3,
        }
    }

    /// The upper-case word used in plugin output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

impl Ord for State {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.severity().cmp(&other.severity())
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::State::{self, *};

    #[test]
    fn exit_codes_follow_the_guidelines() {
        let table = [
            (Ok, 0, "OK"),
            (Warning, 1, "WARNING"),
            (Critical, 2, "CRITICAL"),
            (Unknown, 3, "UNKNOWN"),
        ];
        for (state, code, word) in table {
            assert_eq!(state.exit_code(), code);
            assert_eq!(state.to_string(), word);
        }
    }

    #[test]
    fn worst_of_table() {
        // (a, b, worst): every pair, both ways round.
        let all = [Ok, Unknown, Warning, Critical];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                let expected = all[i.max(j)];
                assert_eq!((*a).max(*b), expected, "{a} vs {b}");
            }
        }
        assert_eq!([Ok, Unknown, Warning].into_iter().max(), Some(Warning));
        assert_eq!([Ok, Unknown].into_iter().max(), Some(Unknown));
        assert_eq!(std::iter::empty::<State>().max(), None);
    }
}
