//! The one call into the kernel that no safe crate wraps: `adjtimex(2)` with no modes set,
//! a read-only query of the clock discipline state. The project's only `unsafe` lives here.

use std::io;

/// What `adjtimex` says about the local clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timex {
    /// `STA_UNSYNC` is set: no daemon disciplines the clock.
    pub unsynchronised: bool,
    /// Maximum error, microseconds.
    pub maxerror_us: i64,
    /// Estimated error, microseconds.
    pub esterror_us: i64,
}

/// Read the kernel's clock state without changing it (`modes = 0`).
#[allow(unsafe_code)]
pub fn read_timex() -> io::Result<Timex> {
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
    #[test]
    fn the_kernel_answers() {
        // Whatever this machine's state, the call succeeds and the errors are not negative.
        let timex = super::read_timex().expect("adjtimex");
        assert!(
            timex.maxerror_us >= 0 && timex.esterror_us >= 0,
            "{timex:?}"
        );
    }
}
