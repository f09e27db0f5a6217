//! A scripted LDAP server on loopback, for what no real directory sends: endless answers,
//! messages that announce gigabytes, malformed or misplaced responses, a password quoted in an
//! error. Each request (its message ID, operation and, for a search, base and attributes) goes
//! to the script, which answers with messages built here, raw bytes, an endless stream or
//! nothing. Stopped when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::scripted::listener::Listener;
use hastack_common::ber::{
    ENUMERATED, INTEGER, OCTET_STRING, Reader, SEQUENCE, SET, push_integer, push_tlv, tlv,
};

/// One request as the script sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    /// The operation's tag: 0x60 bind, 0x63 search, 0x77 extended, 0x42 unbind.
    pub op: u8,
    /// For a search: its base and the attributes asked for.
    pub base: String,
    pub attributes: Vec<String>,
    /// The paged-results control's cookie, when there is one.
    pub cookie: Option<Vec<u8>>,
}

/// What the server does with a request.
pub enum Reply {
    /// These messages, then wait for the next request.
    Messages(Vec<Vec<u8>>),
    /// These bytes written over and over until the client goes away.
    Endless(Vec<u8>),
    /// Close the connection.
    Close,
    /// Nothing: wait for the next request.
    Nothing,
}

pub struct ScriptedLdap {
    pub port: u16,
    _listener: Listener,
}

impl ScriptedLdap {
    pub fn start(script: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> ScriptedLdap {
        let listener = Listener::start(move |stream, stop| serve(stream, &script, stop));
        ScriptedLdap {
            port: listener.port,
            _listener: listener,
        }
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }
}

fn serve(mut stream: TcpStream, script: &dyn Fn(&Request) -> Reply, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let Some(bytes) = read_message(&mut stream) else {
            return;
        };
        let Some(request) = parse(&bytes) else {
            return;
        };
        match script(&request) {
            Reply::Messages(messages) => {
                for message in messages {
                    if stream.write_all(&message).is_err() {
                        return;
                    }
                }
            }
            Reply::Endless(chunk) => {
                while !stop.load(Ordering::Relaxed) && stream.write_all(&chunk).is_ok() {}
                return;
            }
            Reply::Close => return,
            Reply::Nothing => {}
        }
    }
}

fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut header = [0u8; 2];
    stream.read_exact(&mut header).ok()?;
    let mut bytes = header.to_vec();
    let len = if header[1] < 0x80 {
        usize::from(header[1])
    } else {
        let count = usize::from(header[1] & 0x7f);
        let mut extra = vec![0u8; count];
        stream.read_exact(&mut extra).ok()?;
        bytes.extend(&extra);
        extra
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let start = bytes.len();
    bytes.resize(start + len, 0);
    stream.read_exact(&mut bytes[start..]).ok()?;
    Some(bytes)
}

fn parse(bytes: &[u8]) -> Option<Request> {
    let mut outer = Reader::new(bytes);
    let mut message = Reader::new(outer.expect(SEQUENCE, "message").ok()?);
    let id = hastack_common::ber::integer(message.expect(INTEGER, "id").ok()?, "id").ok()?;
    let op = message.take().ok()?;
    let mut request = Request {
        id,
        op: op.tag,
        base: String::new(),
        attributes: Vec::new(),
        cookie: None,
    };
    if op.tag == 0x63 {
        let mut search = Reader::new(op.value);
        request.base = String::from_utf8_lossy(search.expect(OCTET_STRING, "base").ok()?).into();
        for _ in 0..6 {
            search.take().ok()?;
        }
        let mut attributes = Reader::new(search.expect(SEQUENCE, "attributes").ok()?);
        while let Ok(a) = attributes.expect(OCTET_STRING, "attribute") {
            request.attributes.push(String::from_utf8_lossy(a).into());
        }
    }
    if let Ok(Some(controls)) = message.optional(0xa0) {
        let mut controls = Reader::new(controls);
        while let Ok(control) = controls.expect(SEQUENCE, "control") {
            let mut control = Reader::new(control);
            let oid = control.expect(OCTET_STRING, "oid").ok()?;
            if oid == b"1.2.840.113556.1.4.319" {
                let _ = control.optional(0x01);
                let value = control.expect(OCTET_STRING, "value").ok()?;
                let mut value = Reader::new(Reader::new(value).expect(SEQUENCE, "paged").ok()?);
                value.take().ok()?;
                request.cookie = Some(value.expect(OCTET_STRING, "cookie").ok()?.to_vec());
            }
        }
    }
    Some(request)
}

fn message(id: i64, op: &[u8], controls: Option<Vec<u8>>) -> Vec<u8> {
    let mut body = Vec::new();
    push_integer(&mut body, INTEGER, id);
    body.extend_from_slice(op);
    if let Some(controls) = controls {
        push_tlv(&mut body, 0xa0, &controls);
    }
    tlv(SEQUENCE, &body)
}

fn result(tag: u8, code: u32, text: &str) -> Vec<u8> {
    let mut body = Vec::new();
    push_integer(&mut body, ENUMERATED, i64::from(code));
    push_tlv(&mut body, OCTET_STRING, b"");
    push_tlv(&mut body, OCTET_STRING, text.as_bytes());
    tlv(tag, &body)
}

/// A bind response.
pub fn bind_response(id: i64, code: u32, text: &str) -> Vec<u8> {
    message(id, &result(0x61, code, text), None)
}

/// A search entry with `attributes` (name, values).
pub fn entry(id: i64, dn: &str, attributes: &[(&str, &[&str])]) -> Vec<u8> {
    let mut list = Vec::new();
    for (name, values) in attributes {
        let mut set = Vec::new();
        for value in *values {
            push_tlv(&mut set, OCTET_STRING, value.as_bytes());
        }
        let mut attribute = Vec::new();
        push_tlv(&mut attribute, OCTET_STRING, name.as_bytes());
        push_tlv(&mut attribute, SET, &set);
        push_tlv(&mut list, SEQUENCE, &attribute);
    }
    let mut body = Vec::new();
    push_tlv(&mut body, OCTET_STRING, dn.as_bytes());
    push_tlv(&mut body, SEQUENCE, &list);
    message(id, &tlv(0x64, &body), None)
}

/// A search result, with a paged-results response control when `cookie` is given.
pub fn search_done(id: i64, code: u32, text: &str, cookie: Option<&[u8]>) -> Vec<u8> {
    let controls = cookie.map(|cookie| {
        let mut value = Vec::new();
        push_integer(&mut value, INTEGER, 0);
        push_tlv(&mut value, OCTET_STRING, cookie);
        let mut control = Vec::new();
        push_tlv(&mut control, OCTET_STRING, b"1.2.840.113556.1.4.319");
        push_tlv(&mut control, OCTET_STRING, &tlv(SEQUENCE, &value));
        tlv(SEQUENCE, &control)
    });
    message(id, &result(0x65, code, text), controls)
}

/// A root DSE entry that offers paged results.
pub fn root_dse(id: i64) -> Vec<u8> {
    entry(id, "", &[("supportedControl", &["1.2.840.113556.1.4.319"])])
}

/// A root DSE entry as Active Directory's: paged results, and AD's capability.
pub fn ad_root_dse(id: i64) -> Vec<u8> {
    entry(
        id,
        "",
        &[
            ("supportedControl", &["1.2.840.113556.1.4.319"]),
            ("supportedCapabilities", &["1.2.840.113556.1.4.800"]),
        ],
    )
}
