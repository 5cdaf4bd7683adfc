//! The gates every check passes, in one order for all: (its request was parsed by
//! `requests`) → staff → capacity → the user's rate limit → the blocklists' shared
//! budget, and only then is it remembered for autocomplete and run. A staff check
//! is written to the audit log with its verdict. Limits, suggestions and the audit
//! log are the bot's [`Memory`](super::Memory): shared through the store.
//!
//! What a check needs at each gate is its row of the table of checks ([`Check::info`]):
//! who may run it, what it costs, whether it suggests domains.

use super::incoming::Incoming;
use super::requests::Ask;
use super::response::{Live, Response};
use super::staff::Standing;
use super::Bot;
use crate::checks::{self, Cost, Progress, Request};
use crate::render::discord::Message;
use crate::render::discord::{progress_title, report_message, report_message_for, Audience};
use crate::store::audit::AuditEntry;

/// The answer to `ask` from `incoming`'s user: a refusal at the first gate that
/// does not let it through, or the check's answer.
pub async fn admit(bot: &Bot, incoming: &Incoming, ask: Ask) -> Response {
    let Ask { request, private } = ask;
    let catalog = &bot.services.catalog;
    let info = request.check().info();
    let staff_check = request.needs_staff(catalog);
    if staff_check {
        let why = info
            .staff_only_why
            .replace("{host}", request.provider_host(catalog));
        if let Some(refusal) = staff_gate(bot, incoming, &why) {
            return refusal;
        }
    }
    match info.cost {
        Cost::Quick => {
            let report = checks::run(&bot.services, &request, &Progress::none()).await;
            if staff_check {
                let mut entry = audit_entry(incoming, &request);
                entry.verdict = report.verdict.label().to_lowercase();
                bot.memory.audit(&entry).await;
            }
            Response::Reply {
                message: report_message(&report),
                ephemeral: private,
            }
        }
        Cost::Network | Cost::Blocklists => {
            deferred_check(bot, incoming, request, private, staff_check).await
        }
    }
}

/// The refusal of a staff-only action to someone who is not staff (`why` says what
/// to do instead), or `None` for staff.
pub(super) fn staff_gate(bot: &Bot, incoming: &Incoming, why: &str) -> Option<Response> {
    match bot.staff.judge(incoming) {
        Standing::Staff => None,
        Standing::NotStaff => Some(Response::error("Staff only", why)),
        Standing::NotConfigured => Some(Response::error(
            "Staff commands are not set up",
            "Staff commands are not set up on this bot: its operator has not named the staff's server (STAFF_GUILD_IDS).",
        )),
    }
}

/// A check that needs no network, answered in the first response.
pub async fn run_quick(bot: &Bot, request: &Request) -> Message {
    report_message(&checks::run(&bot.services, request, &Progress::none()).await)
}

/// A network check, deferred at once: within the bot's capacity, rate limited per
/// user (and `/blacklist` for all users together), run with progress, rendered.
async fn deferred_check(
    bot: &Bot,
    incoming: &Incoming,
    request: Request,
    ephemeral: bool,
    staff_check: bool,
) -> Response {
    // A full bot says so at once: a queue would outlive the interaction's token.
    let Some(slot) = bot.try_start_check() else {
        bot.metrics.refused_busy("capacity");
        return Response::error(
            "Busy",
            "The bot is running as many checks as it can right now. Please try again in a minute.",
        );
    };
    if let Err(wait) = bot.memory.claim_check(incoming.user_id).await {
        bot.metrics.rate_limited_user();
        return Response::error(
            "Slow down a little",
            format!(
                "You have run several checks in a short time. Try again in {} s.",
                wait.as_secs().max(1)
            ),
        );
    }
    let check = request.check();
    if check.info().cost == Cost::Blocklists {
        // One budget for everyone: the lists rate-limit the resolver, not the user.
        if let Err(wait) = bot.memory.claim_blacklist().await {
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
    // Remembered only once every gate let it through: a refused check is not a
    // domain the user checked.
    if let Some(domain) = request.suggestion() {
        bot.memory.remember(incoming.user_id, &domain).await;
    }
    let (progress, updates) = Progress::channel(64);
    let title = progress_title(check, &request.activity());
    let services = bot.services.clone();
    let metrics = bot.metrics.clone();
    let audit = staff_check.then(|| (bot.memory.clone(), audit_entry(incoming, &request)));
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
            if let Some((memory, mut entry)) = audit {
                entry.verdict = report.verdict.label().to_lowercase();
                memory.audit(&entry).await;
            }
            report_message_for(&report, audience)
        }),
        progress: Some(Live { title, updates }),
    }
}

/// The audit entry of a staff check, before its verdict is known.
fn audit_entry(incoming: &Incoming, request: &Request) -> AuditEntry {
    AuditEntry {
        interaction_id: incoming.id,
        at_ms: crate::store::now_ms(),
        user_id: incoming.user_id,
        user_name: incoming.user_name.clone(),
        guild_id: incoming.guild_id,
        command: request.check().info().name.to_string(),
        target: request.target(),
        verdict: String::new(),
    }
}
