//! The kernel's clock discipline state, read through a path independent of the plugin's
//! (`adjtimex(2)` called from Perl's `syscall`, with its own layout of `struct timex`; perl-base
//! is on every Debian system), so that a test can assert that the plugin's verdict follows what
//! the kernel says.

use std::process::Command;

/// `STA_UNSYNC` in `struct timex`'s `status`.
pub const STA_UNSYNC: i64 = 0x0040;

/// What `adjtimex` said, as the kernel keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelClock {
    pub status: i64,
    /// Microseconds.
    pub maxerror_us: i64,
    /// Microseconds.
    pub esterror_us: i64,
}

/// The kernel states a test host may be in, as a real chronyd 4.3 left them on Debian 12 (see
/// check_clock_skew's `local_clock` table): whatever the host, the expectations below hold for
/// each, so a test that reads the kernel and asks them passes on every host.
pub const STATES: [(&str, KernelClock); 5] = [
    (
        "never disciplined (a fresh host, NTP disabled)",
        KernelClock {
            status: STA_UNSYNC | 0x0001,
            maxerror_us: 16_000_000,
            esterror_us: 16_000_000,
        },
    ),
    (
        "synchronised, with rtcsync",
        KernelClock {
            status: 0x2000,
            maxerror_us: 4,
            esterror_us: 1,
        },
    ),
    (
        "synchronised, without rtcsync",
        KernelClock {
            status: STA_UNSYNC,
            maxerror_us: 2,
            esterror_us: 0,
        },
    ),
    (
        "daemon stopped an hour ago",
        KernelClock {
            status: STA_UNSYNC,
            maxerror_us: 2 + 3600 * 500,
            esterror_us: 0,
        },
    ),
    (
        "daemon stopped three hours ago",
        KernelClock {
            status: 0,
            maxerror_us: 4 + 3 * 3600 * 500,
            esterror_us: 0,
        },
    ),
];

impl KernelClock {
    pub fn unsynchronised(&self) -> bool {
        self.status & STA_UNSYNC != 0
    }

    /// Whether check_clock_skew's output names the kernel flag: it says STA_UNSYNC whenever the
    /// kernel has it set, in whichever verdict (it is said, not judged).
    pub fn says_unsync_flag(&self) -> bool {
        self.unsynchronised()
    }

    /// check_clock_skew's verdict on this state with its default thresholds (maximum error 16 s:
    /// not synchronised; over 5 s critical; over 1 s warning), and the start of its line.
    pub fn expected_verdict(&self) -> (i32, &'static str) {
        let maxerror = self.maxerror_us as f64 / 1e6;
        if maxerror >= 16.0 {
            (
                2,
                "CLOCK SKEW CRITICAL - local clock not synchronised: no NTP daemon disciplines it",
            )
        } else if maxerror > 5.0 {
            (2, "CLOCK SKEW CRITICAL - local clock's maximum error ")
        } else if maxerror > 1.0 {
            (1, "CLOCK SKEW WARNING - local clock's maximum error ")
        } else {
            (
                0,
                "CLOCK SKEW OK - local clock synchronised (maximum error ",
            )
        }
    }
}

/// `adjtimex`'s syscall number: 159 on x86_64, 171 in the generic table aarch64 uses.
const ADJTIMEX: Option<u32> = if cfg!(target_arch = "x86_64") {
    Some(159)
} else if cfg!(target_arch = "aarch64") {
    Some(171)
} else {
    None
};

/// On 64-bit Linux `struct timex` is `modes` (int, padded to 8), then `offset`, `freq`,
/// `maxerror`, `esterror` (long each), then `status` (int). `modes = 0`: a read-only query.
const READ_TIMEX: &str = r#"$b = "\0" x 208; syscall($ARGV[0], $b) >= 0 or die "adjtimex: $!\n";
@v = unpack("l x4 q q q q l", $b); print "$v[5] $v[3] $v[4]\n";"#;

/// Read the kernel's clock state now.
pub fn read() -> Result<KernelClock, String> {
    let number = ADJTIMEX.ok_or("no adjtimex syscall number known for this architecture")?;
    let out = Command::new("perl")
        .args(["-e", READ_TIMEX, &number.to_string()])
        .output()
        .map_err(|e| format!("perl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "perl adjtimex: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<i64> = text
        .split_whitespace()
        .map(|n| n.parse().map_err(|e| format!("{n:?}: {e}")))
        .collect::<Result<_, _>>()?;
    match numbers[..] {
        [status, maxerror_us, esterror_us] => Ok(KernelClock {
            status,
            maxerror_us,
            esterror_us,
        }),
        _ => Err(format!("unexpected adjtimex reading {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_for_every_kernel_state() {
        // (state, exit code, the line's start, the flag said)
        let table = [
            (
                STATES[0].1,
                2,
                "CLOCK SKEW CRITICAL - local clock not synchronised: no NTP daemon disciplines it",
                true,
            ),
            (
                STATES[1].1,
                0,
                "CLOCK SKEW OK - local clock synchronised (maximum error ",
                false,
            ),
            (
                STATES[2].1,
                0,
                "CLOCK SKEW OK - local clock synchronised (maximum error ",
                true,
            ),
            (
                STATES[3].1,
                1,
                "CLOCK SKEW WARNING - local clock's maximum error ",
                true,
            ),
            (
                STATES[4].1,
                2,
                "CLOCK SKEW CRITICAL - local clock's maximum error ",
                false,
            ),
        ];
        for (clock, code, line, flag) in table {
            assert_eq!(clock.expected_verdict(), (code, line), "{clock:?}");
            assert_eq!(clock.says_unsync_flag(), flag, "{clock:?}");
        }
    }
}
