//! Times as an on-call person reads them in a summary, and as perfdata carries them.

/// Seconds in the unit that reads best: `1900.0 s`, `3.000 s`, `4.7 ms`, `12 us`; below the
/// microsecond that measurements here resolve, `0 us`.
pub fn human_seconds(value: f64) -> String {
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

/// A measured duration in the unit that reads best, as [`human_seconds`].
pub fn human_duration(duration: std::time::Duration) -> String {
    human_seconds(duration.as_secs_f64())
}

/// Seconds rounded to the microsecond: more digits are noise in perfdata.
pub fn round_micros(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        let table = [
            (1900.000021, "1900.0 s"),
            (-3.0, "-3.000 s"),
            (1.25, "1.250 s"),
            (0.0047, "4.7 ms"),
            (0.00042, "420 us"),
            (0.000012, "12 us"),
            (0.0, "0 us"),
            (-0.0000004, "0 us"),
        ];
        for (value, text) in table {
            assert_eq!(human_seconds(value), text, "{value}");
        }
        assert_eq!(round_micros(1900.0000214), 1900.000021);
        assert_eq!(
            human_duration(std::time::Duration::from_micros(2_700_000)),
            "2.700 s"
        );
    }
}
