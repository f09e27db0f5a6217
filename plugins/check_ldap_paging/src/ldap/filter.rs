//! LDAP search filters (RFC 4515 string form) turned into their BER encoding (RFC 4511
//! section 4.5.1), checked while the options are: a filter that does not parse is a usage
//! error naming where, and nesting is bounded (a filter 28,000 levels deep would otherwise
//! overflow the stack before any connection).

use super::ber::{OCTET_STRING, push_tlv, tlv};

/// The deepest nesting of `&`, `|` and `!` accepted. Real filters nest a handful of levels;
/// Active Directory itself refuses more than 1024.
pub(crate) const MAX_DEPTH: usize = 100;

/// The BER encoding of `text`, or why it is not a filter. A filter without its outer
/// parentheses (`objectClass=user`) is taken as written inside them, as ldapsearch does.
pub fn encode(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    let mut parser = Parser {
        input: text.as_bytes(),
        at: 0,
    };
    let encoded = match text.starts_with('(') {
        true => parser.filter(0)?,
        false => parser.item()?,
    };
    if parser.at != parser.input.len() {
        return Err(format!(
            "unexpected text after the filter at character {}",
            parser.at + 1
        ));
    }
    Ok(encoded)
}

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        match self.peek() {
            Some(b) if b == byte => {
                self.at += 1;
                Ok(())
            }
            Some(b) => Err(format!(
                "expected '{}' at character {}, found '{}'",
                byte as char,
                self.at + 1,
                b as char
            )),
            None => Err(format!(
                "expected '{}' at character {}, found the end",
                byte as char,
                self.at + 1
            )),
        }
    }

    /// `( filtercomp )`
    fn filter(&mut self, depth: usize) -> Result<Vec<u8>, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the filter nests more than {MAX_DEPTH} levels deep"
            ));
        }
        self.expect(b'(')?;
        let encoded = match self.peek() {
            Some(b'&') => {
                self.at += 1;
                self.list(0xa0, depth)?
            }
            Some(b'|') => {
                self.at += 1;
                self.list(0xa1, depth)?
            }
            Some(b'!') => {
                self.at += 1;
                let inner = self.filter(depth + 1)?;
                tlv(0xa2, &inner)
            }
            _ => self.item()?,
        };
        self.expect(b')')?;
        Ok(encoded)
    }

    /// The filters of an `&` or `|` (none is allowed: RFC 4526's absolute true and false).
    fn list(&mut self, tag: u8, depth: usize) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        while self.peek() == Some(b'(') {
            body.extend(self.filter(depth + 1)?);
        }
        Ok(tlv(tag, &body))
    }

    /// `attr=value`, `attr=*`, substrings, `~=`, `>=`, `<=` and extensible matches.
    fn item(&mut self) -> Result<Vec<u8>, String> {
        let start = self.at;
        while let Some(b) = self.peek() {
            if matches!(b, b'=' | b'~' | b'>' | b'<' | b'(' | b')') {
                break;
            }
            self.at += 1;
        }
        let left = std::str::from_utf8(&self.input[start..self.at])
            .map_err(|_| format!("the attribute at character {} is not UTF-8", start + 1))?;
        let op = match (self.peek(), self.input.get(self.at + 1)) {
            (Some(b'='), _) => {
                self.at += 1;
                b'='
            }
            (Some(op @ (b'~' | b'>' | b'<')), Some(b'=')) => {
                self.at += 2;
                op
            }
            _ => {
                return Err(format!(
                    "expected '=', '~=', '>=' or '<=' after '{left}' at character {}",
                    self.at + 1
                ));
            }
        };
        let value_start = self.at;
        while let Some(b) = self.peek() {
            if matches!(b, b'(' | b')') {
                break;
            }
            self.at += 1;
        }
        let raw = &self.input[value_start..self.at];
        if op == b'=' && left.ends_with(':') {
            return extensible(&left[..left.len() - 1], raw, value_start);
        }
        let attr = attribute(left, start)?;
        match op {
            b'~' => Ok(assertion(0xa8, attr, &unescape(raw, value_start)?)),
            b'>' => Ok(assertion(0xa5, attr, &unescape(raw, value_start)?)),
            b'<' => Ok(assertion(0xa6, attr, &unescape(raw, value_start)?)),
            _ if raw == b"*" => Ok(tlv(0x87, attr.as_bytes())),
            _ if raw.contains(&b'*') => substrings(attr, raw, value_start),
            _ => Ok(assertion(0xa3, attr, &unescape(raw, value_start)?)),
        }
    }
}

/// An attribute description: a name or an OID, with options (`member;range=0-*`).
fn attribute(text: &str, at: usize) -> Result<&str, String> {
    let ok = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b';' | b'='));
    match ok {
        true => Ok(text),
        false => Err(format!(
            "'{text}' at character {} is not an attribute name",
            at + 1
        )),
    }
}

fn assertion(tag: u8, attr: &str, value: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    push_tlv(&mut body, OCTET_STRING, attr.as_bytes());
    push_tlv(&mut body, OCTET_STRING, value);
    tlv(tag, &body)
}

/// `attr=init*any*final`: SubstringFilter.
fn substrings(attr: &str, raw: &[u8], at: usize) -> Result<Vec<u8>, String> {
    let parts: Vec<&[u8]> = raw.split(|b| *b == b'*').collect();
    let mut list = Vec::new();
    let last = parts.len() - 1;
    for (index, part) in parts.iter().enumerate() {
        if part.is_empty() {
            if index != 0 && index != last {
                return Err(format!(
                    "two '*' in a row in the value at character {}",
                    at + 1
                ));
            }
            continue;
        }
        let tag = match index {
            0 => 0x80,
            i if i == last => 0x82,
            _ => 0x81,
        };
        push_tlv(&mut list, tag, &unescape(part, at)?);
    }
    let mut body = Vec::new();
    push_tlv(&mut body, OCTET_STRING, attr.as_bytes());
    push_tlv(&mut body, 0x30, &list);
    Ok(tlv(0xa4, &body))
}

/// `attr:dn:rule:=value`, `attr:=value`, `:rule:=value`: MatchingRuleAssertion.
fn extensible(left: &str, raw: &[u8], at: usize) -> Result<Vec<u8>, String> {
    let mut parts = left.split(':');
    let attr = parts.next().unwrap_or_default();
    let mut dn = false;
    let mut rule = None;
    for part in parts {
        match part {
            "dn" | "DN" if !dn && rule.is_none() => dn = true,
            p if rule.is_none() && !p.is_empty() => rule = Some(attribute(p, at)?),
            _ => return Err(format!("'{left}:=' is not an extensible match")),
        }
    }
    if attr.is_empty() && rule.is_none() {
        return Err(format!(
            "an extensible match needs an attribute or a matching rule ('{left}:=')"
        ));
    }
    let mut body = Vec::new();
    if let Some(rule) = rule {
        push_tlv(&mut body, 0x81, rule.as_bytes());
    }
    if !attr.is_empty() {
        push_tlv(&mut body, 0x82, attribute(attr, at)?.as_bytes());
    }
    push_tlv(&mut body, 0x83, &unescape(raw, at)?);
    if dn {
        push_tlv(&mut body, 0x84, &[0xff]);
    }
    Ok(tlv(0xa9, &body))
}

/// A value with its `\XX` escapes undone.
fn unescape(raw: &[u8], at: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let hex: Vec<u8> = bytes.by_ref().take(2).copied().collect();
        let value = std::str::from_utf8(&hex)
            .ok()
            .filter(|h| h.len() == 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                format!(
                    "a '\\' in the value at character {} is not followed by two hex digits",
                    at + 1
                )
            })?;
        out.push(value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_encode_as_rfc_4511_says() {
        let table: &[(&str, &[u8])] = &[
            ("(objectClass=*)", b"\x87\x0bobjectClass"),
            ("objectClass=*", b"\x87\x0bobjectClass"),
            ("(cn=a)", b"\xa3\x07\x04\x02cn\x04\x01a"),
            ("(cn~=a)", b"\xa8\x07\x04\x02cn\x04\x01a"),
            ("(n>=5)", b"\xa5\x06\x04\x01n\x04\x015"),
            ("(n<=5)", b"\xa6\x06\x04\x01n\x04\x015"),
            ("(cn=a\\2ab)", b"\xa3\x09\x04\x02cn\x04\x03a*b"),
            (
                "(cn=a*b*c)",
                b"\xa4\x0f\x04\x02cn\x30\x09\x80\x01a\x81\x01b\x82\x01c",
            ),
            ("(cn=*b*)", b"\xa4\x09\x04\x02cn\x30\x03\x81\x01b"),
            ("(&)", b"\xa0\x00"),
            (
                "(&(a=1)(!(b=2)))",
                b"\xa0\x12\xa3\x06\x04\x01a\x04\x011\xa2\x08\xa3\x06\x04\x01b\x04\x012",
            ),
            (
                "(userAccountControl:1.2.840.113556.1.4.803:=2)",
                b"\xa9\x2f\x81\x161.2.840.113556.1.4.803\x82\x12userAccountControl\x83\x012",
            ),
            ("(ou:dn:=x)", b"\xa9\x0a\x82\x02ou\x83\x01x\x84\x01\xff"),
        ];
        for (text, expected) in table {
            assert_eq!(encode(text).as_deref(), Ok(*expected), "{text}");
        }
    }

    #[test]
    fn bad_filters_say_where() {
        let table = [
            ("(cn=a", "expected ')' at character 6, found the end"),
            ("(cn=a))", "unexpected text after the filter at character 7"),
            ("(=a)", "'' at character 2 is not an attribute name"),
            ("(c n=a)", "'c n' at character 2 is not an attribute name"),
            (
                "(cn=a\\4)",
                "a '\\' in the value at character 5 is not followed by two hex digits",
            ),
            ("(cn=a**b)", "two '*' in a row in the value at character 5"),
            (
                "(cn)",
                "expected '=', '~=', '>=' or '<=' after 'cn' at character 4",
            ),
            ("(&(a=1)x)", "expected ')' at character 8, found 'x'"),
        ];
        for (text, why) in table {
            assert_eq!(encode(text), Err(why.to_string()), "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded_without_touching_the_stack() {
        let deep = |n: usize| format!("{}(a=1){}", "(!".repeat(n), ")".repeat(n));
        assert!(encode(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(
            encode(&deep(28_000)),
            Err(format!(
                "the filter nests more than {MAX_DEPTH} levels deep"
            ))
        );
    }
}
