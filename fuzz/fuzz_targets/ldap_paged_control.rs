//! The paged-results control value a directory server sends (RFC 2696, BER): any bytes decode
//! to a cookie or an error in words, never a panic or a read past the input; and every request
//! the plugin encodes decodes back to its cookie.
#![no_main]

use check_ldap_paging::ber::{decode_paged_response, encode_paged_request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match decode_paged_response(data) {
        Ok(cookie) => assert!(cookie.len() <= data.len()),
        Err(why) => assert!(!why.is_empty()),
    }
    let size = data
        .get(..4)
        .map_or(500, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) % 2_000_000);
    let cookie = data.get(4..).unwrap_or_default();
    assert_eq!(decode_paged_response(&encode_paged_request(size, cookie)).as_deref(), Ok(cookie));
});
