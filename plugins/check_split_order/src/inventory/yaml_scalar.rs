//! What a YAML scalar is to Ansible's loader: PyYAML's YAML 1.1 resolvers (`yes` is a boolean,
//! `0x1f` and `1:30` are numbers, `~` is null) and SafeConstructor's tags, plus Ansible's own
//! (`!unsafe`, `!vault`). Host and group names must be strings; a host's variables may be any
//! value Python finds false instead of a mapping.

/// The type a scalar constructs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Null,
    Bool(bool),
    /// `zero`: the value is 0 (false in Python).
    Int {
        zero: bool,
    },
    Float {
        zero: bool,
    },
    Timestamp,
    Binary {
        empty: bool,
    },
    /// An Ansible vault: encrypted text, not a plain string.
    Vault,
    /// `<<`: a merge key.
    Merge,
    /// `=`: YAML 1.1's value key, a string when used as a key.
    Value,
}

impl Kind {
    pub(crate) fn is_str(self) -> bool {
        self == Kind::Str
    }

    /// Whether Python would find the value false (`x or {}` takes `{}`).
    pub(crate) fn is_falsy(self, text: &str) -> bool {
        match self {
            Kind::Str => text.is_empty(),
            Kind::Null => true,
            Kind::Bool(value) => !value,
            Kind::Int { zero } | Kind::Float { zero } => zero,
            Kind::Binary { empty } => empty,
            Kind::Timestamp | Kind::Vault | Kind::Merge | Kind::Value => false,
        }
    }

    /// In words, for messages: `a number`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::Str | Kind::Merge | Kind::Value => "a string",
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int { .. } | Kind::Float { .. } => "a number",
            Kind::Timestamp => "a date",
            Kind::Binary { .. } => "binary data",
            Kind::Vault => "a vault-encrypted value",
        }
    }
}

const CORE: &str = "tag:yaml.org,2002:";

/// The kind of a scalar: `plain` when written without quotes or block style, `tag` the full
/// tag when one was given. An error says why the loader refuses it.
pub(crate) fn resolve(text: &str, plain: bool, tag: Option<&str>) -> Result<Kind, String> {
    let Some(tag) = tag.filter(|t| *t != "!") else {
        return Ok(if plain { implicit(text) } else { Kind::Str });
    };
    let refused = || format!("cannot construct {tag} from '{text}'");
    match tag.strip_prefix(CORE) {
        Some("str" | "python/unicode") => Ok(Kind::Str),
        Some("null") => Ok(Kind::Null),
        Some("bool") => match text.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" => Ok(Kind::Bool(true)),
            "no" | "false" | "off" => Ok(Kind::Bool(false)),
            _ => Err(refused()),
        },
        Some("int") => int_value(text)
            .map(|zero| Kind::Int { zero })
            .ok_or_else(refused),
        Some("float") => float_value(text)
            .map(|zero| Kind::Float { zero })
            .ok_or_else(refused),
        Some("timestamp") => {
            if is_timestamp(text) {
                Ok(Kind::Timestamp)
            } else {
                Err(refused())
            }
        }
        Some("binary") => {
            let data: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
            if text.is_ascii() && data.iter().all(alphabet) {
                Ok(Kind::Binary {
                    empty: data.iter().all(|&b| b == b'='),
                })
            } else {
                Err(refused())
            }
        }
        Some("merge") => Ok(Kind::Merge),
        Some("value") => Ok(Kind::Value),
        _ => match tag {
            "!unsafe" => Ok(Kind::Str),
            "!vault" | "!vault-encrypted" => Ok(Kind::Vault),
            _ => Err(format!(
                "could not determine a constructor for the tag '{tag}'"
            )),
        },
    }
}

/// PyYAML's implicit resolvers, in their order for the first character.
fn implicit(text: &str) -> Kind {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Kind::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Kind::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "<<" => return Kind::Merge,
        "=" => return Kind::Value,
        _ => {}
    }
    if is_float(text) {
        return Kind::Float {
            zero: float_value(text).unwrap_or(false),
        };
    }
    if is_int(text) {
        return match int_value(text) {
            Some(zero) => Kind::Int { zero },
            // `0b_` matches the resolver but not the constructor: kept as text here, refused
            // where it matters by the caller's own check.
            None => Kind::Int { zero: false },
        };
    }
    if is_timestamp(text) {
        return Kind::Timestamp;
    }
    Kind::Str
}

/// A cursor over ASCII text for the hand-written resolver expressions.
struct Cursor<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, accept: impl Fn(u8) -> bool) -> bool {
        match self.bytes.get(self.at) {
            Some(&b) if accept(b) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn eat_while(&mut self, accept: impl Fn(u8) -> bool) -> usize {
        let start = self.at;
        while self.eat(&accept) {}
        self.at - start
    }

    fn sign(&mut self) {
        self.eat(|b| b == b'+' || b == b'-');
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}

fn digit_(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `(?::[0-5]?[0-9])+` from the cursor; false when not even one.
fn sexagesimal(c: &mut Cursor) -> bool {
    let mut any = false;
    loop {
        let save = c.at;
        if !c.eat(|b| b == b':') {
            return any;
        }
        // [0-5]?[0-9]: one or two digits, the first of two at most 5.
        let start = c.at;
        let n = c.eat_while(digit);
        let ok = match n {
            1 => true,
            2 => c.bytes[start] <= b'5',
            _ => false,
        };
        if !ok {
            c.at = save;
            return any;
        }
        any = true;
    }
}

fn is_float(text: &str) -> bool {
    let alternatives: [&dyn Fn(&mut Cursor) -> bool; 5] = [
        // [-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?
        &|c| {
            c.sign();
            c.eat(digit)
                && {
                    c.eat_while(digit_);
                    c.eat(|b| b == b'.')
                }
                && {
                    c.eat_while(digit_);
                    exponent(c);
                    c.done()
                }
        },
        // \.[0-9][0-9_]*([eE][-+][0-9]+)?
        &|c| {
            c.eat(|b| b == b'.') && c.eat(digit) && {
                c.eat_while(digit_);
                exponent(c);
                c.done()
            }
        },
        // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
        &|c| {
            c.sign();
            c.eat(digit)
                && {
                    c.eat_while(digit_);
                    sexagesimal(c)
                }
                && c.eat(|b| b == b'.')
                && {
                    c.eat_while(digit_);
                    c.done()
                }
        },
        // [-+]?\.(inf|Inf|INF)
        &|c| {
            c.sign();
            let rest = &c.bytes[c.at..];
            matches!(rest, b".inf" | b".Inf" | b".INF")
        },
        // \.(nan|NaN|NAN)
        &|c| matches!(c.bytes, b".nan" | b".NaN" | b".NAN"),
    ];
    alternatives.iter().any(|alternative| {
        let mut cursor = Cursor {
            bytes: text.as_bytes(),
            at: 0,
        };
        alternative(&mut cursor)
    })
}

/// `([eE][-+][0-9]+)?`
fn exponent(c: &mut Cursor) {
    let save = c.at;
    if !(c.eat(|b| b == b'e' || b == b'E')
        && c.eat(|b| b == b'+' || b == b'-')
        && c.eat_while(digit) > 0)
    {
        c.at = save;
    }
}

fn is_int(text: &str) -> bool {
    let alternatives: [&dyn Fn(&mut Cursor) -> bool; 5] = [
        // [-+]?0b[0-1_]+
        &|c| {
            c.sign();
            c.eat(|b| b == b'0')
                && c.eat(|b| b == b'b')
                && c.eat_while(|b| b == b'0' || b == b'1' || b == b'_') > 0
                && c.done()
        },
        // [-+]?0[0-7_]+
        &|c| {
            c.sign();
            c.eat(|b| b == b'0')
                && c.eat_while(|b| (b'0'..=b'7').contains(&b) || b == b'_') > 0
                && c.done()
        },
        // [-+]?(0|[1-9][0-9_]*)
        &|c| {
            c.sign();
            if c.eat(|b| b == b'0') {
                return c.done();
            }
            c.eat(|b| (b'1'..=b'9').contains(&b)) && {
                c.eat_while(digit_);
                c.done()
            }
        },
        // [-+]?0x[0-9a-fA-F_]+
        &|c| {
            c.sign();
            c.eat(|b| b == b'0')
                && c.eat(|b| b == b'x')
                && c.eat_while(|b| b.is_ascii_hexdigit() || b == b'_') > 0
                && c.done()
        },
        // [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
        &|c| {
            c.sign();
            c.eat(|b| (b'1'..=b'9').contains(&b))
                && {
                    c.eat_while(digit_);
                    sexagesimal(c)
                }
                && c.done()
        },
    ];
    alternatives.iter().any(|alternative| {
        let mut cursor = Cursor {
            bytes: text.as_bytes(),
            at: 0,
        };
        alternative(&mut cursor)
    })
}

/// PyYAML's `construct_yaml_int`: whether the value is zero, or `None` when it fails
/// (`0b_`, text that is no integer).
fn int_value(text: &str) -> Option<bool> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let unsigned = cleaned.strip_prefix(['-', '+']).unwrap_or(&cleaned);
    let digits_zero = |digits: &str, radix: u32| {
        (!digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)))
            .then(|| digits.chars().all(|c| c == '0'))
    };
    if unsigned == "0" {
        Some(true)
    } else if let Some(bits) = unsigned.strip_prefix("0b") {
        digits_zero(bits, 2)
    } else if let Some(hex) = unsigned.strip_prefix("0x") {
        digits_zero(hex, 16)
    } else if unsigned.starts_with('0') {
        digits_zero(unsigned, 8)
    } else if unsigned.contains(':') {
        unsigned
            .split(':')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
            .then(|| unsigned.chars().all(|c| c == '0' || c == ':'))
    } else {
        digits_zero(unsigned, 10)
    }
}

/// PyYAML's `construct_yaml_float`: whether the value is zero (also after underflow, as
/// `1e-400` is), or `None` when it fails.
fn float_value(text: &str) -> Option<bool> {
    let cleaned: String = text
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let unsigned = cleaned.strip_prefix(['-', '+']).unwrap_or(&cleaned);
    if unsigned == ".inf" || unsigned == ".nan" {
        return Some(false);
    }
    if unsigned.contains(':') {
        let valid = unsigned
            .split(':')
            .all(|part| part.chars().all(|c| c.is_ascii_digit() || c == '.'));
        return valid.then(|| unsigned.chars().all(|c| matches!(c, '0' | ':' | '.')));
    }
    unsigned.parse::<f64>().ok().map(|value| value == 0.0)
}

/// PyYAML's timestamp expression.
fn is_timestamp(text: &str) -> bool {
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let digits = |c: &mut Cursor, min: usize, max: usize| {
        let start = c.at;
        while c.at - start < max && c.eat(digit) {}
        c.at - start >= min
    };
    // yyyy-mm-dd
    if !(digits(&mut c, 4, 4) && c.eat(|b| b == b'-')) {
        return false;
    }
    let date = c.at;
    if digits(&mut c, 2, 2) && c.eat(|b| b == b'-') && digits(&mut c, 2, 2) && c.done() {
        return true;
    }
    c.at = date;
    if !(digits(&mut c, 1, 2) && c.eat(|b| b == b'-') && digits(&mut c, 1, 2)) {
        return false;
    }
    // (?:[Tt]|[ \t]+)
    if !c.eat(|b| b == b'T' || b == b't') && c.eat_while(|b| b == b' ' || b == b'\t') == 0 {
        return false;
    }
    if !(digits(&mut c, 1, 2)
        && c.eat(|b| b == b':')
        && digits(&mut c, 2, 2)
        && c.eat(|b| b == b':')
        && digits(&mut c, 2, 2))
    {
        return false;
    }
    if c.eat(|b| b == b'.') {
        c.eat_while(digit);
    }
    // (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
    let zone = c.at;
    c.eat_while(|b| b == b' ' || b == b'\t');
    if c.eat(|b| b == b'Z') {
        return c.done();
    }
    if c.eat(|b| b == b'+' || b == b'-') && digits(&mut c, 1, 2) {
        let minutes = c.at;
        if !(c.eat(|b| b == b':') && digits(&mut c, 2, 2)) {
            c.at = minutes;
        }
        return c.done();
    }
    c.at = zone;
    c.done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_like_pyyaml() {
        let table = [
            ("web1", Kind::Str),
            ("", Kind::Null),
            ("~", Kind::Null),
            ("null", Kind::Null),
            ("nULL", Kind::Str),
            ("yes", Kind::Bool(true)),
            ("Off", Kind::Bool(false)),
            ("y", Kind::Str),
            ("1", Kind::Int { zero: false }),
            ("0", Kind::Int { zero: true }),
            ("-0", Kind::Int { zero: true }),
            ("0x_0", Kind::Int { zero: true }),
            ("0b101", Kind::Int { zero: false }),
            ("017", Kind::Int { zero: false }),
            ("09", Kind::Str),
            ("1_000", Kind::Int { zero: false }),
            ("1:30", Kind::Int { zero: false }),
            ("10:22", Kind::Int { zero: false }),
            ("1:60", Kind::Str),
            ("1.5", Kind::Float { zero: false }),
            ("0.0", Kind::Float { zero: true }),
            ("1e-400", Kind::Str),
            ("1.0e-400", Kind::Float { zero: true }),
            ("1.", Kind::Float { zero: false }),
            (".5", Kind::Float { zero: false }),
            (".inf", Kind::Float { zero: false }),
            ("-.Inf", Kind::Float { zero: false }),
            (".NaN", Kind::Float { zero: false }),
            ("1:30.5", Kind::Float { zero: false }),
            ("2001-12-14", Kind::Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Kind::Timestamp),
            ("2001-12-14 21:59:43.10 Z", Kind::Timestamp),
            ("2001-12-1", Kind::Str),
            ("<<", Kind::Merge),
            ("=", Kind::Value),
            ("10.0.0.1", Kind::Str),
            ("web-[1:3]", Kind::Str),
        ];
        for (text, kind) in table {
            assert_eq!(resolve(text, true, None), Ok(kind), "{text:?}");
        }
        assert_eq!(resolve("1", false, None), Ok(Kind::Str));
        assert_eq!(resolve("yes", false, None), Ok(Kind::Str));
    }

    #[test]
    fn tags_construct_or_refuse() {
        let core = |s: &str| format!("{CORE}{s}");
        assert_eq!(resolve("1", true, Some(&core("str"))), Ok(Kind::Str));
        assert_eq!(resolve("x", true, Some("!")), Ok(Kind::Str));
        assert_eq!(resolve("x", true, Some("!unsafe")), Ok(Kind::Str));
        assert_eq!(
            resolve("aGVsbG8=", true, Some(&core("binary"))),
            Ok(Kind::Binary { empty: false })
        );
        assert_eq!(
            resolve("", false, Some(&core("binary"))),
            Ok(Kind::Binary { empty: true })
        );
        assert_eq!(
            resolve("abc", true, Some(&core("int"))),
            Err("cannot construct tag:yaml.org,2002:int from 'abc'".into())
        );
        assert_eq!(
            resolve("x", true, Some("!foo")),
            Err("could not determine a constructor for the tag '!foo'".into())
        );
        assert_eq!(
            resolve("$ANSIBLE_VAULT;1.1", false, Some("!vault")),
            Ok(Kind::Vault)
        );
    }

    #[test]
    fn falsy_values() {
        for (text, kind, falsy) in [
            ("", Kind::Str, true),
            ("x", Kind::Str, false),
            ("~", Kind::Null, true),
            ("false", Kind::Bool(false), true),
            ("0", Kind::Int { zero: true }, true),
            ("0.0", Kind::Float { zero: true }, true),
            ("2001-12-14", Kind::Timestamp, false),
        ] {
            assert_eq!(kind.is_falsy(text), falsy, "{text:?}");
        }
    }
}
