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
///
/// The plugin's operator text (its `after_long_help`, what `--help` ends with) becomes the
/// NOTES section, and its examples the EXAMPLES section, each command with what it does.
pub fn man_page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    use clap_mangen::roff::{Roff, bold, roman};
    let synopsis = synopsis(&command);
    let text = OperatorText::of(&command);
    let man = clap_mangen::Man::new(command.override_usage(synopsis));
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    let mut roff = Roff::new();
    if !text.notes.is_empty() {
        roff.control("SH", ["NOTES"]);
        for paragraph in text.notes.split("\n\n") {
            roff.control("PP", [])
                .text([roman(paragraph.replace('\n', " "))]);
        }
    }
    if !text.examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        for (example, what) in &text.examples {
            roff.control("TP", [])
                .text([bold(example.as_str())])
                .text([roman(what.as_str())]);
        }
    }
    roff.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// A plugin's operator text, as its `after_long_help` holds it: notes, then a line `Examples:`
/// and examples, each a command line indented by two spaces and what it does on the lines
/// below, indented further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorText {
    /// Paragraphs separated by blank lines.
    pub notes: String,
    /// (command line, what it does).
    pub examples: Vec<(String, String)>,
}

impl OperatorText {
    pub fn of(command: &clap::Command) -> OperatorText {
        let text = command
            .get_after_long_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        let (notes, examples) = match text.split_once("\nExamples:\n") {
            Some((notes, examples)) => (notes, examples),
            None => (text.as_str(), ""),
        };
        let mut parsed: Vec<(String, String)> = Vec::new();
        for line in examples.lines() {
            match (line.strip_prefix("  "), parsed.last_mut()) {
                (Some(rest), Some((_, what))) if rest.starts_with(' ') => {
                    if !what.is_empty() {
                        what.push(' ');
                    }
                    what.push_str(rest.trim());
                }
                (Some(command), _) if !command.trim().is_empty() => {
                    parsed.push((command.trim().to_string(), String::new()));
                }
                _ => {}
            }
        }
        OperatorText {
            notes: notes.trim().to_string(),
            examples: parsed,
        }
    }
}

/// What the plugin is, from its clap `about`, as a phrase: `Galera cluster health, per node
/// and cluster-wide`.
pub fn about(command: &clap::Command) -> String {
    command
        .get_about()
        .map(ToString::to_string)
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> clap::Command {
        clap::Command::new("check_x")
            .version("1.0")
            .about("Checks x, once.")
            .after_long_help(
                "Judges x.\nAnd y.\n\nA second paragraph.\n\nExamples:\n  check_x -H a\n      \
                 Asks a, and says\n      so.\n  check_x -H b\n      Asks b.\n",
            )
            .arg(
                clap::Arg::new("host")
                    .short('H')
                    .long("host")
                    .value_name("HOST"),
            )
    }

    #[test]
    fn the_operator_text_is_notes_then_examples() {
        let text = OperatorText::of(&command());
        assert_eq!(text.notes, "Judges x.\nAnd y.\n\nA second paragraph.");
        assert_eq!(
            text.examples,
            [
                (
                    "check_x -H a".to_string(),
                    "Asks a, and says so.".to_string()
                ),
                ("check_x -H b".to_string(), "Asks b.".to_string()),
            ]
        );
        assert_eq!(about(&command()), "Checks x, once");
    }

    #[test]
    fn the_man_page_has_notes_and_examples() {
        let page = String::from_utf8(man_page(command()).expect("man")).expect("utf-8");
        for part in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH NOTES",
            ".PP\nJudges x. And y.",
            ".PP\nA second paragraph.",
            ".SH EXAMPLES",
            ".TP\n\\fBcheck_x \\-H a\\fR\nAsks a, and says so.",
            ".SH VERSION",
        ] {
            assert!(page.contains(part), "{part:?} missing from:\n{page}");
        }
        assert!(!page.contains("EXTRA"), "{page}");
    }
}
