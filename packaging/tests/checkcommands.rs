//! The shipped CheckCommands are exactly what the generator makes of the plugins' clap
//! definitions, match the binaries both ways, and a real `icinga2 daemon -C` accepts them with
//! the examples.

use std::path::{Path, PathBuf};

use hastack_packaging::{checkcommand, nagios, plugins};
use hastack_test_support::repo_root;
use hastack_test_support::servers::icinga::{assert_checkcommand_matches, validate};

#[test]
fn committed_files_are_what_the_generator_makes() {
    for plugin in plugins() {
        let path = repo_root()
            .join("icinga-conf")
            .join(format!("{}.conf", plugin.spec.binary));
        let committed =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let generated = checkcommand::render(&plugin.spec, &(plugin.command)());
        assert!(
            committed == generated,
            "{} is not what the plugin's options generate; run\n  cargo run -p hastack-packaging --bin hastack-generate -- checkcommands icinga-conf",
            path.display()
        );
    }
}

/// The Nagios command definitions too (a real Nagios runs them: tests/e2e/tests/nagios.rs).
#[test]
fn the_nagios_command_definitions_are_what_the_generator_makes() {
    let path = repo_root().join("packaging/nagios/hastack.cfg");
    let committed =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == nagios::render(&plugins()),
        "{} is not what the plugins' options generate; run\n  cargo run -p hastack-packaging --bin hastack-generate -- nagios packaging/nagios",
        path.display()
    );
}

#[test]
fn every_option_is_an_argument_and_no_other() {
    for plugin in plugins() {
        let path = repo_root()
            .join("icinga-conf")
            .join(format!("{}.conf", plugin.spec.binary));
        let hidden: Vec<String> = (plugin.command)()
            .get_arguments()
            .filter(|a| plugin.spec.hidden.contains(&a.get_id().as_str()))
            .filter_map(checkcommand::key)
            .collect();
        let hidden: Vec<&str> = hidden.iter().map(String::as_str).collect();
        assert_checkcommand_matches(&path, &(plugin.command)(), &hidden);
    }
}

#[test]
fn icinga_accepts_the_commands_and_the_examples() {
    let mut files: Vec<PathBuf> = plugins()
        .iter()
        .map(|p| {
            repo_root()
                .join("icinga-conf")
                .join(format!("{}.conf", p.spec.binary))
        })
        .collect();
    let examples = repo_root().join("icinga-conf/examples");
    let mut example_files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap_or_else(|e| panic!("{}: {e}", examples.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    example_files.sort();
    assert!(
        !example_files.is_empty(),
        "no examples in {}",
        examples.display()
    );
    files.extend(example_files);
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    validate(&refs, Path::new("/usr/lib/nagios/plugins"))
        .unwrap_or_else(|e| panic!("icinga2 daemon -C rejected the configuration:\n{e}"));
}
