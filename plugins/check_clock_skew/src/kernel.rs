//! The one call into the kernel that no safe crate wraps: `adjtimex(2)` with no modes set,
//! a read-only query of the clock discipline state. The project's only `unsafe` lives here.

use std::io;

/// What `adjtimex` says about the local clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timex {
    /// `STA_UNSYNC` is set: no daemon disciplines the clock.
    pub(crate) unsynchronised: bool,
    /// Maximum error, microseconds.
    pub(crate) maxerror_us: i64,
    /// Estimated error, microseconds.
    pub(crate) esterror_us: i64,
}

/// Read the kernel's clock state without changing it (`modes = 0`).
#[allow(unsafe_code)]
pub(crate) fn read_timex() -> io::Result<Timex> {
    // SAFETY: `libc::timex` is a plain C struct of integers, for which all-zero bytes are a
    // valid value; zero `modes` makes adjtimex a read-only query, and the pointer is to a live,
    // exclusively borrowed local that outlives the call.
    let (state, timex) = unsafe {
        let mut timex: libc::timex = std::mem::zeroed();
        let state = libc::adjtimex(&mut timex);
        (state, timex)
    };
    if state == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(Timex {
        unsynchronised: timex.status & libc::STA_UNSYNC != 0,
        maxerror_us: timex.maxerror,
        esterror_us: timex.esterror,
    })
}

#[cfg(test)]
mod tests {
    use hastack_test_support::harness::kernel;

    #[test]
    fn the_kernel_answers_as_read_another_way() {
        // The same state read through Perl's syscall before and after: the flag is one of the
        // two readings', and the errors are what the kernel had between them (it adds to
        // maxerror every second nobody updates it, caps it at 16 s, and a daemon may lower it).
        let (timex, around) =
            kernel::Around::read(|| super::read_timex().expect("adjtimex")).expect("perl");
        let (before, after) = (around.before, around.after);
        assert!(
            [before.unsynchronised(), after.unsynchronised()].contains(&timex.unsynchronised),
            "{timex:?} {around:?}"
        );
        assert!(
            around.admits_maxerror(timex.maxerror_us as f64 / 1e6),
            "{timex:?} {around:?}"
        );
        let (a, b) = (before.esterror_us, after.esterror_us);
        assert!(
            a.min(b) <= timex.esterror_us && timex.esterror_us <= a.max(b),
            "{timex:?} {around:?}"
        );
    }
}
