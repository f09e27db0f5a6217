//! The packaging of the suite: what ships beside the five binaries, generated from each
//! plugin's single clap definition (the Icinga 2 CheckCommands in `icinga-conf/`, the Nagios
//! command definitions in `packaging/nagios/`, the man pages). The .deb/.rpm metadata lives in this crate's Cargo.toml; `packaging/build` builds
//! both packages.

pub mod checkcommand;
pub mod nagios;

use checkcommand::Spec;
use clap::CommandFactory;

/// One plugin: its CheckCommand wiring and its clap definition.
pub struct Plugin {
    pub spec: Spec,
    pub command: fn() -> clap::Command,
}

/// Every plugin of the suite, in the order the README lists them.
pub fn plugins() -> [Plugin; 5] {
    [
        Plugin {
            spec: Spec {
                name: "galera",
                binary: "check_galera",
                summary: "Galera cluster health, per node and cluster-wide",
                address: &["host"],
                env: &[("MYSQL_PWD", "password")],
                hidden: &["password"],
            },
            command: check_galera::Cli::command,
        },
        Plugin {
            spec: Spec {
                name: "clock_skew",
                binary: "check_clock_skew",
                summary: "clock offset against NTP servers, skew between peers, the local clock's sync state",
                address: &["hosts"],
                env: &[],
                hidden: &[],
            },
            command: check_clock_skew::Cli::command,
        },
        Plugin {
            spec: Spec {
                name: "consul_dns",
                binary: "check_consul_dns",
                summary: "service discovery through Consul's DNS interface and through a forwarder",
                address: &[],
                env: &[],
                hidden: &[],
            },
            command: check_consul_dns::Cli::command,
        },
        Plugin {
            spec: Spec {
                name: "ldap_paging",
                binary: "check_ldap_paging",
                summary: "a directory search counted completely through paged results",
                address: &["host"],
                env: &[("LDAP_PASSWORD", "password")],
                hidden: &["password"],
            },
            command: check_ldap_paging::Cli::command,
        },
        Plugin {
            spec: Spec {
                name: "split_order",
                binary: "check_split_order",
                summary: "an Ansible inventory generated from Terraform output, checked for hosts under the wrong group header",
                address: &[],
                env: &[],
                hidden: &[],
            },
            command: check_split_order::Cli::command,
        },
    ]
}

/// The man page (roff) of one plugin, from the same definition as `--help`, with a SYNOPSIS
/// that shows what each option takes (`[-H|--host HOST]`), not only its name.
pub fn man_page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let synopsis = synopsis(&command);
    let mut page = Vec::new();
    clap_mangen::Man::new(command.override_usage(synopsis)).render(&mut page)?;
    Ok(page)
}

/// `check_x -i FILE [-H|--host HOST] [--flag] [-v|--verbose]...`: every visible option,
/// required ones without brackets, flags bare, options with their value name, repeatable ones
/// marked `...`.
pub fn synopsis(command: &clap::Command) -> String {
    use clap::ArgAction;
    let mut line = command.get_name().to_string();
    for arg in command
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
    {
        let names: Vec<String> = arg
            .get_short()
            .map(|s| format!("-{s}"))
            .into_iter()
            .chain(arg.get_long().map(|l| format!("--{l}")))
            .collect();
        if names.is_empty() {
            continue;
        }
        let value = match arg.get_action() {
            ArgAction::Set | ArgAction::Append => arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| format!(" {v}"))
                .unwrap_or_else(|| format!(" {}", arg.get_id().as_str().to_uppercase())),
            _ => String::new(),
        };
        let repeat = match arg.get_action() {
            ArgAction::Append | ArgAction::Count => "...",
            _ => "",
        };
        let names = names.join("|");
        match arg.is_required_set() {
            true => line.push_str(&format!(" {names}{value}{repeat}")),
            false => line.push_str(&format!(" [{names}{value}]{repeat}")),
        }
    }
    line
}
