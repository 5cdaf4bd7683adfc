//! From an interaction to a [`Response`]: which check, from which command or
//! button, and the suggestions while a user types. Reading a check's options is
//! `requests`' job, and the gates every check passes are `gates`'; no check logic
//! and no sending here.
//!
//! Commands are found by name in the table of checks ([`Check::from_name`]); the
//! one command that is not a check, `/watch` (`super::watch`), is routed here
//! before it, and so are its alerts' buttons and its ids' suggestions.

use super::gates::{admit, run_quick};
use super::incoming::{Incoming, IncomingKind, PressedMessage};
use super::options::{sentence, Options};
use super::requests::{self, Ask};
use super::response::Response;
use super::{watch, Bot};
use crate::checks::settings::{ProfileKind, SettingsRequest};
use crate::checks::{Check, Request};
use crate::render::discord::{limits, ButtonAction, CheckInput};
use crate::values::Protocol;

/// Decides the answer to one interaction.
pub async fn route(bot: &Bot, incoming: &Incoming) -> Response {
    match &incoming.kind {
        IncomingKind::Command { name, options } if name == "watch" => {
            watch::command(bot, incoming, &Options(options)).await
        }
        IncomingKind::Command { name, options } => match Check::from_name(name) {
            Some(check) => command(bot, incoming, check, &Options(options)).await,
            None => Response::error(
                "Unknown command",
                format!(
                    "This bot does not know /{name}. It answers {}.",
                    Check::command_list()
                ),
            ),
        },
        IncomingKind::Button { custom_id, message } => {
            button(bot, incoming, custom_id, *message).await
        }
        IncomingKind::Autocomplete {
            command,
            option,
            value,
        } => autocomplete(bot, incoming, command, option, value).await,
        IncomingKind::Other(kind) => Response::error(
            "Not supported",
            format!("This bot does not handle {kind} interactions."),
        ),
    }
}

/// A check's slash command: its options read, then the gates.
async fn command(bot: &Bot, incoming: &Incoming, check: Check, options: &Options<'_>) -> Response {
    match requests::from_command(check, options, &bot.services) {
        Ok(ask) => admit(bot, incoming, ask).await,
        Err(problem) => Response::error(check.info().refusal_title, problem.to_string()),
    }
}

/// A button press: its action, decoded from its custom id in one place.
async fn button(
    bot: &Bot,
    incoming: &Incoming,
    custom_id: &str,
    message: PressedMessage,
) -> Response {
    match ButtonAction::decode(custom_id) {
        Ok(ButtonAction::Tab {
            protocol,
            email,
            profile,
        }) => settings_tab(bot, incoming, protocol, email.as_deref(), profile).await,
        Ok(ButtonAction::Run { check, .. }) => run_button(bot, incoming, check, message).await,
        Ok(ButtonAction::Watch { action, id }) => watch::button(bot, incoming, action, id).await,
        Err(expired) => Response::error(
            "This button has expired",
            expired.sentence(&Check::command_list()),
        ),
    }
}

/// A `/settings` tab: the one who ran `/settings` switches their message in place;
/// anyone else gets their own private copy on that tab, and the message stays as
/// its owner left it. A profile the message attached is attached again, with its
/// install instructions (an update without it would remove them).
async fn settings_tab(
    bot: &Bot,
    incoming: &Incoming,
    protocol: Protocol,
    email: Option<&str>,
    profile: Option<ProfileKind>,
) -> Response {
    // The address was validated when the message was made; a tampered id falls
    // back to the generic username line rather than showing unchecked text.
    let protocol = protocol.as_str();
    let profile = profile.map(ProfileKind::as_str);
    let request = SettingsRequest::from_input(protocol, email, profile)
        .or_else(|_| SettingsRequest::from_input(protocol, None, None));
    match request {
        Ok(request) => {
            let message = run_quick(bot, &Request::Settings(request)).await;
            if incoming.is_own_message() {
                Response::Update(message)
            } else {
                Response::Reply {
                    message,
                    ephemeral: true,
                }
            }
        }
        Err(problem) => Response::error(Check::Settings.info().refusal_title, sentence(problem)),
    }
}

/// A check run from a button ("Run again", a next step), for whoever pressed it,
/// through the same gates as the command, answered in a new message: as public as
/// the pressed message for the one who ran it, privately for anyone else.
async fn run_button(
    bot: &Bot,
    incoming: &Incoming,
    pressed: CheckInput,
    message: PressedMessage,
) -> Response {
    let private = message.ephemeral || !incoming.is_own_message();
    let check = pressed.check;
    match requests::from_button(check, pressed.input.as_deref(), &bot.services) {
        Ok(request) => admit(bot, incoming, Ask { request, private }).await,
        Err(problem) => Response::error(check.info().refusal_title, problem.to_string()),
    }
}

/// Suggestions while a user types an option: for the checks whose main option
/// suggests domains (`/mx domain:`, `/domain domain:`), their own last checked
/// domains (never anyone else's).
async fn autocomplete(
    bot: &Bot,
    incoming: &Incoming,
    command: &str,
    option: &str,
    typed: &str,
) -> Response {
    let suggests = Check::from_name(command)
        .map(Check::info)
        .is_some_and(|info| info.suggests_domains && info.main_option == option);
    let mut choices = if command == "watch" && option == "id" {
        watch::suggest(bot, incoming, typed).await
    } else if suggests {
        bot.memory.suggest(incoming.user_id, typed).await
    } else {
        Vec::new()
    };
    choices.truncate(limits::CHOICES);
    Response::Autocomplete(choices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Services;
    use crate::config::Config;
    use crate::discord::incoming::OptionValue;

    fn bot() -> Bot {
        Bot::new(Services::new(Config::default()).unwrap())
    }

    fn command(name: &str, options: &[(&str, OptionValue)]) -> Incoming {
        Incoming {
            id: 1,
            application_id: 2,
            token: crate::values::Secret::new("token"),
            user_id: 3,
            user_name: "tester".into(),
            guild_id: Some(100),
            installed_in_guild: Some(100),
            permissions: Some(0),
            kind: IncomingKind::Command {
                name: name.into(),
                options: options
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.clone()))
                    .collect(),
            },
        }
    }

    /// A press by `user` of the button `custom_id` on a message run by `invoker`.
    fn press(custom_id: &str, user: u64, invoker: u64, ephemeral: bool) -> Incoming {
        Incoming {
            user_id: user,
            user_name: "tester".into(),
            kind: IncomingKind::Button {
                custom_id: custom_id.into(),
                message: PressedMessage {
                    invoker: Some(invoker),
                    ephemeral,
                },
            },
            ..command("unused", &[])
        }
    }

    fn string(value: &str) -> OptionValue {
        OptionValue::String(value.into())
    }

    fn error_text(response: Response) -> String {
        match response {
            Response::Error(message) => message.embeds[0].description.clone().unwrap(),
            other => panic!("expected an error, got {}", other.kind()),
        }
    }

    #[tokio::test]
    async fn every_check_of_the_table_is_routed() {
        let bot = bot();
        for check in Check::ALL {
            // No options: each check answers with its own refusal (a missing option),
            // a staff refusal, or runs (the server tests default to the provider's
            // server); never "Unknown command".
            let response = route(&bot, &command(check.name(), &[])).await;
            if let Response::Error(message) = &response {
                let title = &message.embeds[0].title;
                assert!(
                    [
                        check.info().refusal_title,
                        "Staff only",
                        "Staff commands are not set up"
                    ]
                    .iter()
                    .any(|expected| title.contains(expected)),
                    "{check}: {title}"
                );
            }
        }
    }

    #[tokio::test]
    async fn every_check_passes_parse_then_staff_then_capacity() {
        let bot = bot();
        // Bad input is refused by the check's own rules before the staff rule, for
        // staff checks and others alike.
        for (name, options) in [
            ("blacklist", vec![("target", string("not an address!"))]),
            ("spf", vec![("domain", string("example.com"))]),
        ] {
            let response = route(&bot, &command(name, &options)).await;
            let Response::Error(message) = response else {
                panic!("{name}: refused")
            };
            let title = &message.embeds[0].title;
            assert!(
                title.contains(Check::from_name(name).unwrap().info().refusal_title),
                "{name}: {title}"
            );
        }
        // Well-formed, a staff check stops at the staff gate.
        let text = error_text(
            route(
                &bot,
                &command(
                    "spf",
                    &[
                        ("domain", string("example.com")),
                        ("ip", string("192.0.2.1")),
                    ],
                ),
            )
            .await,
        );
        assert!(text.contains("staff"), "{text}");
    }

    #[tokio::test]
    async fn settings_replies_publicly_unless_private() {
        let bot = bot();
        let public = route(
            &bot,
            &command(
                "settings",
                &[("protocol", OptionValue::String("imap".into()))],
            ),
        )
        .await;
        assert!(matches!(
            public,
            Response::Reply {
                ephemeral: false,
                ..
            }
        ));
        let private = route(
            &bot,
            &command(
                "settings",
                &[
                    ("protocol", OptionValue::String("imap".into())),
                    ("private", OptionValue::Boolean(true)),
                ],
            ),
        )
        .await;
        assert!(matches!(
            private,
            Response::Reply {
                ephemeral: true,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn settings_with_an_address_are_private_unless_the_user_says_public() {
        let bot = bot();
        let with_email = |private: Option<bool>| {
            let mut options = vec![
                ("protocol", string("imap")),
                ("email", string("jane@bücher.example")),
            ];
            if let Some(private) = private {
                options.push(("private", OptionValue::Boolean(private)));
            }
            command("settings", &options)
        };
        let ephemeral = |response: Response| match response {
            Response::Reply { ephemeral, message } => {
                let text = serde_json::to_string(&message).unwrap();
                assert!(
                    text.contains("jane@bücher.example"),
                    "shown as typed: {text}"
                );
                ephemeral
            }
            other => panic!("{}", other.kind()),
        };
        assert!(ephemeral(route(&bot, &with_email(None)).await));
        assert!(ephemeral(route(&bot, &with_email(Some(true))).await));
        assert!(!ephemeral(route(&bot, &with_email(Some(false))).await));
    }

    #[tokio::test]
    async fn a_profile_without_an_address_is_refused_privately_with_why() {
        let bot = bot();
        let text = error_text(
            route(
                &bot,
                &command(
                    "settings",
                    &[("protocol", string("imap")), ("profile", string("apple"))],
                ),
            )
            .await,
        );
        assert!(text.contains("needs your email address"), "{text}");
        let response = route(
            &bot,
            &command(
                "settings",
                &[
                    ("protocol", string("imap")),
                    ("email", string("jane@example.org")),
                    ("profile", string("apple")),
                ],
            ),
        )
        .await;
        match response {
            Response::Reply { ephemeral, message } => {
                assert!(ephemeral);
                assert_eq!(message.files[0].name, "echoterra.mobileconfig");
            }
            other => panic!("{}", other.kind()),
        }
    }

    #[tokio::test]
    async fn the_owners_tab_switch_keeps_the_profile_and_its_install_instructions() {
        let bot = bot();
        let asked = command(
            "settings",
            &[
                ("protocol", string("imap")),
                ("email", string("jane@example.org")),
                ("profile", string("thunderbird")),
            ],
        );
        let Response::Reply { message, .. } = route(&bot, &asked).await else {
            panic!("a /settings reply");
        };
        let install_title = message.embeds.last().unwrap().title.clone();
        let tab = &message.components[0].components[2];
        assert_eq!(tab.id(), "v2:tab:pop3+thunderbird:jane@example.org");
        match route(&bot, &press(tab.id(), 3, 3, true)).await {
            Response::Update(update) => {
                assert!(update.embeds[0].title.contains("POP3"));
                assert_eq!(update.embeds.last().unwrap().title, install_title);
                assert_eq!(update.files.len(), 1, "the profile is attached again");
                let profile = String::from_utf8_lossy(&update.files[0].bytes);
                assert!(profile.contains("type=\"pop3\""), "{profile}");
            }
            other => panic!("the owner updates in place, got {}", other.kind()),
        }
    }

    #[tokio::test]
    async fn a_tab_switches_the_owners_message_and_copies_for_anyone_else() {
        let bot = bot();
        let id = "v2:tab:pop3:jane@example.org";
        match route(&bot, &press(id, 3, 3, false)).await {
            Response::Update(message) => {
                assert!(message.embeds[0].title.contains("POP3"));
            }
            other => panic!("the owner updates in place, got {}", other.kind()),
        }
        match route(&bot, &press(id, 4, 3, false)).await {
            Response::Reply { message, ephemeral } => {
                assert!(ephemeral, "a stranger's copy is private");
                assert!(message.embeds[0].title.contains("POP3"));
            }
            other => panic!("a stranger gets a copy, got {}", other.kind()),
        }
        // A tab from before v2 works the same way.
        assert!(matches!(
            route(&bot, &press("settings:smtp", 3, 3, false)).await,
            Response::Update(_)
        ));
    }

    #[tokio::test]
    async fn run_again_is_public_only_for_the_owner_of_a_public_message() {
        let bot = bot();
        let id = "v2:again:mx:example.com";
        let private = |response: Response| match response {
            Response::Deferred { ephemeral, .. } => ephemeral,
            other => panic!("a new deferred message, got {}", other.kind()),
        };
        assert!(!private(route(&bot, &press(id, 3, 3, false)).await));
        assert!(private(route(&bot, &press(id, 4, 3, false)).await));
        assert!(private(route(&bot, &press(id, 3, 3, true)).await));
    }

    #[tokio::test]
    async fn buttons_go_through_the_commands_gates() {
        let bot = bot();
        // Not staff: another server's SMTP test and the blocklist check are refused.
        let text =
            error_text(route(&bot, &press("v2:next:smtp:mx.example.com:25", 3, 3, false)).await);
        assert!(text.contains("staff"), "{text}");
        let text = error_text(route(&bot, &press("v2:again:bl:8.8.8.8", 3, 3, false)).await);
        assert!(text.contains("staff"), "{text}");
        // Bad input in an id gets the check's own sentence.
        let text = error_text(
            route(
                &bot,
                &press("v2:again:mx:https://example.com/", 3, 3, false),
            )
            .await,
        );
        assert!(text.contains("type just the domain"), "{text}");
        // The provider's own server is anyone's.
        assert!(matches!(
            route(&bot, &press("v2:next:smtp", 4, 3, false)).await,
            Response::Deferred {
                ephemeral: true,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn an_expired_button_says_what_to_type_instead() {
        let text = error_text(route(&bot(), &press("v1:again:mx:example.com", 3, 3, false)).await);
        assert!(
            text.contains("Type /mx domain:example.com instead"),
            "{text}"
        );
        let text = error_text(route(&bot(), &press("some-old-button", 3, 3, false)).await);
        assert!(text.contains("/settings, /mx"), "{text}");
    }

    #[tokio::test]
    async fn autocomplete_suggests_the_users_own_domains_only() {
        let bot = bot();
        let typing = |user: u64, value: &str| Incoming {
            user_id: user,
            user_name: "tester".into(),
            kind: IncomingKind::Autocomplete {
                command: "mx".into(),
                option: "domain".into(),
                value: value.into(),
            },
            ..command("unused", &[])
        };
        let choices = |response: Response| match response {
            Response::Autocomplete(choices) => choices
                .into_iter()
                .map(|choice| choice.value)
                .collect::<Vec<_>>(),
            other => panic!("{}", other.kind()),
        };
        assert!(choices(route(&bot, &typing(3, "")).await).is_empty());
        route(
            &bot,
            &command("mx", &[("domain", string("jane@Bücher.example"))]),
        )
        .await;
        assert_eq!(
            choices(route(&bot, &typing(3, "bü")).await),
            ["bücher.example"]
        );
        assert!(choices(route(&bot, &typing(4, "")).await).is_empty());
    }

    #[tokio::test]
    async fn echoed_input_is_shown_as_typed_not_as_markdown() {
        let text = error_text(
            route(
                &bot(),
                &command(
                    "mx",
                    &[("domain", OptionValue::String("**bold** `x`".into()))],
                ),
            )
            .await,
        );
        assert!(text.contains("\\*\\*bold\\*\\*"), "{text}");
        assert!(!text.contains("**bold**"), "{text}");
    }

    #[tokio::test]
    async fn bad_input_gets_a_reason() {
        let bot = bot();
        let text = error_text(
            route(
                &bot,
                &command(
                    "settings",
                    &[
                        ("protocol", OptionValue::String("imap".into())),
                        ("email", OptionValue::String("john".into())),
                    ],
                ),
            )
            .await,
        );
        assert!(text.contains("name@yourdomain.com"), "{text}");
        let text = error_text(route(&bot, &command("settings", &[])).await);
        assert!(text.contains("`protocol` is missing"), "{text}");
        let text = error_text(route(&bot, &command("weather", &[])).await);
        assert!(text.contains("/settings"), "{text}");
    }
}
