//! Thresholds, and the one call that judges a value with them and writes its perfdata from the
//! same object (Python nagiosplugin's ScalarContext): what a summary says and what a grapher
//! draws can never disagree, because a threshold reaches perfdata nowhere else.

use crate::perfdata::{Metric, Uom, Value};
use crate::range::Range;
use crate::state::State;

/// A warning and a critical range for one value; either may be absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Thresholds {
    warning: Option<Range>,
    critical: Option<Range>,
}

impl Thresholds {
    pub fn new(warning: Option<Range>, critical: Option<Range>) -> Thresholds {
        Thresholds { warning, critical }
    }

    /// A WARNING above `max` (`~:max`): `--stale`-style limits.
    pub fn warning_above(max: Option<f64>) -> Thresholds {
        Thresholds::new(max.map(Range::at_most), None)
    }

    /// A CRITICAL above `max` (`~:max`), for fixed rules of a protocol.
    pub fn critical_above(max: f64) -> Thresholds {
        Thresholds::new(None, Some(Range::at_most(max)))
    }

    pub fn warning(&self) -> Option<&Range> {
        self.warning.as_ref()
    }

    pub fn critical(&self) -> Option<&Range> {
        self.critical.as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.warning.is_none() && self.critical.is_none()
    }

    /// `value` judged (critical before warning) and its perfdata item `label` with these same
    /// thresholds.
    pub fn check(&self, label: impl AsRef<str>, value: impl Into<Value>) -> Checked {
        let value = value.into();
        self.checked(Metric::new(label, value), value.as_f64())
    }

    /// Like [`Thresholds::check`], judging the size of `value` and writing it with its sign:
    /// an offset is too large either way, and graphs show which way.
    pub fn check_magnitude(&self, label: impl AsRef<str>, value: f64) -> Checked {
        self.checked(Metric::new(label, value), value.abs())
    }

    fn checked(&self, metric: Metric, judged: f64) -> Checked {
        let fired = [
            (State::Critical, &self.critical),
            (State::Warning, &self.warning),
        ]
        .into_iter()
        .find_map(|(state, range)| {
            range
                .as_ref()
                .filter(|r| r.alerts(judged))
                .map(|r| (state, r.violation()))
        });
        Checked {
            fired,
            metric: metric.thresholds(self.clone()),
        }
    }
}

/// A value judged against its thresholds, with its perfdata item: report the finding from
/// [`Checked::violation`], hand the item to the report's `metric` or `headline`.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a checked value is reported, its perfdata written"]
pub struct Checked {
    fired: Option<(State, String)>,
    metric: Metric,
}

impl Checked {
    pub fn uom(self, uom: Uom) -> Checked {
        Checked {
            metric: self.metric.uom(uom),
            ..self
        }
    }

    pub fn min(self, min: impl Into<Value>) -> Checked {
        Checked {
            metric: self.metric.min(min),
            ..self
        }
    }

    pub fn max(self, max: impl Into<Value>) -> Checked {
        Checked {
            metric: self.metric.max(max),
            ..self
        }
    }

    /// OK, or the state of the range that fired.
    pub fn state(&self) -> State {
        self.fired.as_ref().map_or(State::Ok, |(state, _)| *state)
    }

    /// When the value alerts: its state and why, for a summary (`(Critical, "outside 2:")`).
    pub fn violation(&self) -> Option<(State, &str)> {
        self.fired
            .as_ref()
            .map(|(state, why)| (*state, why.as_str()))
    }
}

impl From<Checked> for Metric {
    fn from(checked: Checked) -> Metric {
        checked.metric
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Option<Range> {
        Some(s.parse().unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    #[test]
    fn critical_is_evaluated_before_warning() {
        let t = Thresholds::new(r("3:"), r("2:"));
        let table = [
            (3u8, State::Ok, None),
            (2, State::Warning, Some("outside 3:")),
            (1, State::Critical, Some("outside 2:")),
        ];
        for (value, state, why) in table {
            let checked = t.check("size", value);
            assert_eq!(checked.state(), state, "{value}");
            assert_eq!(checked.violation().map(|(_, w)| w), why, "{value}");
        }
        assert_eq!(
            Thresholds::default().check("x", f64::NAN).state(),
            State::Ok
        );
    }

    #[test]
    fn the_perfdata_carries_the_thresholds_that_judged() {
        let t = Thresholds::new(r("0.5"), r("~:2"));
        let checked = t.check_magnitude("offset", -3.0).uom(Uom::Seconds);
        assert_eq!(checked.violation(), Some((State::Critical, "outside ~:2")));
        assert_eq!(Metric::from(checked).to_string(), "offset=-3s;0.5;2");
        let age = Thresholds::warning_above(Some(3600.0))
            .check("reference_age", 4000u32)
            .min(0u8);
        assert_eq!(age.violation(), Some((State::Warning, "outside ~:3600")));
        assert_eq!(Metric::from(age).to_string(), "reference_age=4000;3600;;0");
        let leap = Thresholds::critical_above(2.0).check("leap", 3u8).max(3u8);
        assert_eq!(leap.state(), State::Critical);
        assert_eq!(Metric::from(leap).to_string(), "leap=3;;2;;3");
        let none = Thresholds::warning_above(None).check("age", 1u8);
        assert_eq!(
            (none.state(), Metric::from(none).to_string()),
            (State::Ok, "age=1".into())
        );
    }
}
