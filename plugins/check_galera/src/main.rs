//! The check_galera binary: everything happens in the shared runtime.

fn main() {
    hastack_common::runtime::main::<check_galera::Cli>()
}
