//! The check_clock_skew binary: everything happens in the shared runtime.

/// The system allocator, with a refused allocation named instead of an abort.
#[global_allocator]
static ALLOCATOR: hastack_common::memory::Allocator = hastack_common::memory::Allocator;

fn main() {
    hastack_common::runtime::main::<check_clock_skew::Cli>()
}
