//! Judging what the servers, chronyd and the kernel said (pure), one module per source of
//! time: [`ntp`] (each server's offset and health, the skew between them), [`chrony`] (chronyd's
//! own view) and [`kernel`] (the local clock's sync state).

mod chrony;
mod kernel;
mod ntp;
#[cfg(test)]
mod tests;

use hastack_common::{CheckError, Report, State, Thresholds};

use crate::facts::Facts;

/// How the facts are judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    /// On each server's absolute offset (empty: not judged).
    pub offset: Thresholds,
    /// On the largest offset minus the smallest, with two or more servers.
    pub skew: Thresholds,
    /// On each server's jitter (the spread of its samples).
    pub jitter: Thresholds,
    /// On each server's stratum, root distance and round trip (chronyd's root distance too).
    pub stratum: Thresholds,
    pub root_distance: Thresholds,
    pub delay: Thresholds,
    /// On the age of a reference time, seconds (a server's, or chronyd's last update).
    pub stale: Thresholds,
    /// On the kernel's maximum error (`--local-sync`).
    pub maxerror: Thresholds,
    /// The state of a clock no daemon disciplines (maximum error 16 s).
    pub unsynced_state: State,
    /// On chronyd's usable sources (`--min-sources`).
    pub usable_sources: Thresholds,
    /// On chronyd's system time offset (`-w/-c`, with their defaults).
    pub chrony_offset: Thresholds,
}

/// The kernel counts a clock whose maximum error reaches 16 s as unsynchronised (`NTP_PHASE_
/// LIMIT`; systemd's `timedatectl` reads it so too).
pub const UNSYNCHRONISED_MAXERROR: f64 = 16.0;

/// The report for every server asked (in the order given, the skew between them first),
/// chronyd's view and the local clock, as far as each was asked for.
pub fn evaluate(facts: &Facts, criteria: &Criteria) -> Result<Report, CheckError> {
    let mut report = Report::new();
    ntp::judge_servers(&mut report, &facts.servers, criteria);
    if let Some(chrony) = &facts.chrony {
        chrony::judge(&mut report, chrony, criteria);
    }
    match &facts.local {
        Some(Ok(local)) => kernel::judge(&mut report, local, criteria),
        Some(Err(why)) => {
            report.add(
                State::Unknown,
                format!("cannot read the kernel clock state (adjtimex): {why}"),
            );
        }
        None => {}
    }
    Ok(report)
}

/// A limit's number as the operator gave it (`--stale 3600`, `--min-sources 2`): the bound of
/// its range.
fn limit(
    range: Option<&hastack_common::Range>,
    bound: fn(&hastack_common::Range) -> f64,
) -> String {
    range.map_or_else(String::new, |r| {
        hastack_common::Value::Float(bound(r)).to_string()
    })
}
