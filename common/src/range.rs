//! Nagios ranges (`[@][start:][end]`): parsed strictly, said back as written, and judging values.
//!
//! The grammar follows the monitoring-plugins guidelines: `start` defaults to 0, `~` is negative
//! infinity, an empty `end` is positive infinity, endpoints are inside the range, and a value
//! outside the range alerts; a leading `@` inverts that. The parser is strict: anything the
//! guidelines do not define (exponents, `inf`, `NaN`, whitespace, trailing text, start > end) is an
//! error that quotes the input.

use std::fmt;
use std::str::FromStr;

/// A parsed Nagios range. `start` may be `-inf` (`~`), `end` may be `+inf` (empty end).
///
/// A parsed range remembers its text (without `@`), so messages echo it as the user typed it:
/// `99999999999999999999999` stays that, not the nearest float. Equality compares the bounds.
#[derive(Debug, Clone)]
pub struct Range {
    start: f64,
    end: f64,
    inverted: bool,
    text: Option<Box<str>>,
}

impl PartialEq for Range {
    fn eq(&self, other: &Range) -> bool {
        self.start == other.start && self.end == other.end && self.inverted == other.inverted
    }
}

/// Why a range string was rejected; its `Display` quotes the input and says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError {
    input: String,
    reason: String,
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid range '{}': {} (expected [@][start:][end], e.g. 10, 10:, ~:10, 10:20, @10:20)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for RangeError {}

impl Range {
    /// `start..=end`, alerting outside. Fails when `start > end` or either bound is NaN.
    pub fn new(start: f64, end: f64) -> Result<Range, RangeError> {
        let range = Range {
            start,
            end,
            inverted: false,
            text: None,
        };
        if start.is_nan()
            || end.is_nan()
            || start > end
            || start == f64::INFINITY
            || end == f64::NEG_INFINITY
        {
            return Err(RangeError {
                input: range.to_string(),
                reason: "start is greater than end".into(),
            });
        }
        Ok(range)
    }

    /// Alert when the value is at least `min` (`min:`).
    pub fn at_least(min: f64) -> Range {
        Range {
            start: min,
            end: f64::INFINITY,
            inverted: false,
            text: None,
        }
    }

    /// Alert when the value exceeds `max` (`~:max`).
    pub fn at_most(max: f64) -> Range {
        Range {
            start: f64::NEG_INFINITY,
            end: max,
            inverted: false,
            text: None,
        }
    }

    pub fn start(&self) -> f64 {
        self.start
    }

    pub fn end(&self) -> f64 {
        self.end
    }

    /// Whether `value` raises an alert. A NaN value always alerts: it is never a healthy reading.
    pub fn alerts(&self, value: f64) -> bool {
        if value.is_nan() {
            return true;
        }
        let inside = self.start <= value && value <= self.end;
        inside == self.inverted
    }

    /// Why a value alerted, for the summary: `outside 3:` or `inside 10:20`.
    pub fn violation(&self) -> String {
        let bounds = Range {
            inverted: false,
            ..self.clone()
        };
        if self.inverted {
            format!("inside {bounds}")
        } else {
            format!("outside {bounds}")
        }
    }

    /// The threshold as Icinga can read it in perfdata: only a plain upper bound (`N`, `~:N`).
    /// Every other form is left empty rather than written in a way graphers misread.
    pub fn perfdata_threshold(&self) -> Option<f64> {
        let plain_start = self.start == 0.0 || self.start == f64::NEG_INFINITY;
        (!self.inverted && plain_start && self.end.is_finite()).then_some(self.end)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inverted {
            f.write_str("@")?;
        }
        if let Some(text) = &self.text {
            return f.write_str(text);
        }
        if self.start == f64::NEG_INFINITY {
            f.write_str("~:")?;
        } else if !(self.start == 0.0 && self.end.is_finite()) {
            write!(f, "{}:", self.start)?;
        }
        if self.end.is_finite() {
            write!(f, "{}", self.end)?;
        }
        Ok(())
    }
}

impl FromStr for Range {
    type Err = RangeError;

    fn from_str(input: &str) -> Result<Range, RangeError> {
        let error = |reason: &str| RangeError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(error("the range is empty"));
        }
        let (inverted, body) = match input.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        if body.is_empty() {
            return Err(error("nothing follows '@'"));
        }
        if body == ":" {
            // monitoring-plugins' own parsers and their reference suites refuse it.
            return Err(error("':' alone bounds nothing (write ~: for every value)"));
        }
        let (start, end) = match body.split_once(':') {
            Some((start, end)) => {
                let start = match start {
                    "~" => f64::NEG_INFINITY,
                    // monitoring-plugins reads an empty start as 0.
                    "" => 0.0,
                    text => parse_number(text).map_err(|why| error(&format!("start {why}")))?,
                };
                let end = match end {
                    "" => f64::INFINITY,
                    text => parse_number(text).map_err(|why| error(&format!("end {why}")))?,
                };
                (start, end)
            }
            None if body == "~" => return Err(error("'~' is only valid as a start, as in ~:10")),
            None => (
                0.0,
                parse_number(body).map_err(|why| error(&format!("end {why}")))?,
            ),
        };
        if start > end {
            return Err(error("start is greater than end"));
        }
        Ok(Range {
            start,
            end,
            inverted,
            text: Some(body.into()),
        })
    }
}

/// A plain decimal: optional `-`, digits, optional fraction. No exponent, `inf`, `NaN` or spaces.
fn parse_number(text: &str) -> Result<f64, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err(format!("'{text}' is not a plain decimal number"));
    }
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a plain decimal number"))?;
    if !value.is_finite() {
        return Err(format!("'{text}' is too large"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(s: &str) -> Range {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn guideline_examples_at_and_around_their_boundaries() {
        // (range, value, alerts)
        let table: &[(&str, f64, bool)] = &[
            ("10", -0.001, true),
            ("10", 0.0, false),
            ("10", 5.0, false),
            ("10", 10.0, false),
            ("10", 10.001, true),
            ("10:", 9.999, true),
            ("10:", 10.0, false),
            ("10:", 1e12, false),
            ("~:10", -1e12, false),
            ("~:10", 10.0, false),
            ("~:10", 10.5, true),
            ("10:20", 9.99, true),
            ("10:20", 10.0, false),
            ("10:20", 20.0, false),
            ("10:20", 20.01, true),
            ("@10:20", 9.99, false),
            ("@10:20", 10.0, true),
            ("@10:20", 15.0, true),
            ("@10:20", 20.0, true),
            ("@10:20", 20.01, false),
            ("-5:-1", -5.0, false),
            ("-5:-1", -0.5, true),
            ("0.5:1.5", 0.49, true),
            ("0.5:1.5", 1.5, false),
            ("~:", -1e300, false),
            ("@~:", 0.0, true),
            ("3:", 2.0, true),
            ("3:3", 3.0, false),
            ("3:3", 3.0001, true),
        ];
        for &(range, value, alerts) in table {
            assert_eq!(r(range).alerts(value), alerts, "{range} with {value}");
        }
    }

    #[test]
    fn nan_value_always_alerts() {
        assert!(r("10").alerts(f64::NAN));
        assert!(r("@10:20").alerts(f64::NAN));
        assert!(r("~:").alerts(f64::NAN));
    }

    #[test]
    fn rejects_what_the_guidelines_do_not_define() {
        let table: &[(&str, &str)] = &[
            ("", "the range is empty"),
            ("@", "nothing follows '@'"),
            ("20:10", "start is greater than end"),
            ("@20:10", "start is greater than end"),
            ("NaN", "end 'NaN' is not a plain decimal number"),
            ("nan:", "start 'nan' is not a plain decimal number"),
            ("inf", "end 'inf' is not a plain decimal number"),
            ("~:inf", "end 'inf' is not a plain decimal number"),
            ("1e3", "end '1e3' is not a plain decimal number"),
            ("10x", "end '10x' is not a plain decimal number"),
            ("10:20:30", "end '20:30' is not a plain decimal number"),
            (" 10", "end ' 10' is not a plain decimal number"),
            ("10 ", "end '10 ' is not a plain decimal number"),
            ("~", "'~' is only valid as a start, as in ~:10"),
            ("10:~", "end '~' is not a plain decimal number"),
            ("--1", "end '--1' is not a plain decimal number"),
            ("+1", "end '+1' is not a plain decimal number"),
            (".", "end '.' is not a plain decimal number"),
            ("-", "end '-' is not a plain decimal number"),
            ("@@1", "end '@1' is not a plain decimal number"),
            ("0x10", "end '0x10' is not a plain decimal number"),
            ("1,5", "end '1,5' is not a plain decimal number"),
            (":", "':' alone bounds nothing (write ~: for every value)"),
            ("@:", "':' alone bounds nothing (write ~: for every value)"),
        ];
        for &(input, reason) in table {
            let err = input.parse::<Range>().expect_err(input);
            assert_eq!(err.reason, reason, "{input:?}");
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid range '{input}': {reason}"))
            );
        }
        let huge = format!("1{}", "0".repeat(400));
        assert_eq!(
            huge.parse::<Range>().expect_err("huge").reason,
            format!("end '{huge}' is too large")
        );
    }

    #[test]
    fn empty_start_is_zero_as_in_monitoring_plugins() {
        assert_eq!(r(":10"), r("0:10"));
        assert!(r(":10").alerts(-1.0) && !r(":10").alerts(10.0));
        assert_eq!(r("@:5"), r("@0:5"));
        let huge = r("99999999999999999999999");
        assert_eq!(huge.violation(), "outside 99999999999999999999999");
        assert_eq!(r("@1.50:2").violation(), "inside 1.50:2");
    }

    #[test]
    fn accepts_plain_decimals() {
        assert_eq!(r("1.5").end(), 1.5);
        assert_eq!(r(".5").end(), 0.5);
        assert_eq!(r("5.").end(), 5.0);
        assert_eq!(r("-.5:0").start(), -0.5);
        assert_eq!(r("007").end(), 7.0);
    }

    #[test]
    fn display_echoes_the_input() {
        let table = [
            ("10", "10"),
            ("0:10", "0:10"),
            (":10", ":10"),
            ("99999999999999999999999", "99999999999999999999999"),
            ("1.50", "1.50"),
            ("10:", "10:"),
            ("0:", "0:"),
            ("~:10", "~:10"),
            ("~:", "~:"),
            ("10:20", "10:20"),
            ("@10:20", "@10:20"),
            ("@5", "@5"),
            ("0.000025", "0.000025"),
            ("-1:-0.5", "-1:-0.5"),
        ];
        for (input, shown) in table {
            assert_eq!(r(input).to_string(), shown, "{input}");
        }
    }

    #[test]
    fn violation_text() {
        assert_eq!(r("3:").violation(), "outside 3:");
        assert_eq!(r("@10:20").violation(), "inside 10:20");
        assert_eq!(r("~:0.5").violation(), "outside ~:0.5");
    }

    #[test]
    fn perfdata_threshold_only_for_plain_upper_bounds() {
        let table = [
            ("10", Some(10.0)),
            ("~:10", Some(10.0)),
            ("10:", None),
            ("10:20", None),
            ("@10", None),
            ("~:", None),
            ("0:", None),
        ];
        for (input, expected) in table {
            assert_eq!(r(input).perfdata_threshold(), expected, "{input}");
        }
    }

    #[test]
    fn constructors() {
        assert_eq!(Range::at_least(2.0), r("2:"));
        assert_eq!(Range::at_most(2.0), r("~:2"));
        assert_eq!(Range::new(1.0, 2.0), Ok(r("1:2")));
        assert!(Range::new(3.0, 2.0).is_err());
    }

    fn bound() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            -1e6f64..1e6,
            any::<i32>().prop_map(f64::from),
            proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
        ]
    }

    fn any_range() -> impl Strategy<Value = Range> {
        (
            bound(),
            bound(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(a, b, no_start, no_end, inverted)| {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                Range {
                    start: if no_start { f64::NEG_INFINITY } else { lo },
                    end: if no_end { f64::INFINITY } else { hi },
                    inverted,
                    text: None,
                }
            })
    }

    proptest! {
        #[test]
        fn display_round_trips(range in any_range()) {
            let shown = range.to_string();
            let parsed: Range = shown.parse().map_err(|e: RangeError| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed, range);
            prop_assert!(!shown.contains('e') && !shown.contains("inf"));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(input in ".{0,24}") {
            if let Ok(range) = input.parse::<Range>() {
                prop_assert_eq!(range.to_string().parse::<Range>(), Ok(range));
            }
        }

        #[test]
        fn parsing_range_like_text_never_panics(input in "@?[~0-9.:@eE+-]{0,12}") {
            if let Ok(range) = input.parse::<Range>() {
                prop_assert!(range.start <= range.end);
                prop_assert_eq!(range.to_string().parse::<Range>(), Ok(range));
            }
        }
    }
}
