//! Lengths of time as people type them: a whole number and a unit, `30s`, `15m`,
//! `6h`, `1d`. One parser for every place that takes one: `audit --since`, a
//! watch's `every:` and `mute for:`, and the catalogue's watch intervals.
//!
//! Combinations (`1h30m`) and other units are refused with a sentence that says
//! what is accepted: a span is written one way, so it reads back the same.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The units a span takes, largest first (the order [`Span`]'s `Display` tries them).
const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// A span of whole seconds, as typed (`6h`) or as the catalogue writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    seconds: u64,
}

/// Why a text is not a span. The `Display` says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{quoted} is not a length of time: give a whole number and a unit (s, m, h or d), such as 30s, 15m, 6h or 1d")]
pub struct SpanError {
    /// The input, quoted and cut short for the message.
    quoted: String,
}

/// Longest piece of the input quoted back in a message.
const ECHO_LEN: usize = 40;

impl Span {
    /// Parses `30s`, `15m`, `6h` or `1d` (surrounding spaces and an upper-case unit
    /// accepted). Zero (`0m`) is a span; callers that need more say so.
    pub fn parse(input: &str) -> Result<Span, SpanError> {
        let text = input.trim();
        let refuse = || SpanError {
            quoted: format!("{:?}", text.chars().take(ECHO_LEN).collect::<String>()),
        };
        let unit = text.chars().last().ok_or_else(refuse)?;
        let number = &text[..text.len() - unit.len_utf8()];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse());
        }
        let per_unit = UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&unit))
            .map(|(_, seconds)| *seconds)
            .ok_or_else(refuse)?;
        number
            .parse::<u64>()
            .ok()
            .and_then(|count| count.checked_mul(per_unit))
            .map(Span::from_seconds)
            .ok_or_else(refuse)
    }

    /// A span of `seconds` seconds.
    pub const fn from_seconds(seconds: u64) -> Span {
        Span { seconds }
    }

    pub const fn seconds(self) -> u64 {
        self.seconds
    }

    /// The span in milliseconds, saturating at `u64::MAX` (past 500 million years).
    pub const fn millis(self) -> u64 {
        self.seconds.saturating_mul(1000)
    }

    pub const fn as_duration(self) -> Duration {
        Duration::from_secs(self.seconds)
    }
}

/// The largest unit that writes the span exactly: `6h`, `90m`, `45s`, `0s`. What it
/// writes, [`Span::parse`] reads back to the same span.
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, per_unit) = UNITS
            .iter()
            .find(|(_, per_unit)| self.seconds.is_multiple_of(*per_unit) && self.seconds > 0)
            .copied()
            .unwrap_or(('s', 1));
        write!(f, "{}{unit}", self.seconds / per_unit)
    }
}

impl std::str::FromStr for Span {
    type Err = SpanError;

    fn from_str(text: &str) -> Result<Span, SpanError> {
        Span::parse(text)
    }
}

/// A catalogue writes a span as a string (`every = "6h"`); a bad one is refused with
/// [`SpanError`]'s sentence, at its line.
impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let text = String::deserialize(deserializer)?;
        Span::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_unit_is_read() {
        assert_eq!(Span::parse("30s"), Ok(Span::from_seconds(30)));
        assert_eq!(Span::parse("15m"), Ok(Span::from_seconds(900)));
        assert_eq!(Span::parse(" 6H "), Ok(Span::from_seconds(21_600)));
        assert_eq!(Span::parse("1d"), Ok(Span::from_seconds(86_400)));
        assert_eq!(Span::parse("0m"), Ok(Span::from_seconds(0)));
        assert_eq!(
            Span::parse("7d").unwrap().as_duration(),
            Duration::from_secs(604_800)
        );
        assert_eq!(Span::parse("2m").unwrap().millis(), 120_000);
    }

    #[test]
    fn anything_else_says_what_is_accepted() {
        for bad in [
            "",
            "m",
            "7",
            "7w",
            "-3d",
            "+3d",
            "1.5h",
            "1h30m",
            "1 h",
            "six hours",
            "3dd",
            "٣d",
            "99999999999999999999d",
        ] {
            let err = Span::parse(bad).unwrap_err().to_string();
            assert!(err.contains("such as 30s, 15m, 6h or 1d"), "{bad}: {err}");
        }
        let long = Span::parse(&"9".repeat(500)).unwrap_err().to_string();
        assert!(long.len() < 200, "{long}");
    }

    #[test]
    fn display_takes_the_largest_exact_unit() {
        for (seconds, text) in [
            (0, "0s"),
            (45, "45s"),
            (90, "90s"),
            (5_400, "90m"),
            (3_600, "1h"),
            (86_400, "1d"),
            (90_000, "25h"),
        ] {
            assert_eq!(Span::from_seconds(seconds).to_string(), text);
        }
    }

    #[test]
    fn a_catalogue_writes_spans_as_strings() {
        #[derive(Deserialize)]
        struct File {
            every: Span,
        }
        let file: File = toml::from_str("every = \"6h\"").unwrap();
        assert_eq!(file.every, Span::from_seconds(21_600));
        let err = toml::from_str::<File>("every = \"6 hours\"")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("such as 30s"), "{err}");
    }

    proptest! {
        #[test]
        fn no_input_panics(text in "\\PC{0,40}") {
            let _ = Span::parse(&text);
        }

        #[test]
        fn what_display_writes_parses_back(seconds in 0u64..10_000_000_000) {
            let span = Span::from_seconds(seconds);
            prop_assert_eq!(Span::parse(&span.to_string()), Ok(span));
        }
    }
}
