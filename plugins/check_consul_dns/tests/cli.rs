//! The check_consul_dns binary honours the shared option contract and says plainly that it is not built yet.

use hastack_test_support::{PluginRun, assert_shared_cli_contract};

const BIN: &str = env!("CARGO_BIN_EXE_check_consul_dns");

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "CONSUL DNS");
}

#[test]
fn says_it_is_not_implemented_yet() {
    let out = PluginRun::new(BIN).run();
    out.assert(3, "CONSUL DNS UNKNOWN - not implemented yet");
    assert_eq!(out.line_count(), 1);
}
