//! One SPF record's text parsed into terms (RFC 7208 §4.5, §4.6, §5, §6, §12 ABNF):
//! record selection by its version, the mechanisms with their qualifiers, the
//! `redirect=` and `exp=` modifiers, and a [`SyntaxError`] naming the offending term.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::macros::MacroString;

/// Whether a TXT string is an SPF record: exactly `v=spf1` (any case), then a space or
/// the end (§4.5: "the version section is terminated by either an SP character or the
/// end of the record").
pub fn is_spf_record(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && (bytes.len() == 6 || bytes[6] == b' ')
}

/// A qualifier (§4.6.2): what a matching mechanism makes the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `+`, also when no qualifier is written.
    Pass,
    /// `-`
    Fail,
    /// `~`
    Softfail,
    /// `?`
    Neutral,
}

/// The prefix lengths of `a` and `mx` (§5.3, §5.4, §5.6): `/cidr4` and `//cidr6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DualCidr {
    pub v4: Option<u8>,
    pub v6: Option<u8>,
}

/// A mechanism (§5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(MacroString),
    A {
        domain: Option<MacroString>,
        cidr: DualCidr,
    },
    Mx {
        domain: Option<MacroString>,
        cidr: DualCidr,
    },
    Ptr(Option<MacroString>),
    Ip4 {
        network: Ipv4Addr,
        prefix: u8,
    },
    Ip6 {
        network: Ipv6Addr,
        prefix: u8,
    },
    Exists(MacroString),
}

impl Mechanism {
    /// Whether evaluating it queries DNS, so it counts towards the limit of 10 (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

/// A qualifier and a mechanism, with the term as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub qualifier: Qualifier,
    pub mechanism: Mechanism,
    pub text: String,
}

/// A modifier the evaluation ignores (§6: "unrecognized modifiers MUST be ignored").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownModifier {
    pub name: String,
    pub text: String,
}

/// A parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The mechanisms in the order written (§4.6.2: evaluated left to right).
    pub directives: Vec<Directive>,
    /// `redirect=`: its domain-spec and the term as written.
    pub redirect: Option<(MacroString, String)>,
    /// `exp=`: its domain-spec and the term as written.
    pub exp: Option<(MacroString, String)>,
    pub unknown_modifiers: Vec<UnknownModifier>,
}

impl Record {
    /// Whether the record has an `all` mechanism (then `redirect=` is ignored, §6.1).
    pub fn has_all(&self) -> bool {
        self.directives
            .iter()
            .any(|d| d.mechanism == Mechanism::All)
    }
}

/// A syntax error: the term and why it is wrong. `Display` is a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub term: String,
    pub reason: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the term {:?} is not valid: {}", self.term, self.reason)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses a record that [`is_spf_record`] selected. Any error anywhere in it makes the
/// whole record a permerror (§4.6: "If there are any syntax errors anywhere in the
/// record, check_host() returns immediately with the result permerror").
pub fn parse(text: &str) -> Result<Record, SyntaxError> {
    if !is_spf_record(text) {
        let version = text.split(' ').next().unwrap_or_default();
        return Err(SyntaxError {
            term: version.to_string(),
            reason: "an SPF record starts with exactly v=spf1 (RFC 7208 §4.5)".to_string(),
        });
    }
    let mut record = Record {
        directives: Vec::new(),
        redirect: None,
        exp: None,
        unknown_modifiers: Vec::new(),
    };
    // §12: terms = *( 1*SP ( directive / modifier ) ); SP is the space character only.
    for term in text[6..].split(' ').filter(|term| !term.is_empty()) {
        let error = |reason: String| SyntaxError {
            term: term.to_string(),
            reason,
        };
        if let Some((name, value)) = modifier_parts(term) {
            // §4.6.1: modifier names are case-insensitive.
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                "redirect" | "exp" => {
                    let spec = MacroString::parse_domain_spec(value).map_err(error)?;
                    let slot = if lower == "redirect" {
                        &mut record.redirect
                    } else {
                        &mut record.exp
                    };
                    // §6: "redirect" and "exp" MUST NOT appear more than once each.
                    if slot.is_some() {
                        return Err(error(format!(
                            "{lower}= appears more than once, and may appear at most once (RFC 7208 §6)"
                        )));
                    }
                    *slot = Some((spec, term.to_string()));
                }
                _ => {
                    // §6: unknown modifiers are ignored, but their value must still be a
                    // valid macro-string (§12 unknown-modifier = name "=" macro-string).
                    MacroString::parse(value, super::macros::Context::DomainSpec).map_err(error)?;
                    record.unknown_modifiers.push(UnknownModifier {
                        name: name.to_string(),
                        text: term.to_string(),
                    });
                }
            }
            continue;
        }
        let directive = parse_directive(term).map_err(error)?;
        record.directives.push(directive);
    }
    Ok(record)
}

/// `name=value` when the term is a modifier (§12: name = ALPHA *( ALPHA / DIGIT / "-"
/// / "_" / "." )).
fn modifier_parts(term: &str) -> Option<(&str, &str)> {
    let (name, value) = term.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then_some((name, value))
}

fn parse_directive(term: &str) -> Result<Directive, String> {
    // §4.6.2: the qualifier is optional; "+" is the default.
    let (qualifier, rest) = match term.chars().next() {
        Some('+') => (Qualifier::Pass, &term[1..]),
        Some('-') => (Qualifier::Fail, &term[1..]),
        Some('~') => (Qualifier::Softfail, &term[1..]),
        Some('?') => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let name_end = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, args) = rest.split_at(name_end);
    // §4.6.1: mechanism names are case-insensitive.
    let mechanism = match name.to_ascii_lowercase().as_str() {
        // §5.1: all takes no argument.
        "all" if args.is_empty() => Mechanism::All,
        "all" => return Err("all takes no domain or prefix length (RFC 7208 §5.1)".to_string()),
        // §5.2: include:<domain-spec>, required.
        "include" => Mechanism::Include(required_domain("include", args)?),
        // §5.3, §5.4: a and mx take [":" domain-spec] [dual-cidr-length].
        "a" => {
            let (domain, cidr) = domain_and_cidr("a", args)?;
            Mechanism::A { domain, cidr }
        }
        "mx" => {
            let (domain, cidr) = domain_and_cidr("mx", args)?;
            Mechanism::Mx { domain, cidr }
        }
        // §5.5: ptr [":" domain-spec], no prefix length.
        "ptr" => match args.strip_prefix(':') {
            None if args.is_empty() => Mechanism::Ptr(None),
            None => return Err("ptr takes no prefix length (RFC 7208 §5.5)".to_string()),
            Some(spec) => Mechanism::Ptr(Some(MacroString::parse_domain_spec(spec)?)),
        },
        // §5.6: ip4:<ip4-network>[/<cidr>], ip6:<ip6-network>[/<cidr>].
        "ip4" => {
            let (network, prefix) = ip_network(args, 32)?;
            let network = parse_ipv4(network).ok_or_else(|| {
                format!("{network:?} is not an IPv4 address in dotted form without leading zeros (RFC 7208 §5.6)")
            })?;
            Mechanism::Ip4 {
                network,
                prefix: prefix.unwrap_or(32),
            }
        }
        "ip6" => {
            let (network, prefix) = ip_network(args, 128)?;
            let network = network.parse::<Ipv6Addr>().map_err(|_| {
                format!("{network:?} is not an IPv6 address (RFC 7208 §5.6, RFC 4291 §2.2)")
            })?;
            Mechanism::Ip6 {
                network,
                prefix: prefix.unwrap_or(128),
            }
        }
        // §5.7: exists:<domain-spec>, required.
        "exists" => Mechanism::Exists(required_domain("exists", args)?),
        _ => {
            return Err(format!(
                "{name:?} is neither a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) nor a modifier (name=value) (RFC 7208 §4.6.1, §5)"
            ))
        }
    };
    Ok(Directive {
        qualifier,
        mechanism,
        text: term.to_string(),
    })
}

/// `:domain-spec` where it is required (include, exists).
fn required_domain(name: &str, args: &str) -> Result<MacroString, String> {
    match args.strip_prefix(':') {
        Some(spec) => MacroString::parse_domain_spec(spec),
        None => Err(format!(
            "{name} needs a domain, as in {name}:example.com (RFC 7208 §5)"
        )),
    }
}

/// `[":" domain-spec] [ "/" cidr4 ] [ "//" cidr6 ]` of `a` and `mx` (§5.3, §5.4, §5.6).
/// The prefix lengths are read from the end, since a domain-spec may hold a `/`.
fn domain_and_cidr(name: &str, args: &str) -> Result<(Option<MacroString>, DualCidr), String> {
    let mut rest = args;
    let mut cidr = DualCidr::default();
    if let Some(at) = rest.rfind("//") {
        let digits = &rest[at + 2..];
        if is_digits(digits) {
            cidr.v6 = Some(prefix_length(digits, 128)?);
            rest = &rest[..at];
        }
    }
    if let Some(at) = rest.rfind('/') {
        let digits = &rest[at + 1..];
        if is_digits(digits) && !rest[..at].ends_with('/') {
            cidr.v4 = Some(prefix_length(digits, 32)?);
            rest = &rest[..at];
        }
    }
    let domain = match rest.strip_prefix(':') {
        Some(spec) => Some(MacroString::parse_domain_spec(spec)?),
        None if rest.is_empty() => None,
        None => {
            return Err(format!(
                "{name} is followed by {rest:?}: write {name}, {name}:domain, {name}/24 or {name}:domain/24//64 (RFC 7208 §5.3, §5.4)"
            ))
        }
    };
    Ok((domain, cidr))
}

/// `network[/length]` of `ip4` and `ip6`.
fn ip_network(args: &str, max: u8) -> Result<(&str, Option<u8>), String> {
    let Some(args) = args.strip_prefix(':') else {
        return Err(
            "an address is needed, as in ip4:192.0.2.0/24 or ip6:2001:db8::/32 (RFC 7208 §5.6)"
                .to_string(),
        );
    };
    match args.split_once('/') {
        None => Ok((args, None)),
        Some((network, digits)) if is_digits(digits) => {
            Ok((network, Some(prefix_length(digits, max)?)))
        }
        Some((_, length)) => Err(format!(
            "the prefix length {length:?} is not a number from 0 to {max} (RFC 7208 §5.6)"
        )),
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// §5.6: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), 0 to 32; ip6 0 to 128.
fn prefix_length(digits: &str, max: u8) -> Result<u8, String> {
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!(
            "the prefix length /{digits} has a leading zero (RFC 7208 §5.6)"
        ));
    }
    match digits.parse::<u8>() {
        Ok(length) if length <= max => Ok(length),
        _ => Err(format!(
            "the prefix length /{digits} is out of range: it must be 0 to {max} (RFC 7208 §5.6)"
        )),
    }
}

/// §5.6: ip4-network = qnum "." qnum "." qnum "." qnum, each 0-255 without leading zeros.
fn parse_ipv4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if !is_digits(part) || part.len() > 3 || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(text: &str) -> Vec<Mechanism> {
        parse(text)
            .unwrap_or_else(|err| panic!("{text}: {err}"))
            .directives
            .into_iter()
            .map(|d| d.mechanism)
            .collect()
    }

    #[test]
    fn selects_records_by_exact_version() {
        for yes in ["v=spf1", "v=spf1 -all", "V=SPF1 a", "v=Spf1  mx"] {
            assert!(is_spf_record(yes), "{yes}");
        }
        for no in [
            "v=spf10",
            "v=spf1\t-all",
            " v=spf1",
            "spf1",
            "v=spf2.0/pra",
            "",
        ] {
            assert!(!is_spf_record(no), "{no}");
        }
    }

    #[test]
    fn parses_every_mechanism_with_qualifiers_and_cidrs() {
        let record = parse(
            "v=spf1 +a -mx:mail.example.com/24//64 ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 \
             exists:%{i}.bl.example.org include:_spf.example.net A/0 MX//0 ip4:192.0.2.1 -ALL",
        )
        .unwrap();
        let qualifiers: Vec<Qualifier> = record.directives.iter().map(|d| d.qualifier).collect();
        assert_eq!(
            qualifiers[..4],
            [
                Qualifier::Pass,
                Qualifier::Fail,
                Qualifier::Softfail,
                Qualifier::Neutral
            ]
        );
        let m: Vec<&Mechanism> = record.directives.iter().map(|d| &d.mechanism).collect();
        assert_eq!(
            m[0],
            &Mechanism::A {
                domain: None,
                cidr: DualCidr::default()
            }
        );
        match m[1] {
            Mechanism::Mx {
                domain: Some(d),
                cidr,
            } => {
                assert_eq!(d.literal().as_deref(), Some("mail.example.com"));
                assert_eq!(
                    *cidr,
                    DualCidr {
                        v4: Some(24),
                        v6: Some(64)
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(m[2], &Mechanism::Ptr(None));
        assert_eq!(
            m[3],
            &Mechanism::Ip4 {
                network: "192.0.2.0".parse().unwrap(),
                prefix: 24
            }
        );
        assert_eq!(
            m[4],
            &Mechanism::Ip6 {
                network: "2001:db8::".parse().unwrap(),
                prefix: 32
            }
        );
        assert!(matches!(m[5], Mechanism::Exists(spec) if spec.has_macros()));
        assert!(matches!(m[6], Mechanism::Include(_)));
        assert_eq!(
            m[7],
            &Mechanism::A {
                domain: None,
                cidr: DualCidr {
                    v4: Some(0),
                    v6: None
                }
            }
        );
        assert_eq!(
            m[8],
            &Mechanism::Mx {
                domain: None,
                cidr: DualCidr {
                    v4: None,
                    v6: Some(0)
                }
            }
        );
        assert_eq!(
            m[9],
            &Mechanism::Ip4 {
                network: "192.0.2.1".parse().unwrap(),
                prefix: 32
            }
        );
        assert_eq!(m[10], &Mechanism::All);
        assert_eq!(record.directives[10].text, "-ALL");
        assert!(record.has_all());
    }

    #[test]
    fn modifiers_redirect_exp_and_unknown() {
        let record =
            parse("v=spf1 mx redirect=_spf.example.com exp=explain.%{d} foo=bar.%{d} x-y.z=")
                .unwrap();
        assert_eq!(record.redirect.unwrap().1, "redirect=_spf.example.com");
        assert_eq!(record.exp.unwrap().1, "exp=explain.%{d}");
        let names: Vec<&str> = record
            .unknown_modifiers
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["foo", "x-y.z"]);
        assert!(!parse("v=spf1 REDIRECT=example.com").unwrap().has_all());
        // "include=" is a modifier by the grammar, so ignored (the linter warns).
        assert!(directives("v=spf1 include=example.com").is_empty());
    }

    #[test]
    fn domain_specs_may_hold_any_visible_character() {
        match &directives("v=spf1 a:foo:bar/baz.example.com")[0] {
            Mechanism::A {
                domain: Some(d),
                cidr,
            } => {
                assert_eq!(d.literal().as_deref(), Some("foo:bar/baz.example.com"));
                assert_eq!(*cidr, DualCidr::default());
            }
            other => panic!("{other:?}"),
        }
    }

    /// What each section makes a permerror, with the word the error must contain.
    #[test]
    fn permerror_table_by_section() {
        let table: &[(&str, &str, &str)] = &[
            // §4.6.1 / §12: terms are mechanisms or name=value modifiers.
            ("§4.6.1", "v=spf1 foo", "neither a mechanism"),
            (
                "§4.6.1",
                "v=spf1 -redirect=x.example",
                "neither a mechanism",
            ),
            ("§4.6.1", "v=spf1 1x=y", "neither a mechanism"),
            ("§4.6.1", "v=spf1 ip4", "address is needed"),
            ("§12", "v=spf1 foo=%", "lone %"),
            // §5.1
            ("§5.1", "v=spf1 all:example.com", "no domain"),
            ("§5.1", "v=spf1 -all/24", "no domain"),
            // §5.2, §5.7: required domain-spec.
            ("§5.2", "v=spf1 include", "needs a domain"),
            ("§5.2", "v=spf1 include:", "missing"),
            ("§5.7", "v=spf1 exists", "needs a domain"),
            // §5.3 / §5.4 / §5.6: prefix lengths.
            ("§5.3", "v=spf1 a/33", "out of range"),
            ("§5.3", "v=spf1 a//129", "out of range"),
            ("§5.3", "v=spf1 a/024", "leading zero"),
            ("§5.3", "v=spf1 a//064", "leading zero"),
            ("§5.3", "v=spf1 a:", "missing"),
            ("§5.4", "v=spf1 mx/", "followed by"),
            ("§5.4", "v=spf1 mx:example.com/24/", "top label"),
            ("§5.5", "v=spf1 ptr/24", "no prefix"),
            ("§5.6", "v=spf1 ip4:192.0.2.0/33", "out of range"),
            ("§5.6", "v=spf1 ip4:192.0.2.0/08", "leading zero"),
            ("§5.6", "v=spf1 ip4:192.0.2", "dotted"),
            ("§5.6", "v=spf1 ip4:192.0.02.1", "dotted"),
            ("§5.6", "v=spf1 ip4:256.0.0.1", "dotted"),
            ("§5.6", "v=spf1 ip4:192.0.2.1/", "prefix length"),
            ("§5.6", "v=spf1 ip6:2001:db8::/129", "out of range"),
            ("§5.6", "v=spf1 ip6:192.0.2.1", "IPv6"),
            ("§5.6", "v=spf1 ip6:2001:db8::/x", "prefix length"),
            // §6: each of redirect and exp at most once.
            (
                "§6",
                "v=spf1 redirect=a.example redirect=b.example",
                "more than once",
            ),
            ("§6", "v=spf1 exp=a.example EXP=b.example", "more than once"),
            ("§6.1", "v=spf1 redirect=", "missing"),
            // §7.1: domain-end and macros.
            ("§7.1", "v=spf1 include:localhost", "fully qualified"),
            ("§7.1", "v=spf1 a:foo.example.123", "top label"),
            (
                "§7.1",
                "v=spf1 exists:%{x}.example.com",
                "unknown macro letter",
            ),
            ("§7.2", "v=spf1 exists:%{t}.example.com", "§7.2"),
            ("§7.3", "v=spf1 exists:%{d0}.example.com", "zero parts"),
            ("§7.1", "v=spf1 a:mail.example.com\0", "U+0000"),
        ];
        for (section, text, why) in table {
            let err = parse(text).expect_err(text);
            let sentence = err.to_string();
            assert!(sentence.contains(why), "{section} {text}: {sentence}");
            // The error names the offending term.
            assert!(
                text.split(' ').any(|term| term == err.term),
                "{section} {text}: {:?}",
                err.term
            );
        }
    }

    #[test]
    fn the_first_bad_term_is_named() {
        let err = parse("v=spf1 a ip4:1.2.3 mx").unwrap_err();
        assert_eq!(err.term, "ip4:1.2.3");
        assert!(err
            .to_string()
            .starts_with("the term \"ip4:1.2.3\" is not valid:"));
    }

    proptest::proptest! {
        /// Records are untrusted text from DNS: parsing never panics, and an error
        /// always names a term of the record.
        #[test]
        fn parsing_never_panics(tail in "[ -~\u{0}-\u{1f}\u{80}-\u{10ffff}]{0,120}") {
            let text = format!("v=spf1 {tail}");
            if let Err(err) = parse(&text) {
                proptest::prop_assert!(text.split(' ').any(|term| term == err.term));
            }
        }

        #[test]
        fn terms_of_spf_characters_never_panic(tail in "[a-z0-9:/.%{}_+~?=-]{0,80}( [a-z0-9:/.%{}_+~?=-]{0,40}){0,4}") {
            let _ = parse(&format!("v=spf1 {tail}"));
        }
    }
}
