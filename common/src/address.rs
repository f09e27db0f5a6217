//! `HOST[:PORT]` as users write it on the command line: names, IPv4, and IPv6 bare (`::1`) or
//! bracketed with a port (`[::1]:123`).

use std::fmt;

/// A host (name or address, as written) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

impl HostPort {
    /// Parse `HOST[:PORT]`; `default_port` when none is given. `protocol` names the port in
    /// errors (`'0' is not a UDP port`).
    pub fn parse(text: &str, default_port: u16, protocol: &str) -> Result<HostPort, String> {
        let text = text.trim();
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or("missing ']' after an IPv6 address")?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or("text after ']' is not :PORT")?,
                    ),
                ),
            }
        } else {
            match text.rsplit_once(':') {
                // More than one colon and no brackets: a bare IPv6 address.
                Some((host, _)) if host.contains(':') => (text, None),
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            }
        };
        if host.is_empty() {
            return Err("the host is empty".into());
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | ',' | '[' | ']'))
        {
            return Err(format!("'{host}' is not a host name or address"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("'{p}' is not a {protocol} port"))?,
            None => default_port,
        };
        Ok(HostPort {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(host: &str, port: u16) -> HostPort {
        HostPort {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn forms_users_write() {
        let table = [
            ("db1", hp("db1", 123)),
            ("db1:4123", hp("db1", 4123)),
            ("10.0.0.1", hp("10.0.0.1", 123)),
            ("10.0.0.1:5", hp("10.0.0.1", 5)),
            ("::1", hp("::1", 123)),
            ("fe80::1:2", hp("fe80::1:2", 123)),
            ("[::1]", hp("::1", 123)),
            ("[::1]:8600", hp("::1", 8600)),
            (" db1 ", hp("db1", 123)),
        ];
        for (text, expected) in table {
            assert_eq!(HostPort::parse(text, 123, "UDP"), Ok(expected), "{text}");
        }
        assert_eq!(hp("::1", 53).to_string(), "[::1]:53");
        assert_eq!(hp("ns1", 53).to_string(), "ns1:53");
    }

    #[test]
    fn errors_name_the_bad_part() {
        let table = [
            ("", "the host is empty"),
            (":53", "the host is empty"),
            ("db1:0", "'0' is not a UDP port"),
            ("db1:70000", "'70000' is not a UDP port"),
            ("db1:x", "'x' is not a UDP port"),
            ("[::1", "missing ']' after an IPv6 address"),
            ("[::1]x", "text after ']' is not :PORT"),
            ("a b", "'a b' is not a host name or address"),
            ("a/b:1", "'a/b' is not a host name or address"),
        ];
        for (text, message) in table {
            assert_eq!(
                HostPort::parse(text, 123, "UDP"),
                Err(message.to_string()),
                "{text}"
            );
        }
    }
}
