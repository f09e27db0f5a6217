//! Shell-like words as Python's `shlex.split(line, comments=True)` makes them (Ansible splits
//! INI host lines so): space, tab, CR and LF separate, quotes group, a backslash escapes, `#`
//! ends the line outside quotes. Words without quotes or escapes are borrowed from the line.

use std::borrow::Cow;

/// The characters shlex treats as whitespace (not Unicode's wider set).
fn is_shlex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Split `line` into words, or say why it cannot be (`no closing quotation`).
pub fn shell_words(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    // Most lines have nothing to unquote: borrow their words.
    if !line.contains(['\'', '"', '\\', '#']) {
        return Ok(line
            .split(is_shlex_space)
            .filter(|w| !w.is_empty())
            .map(Cow::Borrowed)
            .collect());
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if is_shlex_space(c) => {
                if in_word {
                    words.push(Cow::Owned(std::mem::take(&mut word)));
                    in_word = false;
                }
            }
            '#' => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("no closing quotation".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("no escaped character".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(Cow::Owned(word));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_like_shlex() {
        let table: &[(&str, &[&str])] = &[
            (
                "web1 ansible_host=10.0.0.5 note=\"two words\"",
                &["web1", "ansible_host=10.0.0.5", "note=two words"],
            ),
            ("h a='x y' # trailing comment", &["h", "a=x y"]),
            ("h a=b#c", &["h", "a=b"]),
            ("h a=\"q\\\"uote\"", &["h", "a=q\"uote"]),
            ("h a=x\\ y", &["h", "a=x y"]),
            ("h ''", &["h", ""]),
            // Only ASCII blanks separate: a no-break space is part of the word, as in shlex.
            ("h\u{a0}x a=b", &["h\u{a0}x", "a=b"]),
        ];
        for (line, words) in table {
            let got: Vec<String> = shell_words(line)
                .map(|w| w.into_iter().map(String::from).collect())
                .unwrap_or_default();
            assert_eq!(got, *words, "{line}");
        }
        assert_eq!(
            shell_words("h a='open"),
            Err("no closing quotation".to_string())
        );
        assert_eq!(
            shell_words("h a\\"),
            Err("no escaped character".to_string())
        );
    }
}
