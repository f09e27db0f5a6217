//! Secrets (passwords) read from the environment or a file, never printed.

use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use crate::input::{SECRET_CAP, read_text_capped};
use crate::{CheckError, Context};

/// A secret value. `Debug` and `Display` redact it; only [`Secret::expose`] gives the text, to be
/// handed straight to the client library that needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value of environment variable `name`, if set (an empty value is a valid, empty secret).
    /// A value that is not valid UTF-8 is a usage error naming the variable, never echoing it.
    pub fn from_env(name: &str) -> Result<Option<Secret>, CheckError> {
        match std::env::var(name) {
            Ok(value) => Ok(Some(Secret(value))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CheckError::usage(format!(
                "environment variable {name} is not valid UTF-8"
            ))),
        }
    }

    /// The content of `path` with trailing newlines removed, read under [`SECRET_CAP`]. An
    /// unreadable or oversized file is UNKNOWN naming the path (and never the content).
    pub fn from_file(ctx: &Context, what: &str, path: &Path) -> Result<Secret, CheckError> {
        let text = read_text_capped(ctx, what, path, SECRET_CAP).map_err(CheckError::from)?;
        let trimmed_len = text.trim_end_matches(['\n', '\r']).len();
        let mut text = text;
        text.truncate(trimmed_len);
        Ok(Secret(text))
    }

    /// The password chain every plugin offers, first found wins: the option (visible in `ps`),
    /// the password file, a source of the plugin's own (`password` in a MySQL option file), the
    /// environment variable `env`. `None` when no source holds one.
    pub fn from_sources(
        ctx: &Context,
        option: Option<&str>,
        file: Option<&Path>,
        own: Option<Secret>,
        env: &str,
    ) -> Result<Option<Secret>, CheckError> {
        let found = if let Some(password) = option {
            Some(Secret::new(password))
        } else if let Some(path) = file {
            Some(Secret::from_file(ctx, "password file", path)?)
        } else {
            match own {
                Some(password) => Some(password),
                None => Secret::from_env(env)?,
            }
        };
        if let Some(secret) = &found {
            secret.scrub_from_output();
        }
        Ok(found)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Keep the secret out of every line the plugin prints, whoever quotes it (a server's
    /// error text, a path, a panic message): [`scrub`] replaces it there.
    pub(crate) fn scrub_from_output(&self) {
        if self.0.chars().count() < MIN_SCRUBBED {
            return;
        }
        if let Ok(mut known) = KNOWN.lock()
            && !known.contains(&self.0)
        {
            known.push(self.0.clone());
        }
    }
}

/// The secrets the run was given, to be kept out of its output.
static KNOWN: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Shorter secrets are not scrubbed: replacing every "ab" in the output would mangle it and
/// tell the secret's length and place anyway.
const MIN_SCRUBBED: usize = 4;
/// What a secret becomes in the output.
pub const SCRUBBED: &str = "********";

/// `text` with every secret of the run replaced by [`SCRUBBED`].
pub(crate) fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let Ok(known) = KNOWN.lock() else {
        return std::borrow::Cow::Borrowed(text);
    };
    if !known.iter().any(|s| text.contains(s.as_str())) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for secret in known.iter() {
        out = out.replace(secret.as_str(), SCRUBBED);
    }
    std::borrow::Cow::Owned(out)
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the buffer so the secret does not linger in freed memory.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_content() {
        let s = Secret::new("hunter2");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "<redacted> Secret(<redacted>) Some(Secret(<redacted>))"
        );
        assert_eq!(s.expose(), "hunter2");
    }

    fn ctx() -> Context {
        Context::new(
            std::time::Instant::now(),
            std::time::Duration::from_secs(5),
            crate::State::Unknown,
            0,
        )
    }

    #[test]
    fn file_is_read_and_newlines_trimmed() {
        let dir = std::env::temp_dir().join(format!("hastack-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let table = [
            ("a", "pw\n", "pw"),
            ("b", "pw\r\n", "pw"),
            ("c", "pw", "pw"),
            ("d", "p w \n\n", "p w "),
            ("e", "", ""),
        ];
        for (name, content, expected) in table {
            let path = dir.join(name);
            std::fs::write(&path, content).expect("write");
            assert_eq!(
                Secret::from_file(&ctx(), "password file", &path)
                    .expect("read")
                    .expose(),
                expected
            );
        }
        let missing = dir.join("missing");
        let err = Secret::from_file(&ctx(), "password file", &missing).expect_err("missing");
        assert_eq!(
            err.message(),
            format!(
                "cannot read password file '{}': no such file or directory",
                missing.display()
            )
        );
        let err = Secret::from_file(&ctx(), "password file", Path::new("/dev/zero"))
            .expect_err("endless");
        assert_eq!(
            err.message(),
            "password file '/dev/zero' is larger than the 4 KiB this check reads"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn secrets_are_scrubbed_from_output() {
        Secret::new("s3cr3t-pa55").scrub_from_output();
        Secret::new("ab").scrub_from_output();
        assert_eq!(
            scrub("invalid credentials for password 's3cr3t-pa55' (ab)"),
            "invalid credentials for password '********' (ab)"
        );
        assert_eq!(scrub("nothing here"), "nothing here");
    }

    #[test]
    fn env_var() {
        // A name no other test or CI uses.
        assert_eq!(Secret::from_env("HASTACK_TEST_NEVER_SET_VAR"), Ok(None));
    }

    #[test]
    fn first_source_found_wins() {
        let dir = std::env::temp_dir().join(format!("hastack-chain-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("pw");
        std::fs::write(&file, "from-file\n").expect("write");
        let unset = "HASTACK_TEST_NEVER_SET_VAR";
        let own = || Some(Secret::new("from-own"));
        let chain = |option, path: Option<&Path>, own| {
            Secret::from_sources(&ctx(), option, path, own, unset)
                .expect("chain")
                .map(|s| s.expose().to_string())
        };
        assert_eq!(
            chain(Some("opt"), Some(&file), own()).as_deref(),
            Some("opt")
        );
        assert_eq!(
            chain(None, Some(&file), own()).as_deref(),
            Some("from-file")
        );
        assert_eq!(chain(None, None, own()).as_deref(), Some("from-own"));
        assert_eq!(chain(None, None, None), None);
        // A file that was named but cannot be read is an error, never a fall-through.
        let missing = dir.join("missing");
        assert!(Secret::from_sources(&ctx(), None, Some(&missing), own(), unset).is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
