//! The plugins' global allocator: the system's, except that an allocation the machine refuses
//! ends the run with the plugin's UNKNOWN line and exit 3. Rust's default aborts there (exit
//! 134, "memory allocation of N bytes failed" on stderr, nothing on stdout), which a monitoring
//! client shows as a crash without a word. A server's announced count reaches allocations like
//! that through libraries: mysql_async reserves room for as many columns as a server announces
//! (2^43 columns: 256 TiB). Fallible allocation (`try_reserve`) ends the run the same way.
#![allow(unsafe_code)] // The second audited exception: GlobalAlloc is an unsafe trait.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

/// Declared in each plugin's `main.rs` with `#[global_allocator]`.
pub struct Allocator;

// SAFETY: every call is passed to the system allocator with the caller's arguments; only a
// null answer is handled here, by ending the process instead of returning.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which is the system allocator's.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            refused(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            refused(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, which is the system's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator, which is the system's; the caller upholds the
        // rest of `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            refused(new_size);
        }
        p
    }
}

static REFUSED: AtomicBool = AtomicBool::new(false);

/// The out-of-memory line, written without allocating and without the runtime's `finish`: the
/// refusal may come from inside `finish` itself (the first write to stdout allocates its
/// buffer), where waiting for the finishing caller would wait forever. The text goes straight
/// to file descriptor 1 from a buffer on the stack, and the process ends at once with 3.
fn refused(size: usize) -> ! {
    if !REFUSED.swap(true, Ordering::SeqCst) {
        let mut line = StackLine::new();
        let _ = write!(
            line,
            "{} UNKNOWN - out of memory: an allocation of ",
            crate::runtime::service_name()
        );
        let _ = crate::units::write_bytes(&mut line, size as f64);
        let _ = writeln!(
            line,
            " was refused (a server's answer or the input asked for more than this machine gives)"
        );
        write_stdout(line.as_bytes());
    }
    // A second refusal (another thread) ends the same way, without a second line.
    // SAFETY: _exit takes no pointers; it ends the process without running anything else.
    unsafe { libc::_exit(i32::from(crate::State::Unknown.exit_code())) }
}

/// A line of text in a fixed buffer on the stack: what does not fit is cut.
struct StackLine {
    bytes: [u8; 512],
    len: usize,
}

impl StackLine {
    fn new() -> StackLine {
        StackLine {
            bytes: [0; 512],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl fmt::Write for StackLine {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// All of `bytes` to file descriptor 1, retried on interruption; nothing to do on failure.
fn write_stdout(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe `bytes`, alive and unchanged for the call.
        let written = unsafe { libc::write(1, bytes.as_ptr().cast(), bytes.len()) };
        match written {
            n if n > 0 => bytes = &bytes[n.unsigned_abs().min(bytes.len())..],
            _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}
