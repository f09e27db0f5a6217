//! Performance data: metrics with a unit, thresholds and bounds, rendered exactly as Icinga and
//! graphers parse them (`'label'=value[UOM];[warn];[crit];[min];[max]`).

use std::fmt;

use std::collections::HashSet;

use crate::range::Range;
use crate::threshold::Thresholds;

/// The units the plugin guidelines allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Uom {
    #[default]
    None,
    Seconds,
    Milliseconds,
    Microseconds,
    Percent,
    Bytes,
    Kilobytes,
    Megabytes,
    Terabytes,
    /// A continuously growing counter (`c`); graphers derive a rate from it.
    Counter,
}

impl Uom {
    pub fn as_str(self) -> &'static str {
        match self {
            Uom::None => "",
            Uom::Seconds => "s",
            Uom::Milliseconds => "ms",
            Uom::Microseconds => "us",
            Uom::Percent => "%",
            Uom::Bytes => "B",
            Uom::Kilobytes => "KB",
            Uom::Megabytes => "MB",
            Uom::Terabytes => "TB",
            Uom::Counter => "c",
        }
    }
}

/// A measured number. Integers stay exact (a 2^64-1 Galera seqno must not turn into a float).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(i128),
    Float(f64),
}

impl Value {
    pub fn as_f64(self) -> f64 {
        match self {
            // Precision loss above 2^53 only affects threshold comparison, never the printed value.
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
        }
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Int(i128::from(v))
            }
        }
    )*};
}
value_from_int!(u8, u16, u32, u64, i8, i16, i32, i64);

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        // usize is at most 64 bits on every supported target.
        Value::Int(i128::try_from(v).unwrap_or(i128::MAX))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl fmt::Display for Value {
    /// Plain decimal, never scientific notation; a non-finite float is `U` (unknown).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) if !x.is_finite() => f.write_str("U"),
            Value::Float(0.0) => f.write_str("0"),
            // Rust's float Display is the shortest text that round-trips and never uses exponents.
            Value::Float(x) => write!(f, "{x}"),
        }
    }
}

/// One perfdata item.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    label: String,
    value: Value,
    uom: Uom,
    thresholds: Thresholds,
    min: Option<Value>,
    max: Option<Value>,
}

impl Metric {
    /// A metric named `label`. `'` and `=`, which no perfdata parser accepts in a label, and
    /// control characters, `|` or `;` (Nagios turns it into `:`), which would break the output
    /// line, become `_`.
    pub fn new(label: impl AsRef<str>, value: impl Into<Value>) -> Metric {
        let label = label
            .as_ref()
            .chars()
            .map(|c| {
                if matches!(c, '\'' | '=' | '|' | ';') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        Metric {
            label,
            value: value.into(),
            uom: Uom::None,
            thresholds: Thresholds::default(),
            min: None,
            max: None,
        }
    }

    pub fn uom(mut self, uom: Uom) -> Metric {
        self.uom = uom;
        self
    }

    /// The thresholds that judged the value: only [`Thresholds::check`] sets them, so perfdata
    /// never carries a threshold the check did not judge by.
    pub(crate) fn thresholds(mut self, thresholds: Thresholds) -> Metric {
        self.thresholds = thresholds;
        self
    }

    pub fn min(mut self, min: impl Into<Value>) -> Metric {
        self.min = Some(min.into());
        self
    }

    pub fn max(mut self, max: impl Into<Value>) -> Metric {
        self.max = Some(max.into());
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn value(&self) -> Value {
        self.value
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = !self.label.is_empty()
            && self
                .label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if plain {
            f.write_str(&self.label)?;
        } else {
            write!(f, "'{}'", self.label)?;
        }
        write!(f, "={}{}", self.value, self.uom.as_str())?;
        let threshold = |r: Option<&Range>| r.and_then(Range::perfdata_threshold).map(Value::Float);
        let fields = [
            threshold(self.thresholds.warning()),
            threshold(self.thresholds.critical()),
            self.min,
            self.max,
        ];
        // Trailing empty fields are dropped: `x=1;;;0` rather than `x=1;;;0;`.
        let used = fields
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        for field in &fields[..used] {
            f.write_str(";")?;
            if let Some(v) = field {
                write!(f, "{v}")?;
            }
        }
        Ok(())
    }
}

/// The labels of one output's per-item metrics: `{item}_{metric}`, the item's name made
/// label-safe (`127.0.0.1:3307` -> `127.0.0.1_3307`: what a perfdata parser reads unquoted) and
/// unique within the output (three members named `db` are `db`, `db_2`, `db_3`), so that no two
/// items ever write to one graph.
#[derive(Debug, Default)]
pub struct Labels {
    taken: HashSet<String>,
}

/// One item's label prefix, from [`Labels::item`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLabel(String);

impl Labels {
    pub fn new() -> Labels {
        Labels::default()
    }

    /// The prefix for the item called `name`: the first of `name`, `name_2`, `name_3`... that
    /// no earlier item has.
    pub fn item(&mut self, name: &str) -> ItemLabel {
        let safe: String = name
            .chars()
            .map(
                |c| match c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    true => c,
                    false => '_',
                },
            )
            .collect();
        let mut candidate = safe.clone();
        let mut n = 1;
        while !self.taken.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{safe}_{n}");
        }
        ItemLabel(candidate)
    }
}

impl ItemLabel {
    /// `{item}_{metric}`.
    pub fn of(&self, metric: &str) -> String {
        format!("{}_{metric}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> Option<Range> {
        Some(s.parse().expect("test range"))
    }

    #[test]
    fn exact_perfdata_strings() {
        let table: Vec<(Metric, &str)> = vec![
            (Metric::new("cluster_size", 3u32), "cluster_size=3"),
            (
                Metric::new("cluster_size", 3u32)
                    .thresholds(Thresholds::new(range("3:"), range("2:")))
                    .min(0u32),
                "cluster_size=3;;;0",
            ),
            (
                Metric::new("flow_control_paused", 2.51089e-05)
                    .thresholds(Thresholds::new(range("0.1"), range("0.5")))
                    .min(0u8)
                    .max(1u8),
                "flow_control_paused=0.0000251089;0.1;0.5;0;1",
            ),
            (
                Metric::new("clock_skew", 1900.25)
                    .uom(Uom::Seconds)
                    .thresholds(Thresholds::new(None, range("~:5"))),
                "clock_skew=1900.25s;;5",
            ),
            (
                Metric::new("last_committed", u64::MAX).uom(Uom::Counter),
                "last_committed=18446744073709551615c",
            ),
            (
                Metric::new("time", 0.0023).uom(Uom::Seconds),
                "time=0.0023s",
            ),
            (Metric::new("big", 1e21), "big=1000000000000000000000"),
            (Metric::new("neg", -0.0), "neg=0"),
            (Metric::new("nan", f64::NAN), "nan=U"),
            (
                Metric::new("pct", 12.5).uom(Uom::Percent).max(100u8),
                "pct=12.5%;;;;100",
            ),
            (Metric::new("node1 lag", 4i64), "'node1 lag'=4"),
            (Metric::new("it's=odd", 1u8), "it_s_odd=1"),
            (Metric::new("a|b c", 1u8), "'a_b c'=1"),
            (Metric::new("host.example-1_x", 1u8), "host.example-1_x=1"),
            (Metric::new("", 1u8), "''=1"),
            (
                Metric::new("inv", 1u8).thresholds(Thresholds::new(range("@1:2"), range("10:"))),
                "inv=1",
            ),
        ];
        for (metric, expected) in table {
            assert_eq!(metric.to_string(), expected);
        }
    }

    #[test]
    fn item_labels_are_safe_and_unique() {
        let mut labels = Labels::new();
        let table = [
            ("node1", "node1_offset"),
            ("127.0.0.1:3307", "127.0.0.1_3307_offset"),
            ("db", "db_offset"),
            ("db", "db_2_offset"),
            ("db_2", "db_2_2_offset"),
            ("db", "db_3_offset"),
            ("[::1]:123", "___1__123_offset"),
        ];
        for (name, label) in table {
            assert_eq!(labels.item(name).of("offset"), label, "{name}");
        }
    }

    #[test]
    fn every_allowed_uom() {
        let table = [
            (Uom::None, ""),
            (Uom::Seconds, "s"),
            (Uom::Milliseconds, "ms"),
            (Uom::Microseconds, "us"),
            (Uom::Percent, "%"),
            (Uom::Bytes, "B"),
            (Uom::Kilobytes, "KB"),
            (Uom::Megabytes, "MB"),
            (Uom::Terabytes, "TB"),
            (Uom::Counter, "c"),
        ];
        for (uom, text) in table {
            assert_eq!(
                Metric::new("x", 1u8).uom(uom).to_string(),
                format!("x=1{text}")
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn floats_never_render_in_scientific_notation(x in proptest::num::f64::ANY) {
            let shown = Value::Float(x).to_string();
            proptest::prop_assert!(!shown.contains('e') && !shown.contains("inf") && !shown.contains("NaN"));
            if x.is_finite() {
                proptest::prop_assert_eq!(shown.parse::<f64>().ok(), Some(if x == 0.0 { 0.0 } else { x }));
            }
        }
    }
}
