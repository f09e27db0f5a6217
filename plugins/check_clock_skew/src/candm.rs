//! chronyd's command and monitoring protocol (version 6), written from chrony's definition of it
//! (`candm.h`: the request and reply layouts; `pktlength.c`: requests padded to the length of
//! their reply; `util.c`: the 32-bit float and the timespec on the wire). The three monitoring
//! requests `chronyc tracking` and `chronyc sources` send: TRACKING, N_SOURCES and SOURCE_DATA.
//! Bytes in, bytes out: no I/O here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `PROTO_VERSION_NUMBER`.
pub const VERSION: u8 = 6;
/// chronyd's command port.
pub const DEFAULT_PORT: u16 = 323;

const PKT_TYPE_CMD_REQUEST: u8 = 1;
const PKT_TYPE_CMD_REPLY: u8 = 2;

const REQ_N_SOURCES: u16 = 14;
const REQ_SOURCE_DATA: u16 = 15;
const REQ_TRACKING: u16 = 33;

const RPY_N_SOURCES: u16 = 2;
const RPY_SOURCE_DATA: u16 = 3;
const RPY_TRACKING: u16 = 5;

/// The request header: version, type, two reserved bytes, command, attempt, sequence, two pads.
const REQUEST_HEADER: usize = 20;
/// The reply header: version, type, two reserved, command, reply, status, three pads, sequence,
/// two pads.
const REPLY_HEADER: usize = 28;

/// Reply data lengths (`offsetof(..., EOR)`).
const N_SOURCES_DATA: usize = 4;
const SOURCE_DATA_DATA: usize = 48;
const TRACKING_DATA: usize = 76;

/// A monitoring request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Tracking,
    NSources,
    SourceData(u32),
}

impl Request {
    fn command(self) -> u16 {
        match self {
            Request::Tracking => REQ_TRACKING,
            Request::NSources => REQ_N_SOURCES,
            Request::SourceData(_) => REQ_SOURCE_DATA,
        }
    }

    fn reply(self) -> (u16, usize) {
        match self {
            Request::Tracking => (RPY_TRACKING, TRACKING_DATA),
            Request::NSources => (RPY_N_SOURCES, N_SOURCES_DATA),
            Request::SourceData(_) => (RPY_SOURCE_DATA, SOURCE_DATA_DATA),
        }
    }

    /// The request as sent: padded to its reply's length, so chronyd answers (it drops shorter
    /// requests, against traffic amplification).
    pub fn encode(self, sequence: u32, attempt: u16) -> Vec<u8> {
        let (_, reply_data) = self.reply();
        let mut bytes = Vec::with_capacity(REPLY_HEADER + reply_data);
        bytes.extend_from_slice(&[VERSION, PKT_TYPE_CMD_REQUEST, 0, 0]);
        bytes.extend_from_slice(&self.command().to_be_bytes());
        bytes.extend_from_slice(&attempt.to_be_bytes());
        bytes.extend_from_slice(&sequence.to_be_bytes());
        bytes.extend_from_slice(&[0; 8]);
        if let Request::SourceData(index) = self {
            bytes.extend_from_slice(&index.to_be_bytes());
        }
        debug_assert!(bytes.len() >= REQUEST_HEADER);
        bytes.resize(REPLY_HEADER + reply_data, 0);
        bytes
    }
}

/// Why a reply is not the answer: chronyd's status, or bytes that do not fit the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// Another sequence number: a late answer to an earlier attempt, skipped.
    NotOurs,
    /// chronyd answered with a status other than success.
    Status(u16),
    Malformed(String),
}

impl ReplyError {
    /// chronyd's status in words (`candm.h` STT_*).
    pub fn words(&self) -> String {
        match self {
            ReplyError::NotOurs => "an answer to another request".into(),
            ReplyError::Status(status) => match status {
                1 => "the command failed".into(),
                2 => "not authorised (monitoring is allowed from cmdallow addresses only)".into(),
                3 => "the request is invalid".into(),
                18 => "chronyd speaks another protocol version than 6".into(),
                19 => "chronyd refused the request's length".into(),
                other => format!("status {other}"),
            },
            ReplyError::Malformed(why) => format!("malformed reply: {why}"),
        }
    }
}

/// The data of the reply to `request` sent with `sequence`.
fn reply_data(bytes: &[u8], request: Request, sequence: u32) -> Result<&[u8], ReplyError> {
    let malformed = |why: String| Err(ReplyError::Malformed(why));
    if bytes.len() < REPLY_HEADER {
        return malformed(format!(
            "{} bytes, shorter than a reply header",
            bytes.len()
        ));
    }
    if u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]) != sequence {
        return Err(ReplyError::NotOurs);
    }
    if bytes[1] != PKT_TYPE_CMD_REPLY {
        return malformed(format!("packet type {} instead of a reply", bytes[1]));
    }
    let status = u16::from_be_bytes([bytes[8], bytes[9]]);
    if status != 0 {
        return Err(ReplyError::Status(status));
    }
    if bytes[0] != VERSION {
        return malformed(format!(
            "protocol version {} instead of {VERSION}",
            bytes[0]
        ));
    }
    let command = u16::from_be_bytes([bytes[4], bytes[5]]);
    let reply = u16::from_be_bytes([bytes[6], bytes[7]]);
    let (expected, length) = request.reply();
    if command != request.command() || reply != expected {
        return malformed(format!(
            "reply {reply} to command {command}, expected reply {expected} to {}",
            request.command()
        ));
    }
    match bytes.get(REPLY_HEADER..REPLY_HEADER + length) {
        Some(data) => Ok(data),
        None => malformed(format!(
            "{} bytes, shorter than the {} of this reply",
            bytes.len(),
            REPLY_HEADER + length
        )),
    }
}

/// A field reader over a reply's data (offsets are checked by the caller's length).
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn u16(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.0[at], self.0[at + 1]])
    }

    fn u32(&self, at: usize) -> u32 {
        u32::from_be_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }

    /// `util.c` `UTI_FloatNetworkToHost`: 7-bit signed exponent, 25-bit signed coefficient,
    /// value `coef * 2^(exp - 25)`.
    fn float(&self, at: usize) -> f64 {
        let x = self.u32(at);
        let mut exp = (x >> 25) as i32;
        if exp >= 1 << 6 {
            exp -= 1 << 7;
        }
        exp -= 25;
        let mut coef = (x % (1 << 25)) as i32;
        if coef >= 1 << 24 {
            coef -= 1 << 25;
        }
        f64::from(coef) * 2f64.powi(exp)
    }

    /// `Timespec`: seconds as high and low 32 bits (high `0x7fffffff`: none), nanoseconds.
    fn timespec(&self, at: usize) -> f64 {
        let high = match self.u32(at) {
            0x7fff_ffff => 0,
            high => u64::from(high),
        };
        let seconds = (high << 32) | u64::from(self.u32(at + 4));
        seconds as f64 + f64::from(self.u32(at + 8)) / 1e9
    }

    /// `IPAddr`: 16 bytes of address, the family (1 IPv4, 2 IPv6, 3 an ID), a pad.
    fn address(&self, at: usize) -> Option<IpAddr> {
        match self.u16(at + 16) {
            1 => Some(IpAddr::V4(Ipv4Addr::from(self.u32(at)))),
            2 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(&self.0[at..at + 16]);
                Some(IpAddr::V6(Ipv6Addr::from(octets)))
            }
            _ => None,
        }
    }
}

/// What `chronyc tracking` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    pub reference_id: u32,
    /// The reference's address (none for a reference clock or the local clock).
    pub reference_address: Option<IpAddr>,
    pub stratum: u16,
    /// 0 normal, 1 insert second, 2 delete second, 3 not synchronised.
    pub leap_status: u16,
    /// When the clock was last updated, Unix seconds (0: never).
    pub reference_time: f64,
    /// "System time": seconds the system clock is ahead of NTP time are negative, as chrony
    /// counts the correction still to apply.
    pub current_correction: f64,
    pub last_offset: f64,
    pub rms_offset: f64,
    pub frequency_ppm: f64,
    pub residual_frequency_ppm: f64,
    pub skew_ppm: f64,
    pub root_delay: f64,
    pub root_dispersion: f64,
    pub last_update_interval: f64,
}

impl Tracking {
    /// The leap status as chronyc words it.
    pub fn leap_words(&self) -> &'static str {
        match self.leap_status {
            0 => "Normal",
            1 => "Insert second",
            2 => "Delete second",
            3 => "Not synchronised",
            _ => "Invalid",
        }
    }

    /// The reference ID as chronyc shows it: 8 hex digits.
    pub fn reference_hex(&self) -> String {
        format!("{:08X}", self.reference_id)
    }
}

/// How chronyd regards a source (`RPY_SD_ST_*`), with chronyc's symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    /// `*`: the one the clock follows.
    Selected,
    /// `?`: unusable (unreachable, too few samples...).
    NonSelectable,
    /// `x`: a falseticker.
    Falseticker,
    /// `~`: too variable.
    Jittery,
    /// `+` (`RPY_SD_ST_UNSELECTED`): acceptable and combined with the selected one.
    Unselected,
    /// `-` (`RPY_SD_ST_SELECTABLE`): acceptable, left out by the combining algorithm.
    Selectable,
    Other(u16),
}

impl SourceState {
    fn from_wire(state: u16) -> SourceState {
        match state {
            0 => SourceState::Selected,
            1 => SourceState::NonSelectable,
            2 => SourceState::Falseticker,
            3 => SourceState::Jittery,
            4 => SourceState::Unselected,
            5 => SourceState::Selectable,
            other => SourceState::Other(other),
        }
    }

    /// chronyc's column `S`.
    pub fn symbol(self) -> char {
        match self {
            SourceState::Selected => '*',
            SourceState::NonSelectable => '?',
            SourceState::Falseticker => 'x',
            SourceState::Jittery => '~',
            SourceState::Unselected => '+',
            SourceState::Selectable => '-',
            SourceState::Other(_) => ' ',
        }
    }

    /// Usable for synchronisation: selected, combined, or acceptable but not combined.
    pub fn usable(self) -> bool {
        matches!(
            self,
            SourceState::Selected | SourceState::Selectable | SourceState::Unselected
        )
    }
}

/// One line of `chronyc sources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub address: Option<IpAddr>,
    /// For a reference clock: its ID (the address field holds it).
    pub reference_id: u32,
    pub poll: i16,
    pub stratum: u16,
    pub state: SourceState,
    /// 0 server, 1 peer, 2 reference clock.
    pub mode: u16,
    pub flags: u16,
    /// The 8-bit reachability register (chronyc prints it in octal).
    pub reachability: u16,
    /// Seconds since the last sample ("LastRx").
    pub since_sample: u32,
    /// The last sample, adjusted and as measured, and its error bound, seconds.
    pub latest_offset: f64,
    pub original_offset: f64,
    pub latest_error: f64,
}

impl Source {
    /// chronyc's column `M`.
    pub fn mode_symbol(&self) -> char {
        match self.mode {
            0 => '^',
            1 => '=',
            2 => '#',
            _ => ' ',
        }
    }

    /// The address, or a reference clock's ID in chronyc's way (`PPS0`, hex otherwise).
    pub fn name(&self) -> String {
        match self.address {
            Some(address) => address.to_string(),
            None => {
                let bytes = self.reference_id.to_be_bytes();
                let text: String = bytes
                    .iter()
                    .take_while(|b| **b != 0)
                    .map(|b| char::from(*b))
                    .collect();
                // A reference clock's ID as text (`GPS`); anything else (no text at all, bytes
                // after a NUL, bytes that are not printable) as chronyc's hex.
                match !text.is_empty()
                    && text.len() + bytes.iter().filter(|b| **b == 0).count() == 4
                    && text.bytes().all(|b| b.is_ascii_graphic())
                {
                    true => text,
                    false => format!("{:08X}", self.reference_id),
                }
            }
        }
    }

    pub fn reachable(&self) -> bool {
        self.reachability & 0xff != 0
    }
}

pub fn decode_tracking(bytes: &[u8], sequence: u32) -> Result<Tracking, ReplyError> {
    let f = Fields(reply_data(bytes, Request::Tracking, sequence)?);
    Ok(Tracking {
        reference_id: f.u32(0),
        reference_address: f.address(4),
        stratum: f.u16(24),
        leap_status: f.u16(26),
        reference_time: f.timespec(28),
        current_correction: f.float(40),
        last_offset: f.float(44),
        rms_offset: f.float(48),
        frequency_ppm: f.float(52),
        residual_frequency_ppm: f.float(56),
        skew_ppm: f.float(60),
        root_delay: f.float(64),
        root_dispersion: f.float(68),
        last_update_interval: f.float(72),
    })
}

pub fn decode_n_sources(bytes: &[u8], sequence: u32) -> Result<u32, ReplyError> {
    Ok(Fields(reply_data(bytes, Request::NSources, sequence)?).u32(0))
}

pub fn decode_source(bytes: &[u8], index: u32, sequence: u32) -> Result<Source, ReplyError> {
    let f = Fields(reply_data(bytes, Request::SourceData(index), sequence)?);
    Ok(Source {
        address: f.address(0),
        reference_id: f.u32(0),
        poll: f.u16(20) as i16,
        stratum: f.u16(22),
        state: SourceState::from_wire(f.u16(24)),
        mode: f.u16(26),
        flags: f.u16(28),
        reachability: f.u16(30),
        since_sample: f.u32(32),
        original_offset: f.float(36),
        latest_offset: f.float(40),
        latest_error: f.float(44),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `util.c`'s `UTI_FloatHostToNetwork`, for building replies.
    fn float(x: f64) -> [u8; 4] {
        let (mut exp, mut coef): (i32, i64);
        if x == 0.0 {
            return [0; 4];
        }
        exp = x.abs().log2().floor() as i32 + 1;
        coef = (x * 2f64.powi(-exp + 25)).round() as i64;
        while coef.abs() >= 1 << 24 {
            coef /= 2;
            exp += 1;
        }
        let bits = (((exp & 0x7f) as u32) << 25) | ((coef as u32) & 0x1ff_ffff);
        bits.to_be_bytes()
    }

    fn reply(command: u16, reply: u16, status: u16, sequence: u32, data: &[u8]) -> Vec<u8> {
        let mut bytes = vec![VERSION, PKT_TYPE_CMD_REPLY, 0, 0];
        bytes.extend_from_slice(&command.to_be_bytes());
        bytes.extend_from_slice(&reply.to_be_bytes());
        bytes.extend_from_slice(&status.to_be_bytes());
        bytes.extend_from_slice(&[0; 6]);
        bytes.extend_from_slice(&sequence.to_be_bytes());
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(data);
        bytes
    }

    /// chronyc.c's `state_ch`: `RPY_SD_ST_UNSELECTED` (4) prints `+` (combined), `RPY_SD_ST_SELECTABLE`
    /// (5) prints `-` (left out of the combination); the names read the other way round.
    #[test]
    fn source_states_print_as_chronyc_prints_them() {
        let printed: String = (0..7)
            .map(|wire| SourceState::from_wire(wire).symbol())
            .collect();
        assert_eq!(printed, "*?x~+- ");
        let usable: Vec<bool> = (0..7)
            .map(|wire| SourceState::from_wire(wire).usable())
            .collect();
        assert_eq!(usable, [true, false, false, false, true, true, false]);
    }

    #[test]
    fn requests_are_padded_to_their_replys_length() {
        let tracking = Request::Tracking.encode(7, 0);
        assert_eq!(tracking.len(), 104);
        assert_eq!(&tracking[..8], &[6, 1, 0, 0, 0, 33, 0, 0]);
        assert_eq!(&tracking[8..12], &7u32.to_be_bytes());
        assert_eq!(Request::NSources.encode(1, 0).len(), 32);
        let source = Request::SourceData(3).encode(1, 2);
        assert_eq!(source.len(), 76);
        assert_eq!(&source[6..8], &2u16.to_be_bytes());
        assert_eq!(&source[20..24], &3u32.to_be_bytes());
    }

    #[test]
    fn floats_as_chrony_codes_them() {
        for value in [0.0, 1.0, -1.0, 0.000000041, -0.019, 16.0, 1e-9, 123456.0] {
            let decoded = Fields(&float(value)).float(0);
            assert!(
                (decoded - value).abs() <= value.abs() * 1e-7,
                "{value} -> {decoded}"
            );
        }
    }

    #[test]
    fn a_tracking_reply_decodes_field_by_field() {
        let mut data = Vec::new();
        data.extend_from_slice(&0x7f00_0001u32.to_be_bytes());
        data.extend_from_slice(&[127, 0, 0, 1]);
        data.extend_from_slice(&[0; 12]);
        data.extend_from_slice(&1u16.to_be_bytes());
        data.extend_from_slice(&[0, 0]);
        data.extend_from_slice(&9u16.to_be_bytes());
        data.extend_from_slice(&0u16.to_be_bytes());
        data.extend_from_slice(&0u32.to_be_bytes());
        data.extend_from_slice(&1_795_960_840u32.to_be_bytes());
        data.extend_from_slice(&500_329_751u32.to_be_bytes());
        for value in [
            -7e-7, 4.1e-8, 2.6e-8, -0.019, 0.003, 0.118, 5.19e-6, 1.329e-6, 0.1,
        ] {
            data.extend_from_slice(&float(value));
        }
        let bytes = reply(33, 5, 0, 42, &data);
        let t = decode_tracking(&bytes, 42).expect("tracking");
        assert_eq!(t.reference_hex(), "7F000001");
        assert_eq!(t.reference_address, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!((t.stratum, t.leap_words()), (9, "Normal"));
        assert!((t.reference_time - 1_795_960_840.500_33).abs() < 1e-5);
        assert!((t.current_correction + 7e-7).abs() < 1e-12);
        assert!((t.frequency_ppm + 0.019).abs() < 1e-8);
        assert!((t.last_update_interval - 0.1).abs() < 1e-7);
        assert_eq!(decode_tracking(&bytes, 43), Err(ReplyError::NotOurs));
        assert_eq!(
            decode_tracking(&reply(33, 5, 2, 42, &data), 42),
            Err(ReplyError::Status(2))
        );
        assert!(matches!(
            decode_tracking(&bytes[..60], 42),
            Err(ReplyError::Malformed(_))
        ));
        assert!(matches!(
            decode_tracking(&reply(14, 2, 0, 42, &data), 42),
            Err(ReplyError::Malformed(_))
        ));
    }

    #[test]
    fn a_source_reply_decodes_field_by_field() {
        let mut data = vec![127, 0, 0, 1];
        data.extend_from_slice(&[0; 12]);
        data.extend_from_slice(&1u16.to_be_bytes());
        data.extend_from_slice(&[0, 0]);
        for value in [(-4i16) as u16, 8, 0, 0, 0, 0o377] {
            data.extend_from_slice(&value.to_be_bytes());
        }
        data.extend_from_slice(&3u32.to_be_bytes());
        for value in [4.58e-7, 4.17e-7, 2.933e-6] {
            data.extend_from_slice(&float(value));
        }
        let source = decode_source(&reply(15, 3, 0, 5, &data), 0, 5).expect("source");
        assert_eq!(source.name(), "127.0.0.1");
        assert_eq!(
            (source.poll, source.stratum, source.reachability),
            (-4, 8, 0o377)
        );
        assert_eq!((source.mode_symbol(), source.state.symbol()), ('^', '*'));
        assert!(source.reachable() && source.state.usable());
        assert!((source.latest_offset - 4.17e-7).abs() < 1e-12);
        // A reference clock: the ID instead of an address.
        let mut refclock = data.clone();
        refclock[..4].copy_from_slice(b"PPS0");
        refclock[16..18].copy_from_slice(&3u16.to_be_bytes());
        let source = decode_source(&reply(15, 3, 0, 5, &refclock), 0, 5).expect("refclock");
        assert_eq!(source.name(), "PPS0");
        // IDs that are not a name: none at all (found by fuzzing: it printed as nothing), bytes
        // after a NUL, unprintable bytes. chronyc's hex for each.
        for (id, name) in [
            (*b"GPS\0", "GPS"),
            ([0; 4], "00000000"),
            (*b"G\0P\0", "47005000"),
            ([b'A', 0x07, b'B', b'C'], "41074243"),
        ] {
            refclock[..4].copy_from_slice(&id);
            let source = decode_source(&reply(15, 3, 0, 5, &refclock), 0, 5).expect("refclock");
            assert_eq!(source.name(), name);
        }
    }
}
