//! Nagios ranges (`hastack_common::Range`'s `FromStr`): any text is a range or an error naming
//! the input, never a panic; a range displays as typed and reads back to the same range.
#![no_main]

use hastack_common::Range;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.parse::<Range>() {
        Ok(range) => {
            let shown = range.to_string();
            let again: Range = shown
                .parse()
                .unwrap_or_else(|e| panic!("{text:?} displays as {shown:?}, which fails: {e}"));
            assert_eq!(again, range, "{text:?} -> {shown:?}");
            for value in [f64::NEG_INFINITY, -1.0, 0.0, 0.5, 10.0, 1e300, f64::NAN] {
                let _ = range.alerts(value);
            }
            let _ = range.violation();
            let _ = range.perfdata_threshold();
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.starts_with(&format!("invalid range '{text}'")),
                "{message}"
            );
        }
    }
});
