//! The paged-results control value (RFC 2696), on top of the BER of `hastack_common::ber`
//! (re-exported here for the rest of the client).

pub(crate) use hastack_common::ber::*;

/// `SEQUENCE { INTEGER page_size, OCTET STRING cookie }`.
pub fn encode_paged_request(page_size: u32, cookie: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(cookie.len() + 10);
    push_integer(&mut body, INTEGER, i64::from(page_size));
    push_tlv(&mut body, OCTET_STRING, cookie);
    tlv(SEQUENCE, &body)
}

/// A paged-results response value: the server's estimate of the total (0: unknown) and the
/// cookie (empty: the last page).
pub fn decode_paged_response(value: &[u8]) -> Result<(u32, Vec<u8>), String> {
    let (tag, body, rest) = read_tlv(value)?;
    if tag != SEQUENCE {
        return Err(format!("expected a SEQUENCE, found tag 0x{tag:02x}"));
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the SEQUENCE", rest.len()));
    }
    let mut reader = Reader::new(body);
    let size = reader.expect(INTEGER, "the size INTEGER")?;
    let estimate = integer(size, "the size")?;
    let cookie = reader.expect(OCTET_STRING, "the cookie OCTET STRING")?;
    reader.finish("the paged-results value")?;
    Ok((u32::try_from(estimate).unwrap_or(0), cookie.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_encode_as_rfc_2696_says() {
        assert_eq!(
            encode_paged_request(500, b""),
            [0x30, 0x06, 0x02, 0x02, 0x01, 0xf4, 0x04, 0x00]
        );
        assert_eq!(
            encode_paged_request(128, b"ab"),
            [0x30, 0x08, 0x02, 0x02, 0x00, 0x80, 0x04, 0x02, b'a', b'b']
        );
        assert_eq!(encode_paged_request(5, b"")[2..5], [0x02, 0x01, 0x05]);
        let long = vec![7u8; 300];
        let encoded = encode_paged_request(1, &long);
        assert_eq!(&encoded[..4], [0x30, 0x82, 0x01, 0x33]);
        assert_eq!(decode_paged_response(&encoded), Ok((1, long)));
    }

    #[test]
    fn responses_decode_and_malformed_ones_are_errors() {
        assert_eq!(
            decode_paged_response(&[0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00]),
            Ok((0, vec![]))
        );
        assert_eq!(
            decode_paged_response(&[0x30, 0x07, 0x02, 0x01, 0x05, 0x04, 0x02, 1, 2]),
            Ok((5, vec![1, 2]))
        );
        let table: &[(&[u8], &str)] = &[
            (&[], "the value ends before a tag"),
            (&[0x30], "the value ends before a length"),
            (&[0x31, 0x00], "expected a SEQUENCE, found tag 0x31"),
            (
                &[0x30, 0x05, 0x02],
                "a length of 5 bytes runs past the 1 left",
            ),
            (&[0x30, 0x85, 1, 2, 3, 4, 5], "unsupported length form 0x85"),
            (
                &[0x30, 0x80, 0, 0],
                "an indefinite length (0x80), which LDAP does not allow",
            ),
            (&[0x3f, 0x00], "tag 0x3f takes more than one byte"),
            (
                &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
                "a length of 4294967295 bytes runs past the 0 left",
            ),
            (
                &[0x30, 0x02, 0x04, 0x00],
                "expected the size INTEGER (tag 0x02), found tag 0x04",
            ),
            (
                &[0x30, 0x03, 0x02, 0x01, 0x00],
                "the cookie OCTET STRING: the value ends before a tag",
            ),
            (
                &[0x30, 0x05, 0x02, 0x01, 0x00, 0x02, 0x00],
                "expected the cookie OCTET STRING (tag 0x04), found tag 0x02",
            ),
            (&[0x30, 0x00, 0x00], "1 bytes after the SEQUENCE"),
        ];
        for (bytes, why) in table {
            assert_eq!(
                decode_paged_response(bytes),
                Err(why.to_string()),
                "{bytes:?}"
            );
        }
    }
}
