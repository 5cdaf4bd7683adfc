//! What an EHLO reply offers: the keyword lines, and from them the AUTH mechanisms,
//! the SIZE limit and whether STARTTLS is there, and a line for people.

use super::dialogue::Reply;
use crate::wording::megabytes;

/// What EHLO told us.
pub(super) struct Extensions {
    /// The keyword lines (everything after the first line of the reply).
    pub(super) keywords: Vec<String>,
}

impl Extensions {
    pub(super) fn from_reply(reply: &Reply) -> Self {
        Extensions {
            keywords: reply
                .lines
                .iter()
                .skip(1)
                .map(|l| l.trim().to_string())
                .collect(),
        }
    }

    fn keyword(&self, name: &str) -> Option<&str> {
        self.keywords.iter().find_map(|line| {
            let mut words = line.splitn(2, [' ', '=']);
            let first = words.next()?;
            first
                .eq_ignore_ascii_case(name)
                .then(|| words.next().unwrap_or("").trim())
        })
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.keyword(name).is_some()
    }

    /// The mechanisms of `AUTH PLAIN LOGIN` (or the old `AUTH=PLAIN LOGIN`), upper case.
    pub(super) fn auth(&self) -> Vec<String> {
        let mut mechanisms: Vec<String> = Vec::new();
        for line in &self.keywords {
            let upper = line.to_ascii_uppercase();
            let Some(rest) = upper
                .strip_prefix("AUTH ")
                .or_else(|| upper.strip_prefix("AUTH="))
            else {
                continue;
            };
            for mechanism in rest.split_whitespace() {
                if !mechanisms.iter().any(|m| m == mechanism) {
                    mechanisms.push(mechanism.to_string());
                }
            }
        }
        mechanisms
    }

    /// `SIZE 36700160` in bytes; `None` without a limit (absent, or `SIZE 0`).
    pub(super) fn size(&self) -> Option<u64> {
        self.keyword("SIZE")?
            .parse()
            .ok()
            .filter(|&bytes| bytes > 0)
    }

    /// The keywords for people: `STARTTLS, SIZE 36.7 MB, AUTH PLAIN LOGIN`.
    pub(super) fn describe(&self) -> String {
        if self.keywords.is_empty() {
            return "no extensions offered".to_string();
        }
        self.keywords
            .iter()
            .map(|line| match self.size() {
                Some(bytes) if line.to_ascii_uppercase().starts_with("SIZE") => {
                    format!("SIZE {}", megabytes(bytes))
                }
                _ => line.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
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
        assert!(ext.has("starttls"));
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
        assert!(!extensions(&["x", "STARTTLSX"]).has("STARTTLS"));
    }
}
