//! What check_clock_skew's probe found and its evaluate judges: each NTP server's measurement
//! (or why there is none), chronyd's own view, and the kernel's state of the local clock. Plain
//! data: no state is decided here.

use hastack_common::Outcome;

use crate::candm::{Source, Tracking};

/// What one server said, from the sample with the smallest round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Seconds the server is ahead of this host (negative: behind).
    pub offset: f64,
    /// Round-trip delay in seconds.
    pub delay: f64,
    pub stratum: u8,
    pub leap: u8,
    /// The server's root delay and dispersion, seconds.
    pub root_delay: f64,
    pub root_dispersion: f64,
    /// Seconds since the server's reference time (its clock's last update); none when the
    /// server leaves it unset.
    pub reference_age: Option<f64>,
    /// The offsets of every answered request, for the jitter.
    pub sample_offsets: Vec<f64>,
    pub answered: usize,
    pub requested: usize,
}

impl Measurement {
    /// RFC 5905's root distance: how far the server may be from true time.
    pub fn root_distance(&self) -> f64 {
        self.root_delay / 2.0 + self.root_dispersion
    }

    /// RMS of the other samples' offsets around the chosen one (RFC 5905's peer jitter); none
    /// from a single sample.
    pub fn jitter(&self) -> Option<f64> {
        let n = self.sample_offsets.len();
        if n < 2 {
            return None;
        }
        let sum: f64 = self
            .sample_offsets
            .iter()
            .map(|o| (o - self.offset).powi(2))
            .sum();
        Some((sum / (n - 1) as f64).sqrt())
    }
}

/// An NTP server that answered, and says its time is not to be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NtpRefusal {
    /// Its own clock is not synchronised: what it said (leap indicator 3, stratum 16...).
    NotSynchronised(String),
    /// Kiss-o'-death: the four-letter code.
    KissOfDeath(String),
}

/// chronyd's own failures, beyond the common ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChronyProblem {
    /// chronyd answered, and refused: its status in words.
    Refusal(String),
    /// No socket of our own could be made beside chronyd's (it answers to the client's
    /// address): the directory, and the system's words.
    NoClientSocket { dir: String, why: String },
}

/// The kernel's view of the local clock (`adjtimex`), errors in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClock {
    /// `STA_UNSYNC`: nothing disciplines the clock.
    pub unsynchronised: bool,
    pub maxerror: f64,
    pub esterror: f64,
}

/// What chronyd's monitoring interface said: `chronyc tracking` and `chronyc sources`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChronyView {
    pub tracking: Tracking,
    pub sources: Vec<Source>,
    /// When it was read, Unix seconds (for the time since the last update).
    pub read_at: f64,
}

/// Everything the probe found: each server's outcome, in the order given, chronyd's view and
/// the local clock when they were asked for (or the system's words for why the kernel could
/// not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub servers: Vec<Outcome<Measurement, NtpRefusal>>,
    pub chrony: Option<Outcome<ChronyView, ChronyProblem>>,
    pub local: Option<Result<LocalClock, String>>,
}
