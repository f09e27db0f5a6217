//! The paged-results control value (RFC 2696) in BER: `SEQUENCE { size INTEGER, cookie OCTET
//! STRING }`. Decoding is written here rather than taken from ldap3, whose parser panics on a
//! malformed value; a server's bytes must never end the run that way.

/// `SEQUENCE { INTEGER page_size, OCTET STRING cookie }`.
pub fn encode_paged_request(page_size: u32, cookie: &[u8]) -> Vec<u8> {
    let mut integer = page_size.to_be_bytes().to_vec();
    // Minimal two's-complement: drop leading zero bytes while the next byte keeps the sign.
    while integer.len() > 1 && integer[0] == 0 && integer[1] & 0x80 == 0 {
        integer.remove(0);
    }
    let mut body = Vec::with_capacity(integer.len() + cookie.len() + 8);
    push_tlv(&mut body, 0x02, &integer);
    push_tlv(&mut body, 0x04, cookie);
    let mut out = Vec::with_capacity(body.len() + 6);
    push_tlv(&mut out, 0x30, &body);
    out
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

/// The cookie of a paged-results response value (empty: the last page).
pub fn decode_paged_response(value: &[u8]) -> Result<Vec<u8>, String> {
    let (tag, body, rest) = read_tlv(value)?;
    if tag != 0x30 {
        return Err(format!("expected a SEQUENCE, found tag 0x{tag:02x}"));
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the SEQUENCE", rest.len()));
    }
    let (tag, _size, after) = read_tlv(body)?;
    if tag != 0x02 {
        return Err(format!("expected the size INTEGER, found tag 0x{tag:02x}"));
    }
    let (tag, cookie, after) = read_tlv(after)?;
    if tag != 0x04 {
        return Err(format!(
            "expected the cookie OCTET STRING, found tag 0x{tag:02x}"
        ));
    }
    if !after.is_empty() {
        return Err(format!("{} bytes after the cookie", after.len()));
    }
    Ok(cookie.to_vec())
}

/// One tag-length-value: (tag, value, the bytes after it). Definite lengths only, at most four
/// length bytes, never past the input.
fn read_tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("the value ends before a tag")?;
    let (&first, rest) = rest.split_first().ok_or("the value ends before a length")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(format!("unsupported length form 0x{first:02x}"));
        }
        if rest.len() < count {
            return Err("the value ends inside a length".into());
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return Err(format!(
            "a length of {len} bytes runs past the {} left",
            rest.len()
        ));
    }
    Ok((tag, &rest[..len], &rest[len..]))
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
        assert_eq!(decode_paged_response(&encoded), Ok(long));
    }

    #[test]
    fn responses_decode_and_malformed_ones_are_errors() {
        assert_eq!(
            decode_paged_response(&[0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00]),
            Ok(vec![])
        );
        assert_eq!(
            decode_paged_response(&[0x30, 0x07, 0x02, 0x01, 0x00, 0x04, 0x02, 1, 2]),
            Ok(vec![1, 2])
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
                &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
                "a length of 4294967295 bytes runs past the 0 left",
            ),
            (
                &[0x30, 0x02, 0x04, 0x00],
                "expected the size INTEGER, found tag 0x04",
            ),
            (
                &[0x30, 0x03, 0x02, 0x01, 0x00],
                "the value ends before a tag",
            ),
            (
                &[0x30, 0x05, 0x02, 0x01, 0x00, 0x02, 0x00],
                "expected the cookie OCTET STRING, found tag 0x02",
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
