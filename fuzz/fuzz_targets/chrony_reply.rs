//! What chronyd, or anything on its command port or socket, sends: any bytes decode to a
//! tracking reply, a source count or a source, or an error in words (never a panic or a read
//! past the input), and whatever decodes can be shown.
#![no_main]

use check_clock_skew::candm::{decode_n_sources, decode_source, decode_tracking};
use libfuzzer_sys::fuzz_target;

fn u32_at(data: &[u8], at: usize) -> u32 {
    data.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fuzz_target!(|data: &[u8]| {
    // The sequence number the bytes carry, so that decoding gets past the sequence check.
    let sequence = u32_at(data, 16);
    match decode_tracking(data, sequence) {
        Ok(tracking) => {
            assert!(!tracking.leap_words().is_empty());
            assert_eq!(tracking.reference_hex().len(), 8);
        }
        Err(error) => assert!(!error.words().is_empty()),
    }
    if let Err(error) = decode_n_sources(data, sequence) {
        assert!(!error.words().is_empty());
    }
    match decode_source(data, u32_at(data, 28), sequence) {
        Ok(source) => {
            assert!(!source.name().is_empty());
            let _ = (source.state.symbol(), source.mode_symbol(), source.reachable());
        }
        Err(error) => assert!(!error.words().is_empty()),
    }
});
