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

/// Two readings of the kernel's clock, before and after a run: what the run read lies between.
/// Between them the kernel adds 500 us a second to the maximum error, and a daemon may lower it
/// (systemd-timesyncd resets it at each poll), so a verdict may cross a threshold meanwhile: the
/// run's is either reading's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Around {
    pub before: KernelClock,
    pub after: KernelClock,
}

impl Around {
    /// The kernel read before and after `run`, and what `run` returned.
    pub fn read<T>(run: impl FnOnce() -> T) -> Result<(T, Around), String> {
        let before = read()?;
        let result = run();
        let after = read()?;
        Ok((result, Around { before, after }))
    }

    /// Whether `output`, with exit code `code`, is check_clock_skew's verdict on the state at
    /// some moment between the readings: its line, and the kernel flag said or not.
    pub fn admits(&self, code: i32, output: &str) -> bool {
        [self.before, self.after].iter().any(|clock| {
            let (expected, line) = clock.expected_verdict();
            expected == code
                && output.starts_with(line)
                && output.contains("kernel flag STA_UNSYNC set") == clock.says_unsync_flag()
        })
    }

    /// Whether a maximum error the run read (seconds) is one the kernel had between the
    /// readings: between them while it only grew, at most the earlier one if a daemon lowered it.
    pub fn admits_maxerror(&self, seconds: f64) -> bool {
        let (before, after) = (self.before.maxerror_us, self.after.maxerror_us);
        let (low, high) = match after >= before {
            true => (before, after),
            false => (0, before),
        };
        let micros = (seconds * 1e6).round() as i64;
        low <= micros && micros <= high
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

    #[test]
    fn a_run_between_two_readings_may_see_either() {
        let clock = |status, maxerror_us| KernelClock {
            status,
            maxerror_us,
            esterror_us: 0,
        };
        let ok = "CLOCK SKEW OK - local clock synchronised (maximum error 999.9 ms, estimated error 0 us)";
        let warning = "CLOCK SKEW WARNING - local clock's maximum error 1.000 s (outside 1): ...";
        let flagged =
            |line: &str| format!("{line}\n\\_ [OK] local clock: ..., kernel flag STA_UNSYNC set");
        // (before, after, code, output, admitted)
        let table = [
            // No daemon: the error grew across the 1 s line while the run read it.
            (clock(0, 999_900), clock(0, 1_000_400), 0, ok.to_string(), true),
            (clock(0, 999_900), clock(0, 1_000_400), 1, warning.to_string(), true),
            (clock(0, 999_900), clock(0, 999_950), 1, warning.to_string(), false),
            // A daemon lowered it meanwhile.
            (clock(0, 1_024_000), clock(0, 300), 0, ok.to_string(), true),
            // The flag follows the reading whose verdict it is.
            (clock(STA_UNSYNC, 2), clock(STA_UNSYNC, 3), 0, flagged(ok), true),
            (clock(STA_UNSYNC, 2), clock(STA_UNSYNC, 3), 0, ok.to_string(), false),
            (clock(0, 2), clock(0, 3), 0, flagged(ok), false),
            // Never disciplined: 16 s both times.
            (
                STATES[0].1,
                STATES[0].1,
                2,
                "CLOCK SKEW CRITICAL - local clock not synchronised: no NTP daemon disciplines it (...)\n\\_ [CRITICAL] local clock: ..., kernel flag STA_UNSYNC set".to_string(),
                true,
            ),
        ];
        for (before, after, code, output, admitted) in table {
            let around = Around { before, after };
            assert_eq!(
                around.admits(code, &output),
                admitted,
                "{around:?} {output}"
            );
        }
        let grew = Around {
            before: clock(0, 1_000),
            after: clock(0, 2_000),
        };
        assert!(grew.admits_maxerror(0.0015) && !grew.admits_maxerror(0.0025));
        assert!(!grew.admits_maxerror(0.0005));
        let lowered = Around {
            before: clock(0, 1_024_000),
            after: clock(0, 300),
        };
        assert!(lowered.admits_maxerror(0.0001) && lowered.admits_maxerror(1.024));
        assert!(!lowered.admits_maxerror(1.1));
    }
}
