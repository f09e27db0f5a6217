//! What a directory server sends and what a user writes as a filter: any bytes decode to an
//! LDAP message or an error in words (never a panic, a read past the input or an allocation
//! of what a length claims), so do paged-results control values, and every request the plugin
//! encodes decodes back; any text is a filter's BER or a usage error, whatever its nesting.
#![no_main]

use check_ldap_paging::ldap::ber::{decode_paged_response, encode_paged_request};
use check_ldap_paging::ldap::{filter, message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match message::decode(data) {
        Ok(decoded) => {
            if let message::Response::Entry { attributes, .. } = &decoded.response {
                let bytes: usize = attributes
                    .iter()
                    .map(|(n, v)| n.len() + v.iter().map(Vec::len).sum::<usize>())
                    .sum();
                assert!(bytes <= data.len());
            }
        }
        Err(why) => assert!(!why.is_empty()),
    }
    match decode_paged_response(data) {
        Ok((_, cookie)) => assert!(cookie.len() <= data.len()),
        Err(why) => assert!(!why.is_empty()),
    }
    let size = data
        .get(..4)
        .map_or(500, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) % 2_000_000);
    let cookie = data.get(4..).unwrap_or_default();
    assert_eq!(
        decode_paged_response(&encode_paged_request(size, cookie)).map(|(_, c)| c).as_deref(),
        Ok(cookie)
    );
    if let Ok(text) = std::str::from_utf8(data) {
        match filter::encode(text) {
            Ok(ber) => assert!(!ber.is_empty()),
            Err(why) => assert!(!why.is_empty()),
        }
    }
});
