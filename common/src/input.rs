//! Input files read under a size cap enforced while reading, with the run's stage naming the
//! file: a FIFO, `/dev/zero`, a `/proc` file or a huge file can neither hang the run past its
//! deadline (the watchdog names the file) nor grow memory past the cap.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::describe_io_error;
use crate::{CheckError, Context};

/// Password files: a password is a line, not a document.
pub const SECRET_CAP: u64 = 4 * 1024;
/// Client option files (`~/.my.cnf`) and similar small configuration.
pub const OPTION_FILE_CAP: u64 = 256 * 1024;
/// PEM CA files; the largest system bundles are about 250 KB.
pub const CA_FILE_CAP: u64 = 4 * 1024 * 1024;

/// Why an input file gave no content: a fact naming the file, which a plugin turns into the
/// UNKNOWN usage line ([`CheckError`] converts from it) or judges otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// What the file is for (`"password file"`).
    pub what: String,
    pub path: PathBuf,
    pub problem: InputProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputProblem {
    /// Opening or reading failed: the cause in words.
    Unreadable(String),
    /// More than the cap: the cap in bytes.
    TooLarge(u64),
    /// Not UTF-8: the offset of the first invalid byte.
    NotText(usize),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, path) = (&self.what, self.path.display());
        match &self.problem {
            InputProblem::Unreadable(why) => write!(f, "cannot read {what} '{path}': {why}"),
            InputProblem::TooLarge(cap) => write!(
                f,
                "{what} '{path}' is larger than the {} this check reads",
                crate::units::bytes(*cap as f64)
            ),
            InputProblem::NotText(offset) => write!(
                f,
                "{what} '{path}' is not UTF-8 text (invalid byte at offset {offset})"
            ),
        }
    }
}

impl From<InputError> for CheckError {
    fn from(error: InputError) -> CheckError {
        CheckError::usage(error.to_string())
    }
}

/// Read at most `cap` bytes of `path`, the `what` of the check (`"password file"`). More than
/// `cap` bytes, or any error, is an [`InputError`] naming the file; the stage names the file
/// meanwhile, so a read that blocks (a FIFO nobody writes) ends at the deadline saying what it
/// was reading.
pub fn read_capped(
    ctx: &Context,
    what: &str,
    path: &Path,
    cap: u64,
) -> Result<Vec<u8>, InputError> {
    let previous = ctx.stage();
    ctx.set_stage(format!("reading the {what} '{}'", path.display()));
    let result = read_limited(path, cap).map_err(|problem| InputError {
        what: what.to_string(),
        path: path.to_path_buf(),
        problem,
    });
    ctx.set_stage(previous);
    result
}

/// Like [`read_capped`], for text: bytes that are not UTF-8 are an error naming the file.
pub fn read_text_capped(
    ctx: &Context,
    what: &str,
    path: &Path,
    cap: u64,
) -> Result<String, InputError> {
    let bytes = read_capped(ctx, what, path, cap)?;
    String::from_utf8(bytes).map_err(|e| InputError {
        what: what.to_string(),
        path: path.to_path_buf(),
        problem: InputProblem::NotText(e.utf8_error().valid_up_to()),
    })
}

fn read_limited(path: &Path, cap: u64) -> Result<Vec<u8>, InputProblem> {
    let unreadable = |e: std::io::Error| InputProblem::Unreadable(describe_io_error(&e));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // Sized from the file's length (never beyond the cap) so a small file is one read, not a
    // series of doubling probes; a FIFO or /proc file reports 0 and grows as it is read.
    let hint = file.metadata().map_or(0, |m| m.len()).min(cap);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0).saturating_add(1));
    // One byte more than the cap tells "exactly at the cap" from "over it".
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > cap {
        return Err(InputProblem::TooLarge(cap));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::State;
    use std::time::{Duration, Instant};

    fn ctx() -> Context {
        Context::new(Instant::now(), Duration::from_secs(5), State::Unknown, 0)
    }

    #[test]
    fn cap_is_enforced_while_reading() {
        let ctx = ctx();
        // /dev/zero reports no size and never ends: only a cap applied while reading stops it.
        let err = read_capped(&ctx, "inventory", Path::new("/dev/zero"), 1024).expect_err("cap");
        assert_eq!(err.problem, InputProblem::TooLarge(1024));
        let err = CheckError::from(err);
        assert_eq!(err.state(), State::Unknown);
        assert!(err.is_usage());
        assert_eq!(
            err.message(),
            "inventory '/dev/zero' is larger than the 1 KiB this check reads"
        );
        assert_eq!(ctx.stage(), "running the check", "stage restored");
    }

    #[test]
    fn exactly_at_the_cap_is_read() {
        let dir = std::env::temp_dir().join(format!("hastack-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("f");
        std::fs::write(&path, b"abcd").expect("write");
        assert_eq!(read_capped(&ctx(), "f", &path, 4).expect("read"), b"abcd");
        assert!(read_capped(&ctx(), "f", &path, 3).is_err());
        std::fs::write(&path, [0xff, 0x41]).expect("write");
        assert_eq!(
            read_text_capped(&ctx(), "option file", &path, 10)
                .expect_err("not utf-8")
                .to_string(),
            format!(
                "option file '{}' is not UTF-8 text (invalid byte at offset 0)",
                path.display()
            )
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn directories_and_missing_files_are_named() {
        let err = read_capped(&ctx(), "CA file", Path::new("/"), 10).expect_err("dir");
        assert_eq!(err.to_string(), "cannot read CA file '/': is a directory");
        let err = read_capped(&ctx(), "CA file", Path::new("/nonexistent/x"), 10).expect_err("x");
        assert_eq!(
            err.to_string(),
            "cannot read CA file '/nonexistent/x': no such file or directory"
        );
    }
}
