//! The plugins' global allocator: the system's, except that an allocation the machine refuses
//! ends the run with the plugin's UNKNOWN line and exit 3. Rust's default aborts there (exit
//! 134, "memory allocation of N bytes failed" on stderr, nothing on stdout), which a monitoring
//! client shows as a crash without a word. A server's announced count reaches allocations like
//! that through libraries: mysql_async reserves room for as many columns as a server announces
//! (2^43 columns: 256 TiB). Fallible allocation (`try_reserve`) ends the run the same way.
#![allow(unsafe_code)] // The second audited exception: GlobalAlloc is an unsafe trait.

use std::alloc::{GlobalAlloc, Layout, System};
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

/// The first refusal prints the UNKNOWN line (its few small allocations are what a machine
/// that just refused a huge one still gives); a refusal while doing so aborts as Rust would.
fn refused(size: usize) -> ! {
    if REFUSED.swap(true, Ordering::SeqCst) {
        std::process::abort();
    }
    crate::runtime::out_of_memory(size)
}
