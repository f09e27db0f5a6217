//! BER and DER as the protocols the plugins speak use them (LDAP, RFC 4511 section 5.1; X.509
//! certificates): one-byte tags, definite lengths, and nothing a peer sends trusted: every
//! length is checked against what is there before anything is taken, so malformed input is an
//! error naming the problem, never a panic or an allocation of what a length claims.

/// Universal tags.
pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const OCTET_STRING: u8 = 0x04;
pub const ENUMERATED: u8 = 0x0a;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;

/// A TLV's tag and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
}

/// Reads TLVs one after another from a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { input }
    }

    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// The next TLV, whatever its tag.
    pub fn take(&mut self) -> Result<Tlv<'a>, String> {
        let (tag, value, rest) = read_tlv(self.input)?;
        self.input = rest;
        Ok(Tlv { tag, value })
    }

    /// The tag of the next TLV, if any, without taking it.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.input.first().copied()
    }

    /// The next TLV's value, which must carry `tag`; `what` names it in the error.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<&'a [u8], String> {
        let tlv = self.take().map_err(|e| format!("{what}: {e}"))?;
        if tlv.tag != tag {
            return Err(format!(
                "expected {what} (tag 0x{tag:02x}), found tag 0x{:02x}",
                tlv.tag
            ));
        }
        Ok(tlv.value)
    }

    /// The next TLV's value if it carries `tag`, else nothing taken.
    pub fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, String> {
        match self.peek_tag() {
            Some(t) if t == tag => self.take().map(|t| Some(t.value)),
            _ => Ok(None),
        }
    }

    /// Nothing may follow: `what` names the enclosing element.
    pub fn finish(&self, what: &str) -> Result<(), String> {
        match self.input.len() {
            0 => Ok(()),
            n => Err(format!("{n} unexpected bytes at the end of {what}")),
        }
    }
}

/// A non-negative INTEGER or ENUMERATED value that fits in 32 bits.
pub fn unsigned(value: &[u8], what: &str) -> Result<u32, String> {
    let signed = integer(value, what)?;
    u32::try_from(signed).map_err(|_| format!("{what} {signed} is out of range"))
}

/// An INTEGER value of at most 8 bytes, two's complement.
pub fn integer(value: &[u8], what: &str) -> Result<i64, String> {
    if value.is_empty() || value.len() > 8 {
        return Err(format!("{what} has {} bytes", value.len()));
    }
    let negative = value[0] & 0x80 != 0;
    let start: i64 = if negative { -1 } else { 0 };
    Ok(value
        .iter()
        .fold(start, |acc, b| (acc << 8) | i64::from(*b)))
}

/// A BOOLEAN value (one byte; any non-zero is true).
pub fn boolean(value: &[u8], what: &str) -> Result<bool, String> {
    match value {
        [b] => Ok(*b != 0),
        _ => Err(format!("{what} has {} bytes", value.len())),
    }
}

/// Text the server sent, lossily: a diagnostic or a DN is for people.
pub fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(value).into_owned()
}

/// One tag-length-value: (tag, value, the bytes after it). One-byte tags, definite lengths
/// only, at most four length bytes, never past the input.
pub fn read_tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("the value ends before a tag")?;
    if tag & 0x1f == 0x1f {
        return Err(format!("tag 0x{tag:02x} takes more than one byte"));
    }
    let (len, header) = length(rest)?;
    let rest = &rest[header..];
    if rest.len() < len {
        return Err(format!(
            "a length of {len} bytes runs past the {} left",
            rest.len()
        ));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// The length that starts `input` and how many bytes it took.
pub fn length(input: &[u8]) -> Result<(usize, usize), String> {
    let &first = input.first().ok_or("the value ends before a length")?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 {
        return Err("an indefinite length (0x80), which LDAP does not allow".into());
    }
    if count > 4 {
        return Err(format!("unsupported length form 0x{first:02x}"));
    }
    if input.len() < 1 + count {
        return Err("the value ends inside a length".into());
    }
    let len = input[1..=count]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((len, 1 + count))
}

/// `tag`, the length of `value`, `value`.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    push_tlv(&mut out, tag, value);
    out
}

/// Appends one TLV to `out`.
pub fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
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

/// An INTEGER (or, with another tag, ENUMERATED) in minimal two's complement.
pub fn push_integer(out: &mut Vec<u8>, tag: u8, value: i64) {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    push_tlv(out, tag, &bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_twos_complement() {
        let enc = |v: i64| {
            let mut out = Vec::new();
            push_integer(&mut out, INTEGER, v);
            out
        };
        assert_eq!(enc(0), [2, 1, 0]);
        assert_eq!(enc(127), [2, 1, 0x7f]);
        assert_eq!(enc(128), [2, 2, 0, 0x80]);
        assert_eq!(enc(-1), [2, 1, 0xff]);
        assert_eq!(enc(-129), [2, 2, 0xff, 0x7f]);
        for v in [0, 1, 127, 128, 255, 256, -1, -128, -129, i64::MAX, i64::MIN] {
            assert_eq!(integer(&enc(v)[2..], "x"), Ok(v), "{v}");
        }
        assert!(integer(&[], "x").is_err());
        assert!(integer(&[1; 9], "x").is_err());
        assert_eq!(
            unsigned(&[0xff], "the result code"),
            Err("the result code -1 is out of range".to_string())
        );
    }

    #[test]
    fn lengths_are_checked_before_anything_is_taken() {
        let table: &[(&[u8], &str)] = &[
            (&[], "the value ends before a tag"),
            (&[0x30], "the value ends before a length"),
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
        ];
        for (bytes, why) in table {
            assert_eq!(
                read_tlv(bytes).map(|_| ()),
                Err(why.to_string()),
                "{bytes:?}"
            );
        }
    }
}
