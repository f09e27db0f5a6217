//! Which of Ansible's two inventory formats a file is read as, the way Ansible's plugin chain
//! decides it (extension first, then what parses), and parsing it so.

use std::path::Path;

use super::{Inventory, ParseError, parse_ini, parse_yaml};

/// Whether the file was INI (`[group]` headers) or YAML: only the wording differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ini,
    Yaml,
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

/// Parse as Ansible's plugin chain does: `chosen` (`--format`) picks one parser; otherwise a file with no
/// extension or a YAML one is tried as YAML, then as INI (INI content in a `.yml` file is
/// INI), any other file as INI. `ini_text` is the text as the INI parser decodes it.
pub fn parse<'a>(
    bytes: &'a [u8],
    ini_text: Result<&'a str, &ParseError>,
    path: &Path,
    chosen: Option<Format>,
) -> (Format, Result<Inventory<'a>, ParseError>) {
    let yaml = || match std::str::from_utf8(bytes) {
        Ok(text) => parse_yaml(text),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(super::error(
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
        Some(Format::Ini) => (Format::Ini, ini()),
        Some(Format::Yaml) => (Format::Yaml, yaml()),
        None if !yaml_first(path) => (Format::Ini, ini()),
        None => {
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
    use crate::inventory::ini;

    fn format_of(text: &str, path: &str, chosen: Option<Format>) -> (Format, bool) {
        let decoded = ini::decode(text.as_bytes());
        let (format, parsed) = parse(text.as_bytes(), decoded.as_deref(), Path::new(path), chosen);
        (format, parsed.is_ok())
    }

    #[test]
    fn the_plugin_chain_decides_the_format() {
        let table = [
            ("[web]\nh\n", "hosts", None, (Format::Ini, true)),
            ("all:\n  hosts:\n", "hosts", None, (Format::Yaml, true)),
            ("# c\n---\nall:\n", "inventory", None, (Format::Yaml, true)),
            ("h1\nh2\n", "hosts", None, (Format::Ini, true)),
            ("h1:2222\n", "hosts", None, (Format::Ini, true)),
            // INI content in a .yml file is INI, as Ansible's chain reads it.
            ("[web]\nh1\nh2\n", "x.yml", None, (Format::Ini, true)),
            ("all:\n", "x.ini", None, (Format::Ini, false)),
            ("all:\n", "x.YML", None, (Format::Ini, false)),
            ("all:\n", "hosts", Some(Format::Ini), (Format::Ini, false)),
            (
                "[web]\nh\n",
                "x.yml",
                Some(Format::Yaml),
                (Format::Yaml, false),
            ),
            // Both refuse: the complaint of the format the content looks like.
            ("all:\n  hosts: [a]\n", "x.yml", None, (Format::Yaml, false)),
            ("[web]\nh novalue\n", "x.yml", None, (Format::Ini, false)),
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
