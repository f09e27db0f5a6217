//! How quantities are said, in one place for every plugin: measured times, budgets, byte
//! counts, counted nouns and lists cut with "and N more". Plugins never format these
//! themselves, so a time reads the same in every output.

use std::fmt::{self, Write as _};
use std::time::Duration;

/// A measured time in the unit that reads best: `1900.0 s`, `3.000 s`, `4.7 ms`, `12 us`;
/// below the microsecond that measurements here resolve, `0 us`.
pub fn seconds(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude < 0.000_000_5 {
        "0 us".to_string()
    } else if magnitude >= 100.0 {
        format!("{value:.1} s")
    } else if magnitude >= 1.0 {
        format!("{value:.3} s")
    } else if magnitude >= 0.001 {
        format!("{:.1} ms", value * 1e3)
    } else {
        format!("{:.0} us", value * 1e6)
    }
}

/// [`seconds`] with `+` before a positive value: an offset says which clock is ahead.
pub fn signed_seconds(value: f64) -> String {
    let text = seconds(value);
    match value > 0.0 && text != "0 us" {
        true => format!("+{text}"),
        false => text,
    }
}

/// A measured duration, as [`seconds`].
pub fn duration(duration: Duration) -> String {
    seconds(duration.as_secs_f64())
}

/// A budget, a limit or a wait as people write one: `5 s`, `2.7 s`, `0.25 s` (a timeout, a
/// share of the deadline), to the millisecond.
pub fn budget(duration: Duration) -> String {
    let millis = duration.as_millis();
    let (whole, fraction) = (millis / 1000, millis % 1000);
    match fraction {
        0 => format!("{whole} s"),
        _ => format!(
            "{}.{} s",
            whole,
            format!("{fraction:03}").trim_end_matches('0')
        ),
    }
}

/// A coarse span of time, as a summary says how long ago or for how long: `30 s`, `10 min`,
/// `2.5 h`; at least a second (a clock gone back is not "0 s ago").
pub fn interval(seconds: f64) -> String {
    match seconds {
        s if s < 60.0 => budget(Duration::from_secs(s.round().max(1.0) as u64)),
        s if s < 7200.0 => format!("{} min", (s / 60.0).round()),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// A fraction as a percentage to the tenth: `40%`, `12.5%`.
pub fn percent(fraction: f64) -> String {
    let tenths = (fraction * 1000.0).round() / 10.0;
    format!("{}%", crate::Value::Float(tenths))
}

/// Seconds rounded to the microsecond: more digits are noise in perfdata.
pub fn round_micros(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// A byte count as people read it: `1000 bytes`, `4 KiB`, `1025 MiB` (the largest unit it is
/// a whole number of), else one decimal in the largest unit it reaches (`9.8 KiB`).
pub fn bytes(count: f64) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = write_bytes(&mut text, count);
    text
}

/// [`bytes`] into any writer, without allocating: the out-of-memory line uses it.
pub(crate) fn write_bytes(out: &mut impl fmt::Write, count: f64) -> fmt::Result {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let scale = |i: usize| 1024f64.powi(i as i32 + 1);
    if !count.is_finite() || count.abs() < 1024.0 {
        // A count of bytes is whole: a rate's fraction is noise.
        return write!(out, "{} bytes", count.round());
    }
    if let Some(i) = (0..UNITS.len())
        .rev()
        .find(|&i| count.abs() >= scale(i) && (count / scale(i)).fract() == 0.0)
    {
        return write!(out, "{} {}", count / scale(i), UNITS[i]);
    }
    let i = (0..UNITS.len())
        .rev()
        .find(|&i| count.abs() >= scale(i))
        .unwrap_or(0);
    write!(out, "{:.1} {}", count / scale(i), UNITS[i])
}

/// A count with its noun: `1 entry`, `3 entries`.
pub fn plural<N: fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let noun = if n == N::from(1) { one } else { many };
    format!("{n} {noun}")
}

/// At most `at_most` of `items`, joined by `, `, and how many more: `a, b, c and 12 more`.
/// `total` counts the items not passed too (a list already cut); `none` stands for no item.
pub fn listed<T: fmt::Display>(
    items: impl IntoIterator<Item = T>,
    total: usize,
    at_most: usize,
) -> String {
    let mut shown = String::new();
    let mut count = 0;
    for item in items.into_iter().take(at_most) {
        if count > 0 {
            shown.push_str(", ");
        }
        let _ = write!(shown, "{item}");
        count += 1;
    }
    match total.saturating_sub(count) {
        _ if count == 0 && total == 0 => "none".to_string(),
        0 => shown,
        more if count == 0 => format!("{more} more"),
        more => format!("{shown} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        let table = [
            (1900.000021, "1900.0 s", "+1900.0 s"),
            (-3.0, "-3.000 s", "-3.000 s"),
            (1.25, "1.250 s", "+1.250 s"),
            (0.0047, "4.7 ms", "+4.7 ms"),
            (0.00042, "420 us", "+420 us"),
            (0.000012, "12 us", "+12 us"),
            (0.0, "0 us", "0 us"),
            (-0.0000004, "0 us", "0 us"),
            (0.0000004, "0 us", "0 us"),
        ];
        for (value, text, signed) in table {
            assert_eq!(seconds(value), text, "{value}");
            assert_eq!(signed_seconds(value), signed, "{value}");
        }
        assert_eq!(round_micros(1900.0000214), 1900.000021);
        assert_eq!(duration(Duration::from_micros(2_700_000)), "2.700 s");
    }

    #[test]
    fn budgets_read_as_written() {
        let table = [
            (Duration::from_secs(5), "5 s"),
            (Duration::from_millis(2700), "2.7 s"),
            (Duration::from_millis(250), "0.25 s"),
            (Duration::from_millis(20), "0.02 s"),
            (Duration::from_micros(1500), "0.001 s"),
            (Duration::from_secs(3600), "3600 s"),
        ];
        for (duration, text) in table {
            assert_eq!(budget(duration), text, "{duration:?}");
        }
    }

    #[test]
    fn intervals_and_fractions_read_well() {
        let table = [
            (-5.0, "1 s"),
            (29.6, "30 s"),
            (60.0, "1 min"),
            (600.0, "10 min"),
            (7200.0, "2.0 h"),
            (9000.0, "2.5 h"),
        ];
        for (seconds, text) in table {
            assert_eq!(interval(seconds), text, "{seconds}");
        }
        assert_eq!(percent(0.4), "40%");
        assert_eq!(percent(0.12345), "12.3%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn bytes_in_the_unit_that_reads_best() {
        let table = [
            (1000.0, "1000 bytes"),
            (4096.0, "4 KiB"),
            (64.0 * 1024.0 * 1024.0, "64 MiB"),
            (3.0 * 1024f64.powi(3), "3 GiB"),
            (1024f64.powi(4) * 256.0, "256 TiB"),
            (1024f64.powi(3) + 1024f64.powi(2), "1025 MiB"),
            (10035.0, "9.8 KiB"),
            (1.5 * 1024f64.powi(3) + 1.0, "1.5 GiB"),
            (1000.0 / 3.0, "333 bytes"),
        ];
        for (count, text) in table {
            assert_eq!(bytes(count), text, "{count}");
        }
    }

    #[test]
    fn counts_carry_their_noun() {
        assert_eq!(plural(1u64, "entry", "entries"), "1 entry");
        assert_eq!(plural(0usize, "value", "values"), "0 values");
        assert_eq!(plural(1500u64, "value", "values"), "1500 values");
    }

    #[test]
    fn lists_are_cut_with_a_count() {
        let names = ["a", "b", "c", "d"];
        assert_eq!(listed(names, 4, 10), "a, b, c, d");
        assert_eq!(listed(names, 4, 2), "a, b and 2 more");
        assert_eq!(listed(&names[..2], 2000, 2), "a, b and 1998 more");
        assert_eq!(listed(names, 4, 0), "4 more");
        assert_eq!(listed(Vec::<&str>::new(), 0, 5), "none");
    }
}
