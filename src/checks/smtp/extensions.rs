//! What an EHLO reply offers: the keyword lines, and from them the AUTH mechanisms,
//! the SIZE limit and whether STARTTLS is there, and a line for people.
//!
//! Parsed once, in one pass over the reply: a server controls the reply, so nothing
//! here may cost more than linear time in it, and what is kept is bounded (RFC 4422
//! mechanism names: at most [`MAX_MECHANISMS`] of at most [`MAX_MECHANISM_LEN`]
//! characters from `[A-Z0-9_-]`).

use std::collections::HashSet;

use super::reply::Reply;
use crate::wording::{megabytes, shorten};

/// The most AUTH mechanisms kept; real servers offer three to six.
pub const MAX_MECHANISMS: usize = 32;

/// The longest mechanism name kept (RFC 4422 §3.1: at most 20 characters).
pub const MAX_MECHANISM_LEN: usize = 20;

/// A keyword line is shown up to this many characters.
const MAX_KEYWORD_SHOWN: usize = 120;

/// What EHLO told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Extensions {
    /// The keyword lines (everything after the first line of the reply).
    pub(super) keywords: Vec<String>,
    /// The AUTH mechanisms, upper case, each once, in the order offered.
    auth: Vec<String>,
    /// Mechanisms left out: over the count, too long, or not RFC 4422 names.
    auth_dropped: usize,
    /// `SIZE` in bytes; `None` without a limit (absent, or `SIZE 0`).
    size: Option<u64>,
    starttls: bool,
}

impl Extensions {
    pub(super) fn from_reply(reply: &Reply) -> Self {
        let keywords: Vec<String> = reply
            .lines
            .iter()
            .skip(1)
            .map(|l| l.trim().to_string())
            .collect();
        let mut auth = Vec::new();
        let mut seen = HashSet::new();
        let mut auth_dropped = 0;
        let mut size = None;
        let mut starttls = false;
        for line in &keywords {
            let (keyword, rest) = split_keyword(line);
            if keyword.eq_ignore_ascii_case("STARTTLS") {
                starttls = true;
            } else if keyword.eq_ignore_ascii_case("SIZE") {
                size = size.or_else(|| rest.parse().ok().filter(|&bytes| bytes > 0));
            } else if keyword.eq_ignore_ascii_case("AUTH") {
                for mechanism in rest.split_whitespace() {
                    let mechanism = mechanism.to_ascii_uppercase();
                    if seen.contains(&mechanism) {
                        continue;
                    }
                    if auth.len() < MAX_MECHANISMS && is_mechanism_name(&mechanism) {
                        seen.insert(mechanism.clone());
                        auth.push(mechanism);
                    } else {
                        auth_dropped += 1;
                    }
                }
            }
        }
        Extensions {
            keywords,
            auth,
            auth_dropped,
            size,
            starttls,
        }
    }

    pub(super) fn has_starttls(&self) -> bool {
        self.starttls
    }

    /// The mechanisms of `AUTH PLAIN LOGIN` (or the old `AUTH=PLAIN LOGIN`), upper
    /// case, each once.
    pub(super) fn auth(&self) -> &[String] {
        &self.auth
    }

    /// How many offered mechanisms were left out (not RFC 4422 names, or too many).
    #[cfg(test)]
    pub(super) fn auth_dropped(&self) -> usize {
        self.auth_dropped
    }

    /// `SIZE 36700160` in bytes; `None` without a limit (absent, or `SIZE 0`).
    pub(super) fn size(&self) -> Option<u64> {
        self.size
    }

    /// The keywords for people: `STARTTLS, SIZE 36.7 MB, AUTH PLAIN LOGIN`, each
    /// cut to a readable length, and how many mechanisms were left out.
    pub(super) fn describe(&self) -> String {
        if self.keywords.is_empty() {
            return "no extensions offered".to_string();
        }
        let mut text = self
            .keywords
            .iter()
            .map(|line| match self.size {
                Some(bytes) if split_keyword(line).0.eq_ignore_ascii_case("SIZE") => {
                    format!("SIZE {}", megabytes(bytes))
                }
                _ => shorten(line, MAX_KEYWORD_SHOWN),
            })
            .collect::<Vec<_>>()
            .join(", ");
        if self.auth_dropped > 0 {
            text.push_str(&format!(
                " ({} AUTH mechanism names left out: not RFC 4422 names, repeated, or past the first {MAX_MECHANISMS})",
                self.auth_dropped
            ));
        }
        text
    }
}

/// `AUTH PLAIN LOGIN` into `AUTH` and `PLAIN LOGIN`; the old `AUTH=PLAIN` form too.
fn split_keyword(line: &str) -> (&str, &str) {
    match line.split_once([' ', '=']) {
        Some((keyword, rest)) => (keyword, rest.trim()),
        None => (line, ""),
    }
}

/// RFC 4422 §3.1: 1 to 20 characters from upper-case letters, digits, `-` and `_`.
fn is_mechanism_name(name: &str) -> bool {
    (1..=MAX_MECHANISM_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(lines: &[&str]) -> Extensions {
        Extensions::from_reply(&Reply {
            code: 250,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        })
    }

    #[test]
    fn ehlo_keywords_give_auth_size_and_starttls() {
        let ext = extensions(&[
            "mail.example.com Hello",
            "PIPELINING",
            "SIZE 36700160",
            "STARTTLS",
            "AUTH PLAIN LOGIN",
            "AUTH=LOGIN",
        ]);
        assert!(ext.has_starttls());
        assert_eq!(ext.auth(), ["PLAIN", "LOGIN"]);
        assert_eq!(ext.size(), Some(36_700_160));
        assert_eq!(
            ext.describe(),
            "PIPELINING, SIZE 36.7 MB, STARTTLS, AUTH PLAIN LOGIN, AUTH=LOGIN"
        );
    }

    #[test]
    fn no_size_or_size_zero_means_no_declared_limit() {
        assert_eq!(extensions(&["x", "SIZE"]).size(), None);
        assert_eq!(extensions(&["x", "SIZE 0"]).size(), None);
        assert_eq!(extensions(&["x"]).auth(), Vec::<String>::new());
        assert!(!extensions(&["x", "STARTTLSX"]).has_starttls());
    }

    #[test]
    fn mechanisms_are_bounded_in_count_length_and_alphabet() {
        let many: Vec<String> = (0..500).map(|i| format!("M{i}")).collect();
        let line = format!(
            "AUTH {} PLAIN plain {} BAD!NAME",
            many.join(" "),
            "X".repeat(21)
        );
        let ext = extensions(&["x", &line]);
        assert_eq!(ext.auth().len(), MAX_MECHANISMS);
        assert_eq!(ext.auth()[0], "M0");
        assert_eq!(
            ext.auth()[MAX_MECHANISMS - 1],
            format!("M{}", MAX_MECHANISMS - 1)
        );
        // 500 names, then PLAIN (past the cap), plain (a repeat once upper-cased
        // only if PLAIN was kept: it was not), the 21-character name and BAD!NAME.
        assert_eq!(ext.auth_dropped(), 500 - MAX_MECHANISMS + 4);
    }
}
