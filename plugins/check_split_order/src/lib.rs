//! check_split_order: an Ansible inventory generated from Terraform output, checked for hosts
//! under the wrong group header.
//!
//! `cli` validates the options; the probe here only reads the files (each under a size cap
//! enforced while reading) and picks the format as Ansible's plugin chain would;
//! `inventory` parses and `evaluate` judges (both pure).

pub mod cli;
pub mod evaluate;
pub mod inventory;
pub mod terraform;

use std::path::Path;

use hastack_common::input::read_capped;
use hastack_common::{CheckError, CommonArgs, Context, Plugin, Report, State};

pub use cli::Cli;
use cli::{Config, FormatArg};
use evaluate::{Expectations, Format};
use inventory::{Inventory, ParseError, ini, parse_ini, parse_yaml};

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
        let bytes = read(&ctx, "inventory", &config.inventory, config.max_file_size)?;
        let maps = match &config.terraform_output {
            Some(path) => {
                let json = read(&ctx, "Terraform output", path, config.max_file_size)?;
                terraform_addresses(&json, path, &config.maps)?
            }
            None => Vec::new(),
        };
        ctx.set_stage(format!(
            "parsing the inventory '{}'",
            config.inventory.display()
        ));
        let decoded = ini::decode(&bytes);
        let (format, parsed) = parse(&bytes, decoded.as_deref(), &config.inventory, config.format);
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

/// Read `path` under `cap`; over it, the error says how to raise the cap.
fn read(ctx: &Context, what: &str, path: &Path, cap: u64) -> Result<Vec<u8>, CheckError> {
    read_capped(ctx, what, path, cap).map_err(|e| {
        if e.message().contains(" is larger than the ") {
            CheckError::usage(format!("{} (--max-file-size raises it)", e.message()))
        } else {
            e
        }
    })
}

fn terraform_addresses(
    json: &[u8],
    path: &Path,
    maps: &[(String, String)],
) -> Result<Vec<(String, String, Vec<String>)>, CheckError> {
    terraform::read_maps(json, maps).map_err(|why| {
        CheckError::usage(format!("Terraform output file '{}': {why}", path.display()))
    })
}

/// Whether Ansible's YAML plugin reads `path` (before the INI plugin): no extension, or one of
/// its `yaml_extensions` (`.yaml`, `.yml`, `.json`, as written: `.YML` is not one).
pub fn yaml_first(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // Python's splitext: leading dots belong to the name.
    let stem_start = name.len() - name.trim_start_matches('.').len();
    match name[stem_start..].rfind('.') {
        None => true,
        Some(dot) => matches!(&name[stem_start + dot..], ".yaml" | ".yml" | ".json"),
    }
}

/// What the content looks like, to say which parser's complaint fits a file both refused: a
/// first meaningful line that is a bare `key:` (or `---`, or `{`) is YAML; anything else INI.
pub fn looks_like(text: &str) -> Format {
    let first = text
        .trim_start_matches('\u{feff}')
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

/// Parse as Ansible's plugin chain does: `--format` picks one parser; otherwise a file with no
/// extension or a YAML one is tried as YAML, then as INI (INI content in a `.yml` file is
/// INI), any other file as INI. `ini_text` is the text as the INI parser decodes it.
pub fn parse<'a>(
    bytes: &'a [u8],
    ini_text: Result<&'a str, &ParseError>,
    path: &Path,
    chosen: FormatArg,
) -> (Format, Result<Inventory<'a>, ParseError>) {
    let yaml = || match std::str::from_utf8(bytes) {
        Ok(text) => parse_yaml(text),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(inventory::error(
                line,
                format!(
                    "not UTF-8 text (invalid byte 0x{:02x})",
                    bytes.get(e.valid_up_to()).copied().unwrap_or(0)
                ),
            ))
        }
    };
    let ini = || match ini_text {
        Ok(text) => parse_ini(text),
        Err(e) => Err(e.clone()),
    };
    match chosen {
        FormatArg::Ini => (Format::Ini, ini()),
        FormatArg::Yaml => (Format::Yaml, yaml()),
        FormatArg::Auto if !yaml_first(path) => (Format::Ini, ini()),
        FormatArg::Auto => {
            let yaml_error = match yaml() {
                Ok(inventory) => return (Format::Yaml, Ok(inventory)),
                Err(e) => e,
            };
            let ini_error = match ini() {
                Ok(inventory) => return (Format::Ini, Ok(inventory)),
                Err(e) => e,
            };
            match looks_like(&String::from_utf8_lossy(bytes)) {
                Format::Yaml => (Format::Yaml, Err(yaml_error)),
                Format::Ini => (Format::Ini, Err(ini_error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(text: &str, path: &str, chosen: FormatArg) -> (Format, bool) {
        let decoded = ini::decode(text.as_bytes());
        let (format, parsed) = parse(text.as_bytes(), decoded.as_deref(), Path::new(path), chosen);
        (format, parsed.is_ok())
    }

    #[test]
    fn the_plugin_chain_decides_the_format() {
        let table = [
            ("[web]\nh\n", "hosts", FormatArg::Auto, (Format::Ini, true)),
            (
                "all:\n  hosts:\n",
                "hosts",
                FormatArg::Auto,
                (Format::Yaml, true),
            ),
            (
                "# c\n---\nall:\n",
                "inventory",
                FormatArg::Auto,
                (Format::Yaml, true),
            ),
            ("h1\nh2\n", "hosts", FormatArg::Auto, (Format::Ini, true)),
            ("h1:2222\n", "hosts", FormatArg::Auto, (Format::Ini, true)),
            // INI content in a .yml file is INI, as Ansible's chain reads it.
            (
                "[web]\nh1\nh2\n",
                "x.yml",
                FormatArg::Auto,
                (Format::Ini, true),
            ),
            ("all:\n", "x.ini", FormatArg::Auto, (Format::Ini, false)),
            ("all:\n", "x.YML", FormatArg::Auto, (Format::Ini, false)),
            ("all:\n", "hosts", FormatArg::Ini, (Format::Ini, false)),
            (
                "[web]\nh\n",
                "x.yml",
                FormatArg::Yaml,
                (Format::Yaml, false),
            ),
            // Both refuse: the complaint of the format the content looks like.
            (
                "all:\n  hosts: [a]\n",
                "x.yml",
                FormatArg::Auto,
                (Format::Yaml, false),
            ),
            (
                "[web]\nh novalue\n",
                "x.yml",
                FormatArg::Auto,
                (Format::Ini, false),
            ),
        ];
        for (text, path, chosen, expected) in table {
            assert_eq!(format_of(text, path, chosen), expected, "{text:?} {path}");
        }
    }

    #[test]
    fn yaml_extensions_as_python_splits_them() {
        for (path, yaml) in [
            ("hosts", true),
            (".hosts", true),
            ("a/b.d/hosts", true),
            ("x.yml", true),
            ("x.tar.yaml", true),
            ("x.json", true),
            ("x.ini", false),
            ("x.", false),
            ("x.YAML", false),
        ] {
            assert_eq!(yaml_first(Path::new(path)), yaml, "{path}");
        }
    }
}
