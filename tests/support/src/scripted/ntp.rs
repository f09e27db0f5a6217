//! A scripted NTP server: the shapes of answer real servers send, on demand (kiss-o'-death, an
//! unsynchronised or distant root, slow paths, wrong clocks).

use std::time::Duration;

use crate::scripted::peers::UdpPeer;

/// One answer of a [`ScriptedNtp`] server: how late, how wrong, and what it says of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// How long the answer takes on its way back (a slow path: the round trip grows by it, and
    /// the offset a client computes is `offset - delay / 2`).
    pub delay: Duration,
    /// Seconds the server's clock is ahead of the real one.
    pub offset: f64,
    pub stratum: u8,
    /// Leap indicator: 0 normal, 3 alarm (not synchronised).
    pub leap: u8,
    /// Root delay and dispersion, seconds (root distance = delay / 2 + dispersion).
    pub root_delay: f64,
    pub root_dispersion: f64,
    /// Reference ID; with stratum 0 the kiss code (`RATE`, `DENY`...).
    pub reference_id: [u8; 4],
    /// How long before the answer the server's clock was last updated, seconds.
    pub reference_age: f64,
}

impl Default for Reply {
    fn default() -> Reply {
        Reply {
            delay: Duration::ZERO,
            offset: 0.0,
            stratum: 2,
            leap: 0,
            root_delay: 0.001,
            root_dispersion: 0.001,
            reference_id: *b"GPS\0",
            reference_age: 16.0,
        }
    }
}

/// A scripted NTP server on a free loopback port: the n-th request gets the n-th reply (the
/// last one repeats), each sent from its own thread after its delay, so a slow answer never
/// holds back a later one. Not a time server: the shapes of answer real servers send, on
/// demand (kiss-o'-death, an unsynchronised or distant root, slow paths, wrong clocks).
pub struct ScriptedNtp(UdpPeer);

/// Seconds from 1900 (NTP's era 0) to 1970.
const NTP_UNIX_OFFSET: f64 = 2_208_988_800.0;

fn ntp_timestamp(unix_seconds: f64) -> [u8; 8] {
    let ntp = unix_seconds + NTP_UNIX_OFFSET;
    let seconds = ntp.floor();
    let fraction = ((ntp - seconds) * 4_294_967_296.0) as u64;
    ((((seconds as u64) & 0xffff_ffff) << 32) | (fraction & 0xffff_ffff)).to_be_bytes()
}

fn short_format(seconds: f64) -> [u8; 4] {
    ((seconds * 65536.0) as u32).to_be_bytes()
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl ScriptedNtp {
    pub fn start(replies: Vec<Reply>) -> Result<ScriptedNtp, String> {
        let mut served = 0usize;
        let peer = UdpPeer::start(move |request, client, socket| {
            let received = unix_now();
            if request.len() < 48 || replies.is_empty() {
                return;
            }
            let reply = replies[served.min(replies.len() - 1)].clone();
            served += 1;
            let mut packet = [0u8; 48];
            packet[0] = (reply.leap << 6) | (4 << 3) | 4; // version 4, mode 4 (server)
            packet[1] = reply.stratum;
            packet[2] = 6;
            packet[3] = 0xec; // precision 2^-20
            packet[4..8].copy_from_slice(&short_format(reply.root_delay));
            packet[8..12].copy_from_slice(&short_format(reply.root_dispersion));
            packet[12..16].copy_from_slice(&reply.reference_id);
            packet[16..24].copy_from_slice(&ntp_timestamp(
                received + reply.offset - reply.reference_age,
            ));
            packet[24..32].copy_from_slice(&request[40..48]);
            // Answered at once; the delay is the path's, on the way back.
            packet[32..40].copy_from_slice(&ntp_timestamp(received + reply.offset));
            packet[40..48].copy_from_slice(&ntp_timestamp(received + reply.offset));
            let Ok(sender) = socket.try_clone() else {
                return;
            };
            std::thread::spawn(move || {
                std::thread::sleep(reply.delay);
                let _ = sender.send_to(&packet, client);
            });
        })?;
        Ok(ScriptedNtp(peer))
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        self.0.addr().to_string()
    }
}
