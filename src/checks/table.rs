//! The table of checks: every check named once, with what the rest of the bot needs
//! to know about it (its command, icon, button code, who may run it, where, and
//! its cost).
//!
//! Everything check-specific outside a check's own folder and its renderers comes
//! from here: routing, the registered command list's contexts, progress titles,
//! button ids, metrics labels, "unknown command" sentences, and (for the store and
//! `/watch`) calling a check by its name. A new check is a new [`Check`] variant and
//! its row in [`Check::info`]; the compiler then points at every `match` that needs
//! an arm.

use std::fmt;

use serde::Serialize;

/// One check of the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    Settings,
    Mx,
    Smtp,
    Imap,
    Pop3,
    Domain,
    Blacklist,
    Spf,
}

/// Who may run a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Everyone,
    /// Anyone against the provider's own server; staff against any other.
    StaffForOtherServers,
    /// Staff only.
    Staff,
}

/// What running a check costs, which decides the gates it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// No network: answered in the first response, no capacity or rate limit.
    Quick,
    /// Network work: deferred, within the bot's capacity and the user's rate limit.
    Network,
    /// Network work that also spends the blocklists' shared budget (queries a
    /// minute for all users together: the lists limit the resolver, not the user).
    Blocklists,
}

/// How a button carries a check: its code in the custom id and whether the check
/// runs without an input (a server test of the provider's own server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Button {
    /// The check's code in a custom id (`v2:again:<code>:<input>`). Never reused for
    /// another check: old buttons keep their meaning.
    pub code: &'static str,
    /// Whether the button may carry no input.
    pub input_optional: bool,
}

/// A row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// The command name, in Discord (`/mx`), on the command line (`check mx`), in the
    /// JSON (`"check": "mx"`) and as the metrics label.
    pub name: &'static str,
    /// The icon of its live progress message.
    pub icon: &'static str,
    /// The option that takes the check's main input, as a user types it
    /// (`/mx domain:example.com`).
    pub main_option: &'static str,
    /// Whether a button can run it, and how.
    pub button: Option<Button>,
    /// Who may run it.
    pub access: Access,
    /// Whether it works in a DM with the bot too (staff checks work only in
    /// servers, where the staff rule can see the provider's server).
    pub in_dms: bool,
    /// What it costs.
    pub cost: Cost,
    /// Whether its main option suggests the user's own recently checked domains.
    pub suggests_domains: bool,
    /// The title of a refusal of its input ("Can't look up that domain").
    pub refusal_title: &'static str,
    /// Why a non-staff user may not run it, and what to do instead (`{host}` is the
    /// provider's server for that check). Empty for checks anyone may run.
    pub staff_only_why: &'static str,
}

impl Check {
    /// Every check, in the order the bot lists them.
    pub const ALL: [Check; 8] = [
        Check::Settings,
        Check::Mx,
        Check::Smtp,
        Check::Imap,
        Check::Pop3,
        Check::Domain,
        Check::Blacklist,
        Check::Spf,
    ];

    /// The check's row.
    pub const fn info(self) -> CheckInfo {
        match self {
            Check::Settings => CheckInfo {
                name: "settings",
                icon: "⚙️",
                main_option: "protocol",
                button: None,
                access: Access::Everyone,
                in_dms: true,
                cost: Cost::Quick,
                suggests_domains: false,
                refusal_title: "Can't show the settings",
                staff_only_why: "",
            },
            Check::Mx => CheckInfo {
                name: "mx",
                icon: "🔎",
                main_option: "domain",
                button: Some(Button {
                    code: "mx",
                    input_optional: false,
                }),
                access: Access::Everyone,
                in_dms: true,
                cost: Cost::Network,
                suggests_domains: true,
                refusal_title: "Can't look up that domain",
                staff_only_why: "",
            },
            Check::Smtp => CheckInfo {
                name: "smtp",
                icon: "📤",
                main_option: "host",
                button: Some(Button {
                    code: "smtp",
                    input_optional: true,
                }),
                access: Access::StaffForOtherServers,
                in_dms: true,
                cost: Cost::Network,
                suggests_domains: false,
                refusal_title: "Can't run that SMTP test",
                staff_only_why: "Testing another mail server is for staff. Run /smtp without a host to test {host}.",
            },
            Check::Imap => CheckInfo {
                name: "imap",
                icon: "📥",
                main_option: "host",
                button: Some(Button {
                    code: "imap",
                    input_optional: true,
                }),
                access: Access::StaffForOtherServers,
                in_dms: true,
                cost: Cost::Network,
                suggests_domains: false,
                refusal_title: "Can't run that IMAP test",
                staff_only_why: "Testing another mail server is for staff. Run /imap without a host to test {host}.",
            },
            Check::Pop3 => CheckInfo {
                name: "pop3",
                icon: "📥",
                main_option: "host",
                button: Some(Button {
                    code: "pop3",
                    input_optional: true,
                }),
                access: Access::StaffForOtherServers,
                in_dms: true,
                cost: Cost::Network,
                suggests_domains: false,
                refusal_title: "Can't run that POP3 test",
                staff_only_why: "Testing another mail server is for staff. Run /pop3 without a host to test {host}.",
            },
            Check::Domain => CheckInfo {
                name: "domain",
                icon: "🔎",
                main_option: "domain",
                button: Some(Button {
                    code: "dom",
                    input_optional: false,
                }),
                access: Access::Everyone,
                in_dms: true,
                cost: Cost::Network,
                suggests_domains: true,
                refusal_title: "Can't check that domain",
                staff_only_why: "",
            },
            Check::Blacklist => CheckInfo {
                name: "blacklist",
                icon: "🔎",
                main_option: "target",
                button: Some(Button {
                    code: "bl",
                    input_optional: false,
                }),
                access: Access::Staff,
                in_dms: false,
                cost: Cost::Blocklists,
                suggests_domains: false,
                refusal_title: "Can't check that address",
                staff_only_why: "The blocklist check is for staff. If your mail bounces, tell the support team and they will check your sending address.",
            },
            Check::Spf => CheckInfo {
                name: "spf",
                icon: "🛡️",
                main_option: "domain",
                button: None,
                access: Access::Staff,
                in_dms: false,
                cost: Cost::Network,
                suggests_domains: false,
                refusal_title: "Can't evaluate SPF for that",
                staff_only_why: "The SPF evaluation is for staff. To check your own domain's setup, including SPF, run /domain.",
            },
        }
    }

    /// The check's name (`"mx"`): command, CLI, JSON and metrics label alike.
    pub const fn name(self) -> &'static str {
        self.info().name
    }

    /// The check of that name, as a user, the command line or the store spells it.
    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|check| check.name() == name)
    }

    /// The check a button code stands for.
    pub fn from_button_code(code: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|check| {
            check
                .info()
                .button
                .is_some_and(|button| button.code == code)
        })
    }

    /// What a user types to run it with `input`: `/mx domain:example.com`, or the
    /// bare `/smtp` (the provider's own server) without one.
    pub fn typed(self, input: Option<&str>) -> String {
        let info = self.info();
        match input {
            Some(input) if !input.is_empty() => {
                format!("/{} {}:{input}", info.name, info.main_option)
            }
            _ => format!("/{}", info.name),
        }
    }

    /// Every command users can type, for an "unknown command" sentence:
    /// "/settings, /mx, … and /spf".
    pub fn command_list() -> String {
        let names: Vec<String> = Check::ALL
            .iter()
            .map(|check| format!("/{}", check.name()))
            .collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.concat(),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_button_codes_are_unique_and_round_trip() {
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        for check in Check::ALL {
            let info = check.info();
            assert!(names.insert(info.name), "{check:?} name");
            assert_eq!(Check::from_name(info.name), Some(check));
            assert!(!info.icon.is_empty() && !info.refusal_title.is_empty());
            if let Some(button) = info.button {
                assert!(codes.insert(button.code), "{check:?} code");
                assert_eq!(Check::from_button_code(button.code), Some(check));
            }
            // A staff rule has its sentence; anyone's check has none.
            assert_eq!(
                info.access == Access::Everyone,
                info.staff_only_why.is_empty(),
                "{check:?}"
            );
            // Staff checks never run in DMs: the staff rule needs the server.
            if info.access == Access::Staff {
                assert!(!info.in_dms, "{check:?}");
            }
            assert_eq!(
                serde_json::to_value(check).unwrap(),
                serde_json::json!(info.name)
            );
        }
        assert_eq!(Check::from_name("weather"), None);
        assert_eq!(Check::from_button_code("weather"), None);
    }

    #[test]
    fn typed_commands_and_the_list_read_as_users_type_them() {
        assert_eq!(
            Check::Mx.typed(Some("example.com")),
            "/mx domain:example.com"
        );
        assert_eq!(Check::Smtp.typed(None), "/smtp");
        assert_eq!(
            Check::command_list(),
            "/settings, /mx, /smtp, /imap, /pop3, /domain, /blacklist and /spf"
        );
    }
}
