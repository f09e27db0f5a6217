//! MySQL option files (check_galera's `--defaults-file`): any text is login settings or an
//! error naming the line, never a panic, and an error never repeats a password.
#![no_main]

use check_galera::defaults_file::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(options) => {
            if let Some(port) = options.port {
                assert!(port > 0);
            }
        }
        Err(why) => {
            // Every error is `line N: ` and a fixed phrase, after the key (never a value) or
            // the port it could not read: a password cannot come back in it.
            let rest = why
                .strip_prefix("line ")
                .and_then(|r| r.split_once(": "))
                .map(|(_, rest)| rest)
                .unwrap_or_else(|| panic!("{why}"));
            let fixed = [
                "unterminated quoted value",
                "value ends with a lone backslash",
                "text after the closing quote",
            ];
            let known = rest == "group header without closing ']'"
                || (rest.starts_with("port \"") && rest.ends_with("\" is not a TCP port"))
                || fixed.iter().any(|phrase| {
                    rest.strip_suffix(phrase)
                        .and_then(|key| key.strip_suffix(": "))
                        .is_some_and(|key| !key.contains('=') && key == key.to_ascii_lowercase())
                });
            assert!(known, "{why}");
        }
    }
});
