//! What the user can say to check_split_order, validated into a [`Config`] before any file is read.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use hastack_common::{CheckError, CommonArgs, Context, Range};

use crate::evaluate::Criteria;
use crate::inventory::Format;
use crate::probe::Target;

/// What `--help` ends with, the man page's NOTES and EXAMPLES, and the CheckCommand's header:
/// how the plugin judges, and examples.
const OPERATOR_TEXT: &str = r#"An inventory that Terraform's local-exec writes in resource-creation order can put hosts under the
wrong group header: three hosts under [monitoring_servers], meant to hold one, and the next header
last in the file with nothing under it. Ansible then configures three masters. Run the check as a
CI gate before Ansible, and as a service watching the file. No server is needed.

Always checked: a declared group with no hosts is CRITICAL, and so is a group an option names that
the file lacks. A malformed inventory is CRITICAL naming FILE:LINE and what was wrong, also where
Ansible would only warn or resolve silently (an unknown or duplicate YAML key). A group name
Ansible warns about (web-servers, 1st) and a host named like a group are WARNINGs, in Ansible's
words. An unreadable file or a bad option is UNKNOWN. Hosts in no group but Ansible's ungrouped
(before the first header, under [all] or [ungrouped]) are CRITICAL unless --allow-ungrouped.

Asked for: -g GROUP=RANGE counts the hosts of a group, its children included
(monitoring_servers=1:1, webservers=2:, :3 is 0:3). --order names the order of the groups'
sections in the file. --exclusive names groups no host may share. --terraform-output FILE with
--map OUTPUT=GROUP checks that every address of that output (a string, a list or a map of strings,
matched against host names and ansible_host) is in GROUP and in no other mapped group: each
misplaced host is named with where it is and where it belongs. Group names are written as in the
inventory: a-b, a_b and a.b are three groups, as with Ansible's default
TRANSFORM_INVALID_GROUP_CHARS=never.

The file is read as ansible-inventory (ansible-core 2.14) reads it. With no extension or a .yml,
.yaml or .json one it is tried as YAML, then as INI (INI content in hosts.yml is INI), any other
file as INI. --format picks one. INI: [group], [group:children], [group:vars], inline variables,
ranges (web[01:03], db-[a:c], n[1:9:2]), HOST:PORT. YAML: all: with hosts, vars and children, read
as Ansible's loader reads it: one document, YAML 1.1 scalars (names such as 1, true, null or 10:22
are not strings), merge keys, aliases. A byte order mark before INI content is CRITICAL: Ansible's
INI parser fails on it.

Bounded whatever the file says: each file is read under --max-file-size (64M), host ranges may
expand to 200,000 hosts and 16 MiB of names in all, YAML aliases may replay 1,000,000 nodes. A
file over the cap is UNKNOWN naming it and the cap, an expansion past its budget CRITICAL naming
FILE:LINE and the count.

Perfdata: hosts, groups, and GROUP_hosts for every group counted with -g (webservers_hosts).

Examples:
  check_split_order -i hosts.ini -g monitoring_servers=1:1 -g webservers=2:
      Exactly one monitoring master and at least two web servers.
  check_split_order -i hosts.ini --order monitoring_servers,webservers
      The two groups' sections in this order in the file.
  check_split_order -i hosts.ini --terraform-output tf.json --map web_ips=webservers
      Every address of Terraform's web_ips output is under [webservers] and nowhere else mapped.
  check_split_order -i hosts.yml --exclusive monitoring_servers,webservers --allow-ungrouped
      No host in both groups, and hosts in no group accepted.
"#;

/// Validate an Ansible inventory generated from Terraform output.
#[derive(Debug, Parser)]
#[command(
    name = "check_split_order",
    version,
    after_help = "See --help (or man check_split_order) for what is judged, and examples",
    after_long_help = OPERATOR_TEXT
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
