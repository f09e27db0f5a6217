//! A scripted MySQL server on loopback, for what no real MariaDB sends: endless result sets,
//! packets that announce 16 MB, malformed or foreign packets, a password quoted in an error.
//! It greets as MariaDB 10.11 does (protocol 10, `mysql_native_password`, no TLS, classic EOF
//! packets), accepts any login, and gives each COM_QUERY's text to the script, which answers with
//! result sets, an error, packets framed here, raw bytes, an endless result set or nothing.
//! Stopped when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::scripted::listener::Listener;

/// A text result set: its column names and rows.
#[derive(Debug, Clone)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl ResultSet {
    /// `Variable_name`/`Value` rows, as SHOW STATUS and SHOW VARIABLES answer.
    pub fn pairs(pairs: &[(&str, &str)]) -> ResultSet {
        ResultSet {
            columns: vec!["Variable_name".into(), "Value".into()],
            rows: pairs
                .iter()
                .map(|(name, value)| vec![(*name).into(), (*value).into()])
                .collect(),
        }
    }
}

/// What the server does with a query.
pub enum Reply {
    /// These result sets, one per statement of a multi-statement query.
    ResultSets(Vec<ResultSet>),
    /// An error packet.
    Error { code: u16, message: String },
    /// These payloads, framed with the sequence numbers the client expects.
    Packets(Vec<Vec<u8>>),
    /// These bytes as they are.
    Raw(Vec<u8>),
    /// A result set with `columns` whose `row` repeats until the client goes away.
    EndlessRows {
        columns: Vec<String>,
        row: Vec<String>,
    },
    /// Close the connection.
    Close,
    /// Nothing: wait for the next command.
    Nothing,
}

pub struct ScriptedMysql {
    pub port: u16,
    _listener: Listener,
}

impl ScriptedMysql {
    /// The usual greeting and login, then `script` for every query.
    pub fn start(script: impl Fn(&str) -> Reply + Send + Sync + 'static) -> ScriptedMysql {
        ScriptedMysql::greeting(greeting(), script)
    }

    /// `greeting` (a packet payload) sent first instead of the usual one.
    pub fn greeting(
        greeting: Vec<u8>,
        script: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> ScriptedMysql {
        let listener = Listener::start(move |stream, stop| serve(stream, &greeting, &script, stop));
        ScriptedMysql {
            port: listener.port,
            _listener: listener,
        }
    }
}

const SERVER_STATUS_AUTOCOMMIT: u16 = 0x0002;
const SERVER_MORE_RESULTS_EXISTS: u16 = 0x0008;
const COM_QUIT: u8 = 0x01;
const COM_QUERY: u8 = 0x03;

fn serve(
    mut stream: TcpStream,
    greeting: &[u8],
    script: &dyn Fn(&str) -> Reply,
    stop: &AtomicBool,
) {
    let mut out = Packets::new(0);
    out.push(greeting);
    // The client's handshake response (sequence 1), then OK whatever it says.
    if stream.write_all(&out.bytes).is_err() || read_packet(&mut stream).is_none() {
        return;
    }
    let mut out = Packets::new(2);
    out.push(&ok());
    if stream.write_all(&out.bytes).is_err() {
        return;
    }
    while !stop.load(Ordering::Relaxed) {
        let Some(command) = read_packet(&mut stream) else {
            return;
        };
        let mut out = Packets::new(1);
        match command.first() {
            Some(&COM_QUIT) | None => return,
            Some(&COM_QUERY) => {}
            Some(_) => {
                out.push(&ok());
                if stream.write_all(&out.bytes).is_err() {
                    return;
                }
                continue;
            }
        }
        match script(&String::from_utf8_lossy(&command[1..])) {
            Reply::ResultSets(sets) => {
                let last = sets.len().saturating_sub(1);
                for (i, set) in sets.iter().enumerate() {
                    out.header(&set.columns);
                    for row in &set.rows {
                        out.row(row);
                    }
                    out.eof(if i < last {
                        SERVER_MORE_RESULTS_EXISTS
                    } else {
                        0
                    });
                }
            }
            Reply::Error { code, message } => {
                let mut payload = vec![0xff];
                payload.extend(code.to_le_bytes());
                payload.extend(b"#HY000");
                payload.extend(message.as_bytes());
                out.push(&payload);
            }
            Reply::Packets(payloads) => payloads.iter().for_each(|p| out.push(p)),
            Reply::Raw(bytes) => out.bytes = bytes,
            Reply::EndlessRows { columns, row } => {
                out.header(&columns);
                if stream.write_all(&out.bytes).is_err() {
                    return;
                }
                // 256 rows: the sequence number wraps back to where the chunk began.
                let mut chunk = Packets::new(out.sequence);
                for _ in 0..256 {
                    chunk.row(&row);
                }
                while !stop.load(Ordering::Relaxed) && stream.write_all(&chunk.bytes).is_ok() {}
                return;
            }
            Reply::Close => return,
            Reply::Nothing => continue,
        }
        if stream.write_all(&out.bytes).is_err() {
            return;
        }
    }
}

/// Packets framed one after the other: 3-byte length, sequence number, payload.
struct Packets {
    bytes: Vec<u8>,
    sequence: u8,
}

impl Packets {
    fn new(sequence: u8) -> Packets {
        Packets {
            bytes: Vec::new(),
            sequence,
        }
    }

    fn push(&mut self, payload: &[u8]) {
        let len = u32::try_from(payload.len()).expect("a payload under 16 MB");
        self.bytes.extend(&len.to_le_bytes()[..3]);
        self.bytes.push(self.sequence);
        self.bytes.extend(payload);
        self.sequence = self.sequence.wrapping_add(1);
    }

    /// The column count, the column definitions and the EOF after them.
    fn header(&mut self, columns: &[String]) {
        let mut count = Vec::new();
        lenenc_int(&mut count, columns.len() as u64);
        self.push(&count);
        for name in columns {
            let mut def = Vec::new();
            for part in ["def", "", "", "", name, name] {
                lenenc_str(&mut def, part);
            }
            def.push(0x0c);
            def.extend(33u16.to_le_bytes()); // utf8_general_ci
            def.extend(1024u32.to_le_bytes());
            def.push(0xfd); // VAR_STRING
            def.extend([0, 0, 0, 0, 0]); // flags, decimals, filler
            self.push(&def);
        }
        self.eof(0);
    }

    fn row(&mut self, values: &[String]) {
        let mut row = Vec::new();
        for value in values {
            lenenc_str(&mut row, value);
        }
        self.push(&row);
    }

    fn eof(&mut self, more: u16) {
        let mut eof = vec![0xfe, 0, 0];
        eof.extend((SERVER_STATUS_AUTOCOMMIT | more).to_le_bytes());
        self.push(&eof);
    }
}

fn ok() -> Vec<u8> {
    let mut ok = vec![0x00, 0x00, 0x00];
    ok.extend(SERVER_STATUS_AUTOCOMMIT.to_le_bytes());
    ok.extend([0, 0]);
    ok
}

/// MariaDB 10.11's greeting: protocol 10, `mysql_native_password`, no TLS, no
/// CLIENT_DEPRECATE_EOF (so result sets end with EOF packets).
pub fn greeting() -> Vec<u8> {
    const CAPABILITIES: u32 = 0x0000_0001 // LONG_PASSWORD
        | 0x0000_0002 // FOUND_ROWS
        | 0x0000_0004 // LONG_FLAG
        | 0x0000_0008 // CONNECT_WITH_DB
        | 0x0000_0200 // PROTOCOL_41
        | 0x0000_2000 // TRANSACTIONS
        | 0x0000_8000 // SECURE_CONNECTION
        | 0x0001_0000 // MULTI_STATEMENTS
        | 0x0002_0000 // MULTI_RESULTS
        | 0x0004_0000 // PS_MULTI_RESULTS
        | 0x0008_0000 // PLUGIN_AUTH
        | 0x0010_0000 // CONNECT_ATTRS
        | 0x0020_0000; // PLUGIN_AUTH_LENENC_CLIENT_DATA
    let caps = CAPABILITIES.to_le_bytes();
    let mut g = vec![10];
    g.extend(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
    g.extend(7u32.to_le_bytes());
    g.extend(b"scramble");
    g.push(0);
    g.extend(&caps[..2]);
    g.push(33);
    g.extend(SERVER_STATUS_AUTOCOMMIT.to_le_bytes());
    g.extend(&caps[2..]);
    g.push(21);
    g.extend([0; 10]);
    g.extend(b"12more bytes\0");
    g.extend(b"mysql_native_password\0");
    g
}

fn lenenc_int(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=250 => out.push(n as u8),
        251..=0xffff => {
            out.push(0xfc);
            out.extend(&n.to_le_bytes()[..2]);
        }
        0x1_0000..=0xff_ffff => {
            out.push(0xfd);
            out.extend(&n.to_le_bytes()[..3]);
        }
        _ => {
            out.push(0xfe);
            out.extend(n.to_le_bytes());
        }
    }
}

fn lenenc_str(out: &mut Vec<u8>, s: &str) {
    lenenc_int(out, s.len() as u64);
    out.extend(s.as_bytes());
}

/// One packet's payload; `None` when the client went away (or sent a packet larger than a
/// command of this suite's plugins may be).
fn read_packet(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).ok()?;
    let len = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if len > 1 << 20 {
        return None;
    }
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload).ok()?;
    Some(payload)
}
