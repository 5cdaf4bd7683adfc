//! The custom ids of the bot's buttons: one versioned format, written and read here
//! and nowhere else (the renderer writes them from a report, `discord::route`
//! reads them with [`ButtonAction::decode`]).
//!
//! A button carries everything needed to answer it, as the input a user would type
//! for the command, so a press works after a restart, on any replica of `serve`, and
//! is judged again by the same gates as the command (`discord::requests` builds the request
//! with the check's own `from_input`):
//!
//! | custom id | what it does |
//! |---|---|
//! | `v2:again:<code>[:<input>]` | runs the check again for that input ("Run again") |
//! | `v2:next:<code>[:<input>]` | a next step: a check that follows from another result (`v2:next:smtp` alone: the provider's own server, as `/smtp` with no options) |
//! | `v2:tab:<protocol>[+<profile>][:<email>]` | a `/settings` tab (a profile, `apple` or `thunderbird`, only with an address) |
//! | `v2:watch:ack:<id>` | acknowledges watch `<id>`'s trouble (no reminders until it changes) |
//! | `v2:watch:mute:<id>` | mutes watch `<id>` for 24 hours |
//! | `settings:<protocol>[:<email>]` | a `/settings` tab from before `v2`: still understood |
//!
//! A check's code and whether it may go without an input are its row of the table of
//! checks ([`Check::info`]'s `button`): `mx`, `smtp`, `imap`, `pop3`, `dom`, `bl`.
//! The input is what the user would type for the check's main option.
//!
//! Anything else (another version, a check this bot does not have) decodes to
//! [`Expired`], which says what to type instead. An id longer than Discord's 100
//! characters is never made: [`ButtonAction::custom_id`] gives `None`, and the
//! message says what to type instead.

use super::escape;
use super::limits::CUSTOM_ID;
use crate::checks::settings::ProfileKind;
use crate::checks::Check;
use crate::values::Protocol;

/// The version of the format; a change of meaning gets a new one.
pub const VERSION: &str = "v2";

/// The prefix of the `/settings` tabs before `v2`.
const LEGACY_SETTINGS: &str = "settings";

/// A check a button runs, with its input as a user would type it for the check's
/// main option (`None`: the provider's own server, for the server tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInput {
    pub check: Check,
    pub input: Option<String>,
}

impl CheckInput {
    /// A check with an input.
    pub fn new(check: Check, input: impl Into<String>) -> CheckInput {
        CheckInput {
            check,
            input: Some(input.into()),
        }
    }

    /// A server test of the provider's own server (no input).
    pub fn provider(check: Check) -> CheckInput {
        CheckInput { check, input: None }
    }

    /// The check's code in a custom id; `None` for a check no button runs.
    fn code(&self) -> Option<&'static str> {
        self.check.info().button.map(|button| button.code)
    }

    fn decode(code: &str, input: Option<&str>) -> Option<CheckInput> {
        let check = Check::from_button_code(code)?;
        let input = input.filter(|text| !text.is_empty()).map(str::to_string);
        let optional = check.info().button?.input_optional;
        (input.is_some() || optional).then_some(CheckInput { check, input })
    }

    /// What a user types to run the same check: `/mx domain:example.com`.
    pub fn typed(&self) -> String {
        self.check.typed(self.input.as_deref())
    }
}

/// Why a button runs a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// "Run again": the same request as the message it sits on.
    Again,
    /// A next step that follows from the result ("Test SMTP server").
    Next,
}

/// What a button asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonAction {
    /// Run a check, answered in a new message.
    Run { check: CheckInput, why: Run },
    /// Show a `/settings` message on another protocol, keeping its address and the
    /// profile it attached (with its install instructions).
    Tab {
        protocol: Protocol,
        email: Option<String>,
        profile: Option<ProfileKind>,
    },
    /// A watch alert's button (staff only).
    Watch { action: WatchButton, id: i64 },
}

/// What an alert's button does to its watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchButton {
    /// No reminders until the state changes again.
    Acknowledge,
    /// Alerts wait 24 hours (checks go on).
    Mute24h,
}

impl WatchButton {
    fn code(self) -> &'static str {
        match self {
            WatchButton::Acknowledge => "ack",
            WatchButton::Mute24h => "mute",
        }
    }
}

/// A button this bot can no longer answer (an older or newer format, a check it does
/// not have), with what to type instead when the id says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// The command to type, e.g. `/mx domain:example.com` (markdown escaped).
    pub instead: Option<String>,
}

impl Expired {
    /// The sentence for the person who pressed it.
    pub fn sentence(&self, known: &str) -> String {
        match &self.instead {
            Some(command) => format!(
                "This button is from another version of the bot and no longer works here. Type {command} instead."
            ),
            None => format!(
                "This button is from another version of the bot and no longer works here. Run the command again: this bot answers {known}."
            ),
        }
    }
}

impl ButtonAction {
    /// The custom id of the button, or `None` when it would be longer than Discord
    /// allows (the message then says what to type instead).
    pub fn custom_id(&self) -> Option<String> {
        let id = match self {
            ButtonAction::Run { check, why } => {
                let verb = match why {
                    Run::Again => "again",
                    Run::Next => "next",
                };
                join(&[VERSION, verb, check.code()?], check.input.as_deref())
            }
            ButtonAction::Tab {
                protocol,
                email,
                profile,
            } => {
                let tab = match profile {
                    Some(profile) => format!("{}+{}", protocol.as_str(), profile.as_str()),
                    None => protocol.as_str().to_string(),
                };
                join(&[VERSION, "tab", &tab], email.as_deref())
            }
            ButtonAction::Watch { action, id } => {
                join(&[VERSION, "watch", action.code()], Some(&id.to_string()))
            }
        };
        (id.chars().count() <= CUSTOM_ID).then_some(id)
    }

    /// Reads a custom id made by [`ButtonAction::custom_id`] (or a `/settings` tab
    /// from before `v2`).
    pub fn decode(custom_id: &str) -> Result<ButtonAction, Expired> {
        let parts: Vec<&str> = custom_id.splitn(4, ':').collect();
        let decoded = match parts.as_slice() {
            [VERSION, "again" | "next", code, rest @ ..] => {
                CheckInput::decode(code, rest.first().copied()).map(|check| ButtonAction::Run {
                    check,
                    why: if parts[1] == "again" {
                        Run::Again
                    } else {
                        Run::Next
                    },
                })
            }
            [VERSION, "tab", protocol, rest @ ..] => tab(protocol, rest.first().copied()),
            [VERSION, "watch", action, id] => {
                let action = match *action {
                    "ack" => Some(WatchButton::Acknowledge),
                    "mute" => Some(WatchButton::Mute24h),
                    _ => None,
                };
                action
                    .zip(id.parse().ok())
                    .map(|(action, id)| ButtonAction::Watch { action, id })
            }
            // The tabs of `/settings` before `v2`: `settings:<protocol>[:<email>]`,
            // where the address is the rest of the id.
            [LEGACY_SETTINGS, ..] => {
                let mut legacy = custom_id.splitn(3, ':').skip(1);
                legacy
                    .next()
                    .and_then(|protocol| tab(protocol, legacy.next()))
            }
            _ => None,
        };
        decoded.ok_or_else(|| Expired {
            instead: instead(&parts),
        })
    }
}

/// A tab's `<protocol>[+<profile>]` and address. A profile goes only with an address
/// (`/settings` asks for both).
fn tab(protocol: &str, email: Option<&str>) -> Option<ButtonAction> {
    let (protocol, profile) = match protocol.split_once('+') {
        Some((protocol, profile)) => (protocol, Some(ProfileKind::parse(profile).ok()?)),
        None => (protocol, None),
    };
    let email = email.filter(|email| !email.is_empty()).map(str::to_string);
    if profile.is_some() && email.is_none() {
        return None;
    }
    Some(ButtonAction::Tab {
        protocol: Protocol::from_name(protocol)?,
        email,
        profile,
    })
}

/// `v2:again:mx` and the input, if any.
fn join(head: &[&str], input: Option<&str>) -> String {
    let mut id = head.join(":");
    if let Some(input) = input {
        id.push(':');
        id.push_str(input);
    }
    id
}

/// What to type instead of an expired button, when its id still says which check
/// it ran: `<version>:<verb>:<check>[:<input>]` of any version, or a settings tab.
fn instead(parts: &[&str]) -> Option<String> {
    let command = match parts {
        [_, "tab", ..] | [LEGACY_SETTINGS, ..] => "/settings".to_string(),
        [_, "watch", ..] => "/watch list".to_string(),
        [_, _, code, rest @ ..] => Check::from_button_code(code)
            .map(|check| check.typed(rest.first().copied()))
            .unwrap_or_default(),
        _ => String::new(),
    };
    (!command.is_empty()).then(|| escape(&command))
}

/// The part of a custom id that is safe to log: the action, never the address or
/// domain it carries.
pub fn log_label(custom_id: &str) -> String {
    let parts: Vec<&str> = custom_id.splitn(4, ':').collect();
    let keep = match parts.as_slice() {
        [VERSION, ..] => 3,
        _ => 2,
    };
    let label: Vec<&str> = parts.into_iter().take(keep).collect();
    wording_bound(&label.join(":"))
}

/// A label from the outside world, kept short for a log line.
fn wording_bound(text: &str) -> String {
    crate::wording::printable(&text.chars().take(40).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(action: ButtonAction) -> String {
        let id = action.custom_id().expect("fits");
        assert!(id.starts_with("v2:"), "{id}");
        assert_eq!(ButtonAction::decode(&id), Ok(action), "{id}");
        id
    }

    #[test]
    fn watch_buttons_round_trip_and_a_bad_id_is_expired() {
        let ack = ButtonAction::Watch {
            action: WatchButton::Acknowledge,
            id: 12,
        };
        assert_eq!(round_trip(ack), "v2:watch:ack:12");
        let mute = ButtonAction::Watch {
            action: WatchButton::Mute24h,
            id: 7,
        };
        assert_eq!(round_trip(mute), "v2:watch:mute:7");
        let expired = ButtonAction::decode("v2:watch:snooze:7").unwrap_err();
        assert_eq!(expired.instead.as_deref(), Some("/watch list"));
        assert!(ButtonAction::decode("v2:watch:ack:x").is_err());
    }

    #[test]
    fn every_action_round_trips() {
        let again = |check| ButtonAction::Run {
            check,
            why: Run::Again,
        };
        let next = |check| ButtonAction::Run {
            check,
            why: Run::Next,
        };
        assert_eq!(
            round_trip(again(CheckInput::new(Check::Mx, "example.com"))),
            "v2:again:mx:example.com"
        );
        assert_eq!(
            round_trip(again(CheckInput::new(Check::Smtp, "[2001:db8::25]:587"))),
            "v2:again:smtp:[2001:db8::25]:587"
        );
        assert_eq!(
            round_trip(again(CheckInput::new(Check::Blacklist, "2001:db8::25"))),
            "v2:again:bl:2001:db8::25"
        );
        assert_eq!(
            round_trip(next(CheckInput::provider(Check::Smtp))),
            "v2:next:smtp"
        );
        assert_eq!(
            round_trip(next(CheckInput::new(Check::Domain, "bücher.example"))),
            "v2:next:dom:bücher.example"
        );
        assert_eq!(
            round_trip(again(CheckInput::new(Check::Imap, "mail.example.com:993"))),
            "v2:again:imap:mail.example.com:993"
        );
        assert_eq!(
            round_trip(again(CheckInput::provider(Check::Pop3))),
            "v2:again:pop3"
        );
        assert_eq!(
            round_trip(next(CheckInput::new(Check::Smtp, "mx.bücher.example:25"))),
            "v2:next:smtp:mx.bücher.example:25"
        );
        for protocol in Protocol::ALL {
            round_trip(ButtonAction::Tab {
                protocol,
                email: None,
                profile: None,
            });
            round_trip(ButtonAction::Tab {
                protocol,
                email: Some("o'neil+x@bücher.example".into()),
                profile: None,
            });
            for profile in ProfileKind::ALL {
                round_trip(ButtonAction::Tab {
                    protocol,
                    email: Some("o'neil+x@bücher.example".into()),
                    profile: Some(profile),
                });
            }
        }
        assert_eq!(
            round_trip(ButtonAction::Tab {
                protocol: Protocol::Smtp,
                email: Some("jane@example.org".into()),
                profile: Some(ProfileKind::Apple),
            }),
            "v2:tab:smtp+apple:jane@example.org"
        );
    }

    #[test]
    fn a_tab_with_a_profile_needs_an_address_and_a_known_profile() {
        for id in [
            "v2:tab:imap+apple",
            "v2:tab:imap+apple:",
            "v2:tab:imap+outlook:jane@example.org",
            "v2:tab:imap+:jane@example.org",
        ] {
            let expired = ButtonAction::decode(id).unwrap_err();
            assert_eq!(expired.instead.as_deref(), Some("/settings"), "{id}");
        }
    }

    #[test]
    fn an_id_over_100_characters_is_not_made() {
        let domain = format!("{}.example", "a".repeat(63));
        let fits = ButtonAction::Run {
            check: CheckInput::new(Check::Mx, domain.clone()),
            why: Run::Again,
        };
        assert!(fits.custom_id().is_some());
        let long = ButtonAction::Run {
            check: CheckInput::new(Check::Mx, format!("{}.{domain}", "b".repeat(63))),
            why: Run::Again,
        };
        assert_eq!(long.custom_id(), None);
        // Characters are counted, not bytes.
        let unicode = ButtonAction::Tab {
            protocol: Protocol::Imap,
            email: Some(format!("{}@{}.example", "ü".repeat(39), "ö".repeat(39))),
            profile: None,
        };
        assert!(unicode.custom_id().is_some());
    }

    #[test]
    fn settings_tabs_from_before_v2_still_work() {
        assert_eq!(
            ButtonAction::decode("settings:pop3:jane@example.org"),
            Ok(ButtonAction::Tab {
                protocol: Protocol::Pop3,
                email: Some("jane@example.org".into()),
                profile: None,
            })
        );
        assert_eq!(
            ButtonAction::decode("settings:imap"),
            Ok(ButtonAction::Tab {
                protocol: Protocol::Imap,
                email: None,
                profile: None,
            })
        );
    }

    #[test]
    fn anything_else_has_expired_and_says_what_to_type() {
        let instead = |id: &str| ButtonAction::decode(id).unwrap_err().instead;
        assert_eq!(
            instead("v1:again:mx:example.com").as_deref(),
            Some("/mx domain:example.com")
        );
        assert_eq!(
            instead("v3:again:dom:example.com").as_deref(),
            Some("/domain domain:example.com")
        );
        // A check this version does not have, even in v2.
        assert_eq!(
            instead("v2:next:whois:example.com"),
            None,
            "nobody knows it: no command to suggest"
        );
        assert_eq!(instead("v3:again:smtp").as_deref(), Some("/smtp"));
        assert_eq!(instead("settings:exchange").as_deref(), Some("/settings"));
        assert_eq!(instead("v2:tab:exchange").as_deref(), Some("/settings"));
        assert_eq!(instead("v2:again:mx").as_deref(), Some("/mx"));
        assert_eq!(instead("some-old-button"), None);
        assert_eq!(instead(""), None);
        // What the id carries is shown as typed, not as markdown.
        assert_eq!(
            instead("v1:again:bl:**x**").as_deref(),
            Some("/blacklist target:\\*\\*x\\*\\*")
        );
        let sentence = ButtonAction::decode("v1:again:mx:example.com")
            .unwrap_err()
            .sentence("/mx");
        assert!(
            sentence.contains("Type /mx domain:example.com instead"),
            "{sentence}"
        );
    }

    #[test]
    fn logs_see_the_action_never_the_address() {
        assert_eq!(log_label("v2:tab:imap:jane@example.org"), "v2:tab:imap");
        assert_eq!(log_label("v2:again:mx:example.com"), "v2:again:mx");
        assert_eq!(log_label("settings:imap:jane@example.org"), "settings:imap");
        assert_eq!(log_label("x\u{1b}[2J"), "x\\u{1b}[2J");
    }

    proptest! {
        #[test]
        fn decoding_never_panics(id in "\\PC{0,120}") {
            let _ = ButtonAction::decode(&id).map_err(|expired| expired.sentence("/mx"));
            let _ = log_label(&id);
        }

        #[test]
        fn every_made_id_fits_and_decodes_to_its_action(input in "[a-z0-9.:\\[\\]ü-]{1,120}") {
            for check in Check::ALL.into_iter().filter(|check| check.info().button.is_some()) {
                let action = ButtonAction::Run { check: CheckInput::new(check, input.clone()), why: Run::Next };
                let code = check.info().button.map_or("", |button| button.code);
                // `v2:next:<code>:<input>`, counted in characters.
                let length = "v2:next::".len() + code.len() + input.chars().count();
                match action.custom_id() {
                    Some(id) => {
                        prop_assert_eq!(id.chars().count(), length);
                        prop_assert!(length <= CUSTOM_ID);
                        prop_assert_eq!(ButtonAction::decode(&id), Ok(action));
                    }
                    // Refused only when it would not fit.
                    None => prop_assert!(length > CUSTOM_ID, "{} fits but was refused", length),
                }
            }
        }
    }
}
