//! From an interaction to a [`Response`]: which check, with which typed request,
//! behind which gates. No check logic and no sending here: requests are built by
//! the checks' own `from_input`, reports are rendered by `render::discord`.
//!
//! A button that runs a check goes through the same functions as the command (the
//! `*_check` functions: staff, capacity and rate limits), for whoever presses it.

use super::incoming::{Incoming, IncomingKind, PressedMessage};
use super::options::{OptionError, Options};
use super::response::{Live, Response};
use super::staff::Standing;
use super::Bot;
use crate::checks::blacklist::BlacklistRequest;
use crate::checks::domain::DomainRequest;
use crate::checks::mailbox::{Dialect, MailboxRequest};
use crate::checks::mx::MxRequest;
use crate::checks::settings::SettingsRequest;
use crate::checks::smtp::SmtpRequest;
use crate::checks::spf::SpfRequest;
use crate::checks::{self, Progress, Request};
use crate::render::discord::{
    escape, limits, progress_title, report_message, report_message_for, Audience, ButtonAction,
    CheckInput,
};
use crate::values::Protocol;
use crate::wording::capitalise;

/// The commands users can type, for the "unknown command" message.
const KNOWN: &str = "/settings, /mx, /smtp, /imap, /pop3, /domain, /blacklist and /spf";

/// Decides the answer to one interaction.
pub async fn route(bot: &Bot, incoming: &Incoming) -> Response {
    match &incoming.kind {
        IncomingKind::Command { name, options } => {
            let options = Options(options);
            match name.as_str() {
                "settings" => settings_command(bot, &options).await,
                "mx" => mx_command(bot, incoming, &options),
                "smtp" => smtp_command(bot, incoming, &options),
                "blacklist" => blacklist_command(bot, incoming, &options),
                "domain" => domain_command(bot, incoming, &options),
                "spf" => spf_command(bot, incoming, &options),
                "imap" => mailbox_command(bot, incoming, &options, Request::Imap),
                "pop3" => mailbox_command(bot, incoming, &options, Request::Pop3),
                other => Response::error(
                    "Unknown command",
                    format!("This bot does not know /{other}. It answers {KNOWN}."),
                ),
            }
        }
        IncomingKind::Button { custom_id, message } => {
            button(bot, incoming, custom_id, *message).await
        }
        IncomingKind::Autocomplete {
            command,
            option,
            value,
        } => autocomplete(bot, incoming, command, option, value),
        IncomingKind::Other(kind) => Response::error(
            "Not supported",
            format!("This bot does not handle {kind} interactions."),
        ),
    }
}

async fn settings_command(bot: &Bot, options: &Options<'_>) -> Response {
    match parse_settings(options) {
        Ok((request, private)) => Response::Reply {
            message: run_quick(bot, Request::Settings(request)).await,
            ephemeral: private,
        },
        Err(problem) => Response::error("Can't show the settings", problem),
    }
}

fn parse_settings(options: &Options) -> Result<(SettingsRequest, bool), String> {
    let request = SettingsRequest::from_input(
        options.required_string("protocol")?,
        options.string("email")?,
        options.string("profile")?,
    )
    .map_err(sentence)?;
    // A customer's address is theirs: shown only to them unless they say otherwise.
    let private = options
        .optional_flag("private")?
        .unwrap_or(request.email.is_some());
    Ok((request, private))
}

/// A button press: its action, decoded from its custom id in one place.
async fn button(
    bot: &Bot,
    incoming: &Incoming,
    custom_id: &str,
    message: PressedMessage,
) -> Response {
    match ButtonAction::decode(custom_id) {
        Ok(ButtonAction::Tab { protocol, email }) => {
            settings_tab(bot, incoming, protocol, email.as_deref()).await
        }
        Ok(ButtonAction::Run { check, .. }) => run_button(bot, incoming, check, message),
        Err(expired) => Response::error("This button has expired", expired.sentence(KNOWN)),
    }
}

/// A `/settings` tab: the one who ran `/settings` switches their message in place;
/// anyone else gets their own private copy on that tab, and the message stays as
/// its owner left it.
async fn settings_tab(
    bot: &Bot,
    incoming: &Incoming,
    protocol: Protocol,
    email: Option<&str>,
) -> Response {
    // The address was validated when the message was made; a tampered id falls
    // back to the generic username line rather than showing unchecked text.
    let protocol = protocol.as_str();
    let request = SettingsRequest::from_input(protocol, email, None)
        .or_else(|_| SettingsRequest::from_input(protocol, None, None));
    match request {
        Ok(request) => {
            let message = run_quick(bot, Request::Settings(request)).await;
            if incoming.is_own_message() {
                Response::Update(message)
            } else {
                Response::Reply {
                    message,
                    ephemeral: true,
                }
            }
        }
        Err(problem) => Response::error("Can't show the settings", sentence(problem)),
    }
}

/// A check run from a button ("Run again", a next step), for whoever pressed it,
/// through the same gates as the command, answered in a new message: as public as
/// the pressed message for the one who ran it, privately for anyone else.
fn run_button(
    bot: &Bot,
    incoming: &Incoming,
    check: CheckInput,
    message: PressedMessage,
) -> Response {
    let private = message.ephemeral || !incoming.is_own_message();
    match check {
        CheckInput::Mx { domain } => mx_check(bot, incoming, &domain, private),
        CheckInput::Smtp { target } => smtp_check(bot, incoming, target.as_deref(), None, private),
        CheckInput::Blacklist { target } => blacklist_check(bot, incoming, &target, private),
        CheckInput::Domain { domain } => domain_check(bot, incoming, &domain, private),
        CheckInput::Imap { target } => mailbox_check(
            bot,
            incoming,
            target.as_deref(),
            None,
            private,
            Request::Imap,
        ),
        CheckInput::Pop3 { target } => mailbox_check(
            bot,
            incoming,
            target.as_deref(),
            None,
            private,
            Request::Pop3,
        ),
    }
}

/// Suggestions while a user types an option: for `/mx domain:` and `/domain
/// domain:`, their own last checked domains (never anyone else's).
fn autocomplete(
    bot: &Bot,
    incoming: &Incoming,
    command: &str,
    option: &str,
    typed: &str,
) -> Response {
    let mut choices = match (command, option) {
        ("mx" | "domain", "domain") => bot.recent.suggest(incoming.user_id, typed),
        _ => Vec::new(),
    };
    choices.truncate(limits::CHOICES);
    Response::Autocomplete(choices)
}

/// A check that needs no network, answered in the first response.
async fn run_quick(bot: &Bot, request: Request) -> crate::render::discord::Message {
    report_message(&checks::run(&bot.services, &request, &Progress::none()).await)
}

fn mx_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    match domain_and_privacy(options) {
        Ok((domain, private)) => mx_check(bot, incoming, domain, private),
        Err(problem) => Response::error("Can't look up that domain", problem.to_string()),
    }
}

/// The `domain` and `private` options `/mx` and `/domain` share.
fn domain_and_privacy<'a>(options: &'a Options) -> Result<(&'a str, bool), OptionError> {
    Ok((options.required_string("domain")?, options.flag("private")?))
}

/// `/mx` for `input`, from the command or a button.
fn mx_check(bot: &Bot, incoming: &Incoming, input: &str, private: bool) -> Response {
    match MxRequest::from_input(input) {
        Ok(request) => {
            bot.recent
                .remember(incoming.user_id, &request.domain.to_unicode());
            deferred_check(bot, incoming, Request::Mx(request), private)
        }
        Err(problem) => Response::error("Can't look up that domain", sentence(problem)),
    }
}

fn smtp_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    match parse_smtp(options) {
        Ok((host, port, private)) => smtp_check(bot, incoming, host, port, private),
        Err(problem) => Response::error("Can't run that SMTP test", problem.to_string()),
    }
}

/// `/smtp`'s options: host, port, private.
fn parse_smtp<'o>(
    options: &'o Options<'_>,
) -> Result<(Option<&'o str>, Option<i64>, bool), OptionError> {
    Ok((
        options.string("host")?,
        options.integer("port")?,
        options.flag("private")?,
    ))
}

/// `/smtp` for `host` and `port`, from the command or a button: anyone may test the
/// provider's own server; other servers are for staff.
fn smtp_check(
    bot: &Bot,
    incoming: &Incoming,
    host: Option<&str>,
    port: Option<i64>,
    private: bool,
) -> Response {
    let catalog = &bot.services.catalog;
    let request = match SmtpRequest::from_input(
        host,
        port,
        &catalog.smtp,
        bot.services.config.allow_private_targets,
    ) {
        Ok(request) => request,
        Err(problem) => return Response::error("Can't run that SMTP test", sentence(problem)),
    };
    if !request.is_provider_host(&catalog.smtp) {
        let why = format!(
            "Testing another mail server is for staff. Run /smtp without a host to test {}.",
            catalog.smtp.host
        );
        if let Some(refusal) = staff_gate(bot, incoming, &why) {
            return refusal;
        }
    }
    deferred_check(bot, incoming, Request::Smtp(request), private)
}

/// `/imap` and `/pop3`, gated as `/smtp`: the provider's host for anyone, other hosts
/// for staff.
fn mailbox_command<D: Dialect>(
    bot: &Bot,
    incoming: &Incoming,
    options: &Options,
    into_request: fn(MailboxRequest<D>) -> Request,
) -> Response {
    match parse_smtp(options) {
        Ok((host, port, private)) => {
            mailbox_check::<D>(bot, incoming, host, port, private, into_request)
        }
        Err(problem) => Response::error(
            &format!("Can't run that {} test", D::NAME),
            problem.to_string(),
        ),
    }
}

/// `/imap` or `/pop3` for `host` and `port`, from the command or a button.
fn mailbox_check<D: Dialect>(
    bot: &Bot,
    incoming: &Incoming,
    host: Option<&str>,
    port: Option<i64>,
    private: bool,
    into_request: fn(MailboxRequest<D>) -> Request,
) -> Response {
    let catalog = &bot.services.catalog;
    let request = match MailboxRequest::<D>::from_input(
        host,
        port,
        &catalog.mailbox,
        bot.services.config.allow_private_targets,
    ) {
        Ok(request) => request,
        Err(problem) => {
            return Response::error(
                &format!("Can't run that {} test", D::NAME),
                sentence(problem),
            )
        }
    };
    if !request.is_provider_host(&catalog.mailbox) {
        let why = format!(
            "Testing another mail server is for staff. Run /{} without a host to test {}.",
            D::CHECK,
            catalog.mailbox.host
        );
        if let Some(refusal) = staff_gate(bot, incoming, &why) {
            return refusal;
        }
    }
    deferred_check(bot, incoming, into_request(request), private)
}

fn blacklist_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    let parsed = options
        .required_string("target")
        .and_then(|target| Ok((target, options.flag("private")?)));
    match parsed {
        Ok((target, private)) => blacklist_check(bot, incoming, target, private),
        Err(problem) => Response::error("Can't check that address", problem.to_string()),
    }
}

/// `/blacklist` for `target`, from the command or a button: staff only.
fn blacklist_check(bot: &Bot, incoming: &Incoming, target: &str, private: bool) -> Response {
    // Discord hides the command from non-staff (default_member_permissions), but
    // server admins can change that, a button can be pressed by anyone, and the
    // payload is what counts.
    let why = "The blocklist check is for staff. If your mail bounces, tell the support team and they will check your sending address.";
    if let Some(refusal) = staff_gate(bot, incoming, why) {
        return refusal;
    }
    match BlacklistRequest::from_input(target, bot.services.config.allow_private_targets) {
        Ok(request) => deferred_check(bot, incoming, Request::Blacklist(request), private),
        Err(problem) => Response::error("Can't check that address", sentence(problem)),
    }
}

/// The refusal of a staff-only action to someone who is not staff (`why` says what
/// to do instead), or `None` for staff.
fn staff_gate(bot: &Bot, incoming: &Incoming, why: &str) -> Option<Response> {
    match bot.staff.judge(incoming) {
        Standing::Staff => None,
        Standing::NotStaff => Some(Response::error("Staff only", why)),
        Standing::NotConfigured => Some(Response::error(
            "Staff commands are not set up",
            "Staff commands are not set up on this bot: its operator has not named the staff's server (STAFF_GUILD_IDS).",
        )),
    }
}

fn domain_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    match domain_and_privacy(options) {
        Ok((domain, private)) => domain_check(bot, incoming, domain, private),
        Err(problem) => Response::error("Can't check that domain", problem.to_string()),
    }
}

/// `/domain` for `input`, from the command or a button.
fn domain_check(bot: &Bot, incoming: &Incoming, input: &str, private: bool) -> Response {
    match DomainRequest::from_input(input) {
        Ok(request) => {
            bot.recent
                .remember(incoming.user_id, &request.domain.to_unicode());
            deferred_check(bot, incoming, Request::Domain(request), private)
        }
        Err(problem) => Response::error("Can't check that domain", sentence(problem)),
    }
}

fn spf_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    // The same gate as /blacklist: Discord hides the command from non-staff, but the
    // payload is what counts.
    let why = "The SPF evaluation is for staff. To check your own domain's setup, including SPF, run /domain.";
    if let Some(refusal) = staff_gate(bot, incoming, why) {
        return refusal;
    }
    match parse_spf(options) {
        Ok((request, private)) => deferred_check(bot, incoming, Request::Spf(request), private),
        Err(problem) => Response::error("Can't evaluate SPF for that", problem),
    }
}

fn parse_spf(options: &Options) -> Result<(SpfRequest, bool), String> {
    let request = SpfRequest::from_input(
        options.required_string("domain")?,
        options.required_string("ip")?,
        options.string("helo")?,
    )
    .map_err(sentence)?;
    Ok((request, options.flag("private")?))
}

/// A check's input error as a reply sentence: the checks write clauses ("that looks
/// like…"), a reply starts with a capital and ends with a full stop. The error may
/// quote what the user typed, so markdown in it is escaped (shown as typed).
fn sentence(error: impl std::fmt::Display) -> String {
    let text = escape(&capitalise(&error.to_string()));
    if text.ends_with(['.', '!', '?']) {
        text
    } else {
        format!("{text}.")
    }
}

/// A network check, deferred at once: within the bot's capacity, rate limited per
/// user (and `/blacklist` for all users together), run with progress, rendered.
fn deferred_check(bot: &Bot, incoming: &Incoming, request: Request, ephemeral: bool) -> Response {
    // A full bot says so at once: a queue would outlive the interaction's token.
    let Some(slot) = bot.try_start_check() else {
        bot.metrics.refused_busy("capacity");
        return Response::error(
            "Busy",
            "The bot is running as many checks as it can right now. Please try again in a minute.",
        );
    };
    if let Err(wait) = bot.rate_limiter.try_start(incoming.user_id) {
        bot.metrics.rate_limited_user();
        return Response::error(
            "Slow down a little",
            format!(
                "You have run several checks in a short time. Try again in {} s.",
                wait.as_secs().max(1)
            ),
        );
    }
    if matches!(request, Request::Blacklist(_)) {
        // One budget for everyone: the lists rate-limit the resolver, not the user.
        if let Err(wait) = bot.blacklist_budget.try_start(0) {
            bot.metrics.refused_busy("blacklist_budget");
            return Response::error(
                "Busy",
                format!(
                    "The blocklist check has been run as often in the last minute as the lists allow. Please try again in {} s.",
                    wait.as_secs().max(1)
                ),
            );
        }
    }
    let (progress, updates) = Progress::channel(64);
    let title = progress_title(request.check_name(), &request.activity());
    let services = bot.services.clone();
    let metrics = bot.metrics.clone();
    // The result's buttons are for the one who ran it: staff get the staff steps.
    let audience = Audience {
        staff: bot.staff.judge(incoming) == Standing::Staff,
    };
    Response::Deferred {
        ephemeral,
        work: Box::pin(async move {
            // Held while the check runs: it counts against the bot's capacity.
            let _slot = slot;
            let started = std::time::Instant::now();
            let report = checks::run(&services, &request, &progress).await;
            metrics.observe_report(&report, started.elapsed());
            report_message_for(&report, audience)
        }),
        progress: Some(Live { title, updates }),
    }
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
