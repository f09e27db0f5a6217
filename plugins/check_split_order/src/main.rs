//! The check_split_order binary: everything happens in the shared runtime.

fn main() {
    hastack_common::runtime::main::<check_split_order::Cli>()
}
