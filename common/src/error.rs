//! The error a plugin returns instead of a report: a state and a one-line reason.

use std::fmt;
use std::io;

use crate::State;

/// A check that could not produce a report. Usage errors (bad options, unreadable input files)
/// are UNKNOWN and get a `--help` hint; a refused or unreachable service is an observed fact and
/// is usually CRITICAL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    state: State,
    message: String,
    usage: bool,
}

impl CheckError {
    pub fn new(state: State, message: impl Into<String>) -> CheckError {
        CheckError {
            state,
            message: message.into(),
            usage: false,
        }
    }

    /// A bad argument or an impossible combination of options: UNKNOWN, with a usage hint.
    pub fn usage(message: impl Into<String>) -> CheckError {
        CheckError {
            state: State::Unknown,
            message: message.into(),
            usage: true,
        }
    }

    pub fn unknown(message: impl Into<String>) -> CheckError {
        CheckError::new(State::Unknown, message)
    }

    pub fn critical(message: impl Into<String>) -> CheckError {
        CheckError::new(State::Critical, message)
    }

    pub fn warning(message: impl Into<String>) -> CheckError {
        CheckError::new(State::Warning, message)
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the runtime should add a pointer to `--help`.
    pub fn is_usage(&self) -> bool {
        self.usage
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CheckError {}

/// An I/O error in words, without the `(os error N)` suffix an on-call person does not need.
pub fn describe_io_error(error: &io::Error) -> String {
    use io::ErrorKind::*;
    // An error a library wrapped (TLS, a parser...) says more than its kind.
    if let Some(inner) = error.get_ref() {
        return inner.to_string();
    }
    let words = match error.kind() {
        NotFound => "no such file or directory",
        PermissionDenied => "permission denied",
        IsADirectory => "is a directory",
        ConnectionRefused => "connection refused",
        ConnectionReset => "connection reset by peer",
        ConnectionAborted => "connection aborted",
        HostUnreachable => "host unreachable",
        NetworkUnreachable => "network unreachable",
        AddrNotAvailable => "address not available",
        TimedOut => "timed out",
        InvalidData => "invalid data (not UTF-8 text?)",
        UnexpectedEof => "unexpected end of file",
        _ => {
            let text = error.to_string();
            return match text.find(" (os error") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            };
        }
    };
    words.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_well() {
        let table = [
            (
                io::Error::from(io::ErrorKind::NotFound),
                "no such file or directory",
            ),
            (io::Error::from_raw_os_error(13), "permission denied"),
            (io::Error::from_raw_os_error(111), "connection refused"),
            (io::Error::from_raw_os_error(36), "File name too long"),
            (io::Error::other("custom"), "custom"),
        ];
        for (error, words) in table {
            assert_eq!(describe_io_error(&error), words);
        }
    }
}
