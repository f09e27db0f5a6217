//! The MySQL/MariaDB option file format (`~/.my.cnf`), as far as a client login needs it:
//! `user`, `password`, `host`, `port` and `socket` from `[client]`, `[client-server]` and
//! `[client-mariadb]`, the groups the `mariadb` client itself reads.

use hastack_common::Secret;

/// Login settings found in an option file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientOptions {
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub socket: Option<String>,
}

const CLIENT_GROUPS: [&str; 3] = ["client", "client-server", "client-mariadb"];

/// Parse option-file text. Errors name the line and never echo a password.
pub fn parse(text: &str) -> Result<ClientOptions, String> {
    let mut options = ClientOptions::default();
    let mut in_client_group = false;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with(';')
            || line.starts_with('!')
        {
            // `!include` and `!includedir` are not followed: name the file you mean directly.
            continue;
        }
        if let Some(group) = line.strip_prefix('[') {
            let group = group
                .strip_suffix(']')
                .ok_or_else(|| format!("line {line_no}: group header without closing ']'"))?;
            in_client_group = CLIENT_GROUPS.contains(&group.trim().to_ascii_lowercase().as_str());
            continue;
        }
        if !in_client_group {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim())),
            None => (line, None),
        };
        let key = key.to_ascii_lowercase().replace('_', "-");
        let Some(value) = value else { continue };
        let value = unquote(value).map_err(|why| format!("line {line_no}: {key}: {why}"))?;
        match key.as_str() {
            "user" => options.user = Some(value),
            "password" => options.password = Some(Secret::new(value)),
            "host" => options.host = Some(value),
            "socket" => options.socket = Some(value),
            "port" => {
                let port = value
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("line {line_no}: port {value:?} is not a TCP port"))?;
                options.port = Some(port);
            }
            _ => {}
        }
    }
    Ok(options)
}

/// A value as the server's option-file reader takes it: quoted (`'...'` or `"..."`, with
/// backslash escapes) or bare, where an unquoted `#` starts a comment.
fn unquote(value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    let quote = match chars.clone().next() {
        Some(q @ ('\'' | '"')) => {
            chars.next();
            q
        }
        _ => {
            let bare = value.split('#').next().unwrap_or("").trim_end();
            return Ok(bare.to_string());
        }
    };
    let mut out = String::new();
    let mut closed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('s') => out.push(' '),
                Some('b') => out.push('\u{8}'),
                Some(other) => out.push(other),
                None => return Err("value ends with a lone backslash".into()),
            },
            c if c == quote => {
                closed = true;
                break;
            }
            c => out.push(c),
        }
    }
    if !closed {
        return Err("unterminated quoted value".into());
    }
    let rest = chars.as_str().trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err("text after the closing quote".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_client_groups() {
        let text = "# monitoring login\n[mysqld]\nuser = mysql\nport = 1\n\n[client]\nuser = monitor\npassword = \"p#ss w\\\"rd\"\n\
                    host=db1.example.com\nport = 3307\nsocket = /run/mysqld/mysqld.sock\nskip-ssl\n[mysqldump]\nuser = backup\n";
        let o = parse(text).expect("parse");
        assert_eq!(o.user.as_deref(), Some("monitor"));
        assert_eq!(o.password.as_ref().map(Secret::expose), Some("p#ss w\"rd"));
        assert_eq!(o.host.as_deref(), Some("db1.example.com"));
        assert_eq!(o.port, Some(3307));
        assert_eq!(o.socket.as_deref(), Some("/run/mysqld/mysqld.sock"));
    }

    #[test]
    fn later_groups_and_lines_override() {
        let o = parse("[client]\nuser=a\n[client-mariadb]\nuser = b # comment\npassword=x#y\n")
            .expect("parse");
        assert_eq!(o.user.as_deref(), Some("b"));
        assert_eq!(o.password.as_ref().map(Secret::expose), Some("x"));
        assert_eq!(
            parse("[CLIENT]\nuser='c'\n")
                .expect("parse")
                .user
                .as_deref(),
            Some("c")
        );
    }

    #[test]
    fn errors_name_the_line_and_never_the_password() {
        let table = [
            ("[client\n", "line 1: group header without closing ']'"),
            (
                "[client]\nport = 99999\n",
                "line 2: port \"99999\" is not a TCP port",
            ),
            (
                "[client]\n\npassword = \"s3cret\n",
                "line 3: password: unterminated quoted value",
            ),
            (
                "[client]\npassword = 's3cret' extra\n",
                "line 2: password: text after the closing quote",
            ),
        ];
        for (text, message) in table {
            let err = parse(text).expect_err(text);
            assert_eq!(err, message);
            assert!(!err.contains("s3cret"));
        }
    }
}
