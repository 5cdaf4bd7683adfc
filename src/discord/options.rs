//! Reading a slash command's options, with the one error type of option reading:
//! an option missing or of the wrong type (named, with what it accepts), or a value
//! the check's own `from_input` refused (its sentence).

use super::incoming::OptionValue;
use crate::render::discord::escape;
use crate::wording::capitalise;

/// A command's options by name.
pub struct Options<'a>(pub &'a [(String, OptionValue)]);

/// An option Discord should have enforced but that arrived wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    #[error("The option `{0}` is missing.")]
    Missing(&'static str),
    #[error("The option `{name}` must be {expected}.")]
    WrongType {
        name: &'static str,
        expected: &'static str,
    },
    /// The check refused the value; the sentence says what it accepts.
    #[error("{0}")]
    Invalid(String),
}

/// A check's input error as an [`OptionError`]: its sentence as a reply writes it.
pub fn invalid(error: impl std::fmt::Display) -> OptionError {
    OptionError::Invalid(sentence(error))
}

/// A check's input error as a reply sentence: the checks write clauses ("that looks
/// like…"), a reply starts with a capital and ends with a full stop. The error may
/// quote what the user typed, so markdown in it is escaped (shown as typed).
pub fn sentence(error: impl std::fmt::Display) -> String {
    let text = escape(&capitalise(&error.to_string()));
    if text.ends_with(['.', '!', '?']) {
        text
    } else {
        format!("{text}.")
    }
}

impl Options<'_> {
    fn get(&self, name: &str) -> Option<&OptionValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn string(&self, name: &'static str) -> Result<Option<&str>, OptionError> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::String(text)) => Ok(Some(text)),
            Some(_) => Err(OptionError::WrongType {
                name,
                expected: "text",
            }),
        }
    }

    pub fn required_string(&self, name: &'static str) -> Result<&str, OptionError> {
        self.string(name)?.ok_or(OptionError::Missing(name))
    }

    pub fn integer(&self, name: &'static str) -> Result<Option<i64>, OptionError> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Integer(number)) => Ok(Some(*number)),
            Some(_) => Err(OptionError::WrongType {
                name,
                expected: "a whole number",
            }),
        }
    }

    /// The subcommand given (`/watch add …`): its name and its options.
    pub fn subcommand(&self) -> Option<(&str, Options<'_>)> {
        self.0.iter().find_map(|(name, value)| match value {
            OptionValue::SubCommand(options) => Some((name.as_str(), Options(options))),
            _ => None,
        })
    }

    /// A channel option's id.
    pub fn channel(&self, name: &'static str) -> Result<Option<u64>, OptionError> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Channel(id)) => Ok(Some(*id)),
            Some(_) => Err(OptionError::WrongType {
                name,
                expected: "a channel",
            }),
        }
    }

    /// A role option's id.
    pub fn role(&self, name: &'static str) -> Result<Option<u64>, OptionError> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Role(id)) => Ok(Some(*id)),
            Some(_) => Err(OptionError::WrongType {
                name,
                expected: "a role",
            }),
        }
    }

    /// A boolean option, `false` when absent.
    pub fn flag(&self, name: &'static str) -> Result<bool, OptionError> {
        Ok(self.optional_flag(name)?.unwrap_or(false))
    }

    /// A boolean option, `None` when absent (for a default that depends on others).
    pub fn optional_flag(&self, name: &'static str) -> Result<Option<bool>, OptionError> {
        match self.get(name) {
            None => Ok(None),
            Some(OptionValue::Boolean(flag)) => Ok(Some(*flag)),
            Some(_) => Err(OptionError::WrongType {
                name,
                expected: "true or false",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_by_name_and_type() {
        let raw = vec![
            ("protocol".to_string(), OptionValue::String("imap".into())),
            ("private".to_string(), OptionValue::Boolean(true)),
            ("port".to_string(), OptionValue::Integer(587)),
        ];
        let options = Options(&raw);
        assert_eq!(options.required_string("protocol"), Ok("imap"));
        assert_eq!(options.flag("private"), Ok(true));
        assert_eq!(options.flag("absent"), Ok(false));
        assert_eq!(options.optional_flag("absent"), Ok(None));
        assert_eq!(options.optional_flag("private"), Ok(Some(true)));
        assert_eq!(options.integer("port"), Ok(Some(587)));
        assert_eq!(
            options.required_string("email"),
            Err(OptionError::Missing("email"))
        );
        assert!(options
            .string("port")
            .unwrap_err()
            .to_string()
            .contains("`port` must be text"));
    }
}
