//! Icinga 2 CheckCommand definitions rendered from a plugin's clap definition, in the ITL house
//! style: every option an argument with `value` and `description`, flags with `set_if`,
//! repeatable options with `repeat_key`, required ones `required = true`, variables prefixed
//! with the command name, host addresses defaulting to `$check_address$`, passwords through
//! `env`. Values are plain macros: Icinga leaves an argument out when its macro is unset, while
//! a lambda returning "" would still put `--option ''` on the command line.

use std::fmt::Write as _;

use clap::{Arg, ArgAction, Command};

/// How one plugin's CheckCommand is named and wired.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The CheckCommand name (`galera`), also the prefix of its variables (`galera_host`).
    pub name: &'static str,
    pub binary: &'static str,
    /// Options (clap ids) that default to the host's address: `$check_address$`.
    pub address: &'static [&'static str],
    /// Secrets passed in the environment: (variable, the option suffix of the custom var).
    pub env: &'static [(&'static str, &'static str)],
    /// Options (clap ids) never put on the command line (a password visible in `ps`).
    pub hidden: &'static [&'static str],
}

impl Spec {
    /// `prefix_id`: the custom variable an option reads.
    pub fn var(&self, id: &str) -> String {
        format!("{}_{id}", self.name)
    }
}

/// The argument key: the short form when there is one (the ITL's habit), else the long one.
pub fn key(arg: &Arg) -> Option<String> {
    match (arg.get_short(), arg.get_long()) {
        (Some(short), _) => Some(format!("-{short}")),
        (None, Some(long)) => Some(format!("--{long}")),
        (None, None) => None,
    }
}

/// The options a CheckCommand exposes: all but help, version and the hidden ones.
pub fn exposed<'a>(spec: &'a Spec, command: &'a Command) -> impl Iterator<Item = &'a Arg> + 'a {
    command.get_arguments().filter(move |arg| {
        let id = arg.get_id().as_str();
        !matches!(id, "help" | "version") && !spec.hidden.contains(&id) && key(arg).is_some()
    })
}

/// The help text as one line, with the default and the possible values when clap knows them.
fn description(arg: &Arg) -> String {
    let mut text = arg
        .get_help()
        .map(|h| h.to_string())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    let takes_value = !matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::Count);
    if takes_value && !values.is_empty() {
        let _ = write!(text, " (one of: {})", values.join(", "));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes_value && !defaults.is_empty() && !text.contains("[default") {
        let _ = write!(text, " [default: {}]", defaults.join(","));
    }
    if matches!(arg.get_action(), ArgAction::Append) {
        text.push_str("; an array, one value per use");
    }
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The whole `.conf` file for one plugin.
pub fn render(spec: &Spec, command: &Command) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/* {}: {} (hastack-plugins).\n * Generated from the plugin's options by `hastack-generate checkcommands`: do not edit.",
        spec.binary,
        crate::about(command)
    );
    // The plugin's own notes (its --help and man page say the same), then its examples there.
    let notes = crate::OperatorText::of(command).notes;
    if !notes.is_empty() {
        out.push_str(" *\n");
        for line in notes.lines() {
            match line.is_empty() {
                true => out.push_str(" *\n"),
                // A "*/" in the text would end the comment.
                false => {
                    let _ = writeln!(out, " * {}", line.replace("*/", "* /"));
                }
            }
        }
        let _ = writeln!(
            out,
            " *\n * Examples: `{0} --help` or `man {0}`.",
            spec.binary
        );
    }
    if !spec.env.is_empty() {
        let vars: Vec<String> = spec
            .env
            .iter()
            .map(|(env, suffix)| format!("vars.{} (passed as {env})", spec.var(suffix)))
            .collect();
        let _ = writeln!(
            out,
            " * Secrets go through the environment, never argv (argv shows in `ps` and in the\n * check result's command line): {}.",
            vars.join(", ")
        );
    }
    out.push_str(" */\n");
    let _ = writeln!(out, "object CheckCommand \"{}\" {{", spec.name);
    if !spec.address.is_empty() {
        out.push_str("\timport \"ipv4-or-ipv6\"\n\n");
    }
    let _ = writeln!(
        out,
        "\tcommand = [ PluginContribDir + \"/{}\" ]\n",
        spec.binary
    );
    out.push_str("\targuments = {\n");
    for arg in exposed(spec, command) {
        let Some(key) = key(arg) else { continue };
        let var = spec.var(arg.get_id().as_str());
        let _ = writeln!(out, "\t\t\"{key}\" = {{");
        match arg.get_action() {
            ArgAction::SetTrue | ArgAction::Count => {
                let _ = writeln!(out, "\t\t\tset_if = \"${var}$\"");
            }
            ArgAction::Append => {
                let _ = writeln!(out, "\t\t\tvalue = \"${var}$\"\n\t\t\trepeat_key = true");
            }
            _ => {
                let _ = writeln!(out, "\t\t\tvalue = \"${var}$\"");
            }
        }
        if arg.is_required_set() {
            out.push_str("\t\t\trequired = true\n");
        }
        let _ = writeln!(out, "\t\t\tdescription = \"{}\"", description(arg));
        out.push_str("\t\t}\n");
    }
    out.push_str("\t}\n");
    if !spec.env.is_empty() {
        out.push_str("\n\tenv = {\n");
        for (env, suffix) in spec.env {
            let _ = writeln!(out, "\t\t{env} = \"${}$\"", spec.var(suffix));
        }
        out.push_str("\t}\n");
    }
    let addresses: Vec<&Arg> = command
        .get_arguments()
        .filter(|a| spec.address.contains(&a.get_id().as_str()))
        .collect();
    if !addresses.is_empty() {
        out.push('\n');
        for arg in addresses {
            let var = spec.var(arg.get_id().as_str());
            match arg.get_action() {
                ArgAction::Append => {
                    let _ = writeln!(out, "\tvars.{var} = [ \"$check_address$\" ]");
                }
                _ => {
                    let _ = writeln!(out, "\tvars.{var} = \"$check_address$\"");
                }
            }
        }
    }
    // Icinga 2 takes any output size: its CheckCommands ask for no limit unless an operator
    // sets one (the plugins' own default, 4096, is for Nagios Core 4 and NRPE).
    if command
        .get_arguments()
        .any(|a| a.get_id().as_str() == "output_limit")
    {
        let _ = writeln!(out, "\n\tvars.{} = \"none\"", spec.var("output_limit"));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, clap::Parser)]
    #[command(
        name = "check_x",
        about = "A test.",
        after_long_help = "Judges x.\n\nAnd y.\n\nExamples:\n  check_x -H a\n      Asks a.\n"
    )]
    struct X {
        /// Host to ask
        #[arg(short = 'H', long)]
        host: Option<String>,
        /// A "quoted" word
        #[arg(long, default_value = "5")]
        count: u8,
        /// Repeat me
        #[arg(long = "node")]
        nodes: Vec<String>,
        /// Switch
        #[arg(long)]
        on: bool,
        /// Needed
        #[arg(short = 'b', long)]
        base: String,
        /// Secret
        #[arg(long)]
        password: Option<String>,
    }

    #[test]
    fn renders_the_itl_style() {
        use clap::CommandFactory;
        let spec = Spec {
            name: "x",
            binary: "check_x",
            address: &["host"],
            env: &[("X_PWD", "password")],
            hidden: &["password"],
        };
        let conf = render(&spec, &X::command());
        let expected = "/* check_x: A test (hastack-plugins).\n * Generated from the plugin's options by `hastack-generate checkcommands`: do not edit.\n *\n * Judges x.\n *\n * And y.\n *\n * Examples: `check_x --help` or `man check_x`.\n * Secrets go through the environment, never argv (argv shows in `ps` and in the\n * check result's command line): vars.x_password (passed as X_PWD).\n */\n\
object CheckCommand \"x\" {\n\timport \"ipv4-or-ipv6\"\n\n\tcommand = [ PluginContribDir + \"/check_x\" ]\n\n\targuments = {\n\
\t\t\"-H\" = {\n\t\t\tvalue = \"$x_host$\"\n\t\t\tdescription = \"Host to ask\"\n\t\t}\n\
\t\t\"--count\" = {\n\t\t\tvalue = \"$x_count$\"\n\t\t\tdescription = \"A \\\"quoted\\\" word [default: 5]\"\n\t\t}\n\
\t\t\"--node\" = {\n\t\t\tvalue = \"$x_nodes$\"\n\t\t\trepeat_key = true\n\t\t\tdescription = \"Repeat me; an array, one value per use\"\n\t\t}\n\
\t\t\"--on\" = {\n\t\t\tset_if = \"$x_on$\"\n\t\t\tdescription = \"Switch\"\n\t\t}\n\
\t\t\"-b\" = {\n\t\t\tvalue = \"$x_base$\"\n\t\t\trequired = true\n\t\t\tdescription = \"Needed\"\n\t\t}\n\t}\n\n\
\tenv = {\n\t\tX_PWD = \"$x_password$\"\n\t}\n\n\tvars.x_host = \"$check_address$\"\n}\n";
        assert_eq!(conf, expected);
    }
}
