//! What check_consul_dns says of a message its decoder refused (any bytes): `wire::fault` walks
//! it within its bounds and answers with one short line or nothing; never a panic, never a hang
//! (a compression loop included).
#![no_main]

use check_consul_dns::wire::fault;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(words) = fault(data) {
        assert!(!words.is_empty());
        assert!(words.len() <= 512, "{} bytes: {words}", words.len());
        assert!(!words.contains('\n') && !words.contains('\r'), "{words:?}");
    }
});
