//! Nagios command definitions for the five plugins, from the same specs as the Icinga 2
//! CheckCommands: one command per plugin taking the options in `$ARG1$`, and for the plugins that
//! check a host a `_host` variant that passes `$HOSTADDRESS$` first. Debian's Nagios reads them
//! from `/etc/nagios-plugins/config/`, Fedora's and EPEL's from `/etc/nagios/conf.d/`.

use std::fmt::Write as _;

use crate::Plugin;
use crate::checkcommand::key;

/// The command names a plugin gets: `check_hastack_galera` and, when it checks a host,
/// `check_hastack_galera_host`.
pub fn command_name(plugin: &Plugin) -> String {
    format!("check_hastack_{}", plugin.spec.name)
}

/// The whole file: a header saying how to use it, then the definitions.
pub fn render(plugins: &[Plugin]) -> String {
    let mut out = String::from(
        "# hastack-plugins: Nagios command definitions, two per plugin that checks a host and one\n\
         # for the others. Generated from the plugins' options by `hastack-generate nagios`: do not\n\
         # edit (copy a definition into your own configuration to change it).\n\
         #\n\
         # $ARG1$ holds the plugin's options: see `man check_galera` or `check_galera --help`, e.g.\n\
         #   check_command  check_hastack_galera_host!-u monitor --password-file /etc/nagios4/galera.pw --expected-size 3\n\
         # Passwords go in a file readable by the nagios user only (--password-file), never in $ARG1$:\n\
         # Nagios logs and shows the command line.\n\
         #\n\
         # Output: the plugins fit their output into --output-limit bytes, 4096 by default, which\n\
         # Nagios Core 4 takes whole (it can lose what passes 4 KB). Through NRPE with version 2\n\
         # packets (check_nrpe -2, and -3 against an NRPE 4 daemon, which answers v3 with v2)\n\
         # give --output-limit 1024 in the agent's nrpe.cfg command.\n",
    );
    for plugin in plugins {
        let command = (plugin.command)();
        let name = command_name(plugin);
        let binary = plugin.spec.binary;
        let summary = crate::about(&command);
        let _ = write!(
            out,
            "\n# '{name}': {summary}\ndefine command {{\n\tcommand_name\t{name}\n\tcommand_line\t$USER1$/{binary} $ARG1$\n}}\n"
        );
        let host = command
            .get_arguments()
            .find(|a| plugin.spec.address.contains(&a.get_id().as_str()))
            .and_then(key);
        if let Some(host) = host {
            let _ = write!(
                out,
                "\n# '{name}_host': the same, checking the service's host ($HOSTADDRESS$)\ndefine command {{\n\tcommand_name\t{name}_host\n\tcommand_line\t$USER1$/{binary} {host} '$HOSTADDRESS$' $ARG1$\n}}\n"
            );
        }
    }
    out
}
