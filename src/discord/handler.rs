//! From an interaction to a [`Response`]: which check, with which typed request,
//! behind which gates. No check logic and no sending here: requests are built by
//! the checks' own `from_input`, reports are rendered by `render::discord`.

use super::incoming::{Incoming, IncomingKind};
use super::options::Options;
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
use crate::render::discord::escape;
use crate::render::discord::{progress_title, report_message, SettingsButton};
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
        IncomingKind::Button { custom_id } => match SettingsButton::parse(custom_id) {
            Some(button) => settings_button(bot, button).await,
            None => Response::error(
                "Unknown button",
                "This button belongs to an older version of the bot. Run the command again.",
            ),
        },
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
    )
    .map_err(sentence)?;
    Ok((request, options.flag("private")?))
}

async fn settings_button(bot: &Bot, button: SettingsButton) -> Response {
    // The address was validated when the message was made; a tampered id falls
    // back to the generic username line rather than showing unchecked text.
    let protocol = button.protocol.as_str();
    let request = SettingsRequest::from_input(protocol, button.email.as_deref())
        .or_else(|_| SettingsRequest::from_input(protocol, None));
    match request {
        Ok(request) => Response::Update(run_quick(bot, Request::Settings(request)).await),
        Err(problem) => Response::error("Can't show the settings", sentence(problem)),
    }
}

/// A check that needs no network, answered in the first response.
async fn run_quick(bot: &Bot, request: Request) -> crate::render::discord::Message {
    report_message(&checks::run(&bot.services, &request, &Progress::none()).await)
}

fn mx_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    match parse_mx(options) {
        Ok((request, private)) => deferred_check(bot, incoming, Request::Mx(request), private),
        Err(problem) => Response::error("Can't look up that domain", problem),
    }
}

fn parse_mx(options: &Options) -> Result<(MxRequest, bool), String> {
    let request = MxRequest::from_input(options.required_string("domain")?).map_err(sentence)?;
    Ok((request, options.flag("private")?))
}

fn smtp_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    let catalog = &bot.services.catalog;
    let (request, private) = match parse_smtp(bot, options) {
        Ok(parsed) => parsed,
        Err(problem) => return Response::error("Can't run that SMTP test", problem),
    };
    // Anyone may test the provider's own server; other servers are for staff.
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

fn parse_smtp(bot: &Bot, options: &Options) -> Result<(SmtpRequest, bool), String> {
    let request = SmtpRequest::from_input(
        options.string("host")?,
        options.integer("port")?,
        &bot.services.catalog.smtp,
        bot.services.config.allow_private_targets,
    )
    .map_err(sentence)?;
    Ok((request, options.flag("private")?))
}

/// `/imap` and `/pop3`, gated as `/smtp`: the provider's host for anyone, other hosts
/// for staff.
fn mailbox_command<D: Dialect>(
    bot: &Bot,
    incoming: &Incoming,
    options: &Options,
    into_request: fn(MailboxRequest<D>) -> Request,
) -> Response {
    let catalog = &bot.services.catalog;
    let (request, private) = match parse_mailbox::<D>(bot, options) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return Response::error(&format!("Can't run that {} test", D::NAME), problem)
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

fn parse_mailbox<D: Dialect>(
    bot: &Bot,
    options: &Options,
) -> Result<(MailboxRequest<D>, bool), String> {
    let request = MailboxRequest::<D>::from_input(
        options.string("host")?,
        options.integer("port")?,
        &bot.services.catalog.mailbox,
        bot.services.config.allow_private_targets,
    )
    .map_err(sentence)?;
    Ok((request, options.flag("private")?))
}

fn blacklist_command(bot: &Bot, incoming: &Incoming, options: &Options) -> Response {
    // Discord hides the command from non-staff (default_member_permissions), but
    // server admins can change that, and the payload is what counts.
    let why = "The blocklist check is for staff. If your mail bounces, tell the support team and they will check your sending address.";
    if let Some(refusal) = staff_gate(bot, incoming, why) {
        return refusal;
    }
    match parse_blacklist(bot, options) {
        Ok((request, private)) => {
            deferred_check(bot, incoming, Request::Blacklist(request), private)
        }
        Err(problem) => Response::error("Can't check that address", problem),
    }
}

fn parse_blacklist(bot: &Bot, options: &Options) -> Result<(BlacklistRequest, bool), String> {
    let target = options.required_string("target")?;
    let request = BlacklistRequest::from_input(target, bot.services.config.allow_private_targets)
        .map_err(sentence)?;
    Ok((request, options.flag("private")?))
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
    match parse_domain(options) {
        Ok((request, private)) => deferred_check(bot, incoming, Request::Domain(request), private),
        Err(problem) => Response::error("Can't check that domain", problem),
    }
}

fn parse_domain(options: &Options) -> Result<(DomainRequest, bool), String> {
    let request =
        DomainRequest::from_input(options.required_string("domain")?).map_err(sentence)?;
    Ok((request, options.flag("private")?))
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
    Response::Deferred {
        ephemeral,
        work: Box::pin(async move {
            // Held while the check runs: it counts against the bot's capacity.
            let _slot = slot;
            let started = std::time::Instant::now();
            let report = checks::run(&services, &request, &progress).await;
            metrics.observe_report(&report, started.elapsed());
            report_message(&report)
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
