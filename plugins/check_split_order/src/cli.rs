//! What the user can say to check_split_order, validated into a [`Config`] before any file is read.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use hastack_common::{CheckError, CommonArgs, Context, Range};

use crate::evaluate::Criteria;
use crate::inventory::Format;
use crate::probe::Target;

/// Validate an Ansible inventory generated from Terraform output.
///
/// Catches hosts that landed under the wrong group header: group cardinality (-g), the order of
/// group sections (--order), hosts in groups that must not share them (--exclusive), hosts
/// before the first header, empty groups, and membership against `terraform output -json`
/// (--terraform-output with --map). INI and YAML inventories, parsed by Ansible's rules.
#[derive(Debug, Parser)]
#[command(
    name = "check_split_order",
    version,
    after_help = "Examples:\n  \
check_split_order -i hosts.ini -g monitoring_servers=1:1 -g webservers=2: --order monitoring_servers,webservers\n  \
check_split_order -i hosts.ini --terraform-output tf.json --map monitoring_ip=monitoring_servers --map web_ips=webservers\n  \
check_split_order -i hosts.yml --exclusive monitoring_servers,webservers --allow-ungrouped"
)]
pub struct Cli {
    /// The inventory file (INI or YAML)
    #[arg(short = 'i', long, value_name = "FILE")]
    pub inventory: PathBuf,

    /// Inventory format [default: from the extension and content]
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,

    /// How many hosts GROUP must hold, e.g. monitoring_servers=1:1, webservers=2: (repeatable)
    #[arg(short = 'g', long = "group", value_name = "GROUP=RANGE", value_parser = parse_group_count)]
    pub groups: Vec<(String, Range)>,

    /// The order in which these groups' sections must appear in the file
    #[arg(long, value_name = "G1,G2,...", value_delimiter = ',')]
    pub order: Vec<String>,

    /// Groups no host may share (repeatable, one set per use)
    #[arg(long, value_name = "G1,G2,...", value_parser = parse_group_set)]
    pub exclusive: Vec<Vec<String>>,

    /// Accept hosts in no group but Ansible's ungrouped (before the first header, under [all] or [ungrouped], YAML all: or ungrouped: hosts)
    #[arg(long)]
    pub allow_ungrouped: bool,

    /// The JSON of `terraform output -json`
    #[arg(long, value_name = "FILE", requires = "maps")]
    pub terraform_output: Option<PathBuf>,

    /// Every address in Terraform output OUTPUT must be in GROUP and no other mapped group (repeatable)
    #[arg(long = "map", value_name = "OUTPUT=GROUP", value_parser = parse_map, requires = "terraform_output")]
    pub maps: Vec<(String, String)>,

    /// Largest inventory or Terraform output file read, in bytes or with K, M, G (1024-based)
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub max_file_size: u64,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Auto,
    Ini,
    Yaml,
}

/// The validated options: the files to read, and how to judge the inventory.
pub type Config = hastack_common::Config<Target, Criteria>;

impl Cli {
    /// Options that contradict themselves are usage errors: a group counted twice, an output
    /// mapped twice, a section order naming a group twice.
    pub fn into_config(self, _ctx: &Context) -> Result<Config, CheckError> {
        let order: Vec<String> = self
            .order
            .iter()
            .map(|g| group_name(g, "--order"))
            .collect::<Result<_, _>>()?;
        if let Some(name) = first_repeated(order.iter()) {
            return Err(CheckError::usage(format!("--order names [{name}] twice")));
        }
        if let Some(name) = first_repeated(self.groups.iter().map(|(g, _)| g)) {
            return Err(CheckError::usage(format!(
                "-g/--group names [{name}] twice"
            )));
        }
        if let Some(output) = first_repeated(self.maps.iter().map(|(o, _)| o)) {
            return Err(CheckError::usage(format!(
                "--map maps output '{output}' twice"
            )));
        }
        let format = match self.format {
            FormatArg::Auto => None,
            FormatArg::Ini => Some(Format::Ini),
            FormatArg::Yaml => Some(Format::Yaml),
        };
        Ok(Config {
            target: Target {
                inventory: self.inventory,
                terraform_output: self.terraform_output,
                max_file_size: self.max_file_size,
            },
            criteria: Criteria {
                format,
                counts: self.groups,
                order,
                exclusive: self.exclusive,
                allow_ungrouped: self.allow_ungrouped,
                maps: self.maps,
            },
        })
    }
}

fn first_repeated<'v>(values: impl Iterator<Item = &'v String>) -> Option<&'v String> {
    let mut seen = std::collections::HashSet::new();
    values.into_iter().find(|v| !seen.insert(v.as_str()))
}

/// A group name from the command line, exactly as the inventory must spell it (Ansible keeps
/// `web-servers`, `web_servers` and `web.servers` apart).
fn group_name(name: &str, option: &str) -> Result<String, CheckError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CheckError::usage(format!(
            "{option} has an empty group name"
        )));
    }
    Ok(name.to_string())
}

fn parse_group_count(text: &str) -> Result<(String, Range), String> {
    // A group name may hold '=' (`[a=b]` is a valid INI section); a range never does.
    let (name, range) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("'{text}' is not GROUP=RANGE (e.g. webservers=2:)"))?;
    if name.trim().is_empty() {
        return Err(format!("'{text}' has no group name before '='"));
    }
    let range: Range = range
        .parse()
        .map_err(|e: hastack_common::RangeError| e.to_string())?;
    Ok((name.trim().to_string(), range))
}

fn parse_group_set(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(name) = first_repeated(names.iter()) {
        return Err(format!("'{text}' names [{name}] twice"));
    }
    if names.len() < 2 {
        return Err(format!(
            "'{text}' names fewer than two groups (e.g. masters,workers)"
        ));
    }
    Ok(names)
}

fn parse_map(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((output, group)) if !output.trim().is_empty() && !group.trim().is_empty() => {
            Ok((output.trim().to_string(), group.trim().to_string()))
        }
        _ => Err(format!(
            "'{text}' is not OUTPUT=GROUP (e.g. web_ips=webservers)"
        )),
    }
}

/// `4096`, `512K`, `64M`, `1G` (also `KiB`, `MiB`, `GiB`): bytes, 1024-based.
fn parse_size(text: &str) -> Result<u64, String> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let bad = || format!("'{text}' is not a size (e.g. 4096, 512K, 64M, 1G)");
    let number: u64 = number.parse().map_err(|_| bad())?;
    let multiplier: u64 = match unit {
        "" | "B" => 1,
        "K" | "KiB" | "k" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        _ => return Err(bad()),
    };
    let size = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("'{text}' is too large a size"))?;
    if size == 0 {
        return Err(format!("'{text}' is zero: nothing could be read"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_values() {
        assert_eq!(
            parse_group_count("web-servers=2:"),
            Ok(("web-servers".to_string(), "2:".parse().expect("r")))
        );
        assert_eq!(
            parse_group_count("a=b=1:"),
            Ok(("a=b".to_string(), "1:".parse().expect("r")))
        );
        assert_eq!(
            parse_group_count("web"),
            Err("'web' is not GROUP=RANGE (e.g. webservers=2:)".to_string())
        );
        assert_eq!(
            parse_group_count("=1"),
            Err("'=1' has no group name before '='".to_string())
        );
        assert!(
            parse_group_count("web=2:1")
                .expect_err("range")
                .starts_with("invalid range '2:1': start is greater than end")
        );
        assert_eq!(
            parse_group_set("a.b, a-b"),
            Ok(vec!["a.b".to_string(), "a-b".to_string()])
        );
        assert!(parse_group_set("a").is_err());
        assert_eq!(
            parse_group_set("a,a"),
            Err("'a,a' names [a] twice".to_string())
        );
        assert_eq!(
            parse_map("ips=web-servers"),
            Ok(("ips".to_string(), "web-servers".to_string()))
        );
        assert!(parse_map("ips=").is_err());
    }

    #[test]
    fn sizes() {
        for (text, size) in [
            ("4096", Ok(4096)),
            ("512K", Ok(512 * 1024)),
            ("64M", Ok(64 << 20)),
            ("64MiB", Ok(64 << 20)),
            ("1G", Ok(1 << 30)),
            (
                "1.5G",
                Err("'1.5G' is not a size (e.g. 4096, 512K, 64M, 1G)".to_string()),
            ),
            ("0", Err("'0' is zero: nothing could be read".to_string())),
            (
                "99999999999999999999G",
                Err("'99999999999999999999G' is not a size (e.g. 4096, 512K, 64M, 1G)".to_string()),
            ),
            (
                "17179869184G",
                Err("'17179869184G' is too large a size".to_string()),
            ),
        ] {
            assert_eq!(parse_size(text), size, "{text}");
        }
    }
}
