//! What the user can say to check_split_order, validated into a [`Config`] before any file is read.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use hastack_common::{CheckError, CommonArgs, Range};

use crate::inventory::safe_group_name;

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

    /// Accept hosts before the first group header (in YAML: directly under all)
    #[arg(long)]
    pub allow_ungrouped: bool,

    /// The JSON of `terraform output -json`
    #[arg(long, value_name = "FILE", requires = "maps")]
    pub terraform_output: Option<PathBuf>,

    /// Every address in Terraform output OUTPUT must be in GROUP and no other mapped group (repeatable)
    #[arg(long = "map", value_name = "OUTPUT=GROUP", value_parser = parse_map, requires = "terraform_output")]
    pub maps: Vec<(String, String)>,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Auto,
    Ini,
    Yaml,
}

/// The validated options.
#[derive(Debug, Clone)]
pub struct Config {
    pub inventory: PathBuf,
    pub format: FormatArg,
    pub counts: Vec<(String, Range)>,
    pub order: Vec<String>,
    pub exclusive: Vec<Vec<String>>,
    pub allow_ungrouped: bool,
    pub terraform_output: Option<PathBuf>,
    pub maps: Vec<(String, String)>,
}

impl Cli {
    pub fn into_config(self) -> Result<Config, CheckError> {
        let order: Vec<String> = self
            .order
            .iter()
            .map(|g| group_name(g, "--order"))
            .collect::<Result<_, _>>()?;
        for (i, name) in order.iter().enumerate() {
            if order[..i].contains(name) {
                return Err(CheckError::usage(format!("--order names [{name}] twice")));
            }
        }
        Ok(Config {
            inventory: self.inventory,
            format: self.format,
            counts: self.groups,
            order,
            exclusive: self.exclusive,
            allow_ungrouped: self.allow_ungrouped,
            terraform_output: self.terraform_output,
            maps: self.maps,
        })
    }
}

/// A group name from the command line, as Ansible will name it (`web-servers` is `web_servers`).
fn group_name(name: &str, option: &str) -> Result<String, CheckError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CheckError::usage(format!(
            "{option} has an empty group name"
        )));
    }
    Ok(safe_group_name(name))
}

fn parse_group_count(text: &str) -> Result<(String, Range), String> {
    let (name, range) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not GROUP=RANGE (e.g. webservers=2:)"))?;
    if name.trim().is_empty() {
        return Err(format!("'{text}' has no group name before '='"));
    }
    let range: Range = range
        .parse()
        .map_err(|e: hastack_common::RangeError| e.to_string())?;
    Ok((safe_group_name(name.trim()), range))
}

fn parse_group_set(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(safe_group_name)
        .collect();
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
            Ok((output.trim().to_string(), safe_group_name(group.trim())))
        }
        _ => Err(format!(
            "'{text}' is not OUTPUT=GROUP (e.g. web_ips=webservers)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_values() {
        assert_eq!(
            parse_group_count("web-servers=2:"),
            Ok(("web_servers".to_string(), "2:".parse().expect("r")))
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
            parse_group_set("a, b"),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
        assert!(parse_group_set("a").is_err());
        assert_eq!(
            parse_map("ips=web"),
            Ok(("ips".to_string(), "web".to_string()))
        );
        assert!(parse_map("ips=").is_err());
    }
}
