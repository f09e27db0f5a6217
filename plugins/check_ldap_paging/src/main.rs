//! The check_ldap_paging binary: everything happens in the shared runtime.

fn main() {
    hastack_common::runtime::main::<check_ldap_paging::Cli>()
}
