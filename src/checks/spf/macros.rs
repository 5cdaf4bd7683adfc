//! SPF macro strings (RFC 7208 §7): parsing a `domain-spec` or an explain string into
//! literal text and macros, and expanding them for one evaluation.
//!
//! Parsing is strict, because any syntax error in a record is a `permerror` (§4.6): an
//! unknown macro letter, a `%` not followed by `{`, `%`, `_` or `-`, a zero digit
//! transformer, or `c`/`r`/`t` outside an explain string is refused with a sentence.
//! Expansion is synchronous: the one macro that needs DNS (`%{p}`) gets its value from
//! the evaluator, which looks it up first when [`MacroString::uses_ptr`] says so.

use std::fmt::Write as _;
use std::net::IpAddr;

/// Longest domain name in text form without the trailing dot (§7.3 last paragraph).
pub const MAX_DOMAIN_LEN: usize = 253;

/// Where a macro string stands: the letters `c`, `r` and `t` are allowed only in the
/// text of an `exp` record, and spaces only there (§7.1, §6.2 `explain-string`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    DomainSpec,
    Explanation,
}

/// A parsed macro string: literal text and macros in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Macro(Macro),
}

/// One `%{...}` macro (§7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Macro {
    /// The letter, lower case.
    letter: char,
    /// An upper-case letter asks for URL escaping of the value (§7.3).
    url_escape: bool,
    /// Keep this many right-hand parts (never zero).
    keep: Option<usize>,
    reverse: bool,
    /// The characters the value is split on; `.` when none is given.
    delimiters: String,
}

/// The values the macro letters stand for in one evaluation (§7.3).
#[derive(Debug, Clone)]
pub struct MacroValues<'a> {
    /// `s`: the whole sender, `local@domain`.
    pub sender: &'a str,
    /// `l`: the local part of the sender.
    pub local: &'a str,
    /// `o`: the domain of the sender.
    pub sender_domain: &'a str,
    /// `d`: the domain whose record is being evaluated.
    pub domain: &'a str,
    /// `i`, `c`, `v`: the client address (an IPv4-mapped address already as IPv4).
    pub ip: IpAddr,
    /// `h`: the HELO/EHLO name.
    pub helo: &'a str,
    /// `p`: the validated name of the client, or `unknown`.
    pub ptr: &'a str,
    /// `r`: the name of the receiving host.
    pub receiver: &'a str,
    /// `t`: seconds since the epoch.
    pub timestamp: u64,
}

impl MacroString {
    /// Parses `text` as a macro string (§7.1 ABNF `macro-string`, or `explain-string`).
    pub fn parse(text: &str, context: Context) -> Result<MacroString, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                // §7.1: macro-literal = %x21-24 / %x26-7E; explain-string adds SP (§6.2).
                let allowed =
                    matches!(c, '\x21'..='\x7e') || (c == ' ' && context == Context::Explanation);
                if !allowed {
                    return Err(format!(
                        "it contains {}, which SPF allows only as a visible ASCII character{}",
                        describe_char(c),
                        if context == Context::Explanation {
                            " or space"
                        } else {
                            ""
                        }
                    ));
                }
                literal.push(c);
                continue;
            }
            match chars.next() {
                // §7.1: "%%" is a literal %, "%_" a space, "%-" a URL-encoded space.
                Some('%') => literal.push('%'),
                Some('_') => literal.push(' '),
                Some('-') => literal.push_str("%20"),
                Some('{') => {
                    let mut body = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        body.push(c);
                    }
                    if !closed {
                        return Err("a macro \"%{\" is never closed with \"}\"".to_string());
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Macro(Macro::parse(&body, context)?));
                }
                Some(other) => {
                    return Err(format!(
                        "\"%{other}\" is not a macro: a % must be followed by {{, %, _ or - (RFC 7208 §7.1)"
                    ))
                }
                None => {
                    return Err(
                        "it ends with a lone %: write %% for a percent sign (RFC 7208 §7.1)"
                            .to_string(),
                    )
                }
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(MacroString { parts })
    }

    /// Parses a `domain-spec` (§4.8, §7.1): a macro string that ends with a macro or
    /// with `.` and a top label (letters, digits and inner hyphens, not all digits).
    pub fn parse_domain_spec(text: &str) -> Result<MacroString, String> {
        if text.is_empty() {
            return Err("the domain is missing".to_string());
        }
        let spec = MacroString::parse(text, Context::DomainSpec)?;
        // §7.1: domain-end = ( "." toplabel [ "." ] ) / macro-expand.
        let ends_with_macro = matches!(spec.parts.last(), Some(Part::Macro(_)))
            || ["%%", "%_", "%-"]
                .iter()
                .any(|tail| ends_with_escape(text, tail));
        if ends_with_macro {
            return Ok(spec);
        }
        let trimmed = text.strip_suffix('.').unwrap_or(text);
        let top = match trimmed.rsplit_once('.') {
            Some((_, top)) => top,
            None => {
                return Err(format!(
                    "{text:?} is not a fully qualified domain name: it needs a dot and a top label such as .com (RFC 7208 §7.1 domain-end)"
                ))
            }
        };
        if !is_toplabel(top) {
            return Err(format!(
                "{top:?} is not a valid top label: it must be letters, digits and inner hyphens, and not only digits (RFC 7208 §7.1 toplabel)"
            ));
        }
        Ok(spec)
    }

    /// Whether the text has any macro (then it depends on the sender or the client).
    pub fn has_macros(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Macro(_)))
    }

    /// Whether expanding needs the validated client name (`%{p}`), which costs lookups.
    pub fn uses_ptr(&self) -> bool {
        self.parts
            .iter()
            .any(|part| matches!(part, Part::Macro(m) if m.letter == 'p'))
    }

    /// The text when it has no macros (escapes such as `%%` already applied).
    pub fn literal(&self) -> Option<String> {
        if self.has_macros() {
            return None;
        }
        Some(
            self.parts
                .iter()
                .map(|part| match part {
                    Part::Literal(text) => text.as_str(),
                    Part::Macro(_) => "",
                })
                .collect(),
        )
    }

    /// Expands every macro with `values` (§7.3).
    pub fn expand(&self, values: &MacroValues<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Macro(m) => out.push_str(&m.expand(values)),
            }
        }
        out
    }

    /// Expands a domain-spec into a target name: no trailing dot, and shortened from
    /// the left when longer than 253 characters (§7.3 last paragraph, §4.8).
    pub fn expand_domain(&self, values: &MacroValues<'_>) -> String {
        truncate_domain(&self.expand(values))
    }
}

/// Whether `text` ends with the escape `tail` (`%%`, `%_`, `%-`) rather than with a
/// literal `%` followed by something: counts the percent signs before the last char.
fn ends_with_escape(text: &str, tail: &str) -> bool {
    if !text.ends_with(tail) {
        return false;
    }
    let before = &text[..text.len() - tail.len()];
    // An even run of % before it pairs off into "%%" escapes ("x%%%-" is "%%" "%-").
    let percents = before.chars().rev().take_while(|&c| c == '%').count();
    percents % 2 == 0
}

/// §7.1 toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).
fn is_toplabel(label: &str) -> bool {
    let bytes = label.as_bytes();
    if bytes.is_empty()
        || !bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return false;
    }
    if label.contains('-') {
        bytes[0].is_ascii_alphanumeric() && bytes[bytes.len() - 1].is_ascii_alphanumeric()
    } else {
        bytes.iter().any(u8::is_ascii_alphabetic)
    }
}

impl Macro {
    /// Parses what stands between `%{` and `}`: letter, digits, `r`, delimiters.
    fn parse(body: &str, context: Context) -> Result<Macro, String> {
        let shown = format!("%{{{body}}}");
        let mut chars = body.chars();
        let letter = chars
            .next()
            .ok_or_else(|| format!("\"{shown}\" has no macro letter (RFC 7208 §7.1)"))?;
        let lower = letter.to_ascii_lowercase();
        match lower {
            's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v' => {}
            // §7.2: "c", "r" and "t" are allowed only in "exp" text.
            'c' | 'r' | 't' if context == Context::Explanation => {}
            'c' | 'r' | 't' => {
                return Err(format!(
                    "\"{shown}\" may only be used in an explanation (exp) text, not in a domain (RFC 7208 §7.2)"
                ))
            }
            _ => {
                return Err(format!(
                    "\"{shown}\" uses the unknown macro letter {letter:?}: the letters are s l o d i p h v, and c r t in explanations (RFC 7208 §7.2)"
                ))
            }
        }
        let rest: &str = chars.as_str();
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, rest) = rest.split_at(digits_len);
        let keep = if digits.is_empty() {
            None
        } else {
            // §7.3: "If a DIGIT is specified, the value MUST be nonzero."
            let value = digits.bytes().fold(0usize, |acc, d| {
                acc.saturating_mul(10).saturating_add(usize::from(d - b'0'))
            });
            if value == 0 {
                return Err(format!(
                    "\"{shown}\" keeps zero parts: the number must be at least 1 (RFC 7208 §7.3)"
                ));
            }
            Some(value)
        };
        // ABNF literals are case-insensitive (RFC 5234 §2.3), so "R" reverses too.
        let (reverse, rest) = match rest.strip_prefix(['r', 'R']) {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        // §7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=".
        if let Some(bad) = rest.chars().find(|c| !".-+,/_=".contains(*c)) {
            return Err(format!(
                "\"{shown}\" has {} where only the delimiters . - + , / _ = may follow (RFC 7208 §7.1)",
                describe_char(bad)
            ));
        }
        Ok(Macro {
            letter: lower,
            url_escape: letter.is_ascii_uppercase(),
            keep,
            reverse,
            delimiters: rest.to_string(),
        })
    }

    fn expand(&self, values: &MacroValues<'_>) -> String {
        let raw = match self.letter {
            's' => values.sender.to_string(),
            'l' => values.local.to_string(),
            'o' => values.sender_domain.to_string(),
            'd' => values.domain.to_string(),
            'i' => dotted_ip(values.ip),
            'p' => values.ptr.to_string(),
            // §7.3: "in-addr" for IPv4, "ip6" for IPv6.
            'v' => match values.ip {
                IpAddr::V4(_) => "in-addr".to_string(),
                IpAddr::V6(_) => "ip6".to_string(),
            },
            'h' => values.helo.to_string(),
            // §7.3: "c" is the address in its readable form (RFC 5952 for IPv6).
            'c' => values.ip.to_string(),
            'r' => values.receiver.to_string(),
            't' => values.timestamp.to_string(),
            _ => String::new(),
        };
        let transformed = self.transform(&raw);
        if self.url_escape {
            url_escape(&transformed)
        } else {
            transformed
        }
    }

    /// §7.3: split on the delimiters, reverse if asked, keep the right-hand parts,
    /// join with ".". Without transformers the value is used as it is.
    fn transform(&self, value: &str) -> String {
        if self.keep.is_none() && !self.reverse && self.delimiters.is_empty() {
            return value.to_string();
        }
        let delimiters = if self.delimiters.is_empty() {
            "."
        } else {
            self.delimiters.as_str()
        };
        let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
        if self.reverse {
            parts.reverse();
        }
        if let Some(keep) = self.keep {
            if keep < parts.len() {
                parts.drain(..parts.len() - keep);
            }
        }
        parts.join(".")
    }
}

/// `%{i}`: IPv4 dotted; IPv6 as 32 dot-separated nibbles (§7.3), in upper case. The
/// RFC fixes no case, and DNS names ignore it (RFC 4343), so only an explanation shows
/// it: §7.4's example writes lower case, the RFC 7208 test suite (openspf.org, its
/// `v-macro-ip6` test) and pyspf write upper case, and the suite is what receivers are
/// measured against.
fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut out = String::with_capacity(63);
            for byte in v6.octets() {
                if !out.is_empty() {
                    out.push('.');
                }
                let _ = write!(out, "{:X}.{:X}", byte >> 4, byte & 0x0f);
            }
            out
        }
    }
}

/// §7.3: URL escaping of every character outside RFC 3986's "unreserved" set.
fn url_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// §7.3 last paragraph: a name longer than 253 characters loses labels from the left
/// until it fits. A trailing dot is dropped first; a name whose last label alone is
/// too long is left as it is (the lookup then refuses it as invalid).
pub fn truncate_domain(name: &str) -> String {
    let mut name = name.strip_suffix('.').unwrap_or(name);
    while name.len() > MAX_DOMAIN_LEN {
        match name.split_once('.') {
            Some((_, rest)) => name = rest,
            None => break,
        }
    }
    name.to_string()
}

/// A character as a sentence can show it.
fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_string()
    } else if c.is_control() || !c.is_ascii() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("{c:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of RFC 7208 §7.4's examples.
    fn rfc_values(ip: &str) -> MacroValues<'static> {
        MacroValues {
            sender: "strong-bad@email.example.com",
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            ptr: "unknown",
            receiver: "unknown",
            timestamp: 1_700_000_000,
        }
    }

    fn expand(text: &str, ip: &str) -> String {
        MacroString::parse(text, Context::Explanation)
            .unwrap_or_else(|err| panic!("{text}: {err}"))
            .expand(&rfc_values(ip))
    }

    #[test]
    fn rfc_7208_section_7_4_examples_verbatim() {
        let v4 = "192.0.2.3";
        let cases = [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
        ];
        for (macro_text, expected) in cases {
            assert_eq!(expand(macro_text, v4), expected, "{macro_text}");
        }
        // The same name as §7.4 writes it; the nibbles are upper case (see `dotted_ip`).
        let v6 = "2001:db8::cb01";
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", v6),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn upper_case_letters_url_escape_and_escapes_expand() {
        assert_eq!(
            expand("%{S}", "192.0.2.3"),
            "strong-bad%40email.example.com"
        );
        assert_eq!(expand("100%% %_x%-y", "192.0.2.3"), "100%  x%20y");
        assert_eq!(expand("%{i}", "2001:db8::cb01").split('.').count(), 32);
        assert_eq!(expand("%{c} %{v}", "2001:db8::cb01"), "2001:db8::cb01 ip6");
        assert_eq!(expand("%{t} %{r}", "192.0.2.3"), "1700000000 unknown");
        assert_eq!(expand("%{h}", "192.0.2.3"), "mx.example.org");
        // More parts asked for than there are: all of them.
        assert_eq!(
            expand("%{d99999999999999999999999}", "192.0.2.3"),
            "email.example.com"
        );
        assert_eq!(expand("%{lR-}", "192.0.2.3"), "bad.strong");
    }

    /// RFC 7208 §7: every malformed macro is a syntax error, so a permerror.
    #[test]
    fn section_7_permerror_table() {
        let bad_anywhere = [
            ("%", "lone %"),
            ("%a", "not a macro"),
            ("%{", "never closed"),
            ("%{}", "no macro letter"),
            ("%{x}", "unknown macro letter"),
            ("%{d0}", "zero parts"),
            ("%{d2x}", "delimiters"),
            ("%{i r}", "delimiters"),
            ("a\u{7}b", "U+0007"),
            ("é", "U+00E9"),
        ];
        for (text, why) in bad_anywhere {
            for context in [Context::DomainSpec, Context::Explanation] {
                let err = MacroString::parse(text, context).unwrap_err();
                assert!(err.contains(why), "{text:?}: {err}");
            }
        }
        for letter in ["c", "r", "t", "C"] {
            let text = format!("%{{{letter}}}.example.com");
            let err = MacroString::parse_domain_spec(&text).unwrap_err();
            assert!(err.contains("§7.2"), "{err}");
            assert!(MacroString::parse(&text, Context::Explanation).is_ok());
        }
        assert!(MacroString::parse("a b", Context::DomainSpec).is_err());
        assert!(MacroString::parse("a b", Context::Explanation).is_ok());
    }

    #[test]
    fn domain_specs_must_end_in_a_top_label_or_a_macro() {
        for good in [
            "example.com",
            "example.com.",
            "_spf.example.com",
            "%{d}",
            "%{ir}.%{v}._spf.%{d2}",
            "%{l}.example.com",
            "foo.example-dash",
            "foo.1-1",
            "foo:bar/baz.example.com",
            "x.%%",
        ] {
            assert!(MacroString::parse_domain_spec(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "localhost",
            "museum.",
            "example.123",
            "foo.example.-com",
            "foo.example.com-",
            "%{d}.",
            "%{d}com",
            "example..",
        ] {
            assert!(MacroString::parse_domain_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn literal_text_and_ptr_use_are_known_before_expansion() {
        let plain = MacroString::parse_domain_spec("_spf.example.com").unwrap();
        assert_eq!(plain.literal().as_deref(), Some("_spf.example.com"));
        assert!(!plain.has_macros());
        let with = MacroString::parse_domain_spec("%{p}.example.com").unwrap();
        assert!(with.uses_ptr() && with.has_macros() && with.literal().is_none());
    }

    #[test]
    fn long_expansions_lose_labels_from_the_left() {
        let label = "a".repeat(60);
        let long = format!("{label}.{label}.{label}.{label}.{label}.example.com.");
        let short = truncate_domain(&long);
        assert!(short.len() <= MAX_DOMAIN_LEN, "{}", short.len());
        assert!(short.ends_with(".example.com"));
        // 316 characters: two labels of 61 must go to fit (255 would still be too long).
        assert_eq!(short.split('.').count(), 5);
        assert_eq!(truncate_domain("example.com."), "example.com");
        let spec = MacroString::parse_domain_spec("%{l}.%{l}.%{l}.%{l}.%{l}.example.com").unwrap();
        let mut values = rfc_values("192.0.2.3");
        values.local = &label;
        assert_eq!(spec.expand_domain(&values), short);
    }
}
