//! The shipped Icinga 2 CheckCommand `split_order` matches this plugin's options, and a real Icinga 2
//! accepts it.

use std::path::Path;

use clap::CommandFactory;
use hastack_test_support::icinga::{assert_checkcommand_matches, validate};

fn conf() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../icinga-conf/check_split_order.conf"
    ))
}

#[test]
fn checkcommand_has_every_option_and_no_other() {
    assert_checkcommand_matches(conf(), &check_split_order::Cli::command(), &[]);
}

#[test]
fn icinga_accepts_the_checkcommand() {
    let plugin_dir = Path::new(env!("CARGO_BIN_EXE_check_split_order"))
        .parent()
        .expect("binary directory");
    validate(&[conf()], plugin_dir)
        .unwrap_or_else(|e| panic!("icinga2 daemon -C rejected {}:\n{e}", conf().display()));
}
