//! check_split_order: an Ansible inventory generated from Terraform output, checked for hosts
//! under the wrong group header.
//!
//! `cli` validates the options; the probe here only reads the files; `inventory`/`yaml` parse
//! and `evaluate` judges (both pure).

pub mod cli;
pub mod evaluate;
pub mod inventory;
pub mod terraform;
pub mod yaml;

use std::path::Path;

use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report, State};

pub use cli::Cli;
use cli::{Config, FormatArg};
use evaluate::{Expectations, Format};
use inventory::{Inventory, ParseError};

/// Files larger than this are refused rather than read: no sane inventory is near it.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

impl Plugin for Cli {
    const SERVICE: &'static str = "SPLIT ORDER";
    type Config = Config;

    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        Cli::into_config(self)
    }

    async fn check(config: Config, ctx: Context) -> Result<Report, CheckError> {
        ctx.set_stage(format!(
            "reading the inventory {}",
            config.inventory.display()
        ));
        let text = read("inventory", &config.inventory)?;
        let maps = match &config.terraform_output {
            Some(path) => {
                ctx.set_stage(format!("reading the Terraform output {}", path.display()));
                terraform_addresses(path, &config.maps)?
            }
            None => Vec::new(),
        };
        let (format, parsed) = parse(&text, &config.inventory, config.format);
        let file = config.inventory.display().to_string();
        let inventory = parsed.map_err(|e| {
            CheckError::new(State::Critical, format!("{file}:{}: {}", e.line, e.message))
        })?;
        let expect = Expectations {
            counts: config.counts,
            order: config.order,
            exclusive: config.exclusive,
            allow_ungrouped: config.allow_ungrouped,
            maps,
        };
        Ok(evaluate::evaluate(&file, format, &inventory, &expect))
    }
}

fn read(what: &str, path: &Path) -> Result<String, CheckError> {
    let meta = std::fs::metadata(path).map_err(|e| CheckError::unreadable(what, path, &e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(CheckError::usage(format!(
            "{what} '{}' is {} bytes, more than the {MAX_FILE_BYTES} this check reads",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read_to_string(path).map_err(|e| CheckError::unreadable(what, path, &e))
}

fn terraform_addresses(
    path: &Path,
    maps: &[(String, String)],
) -> Result<Vec<(String, String, Vec<String>)>, CheckError> {
    let text = read("Terraform output", path)?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CheckError::usage(format!(
            "Terraform output file '{}': not valid JSON: {e}",
            path.display()
        ))
    })?;
    maps.iter()
        .map(|(output, group)| {
            terraform::addresses(&json, output)
                .map(|addresses| (output.clone(), group.clone(), addresses))
                .map_err(|why| {
                    CheckError::usage(format!("Terraform output file '{}': {why}", path.display()))
                })
        })
        .collect()
}

/// The format from the option, else the extension, else the content: a first meaningful line
/// that is a bare `key:` (or `---`) is YAML; anything else is INI, as Ansible tries it.
pub fn detect_format(text: &str, path: &Path, chosen: FormatArg) -> Format {
    match chosen {
        FormatArg::Ini => return Format::Ini,
        FormatArg::Yaml => return Format::Yaml,
        FormatArg::Auto => {}
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(extension.as_str(), "yml" | "yaml" | "json") {
        return Format::Yaml;
    }
    if matches!(extension.as_str(), "ini" | "cfg") {
        return Format::Ini;
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'));
    match first {
        Some(line) if line == "---" || line.starts_with('{') => Format::Yaml,
        Some(line) if line.ends_with(':') && !line.starts_with('[') && !line.contains(' ') => {
            Format::Yaml
        }
        _ => Format::Ini,
    }
}

fn parse(text: &str, path: &Path, chosen: FormatArg) -> (Format, Result<Inventory, ParseError>) {
    let format = detect_format(text, path, chosen);
    let parsed = match format {
        Format::Ini => inventory::parse_ini(text),
        Format::Yaml => yaml::parse_yaml(text),
    };
    (format, parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_detection() {
        let table = [
            ("[web]\nh\n", "hosts", FormatArg::Auto, Format::Ini),
            ("all:\n  hosts:\n", "hosts", FormatArg::Auto, Format::Yaml),
            (
                "# c\n---\nall:\n",
                "inventory",
                FormatArg::Auto,
                Format::Yaml,
            ),
            ("h1\nh2\n", "hosts", FormatArg::Auto, Format::Ini),
            ("h1:2222\n", "hosts", FormatArg::Auto, Format::Ini),
            ("[web]\n", "x.yml", FormatArg::Auto, Format::Yaml),
            ("all:\n", "x.ini", FormatArg::Auto, Format::Ini),
            ("all:\n", "hosts", FormatArg::Ini, Format::Ini),
        ];
        for (text, path, chosen, format) in table {
            assert_eq!(
                detect_format(text, Path::new(path), chosen),
                format,
                "{text:?} {path}"
            );
        }
    }
}
