//! The check_consul_dns binary: everything happens in the shared runtime.

fn main() {
    hastack_common::runtime::main::<check_consul_dns::Cli>()
}
