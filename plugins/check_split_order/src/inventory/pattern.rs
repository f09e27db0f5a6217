//! Host patterns as Ansible reads them (`parse_address`, then `expand_hostname_range`): a port is
//! split off only where Ansible's address rules split it (`10.0.0.[2:3]:2222`, `[::1]:22`), then
//! `[begin:end(:step)]` ranges expand left to right. Every range is counted before a name is
//! built, the whole inventory shares one budget, and nothing recurses, so no pattern can take
//! unbounded time, memory or stack.

use std::rc::Rc;

use super::Budget;

/// A host pattern without its port, and the port (`host:2222`) when Ansible sees one.
pub fn split_port(pattern: &str) -> (&str, Option<&str>) {
    let mut address = pattern;
    let mut port = None;
    // Ansible tries both forms in turn, the second on what the first left.
    if let Some((inner, digits)) = bracketed_hostport(address) {
        address = inner;
        port = Some(digits);
    }
    if let Some((host, digits)) = hostport(address) {
        address = host;
        port = Some(digits);
    }
    if port.is_none() {
        // Valid or not, a pattern without a port is its own name.
        return (pattern, None);
    }
    if is_ipv4(address) || is_ipv6(address) || is_hostname(address) {
        (address, port)
    } else {
        // Not an address Ansible recognizes: the whole pattern is the name, without a port.
        (pattern, None)
    }
}

/// Python's `$`: the end, or just before a final newline.
fn end_at(text: &str) -> &str {
    text.strip_suffix('\n').unwrap_or(text)
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `^\[(.+)\]:([0-9]+)$`
fn bracketed_hostport(address: &str) -> Option<(&str, &str)> {
    let body = end_at(address).strip_prefix('[')?;
    let colon = body.rfind("]:")?;
    let (inner, digits) = (&body[..colon], &body[colon + 2..]);
    (!inner.is_empty() && !inner.contains('\n') && all_digits(digits)).then_some((inner, digits))
}

/// `^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`: no colon outside brackets before the port.
fn hostport(address: &str) -> Option<(&str, &str)> {
    let bytes = address.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' => {
                let digits = end_at(&address[i + 1..]);
                return all_digits(digits).then(|| (&address[..i], digits));
            }
            b'[' => {
                let close = address[i..].find(']')?;
                i += close + 1;
            }
            b']' => return None,
            _ => i += 1,
        }
    }
    None
}

/// `[0-9]+:[0-9]+(:[0-9]+)?` inside brackets, at `chars[i]` (which is `[`): the end position.
fn numeric_range_end(chars: &[char], i: usize, letters_too: bool, hex: bool) -> Option<usize> {
    let digit = |c: char| {
        if hex {
            c.is_ascii_hexdigit()
        } else {
            c.is_ascii_digit()
        }
    };
    let run = |from: usize, accept: &dyn Fn(char) -> bool| {
        let mut end = from;
        while chars.get(end).is_some_and(|&c| accept(c)) {
            end += 1;
        }
        (end > from).then_some(end)
    };
    if chars.get(i) != Some(&'[') {
        return None;
    }
    let letter = |c: char| {
        c.is_ascii_alphabetic() || matches!(c, '\u{130}' | '\u{131}' | '\u{17f}' | '\u{212a}')
    };
    let after_bounds = if letters_too
        && chars.get(i + 1).is_some_and(|&c| letter(c))
        && chars.get(i + 2) == Some(&':')
        && chars.get(i + 3).is_some_and(|&c| letter(c))
    {
        i + 4
    } else {
        let first = run(i + 1, &digit)?;
        if chars.get(first) != Some(&':') {
            return None;
        }
        run(first + 1, &digit)?
    };
    let mut end = after_bounds;
    if chars.get(end) == Some(&':') {
        end = run(end + 1, &|c: char| c.is_ascii_digit())?;
    }
    (chars.get(end) == Some(&']')).then_some(end + 1)
}

/// An IPv4 address whose parts may be numeric ranges.
fn is_ipv4(address: &str) -> bool {
    let parts: Vec<&str> = end_at(address).split('.').collect();
    parts.len() == 4
        && parts.iter().all(|part| {
            let b = part.as_bytes();
            let decimal = match b {
                [d] | [b'0' | b'1', _, d] | [_, d] => {
                    b.iter().all(u8::is_ascii_digit) && d.is_ascii_digit()
                }
                _ => false,
            } || matches!(
                b,
                [b'2', b'0'..=b'4', b'0'..=b'9'] | [b'2', b'5', b'0'..=b'5']
            );
            let chars: Vec<char> = part.chars().collect();
            decimal || numeric_range_end(&chars, 0, false, false) == Some(chars.len())
        })
}

/// A host name whose labels may hold ranges: `\w`, `-` and ranges, not starting with `-`, not
/// ending with `-` or `_`.
fn is_hostname(address: &str) -> bool {
    end_at(address).split('.').all(|label| {
        let chars: Vec<char> = label.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '[' {
                match numeric_range_end(&chars, i, true, false) {
                    Some(end) => i = end,
                    None => return false,
                }
            } else if c.is_alphanumeric() || c == '_' || (c == '-' && i > 0) {
                i += 1;
            } else {
                return false;
            }
        }
        !chars.is_empty() && !matches!(chars.last(), Some('_' | '-'))
    })
}

/// Ansible's IPv6 expression, including its quirk: `re.match` anchors only the start of every
/// alternative but the last, so an address that merely starts like IPv6 (`::x`) passes.
fn is_ipv6(address: &str) -> bool {
    let chars: Vec<char> = address.chars().collect();
    let component_ends = |i: usize| -> Vec<usize> {
        let mut ends = Vec::new();
        let mut end = i;
        while end < chars.len() && end - i < 4 && chars[end].is_ascii_hexdigit() {
            end += 1;
            ends.push(end);
        }
        if let Some(end) = numeric_range_end(&chars, i, false, true) {
            ends.push(end);
        }
        ends
    };
    // Positions after `(h:){count}` from `start`.
    let after_colon_components = |start: Vec<usize>, count: usize| -> Vec<usize> {
        let mut positions = start;
        for _ in 0..count {
            let mut next: Vec<usize> = positions
                .iter()
                .flat_map(|&p| component_ends(p))
                .filter(|&e| chars.get(e) == Some(&':'))
                .map(|e| e + 1)
                .collect();
            next.sort_unstable();
            next.dedup();
            positions = next;
        }
        positions
    };
    // Positions after `(h\.){3}h` from `start`.
    let dotted = |start: usize| -> Vec<usize> {
        let mut positions = vec![start];
        for _ in 0..3 {
            positions = positions
                .iter()
                .flat_map(|&p| component_ends(p))
                .filter(|&e| chars.get(e) == Some(&'.'))
                .map(|e| e + 1)
                .collect();
        }
        positions.iter().flat_map(|&p| component_ends(p)).collect()
    };
    let literal = |start: usize, text: &str| -> Option<usize> {
        let mut i = start;
        for expected in text.chars() {
            if !chars
                .get(i)
                .is_some_and(|c| c.eq_ignore_ascii_case(&expected))
            {
                return None;
            }
            i += 1;
        }
        Some(i)
    };
    if chars.starts_with(&[':', ':']) {
        return true;
    }
    for count in 1..=6 {
        if after_colon_components(vec![0], count)
            .iter()
            .any(|&p| chars.get(p) == Some(&':'))
        {
            return true;
        }
    }
    if after_colon_components(vec![0], 7)
        .iter()
        .any(|&p| !component_ends(p).is_empty())
    {
        return true;
    }
    if let Some(p) = literal(0, "0:0:0:0:0:0:")
        && !dotted(p).is_empty()
    {
        return true;
    }
    let end = end_at(address).chars().count();
    literal(0, "0:0:0:0:0:ffff:").is_some_and(|p| dotted(p).contains(&end))
}

/// Why a pattern cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// A malformed range, in words.
    Invalid(String),
    /// More hosts (or host name bytes) than the inventory's budget has left. `hosts` is the
    /// pattern's count when it fits in 128 bits.
    OverBudget { hosts: Option<u128>, bytes: bool },
}

const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The values one `[...]` stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Items {
    Numbers {
        start: i128,
        step: i128,
        count: u64,
        width: usize,
    },
    Letters {
        start: usize,
        step: usize,
        count: u64,
    },
}

impl Items {
    fn count(&self) -> u64 {
        match self {
            Items::Numbers { count, .. } | Items::Letters { count, .. } => *count,
        }
    }

    /// Item `k` (< count), appended to `out`.
    fn push(&self, k: u64, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            Items::Numbers {
                start, step, width, ..
            } => {
                // In range by construction: start + (count - 1) * step was checked.
                let value = start + i128::from(k) * step;
                let _ = write!(out, "{value:0width$}");
            }
            Items::Letters { start, step, .. } => {
                let index = start + usize::try_from(k).unwrap_or(usize::MAX) * step;
                if let Some(c) = ASCII_LETTERS.get(index..=index) {
                    out.push_str(c);
                }
            }
        }
    }

    fn item_len(&self, k: u64) -> u64 {
        let mut text = String::new();
        self.push(k, &mut text);
        text.len() as u64
    }
}

/// Python's `int(text)` for base 10: surrounding whitespace, a sign, digits with single
/// underscores between them. `Err(true)` when the number does not fit in 128 bits.
fn py_int(text: &str) -> Result<i128, bool> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let valid = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__");
    if !valid {
        return Err(false);
    }
    let mut value: i128 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(b - b'0')))
            .ok_or(true)?;
    }
    Ok(if negative { -value } else { value })
}

/// One `[...]` of a pattern: its items, as Ansible's `expand_hostname_range` computes them.
fn range_items(range: &str) -> Result<Items, String> {
    let bounds: Vec<&str> = range.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err("a host range must be begin:end or begin:end:step".into());
    }
    let begin = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err("a host range must specify an end value".into());
    }
    let step_text = bounds.get(2).copied();
    let width = if begin.starts_with('0') && begin.chars().count() > 1 {
        if begin.chars().count() != end.chars().count() {
            return Err("a host range must specify equal-length begin and end formats".into());
        }
        begin.chars().count()
    } else {
        0
    };
    let step = step_text.map_or(Ok(1), py_int);
    if let (Some(b), Some(e)) = (ASCII_LETTERS.find(begin), ASCII_LETTERS.find(end)) {
        if b > e {
            return Err("a host range must have begin <= end".into());
        }
        match step {
            Ok(step) if step > 0 => {
                let step = usize::try_from(step).unwrap_or(usize::MAX);
                let count = ((e - b) / step + 1) as u64;
                return Ok(Items::Letters {
                    start: b,
                    step,
                    count,
                });
            }
            // A slice with a negative step from begin to end is empty.
            Ok(step) if step < 0 => {
                return Ok(Items::Letters {
                    start: b,
                    step: 1,
                    count: 0,
                });
            }
            // Python then tries the bounds as numbers, which letters are not.
            _ => {
                return Err(match step_text {
                    Some(s) if py_int(s).is_err() => format!("step '{s}' is not a number"),
                    _ => "a host range step cannot be 0".into(),
                });
            }
        }
    }
    let number = |text: &str| {
        py_int(text).map_err(|too_large| {
            if too_large {
                format!("'{text}' is too large a number for a host range")
            } else {
                format!("'{text}' is not a number or a letter")
            }
        })
    };
    let (b, e) = (number(begin)?, number(end)?);
    let step = step.map_err(|too_large| match step_text {
        Some(s) if too_large => format!("step '{s}' is too large a number for a host range"),
        Some(s) => format!("step '{s}' is not a number"),
        None => "a host range step cannot be 0".into(),
    })?;
    if step == 0 {
        return Err("a host range step cannot be 0".into());
    }
    let too_large = || format!("the host range '{range}' spans too many numbers");
    let count: i128 = if step > 0 {
        if b <= e {
            e.checked_sub(b).ok_or_else(too_large)? / step + 1
        } else {
            0
        }
    } else {
        // range(b, e + 1, step) counts down while above e + 1.
        let stop = e.checked_add(1).ok_or_else(too_large)?;
        if b > stop {
            let span = b.checked_sub(stop).ok_or_else(too_large)?;
            let down = step.checked_neg().ok_or_else(too_large)?;
            span.checked_add(down - 1).ok_or_else(too_large)? / down
        } else {
            0
        }
    };
    let count = u64::try_from(count).map_err(|_| too_large())?;
    Ok(Items::Numbers {
        start: b,
        step,
        count,
        width,
    })
}

/// Expand the ranges of `pattern`, giving each name to `each` in Ansible's order; `Ok(false)`
/// when it has no range and is its own only name. Everything is counted, and its cost taken
/// out of `budget`, before the first name is made.
pub fn expand(
    pattern: &str,
    budget: &mut Budget,
    mut each: impl FnMut(Rc<str>),
) -> Result<bool, ExpandError> {
    if !pattern.contains('[') {
        return Ok(false);
    }
    // Python splits each step's text on its first '[', its first ']' and every '|', and wants
    // exactly three parts. Text already consumed holds none of them, so only the rest counts.
    let pipes: Vec<usize> = pattern.match_indices('|').map(|(i, _)| i).collect();
    let mut pipe_at = 0;
    let mut levels: Vec<(&str, Items)> = Vec::new();
    let mut offset = 0;
    let mut total: Option<u128> = Some(1);
    while let Some(open) = pattern[offset..].find('[').map(|i| offset + i) {
        while pipes.get(pipe_at).is_some_and(|&p| p < offset) {
            pipe_at += 1;
        }
        let pipes_left = &pipes[pipe_at..];
        let close = pattern[offset..].find(']').map(|i| offset + i);
        let mut delimiters: Vec<usize> = std::iter::once(open)
            .chain(close)
            .chain(pipes_left.iter().copied())
            .collect();
        if delimiters.len() < 2 {
            return Err(ExpandError::Invalid("missing ']'".into()));
        }
        if delimiters.len() > 2 {
            return Err(ExpandError::Invalid(if pipes_left.is_empty() {
                "missing ']'".into()
            } else {
                "'|' cannot appear in a host pattern with a range".into()
            }));
        }
        delimiters.sort_unstable();
        let (first, second) = (delimiters[0], delimiters[1]);
        let items = range_items(&pattern[first + 1..second]).map_err(ExpandError::Invalid)?;
        let count = items.count();
        levels.push((&pattern[offset..first], items));
        offset = second + 1;
        total = total.and_then(|t| t.checked_mul(u128::from(count)));
        if count == 0 {
            // Nothing to expand further: Ansible never looks at the rest.
            return Ok(true);
        }
    }
    let tail = &pattern[offset..];
    let hosts = match total {
        Some(hosts) if hosts <= u128::from(budget.range_hosts) => hosts as u64,
        _ => {
            return Err(ExpandError::OverBudget {
                hosts: total,
                bytes: false,
            });
        }
    };
    // The bytes of every name: the fixed text in each, plus each item in hosts / count names.
    let fixed: u64 = levels
        .iter()
        .map(|(head, _)| head.len() as u64)
        .sum::<u64>()
        + tail.len() as u64;
    let mut bytes = u128::from(hosts) * u128::from(fixed);
    for (_, items) in &levels {
        let per_item = u128::from(hosts / items.count());
        let lengths: u64 = (0..items.count()).map(|k| items.item_len(k)).sum();
        bytes += per_item * u128::from(lengths);
    }
    if bytes > u128::from(budget.range_bytes) {
        return Err(ExpandError::OverBudget {
            hosts: Some(u128::from(hosts)),
            bytes: true,
        });
    }
    budget.range_hosts -= hosts;
    budget.range_bytes -= bytes as u64;

    // An odometer over the levels, the first one turning slowest.
    let mut digits = vec![0u64; levels.len()];
    let mut name = String::new();
    loop {
        name.clear();
        for ((head, items), &k) in levels.iter().zip(&digits) {
            name.push_str(head);
            items.push(k, &mut name);
        }
        name.push_str(tail);
        each(Rc::from(name.as_str()));
        let mut level = levels.len();
        loop {
            if level == 0 {
                return Ok(true);
            }
            level -= 1;
            digits[level] += 1;
            if digits[level] < levels[level].1.count() {
                break;
            }
            digits[level] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pattern: &str) -> Result<Vec<String>, ExpandError> {
        collect(pattern, &mut Budget::default())
            .map(|names| names.unwrap_or_else(|| vec![pattern.to_string()]))
    }

    fn collect(pattern: &str, budget: &mut Budget) -> Result<Option<Vec<String>>, ExpandError> {
        let mut names = Vec::new();
        let expanded = expand(pattern, budget, |name| names.push(name.to_string()))?;
        Ok(expanded.then_some(names))
    }

    #[test]
    fn host_ranges_expand_like_ansible() {
        let table: &[(&str, &[&str])] = &[
            (
                "web[01:03].example.com",
                &[
                    "web01.example.com",
                    "web02.example.com",
                    "web03.example.com",
                ],
            ),
            ("db-[a:c]", &["db-a", "db-b", "db-c"]),
            ("n[1:10:4]", &["n1", "n5", "n9"]),
            ("n[:2]", &["n0", "n1", "n2"]),
            ("r[1:2]-[a:b]", &["r1-a", "r1-b", "r2-a", "r2-b"]),
            ("plain", &["plain"]),
            ("x[8:11]", &["x8", "x9", "x10", "x11"]),
            // Python's quirks, kept: begin > end is empty, a negative step counts down,
            // letters are found as substrings of ascii_letters, '|' closes a range.
            ("x[5:1]", &[]),
            ("x[5:2:-1]", &["x5", "x4"]),
            ("x[5:3:-1]", &["x5"]),
            ("x[-2:0]", &["x-2", "x-1", "x0"]),
            ("x[ab:c]", &["xa", "xb", "xc"]),
            ("x[y:B]", &["xy", "xz", "xA", "xB"]),
            ("a|1:2[z", &["a1z", "a2z"]),
            ("x[2:1]-[oops]", &[]),
            ("x[1_0:1_1]", &["x10", "x11"]),
        ];
        for (pattern, hosts) in table {
            let expected: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
            assert_eq!(names(pattern), Ok(expected), "{pattern}");
        }
        for (pattern, why) in [
            ("a[1:]", "a host range must specify an end value"),
            (
                "a[01:3]",
                "a host range must specify equal-length begin and end formats",
            ),
            ("a[c:a]", "a host range must have begin <= end"),
            ("a[1]", "a host range must be begin:end or begin:end:step"),
            ("a[1:3", "missing ']'"),
            ("a[1:x]", "'x' is not a number or a letter"),
            ("a[1:3:0]", "a host range step cannot be 0"),
            ("a[a:c:x]", "step 'x' is not a number"),
            (
                "a[1:2]|b",
                "'|' cannot appear in a host pattern with a range",
            ),
            (
                "a]b[1:2",
                "a host range must be begin:end or begin:end:step",
            ),
            (
                "a[1:99999999999999999999999999999999999999999]",
                "'99999999999999999999999999999999999999999' is too large a number for a host range",
            ),
        ] {
            assert_eq!(
                names(pattern),
                Err(ExpandError::Invalid(why.to_string())),
                "{pattern}"
            );
        }
    }

    #[test]
    fn bounds_near_the_integer_limits_neither_wrap_nor_loop() {
        assert_eq!(
            names("h[18446744073709551614:18446744073709551615]"),
            Ok(vec![
                "h18446744073709551614".to_string(),
                "h18446744073709551615".to_string()
            ])
        );
        let max = i128::MAX.to_string();
        assert_eq!(
            names(&format!("h[{max}:{max}]")),
            Ok(vec![format!("h{max}")])
        );
        assert_eq!(
            names(&format!("h[0:{max}:-1]")),
            Err(ExpandError::Invalid(format!(
                "the host range '0:{max}:-1' spans too many numbers"
            )))
        );
        let min = (i128::MIN + 1).to_string();
        assert!(matches!(
            names(&format!("h[{min}:{max}]")),
            Err(ExpandError::Invalid(_))
        ));
    }

    #[test]
    fn one_budget_for_the_whole_inventory() {
        let mut budget = Budget::default();
        assert_eq!(
            collect("web[0:9999][0:9999][0:9999]", &mut budget),
            Err(ExpandError::OverBudget {
                hosts: Some(1_000_000_000_000),
                bytes: false
            })
        );
        let forty = format!("h{}", "[0:1]".repeat(40));
        assert_eq!(
            collect(&forty, &mut budget),
            Err(ExpandError::OverBudget {
                hosts: Some(1 << 40),
                bytes: false
            })
        );
        // 60,000 brackets on one line: counted without recursion, refused at once.
        let deep = format!("h{}", "[0:1]".repeat(60_000));
        assert_eq!(
            collect(&deep, &mut budget),
            Err(ExpandError::OverBudget {
                hosts: None,
                bytes: false
            })
        );
        // Ranges that fit one by one exhaust the shared budget.
        for _ in 0..9 {
            let got = collect("h[0:19999]", &mut budget).expect("fits");
            assert_eq!(got.map(|n| n.len()), Some(20_000));
        }
        assert_eq!(budget.range_hosts, 20_000);
        assert!(matches!(
            collect("g[0:20000]", &mut budget),
            Err(ExpandError::OverBudget { .. })
        ));
        // Long names count by their bytes.
        let mut budget = Budget::default();
        let long = format!("{}[0:19999]", "x".repeat(1000));
        assert_eq!(
            collect(&long, &mut budget),
            Err(ExpandError::OverBudget {
                hosts: Some(20_000),
                bytes: true
            })
        );
    }

    #[test]
    fn ports_split_where_ansible_splits_them() {
        let table = [
            ("web1", ("web1", None)),
            ("web1:2222", ("web1", Some("2222"))),
            ("10.0.0.[2:3]:2222", ("10.0.0.[2:3]", Some("2222"))),
            (
                "web[01:03].example.com:22",
                ("web[01:03].example.com", Some("22")),
            ),
            ("[2001:db8::1]:22", ("2001:db8::1", Some("22"))),
            ("2001:db8::1", ("2001:db8::1", None)),
            ("fe80::1:22", ("fe80::1:22", None)),
            ("::1", ("::1", None)),
            ("[web1]:22", ("web1", Some("22"))),
            // Not an address Ansible knows: the whole text is the name.
            ("web_:22", ("web_:22", None)),
            ("-web:22", ("-web:22", None)),
            ("h1:", ("h1:", None)),
            ("a:b:22", ("a:b:22", None)),
            ("1.2.3.256:22", ("1.2.3.256", Some("22"))),
        ];
        for (pattern, expected) in table {
            assert_eq!(split_port(pattern), expected, "{pattern}");
        }
    }
}
