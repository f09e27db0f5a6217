//! The local clock judged from the kernel's view (`adjtimex`): synchronised means a maximum
//! error under 16 s, as the kernel and systemd read it; `STA_UNSYNC` alone is said, not judged
//! (chrony clears it only with `rtcsync`).

use hastack_common::units::{round_micros, seconds};
use hastack_common::{Metric, Report, State, Uom};

use super::{Criteria, UNSYNCHRONISED_MAXERROR};
use crate::facts::LocalClock;

pub(super) fn judge(report: &mut Report, local: &LocalClock, criteria: &Criteria) {
    let errors = format!(
        "maximum error {}, estimated error {}",
        seconds(local.maxerror),
        seconds(local.esterror)
    );
    let flag = match local.unsynchronised {
        true => ", kernel flag STA_UNSYNC set (chrony clears it only with rtcsync)",
        false => "",
    };
    let maxerror = criteria
        .maxerror
        .check("maxerror", round_micros(local.maxerror))
        .uom(Uom::Seconds)
        .min(0u8);
    if local.maxerror >= UNSYNCHRONISED_MAXERROR {
        let state = criteria.unsynced_state;
        report
            .add(
                state,
                "local clock not synchronised: no NTP daemon disciplines it (maximum error 16 s, NTP disabled?)",
            )
            .detail(state, format!("local clock: not synchronised: {errors}{flag}"));
    } else if let Some((state, why)) = maxerror.violation() {
        report.add(
            state,
            format!(
                "local clock's maximum error {} ({why}): is the NTP daemon still updating it?",
                seconds(local.maxerror)
            ),
        );
        report.detail(state, format!("local clock: {errors}{flag}"));
    } else {
        report.add(State::Ok, format!("local clock synchronised ({errors})"));
        if !flag.is_empty() {
            report.detail(State::Ok, format!("local clock: {errors}{flag}"));
        }
    }
    report.headline(maxerror).headline(
        Metric::new("esterror", round_micros(local.esterror))
            .uom(Uom::Seconds)
            .min(0u8),
    );
}
