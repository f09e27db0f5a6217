//! LDAP messages (RFC 4511): the requests the check sends, encoded, and every response it can
//! receive, decoded strictly from one framed message: the wrong tag, a missing field, trailing
//! bytes or a value out of range is an error naming it. Pure: no I/O (the framing and its size
//! cap are `client`'s).

use super::ber::{
    self, BOOLEAN, ENUMERATED, INTEGER, OCTET_STRING, Reader, SEQUENCE, SET, push_integer,
    push_tlv, tlv,
};

/// The largest message accepted: a search entry, a root DSE, a page of attribute values.
/// Active Directory sends at most 1500 values of an attribute at once; 4 MiB holds that many
/// DNs of 2 KiB each. `client` frames messages under it; the failure of a larger one names it.
pub(crate) const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// The StartTLS extended operation (RFC 4511 section 4.14.1).
pub(crate) const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";
/// The Notice of Disconnection (an unsolicited notification, message ID 0).
pub(crate) const NOTICE_OF_DISCONNECTION_OID: &str = "1.3.6.1.4.1.1466.20036";

/// A control on a request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub oid: String,
    pub critical: bool,
    pub value: Option<Vec<u8>>,
}

/// LDAPResult: the code, the matched DN, the server's words, referrals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LdapResult {
    pub code: u32,
    pub matched_dn: String,
    pub message: String,
    pub referrals: Vec<String>,
}

/// What a server can say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Bind(LdapResult),
    /// A found entry: its DN and attributes (values as bytes).
    Entry {
        dn: String,
        attributes: Vec<(String, Vec<Vec<u8>>)>,
    },
    /// A continuation reference: where else the search could go (never followed).
    Reference(Vec<String>),
    SearchDone(LdapResult),
    Extended {
        result: LdapResult,
        name: Option<String>,
    },
    Intermediate,
}

/// One response message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub response: Response,
    pub controls: Vec<Control>,
}

/// Search scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Base = 0,
    One = 1,
    Sub = 2,
}

/// Decode one whole LDAPMessage (the bytes of exactly one TLV).
pub fn decode(bytes: &[u8]) -> Result<Message, String> {
    let (tag, body, rest) = ber::read_tlv(bytes)?;
    if tag != SEQUENCE {
        return Err(format!(
            "a message must be a SEQUENCE (0x30), found tag 0x{tag:02x}"
        ));
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the message", rest.len()));
    }
    let mut reader = Reader::new(body);
    let id = ber::integer(reader.expect(INTEGER, "the message ID")?, "the message ID")?;
    let op = reader.take().map_err(|e| format!("the operation: {e}"))?;
    let response = match op.tag {
        0x61 => Response::Bind(result(op.value, "the bind response", &[0x87])?),
        0x64 => entry(op.value)?,
        0x65 => Response::SearchDone(result(op.value, "the search result", &[])?),
        0x73 => Response::Reference(uris(op.value, "the search reference")?),
        0x78 => extended(op.value)?,
        0x79 => Response::Intermediate,
        tag => return Err(format!("operation tag 0x{tag:02x} is not a response")),
    };
    let mut controls = Vec::new();
    if let Some(list) = reader.optional(0xa0)? {
        let mut list = Reader::new(list);
        while !list.is_empty() {
            controls.push(control(list.expect(SEQUENCE, "a control")?)?);
        }
    }
    reader.finish("the message")?;
    Ok(Message {
        id,
        response,
        controls,
    })
}

/// LDAPResult, then optional fields of the response (`extra` tags, skipped when present).
fn result(value: &[u8], what: &str, extra: &[u8]) -> Result<LdapResult, String> {
    let mut reader = Reader::new(value);
    let parsed = result_fields(&mut reader, what)?;
    for tag in extra {
        reader.optional(*tag)?;
    }
    reader.finish(what)?;
    Ok(parsed)
}

fn result_fields(reader: &mut Reader<'_>, what: &str) -> Result<LdapResult, String> {
    let code = ber::unsigned(
        reader.expect(ENUMERATED, &format!("the result code of {what}"))?,
        "the result code",
    )?;
    let matched_dn = ber::text(reader.expect(OCTET_STRING, "the matched DN")?);
    let message = ber::text(reader.expect(OCTET_STRING, "the diagnostic message")?);
    let referrals = match reader.optional(0xa3)? {
        Some(list) => uris(list, "the referral")?,
        None => Vec::new(),
    };
    Ok(LdapResult {
        code,
        matched_dn,
        message,
        referrals,
    })
}

fn uris(value: &[u8], what: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::new(value);
    let mut out = Vec::new();
    while !reader.is_empty() {
        out.push(ber::text(reader.expect(OCTET_STRING, what)?));
    }
    Ok(out)
}

fn entry(value: &[u8]) -> Result<Response, String> {
    let mut reader = Reader::new(value);
    let dn = ber::text(reader.expect(OCTET_STRING, "the entry's DN")?);
    let mut list = Reader::new(reader.expect(SEQUENCE, "the entry's attributes")?);
    reader.finish("the entry")?;
    let mut attributes = Vec::new();
    while !list.is_empty() {
        let mut attribute = Reader::new(list.expect(SEQUENCE, "an attribute")?);
        let name = ber::text(attribute.expect(OCTET_STRING, "an attribute's name")?);
        let mut values = Reader::new(attribute.expect(SET, "an attribute's values")?);
        attribute.finish("an attribute")?;
        let mut collected = Vec::new();
        while !values.is_empty() {
            collected.push(values.expect(OCTET_STRING, "a value")?.to_vec());
        }
        attributes.push((name, collected));
    }
    Ok(Response::Entry { dn, attributes })
}

fn extended(value: &[u8]) -> Result<Response, String> {
    let mut reader = Reader::new(value);
    let result = result_fields(&mut reader, "the extended response")?;
    let name = reader.optional(0x8a)?.map(ber::text);
    reader.optional(0x8b)?;
    reader.finish("the extended response")?;
    Ok(Response::Extended { result, name })
}

fn control(value: &[u8]) -> Result<Control, String> {
    let mut reader = Reader::new(value);
    let oid = ber::text(reader.expect(OCTET_STRING, "a control's type")?);
    let critical = match reader.optional(BOOLEAN)? {
        Some(v) => ber::boolean(v, "a control's criticality")?,
        None => false,
    };
    let value = reader.optional(OCTET_STRING)?.map(<[u8]>::to_vec);
    reader.finish("a control")?;
    Ok(Control {
        oid,
        critical,
        value,
    })
}

fn message(id: i64, op: &[u8], controls: &[Control]) -> Vec<u8> {
    let mut body = Vec::with_capacity(op.len() + 16);
    push_integer(&mut body, INTEGER, id);
    body.extend_from_slice(op);
    if !controls.is_empty() {
        let mut list = Vec::new();
        for c in controls {
            let mut one = Vec::new();
            push_tlv(&mut one, OCTET_STRING, c.oid.as_bytes());
            if c.critical {
                push_tlv(&mut one, BOOLEAN, &[0xff]);
            }
            if let Some(value) = &c.value {
                push_tlv(&mut one, OCTET_STRING, value);
            }
            push_tlv(&mut list, SEQUENCE, &one);
        }
        push_tlv(&mut body, 0xa0, &list);
    }
    tlv(SEQUENCE, &body)
}

/// A simple bind (version 3).
pub(crate) fn bind(id: i64, dn: &str, password: &[u8]) -> Vec<u8> {
    let mut op = Vec::new();
    push_integer(&mut op, INTEGER, 3);
    push_tlv(&mut op, OCTET_STRING, dn.as_bytes());
    push_tlv(&mut op, 0x80, password);
    message(id, &tlv(0x60, &op), &[])
}

/// A search for `attributes` (`1.1`: none, only the DNs), no size or time limit of the
/// client's own, aliases not dereferenced.
pub(crate) fn search(
    id: i64,
    base: &str,
    scope: Scope,
    filter: &[u8],
    attributes: &[&str],
    controls: &[Control],
) -> Vec<u8> {
    let mut op = Vec::new();
    push_tlv(&mut op, OCTET_STRING, base.as_bytes());
    push_integer(&mut op, ENUMERATED, scope as i64);
    push_integer(&mut op, ENUMERATED, 0);
    push_integer(&mut op, INTEGER, 0);
    push_integer(&mut op, INTEGER, 0);
    push_tlv(&mut op, BOOLEAN, &[0]);
    op.extend_from_slice(filter);
    let mut list = Vec::new();
    for attribute in attributes {
        push_tlv(&mut list, OCTET_STRING, attribute.as_bytes());
    }
    push_tlv(&mut op, SEQUENCE, &list);
    message(id, &tlv(0x63, &op), controls)
}

/// The StartTLS extended request.
pub(crate) fn start_tls(id: i64) -> Vec<u8> {
    message(id, &tlv(0x77, &tlv(0x80, STARTTLS_OID.as_bytes())), &[])
}

/// An unbind: the polite end of a connection.
pub(crate) fn unbind(id: i64) -> Vec<u8> {
    message(id, &[0x42, 0x00], &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_encode_as_ldapsearch_sends_them() {
        assert_eq!(
            bind(1, "cn=a", b"pw"),
            b"\x30\x12\x02\x01\x01\x60\x0d\x02\x01\x03\x04\x04cn=a\x80\x02pw"
        );
        assert_eq!(unbind(7), b"\x30\x05\x02\x01\x07\x42\x00");
        let filter = super::super::filter::encode("(objectClass=*)").expect("filter");
        let control = Control {
            oid: "1.2.840.113556.1.4.319".into(),
            critical: false,
            value: Some(ber::encode_paged_request(500, b"")),
        };
        let encoded = search(2, "dc=x", Scope::Sub, &filter, &["1.1"], &[control]);
        // SEQUENCE { 2, SearchRequest { "dc=x", sub, never, 0, 0, FALSE, (objectClass=*),
        // { "1.1" } }, controls { { paged, { 500, "" } } } }
        let op = b"\x04\x04dc=x\x0a\x01\x02\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00\x87\x0bobjectClass\x30\x05\x04\x031.1";
        let mut expected = vec![0x02, 0x01, 0x02, 0x63, op.len() as u8];
        expected.extend_from_slice(op);
        let value = b"\x30\x06\x02\x02\x01\xf4\x04\x00";
        let control = [
            b"\x04\x161.2.840.113556.1.4.319".as_slice(),
            &[0x04, 0x08],
            value,
        ]
        .concat();
        expected.extend([0xa0, control.len() as u8 + 2, 0x30, control.len() as u8]);
        expected.extend(control);
        assert_eq!(
            encoded,
            [vec![0x30, expected.len() as u8], expected].concat()
        );
    }

    #[test]
    fn responses_decode_strictly() {
        let done = b"\x30\x0c\x02\x01\x02\x65\x07\x0a\x01\x04\x04\x00\x04\x00";
        assert_eq!(
            decode(done),
            Ok(Message {
                id: 2,
                response: Response::SearchDone(LdapResult {
                    code: 4,
                    ..LdapResult::default()
                }),
                controls: vec![],
            })
        );
        let entry = b"\x30\x1a\x02\x01\x02\x64\x15\x04\x04cn=a\x30\x0d\x30\x0b\x04\x02cn\x31\x05\x04\x01a\x04\x00";
        assert_eq!(
            decode(entry).map(|m| m.response),
            Ok(Response::Entry {
                dn: "cn=a".into(),
                attributes: vec![("cn".into(), vec![b"a".to_vec(), vec![]])],
            })
        );
        let reference = b"\x30\x15\x02\x01\x02\x73\x10\x04\x0eldap://x/dc=y?";
        assert_eq!(
            decode(reference).map(|m| m.response),
            Ok(Response::Reference(vec!["ldap://x/dc=y?".into()]))
        );
        let table: &[(&[u8], &str)] = &[
            (b"\x30\x00", "the message ID: the value ends before a tag"),
            (
                b"\x31\x00",
                "a message must be a SEQUENCE (0x30), found tag 0x31",
            ),
            (
                b"\x30\x03\x02\x01\x01",
                "the operation: the value ends before a tag",
            ),
            (
                b"\x30\x05\x02\x01\x01\x63\x00",
                "operation tag 0x63 is not a response",
            ),
            (
                b"\x30\x08\x02\x01\x01\x65\x03\x0a\x01\x00",
                "the matched DN: the value ends before a tag",
            ),
            (
                b"\x30\x80\x02\x01\x01\x65\x00\x00\x00",
                "an indefinite length (0x80), which LDAP does not allow",
            ),
            (
                b"\x30\x0e\x02\x01\x02\x65\x07\x0a\x01\x04\x04\x00\x04\x00\x05\x00",
                "2 unexpected bytes at the end of the message",
            ),
        ];
        for (bytes, why) in table {
            let got = decode(bytes);
            assert!(
                got.as_ref()
                    .is_err_and(|e| e.contains(why) || why.contains(e.as_str())),
                "{bytes:x?}: {got:?}"
            );
        }
    }
}
