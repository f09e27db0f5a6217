//! The check_clock_skew binary: everything happens in the shared runtime.

fn main() {
    hastack_common::runtime::main::<check_clock_skew::Cli>()
}
