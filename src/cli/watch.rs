//! `echoterra-bot watch ...`: the watches from the command line, on the same store as
//! `/watch` (for scripts and cron): `channel`, `add`, `list`, `remove`, `pause`,
//! `resume`, `mute`, `history`, `test`, `run` (one pass) and `daemon` (the
//! long-running watcher, with `OPS_LISTEN` and no public listener).
//!
//! Exit statuses (see `exit`): 0 done (`run`: whatever it found); 1 the store could
//! not be reached or did not answer, or Discord refused a message; 64 a wrong
//! command line or a target, interval or id that is not accepted; 78 broken
//! configuration.

use std::process::ExitCode;

use clap::Subcommand;

use super::{db, exit, watch_output as output};
use crate::checks::Services;
use crate::config::Config;
use crate::rest::Rest;
use crate::store::audit::AuditEntry;
use crate::store::watches::Added;
use crate::store::{now_ms, Store, StoreError};
use crate::values::Span;
use crate::watch::plan::{plan, Asked};
use crate::watch::{actions, alert, Watcher};

/// `--format` of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WatchFormat {
    /// Lines for people.
    Text,
    /// JSON, for scripts.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Set the default channel for alerts, and the role they mention; a confirmation message is posted there.
    Channel {
        /// The channel's id (Discord: right-click the channel, Copy Channel ID).
        channel: u64,
        /// The role to mention in alerts (only that role is ever pinged).
        #[arg(long)]
        role: Option<u64>,
    },
    /// Watch an address, a range of at most 16 addresses, a domain, an email address's domain or a mail server.
    Add {
        /// 203.0.113.7, 203.0.113.0/28, example.com, postmaster@example.com, smtp://mail.example.com, imaps://host:993 or host:587.
        target: String,
        /// How often: 30s, 15m, 6h, 1d (default and minimum per kind in the catalogue).
        #[arg(long)]
        every: Option<String>,
        /// blocklists, domain or server, when the target could be watched two ways.
        #[arg(long)]
        kind: Option<String>,
        /// What the target is to people ("outbound relay 2").
        #[arg(long)]
        label: Option<String>,
        /// A channel id for this watch's alerts instead of the default channel.
        #[arg(long)]
        channel: Option<u64>,
    },
    /// Every watch: id, label, target, kind, interval, state, last checked, next due; delivery problems; blocklist query budgets.
    List,
    /// Stop watching (its history stays until it expires).
    Remove { id: i64 },
    /// Stop checking a watch until it is resumed.
    Pause { id: i64 },
    /// Check a paused watch again (at once).
    Resume { id: i64 },
    /// Hold a watch's alerts for a while (checks go on; still bad when the mute ends, it alerts then).
    Mute {
        id: i64,
        /// How long: 30m, 24h, 7d.
        #[arg(long = "for", default_value = "24h")]
        duration: String,
    },
    /// The last 20 changes, of one watch or of all.
    History { id: Option<i64> },
    /// Post a sample alert to the default channel, to see the setup works.
    Test,
    /// One pass: check every due watch, then post every waiting alert at once. Exit 0 when it ran.
    Run,
    /// The long-running watcher: checks and posts until stopped (OPS_LISTEN for health and metrics).
    #[command(after_help = "\
Environment (.env.example describes each; every secret also from NAME_FILE):
  DISCORD_TOKEN             the bot token, to post alerts (required)
  OPS_LISTEN                /healthz, /readyz, /metrics (default 127.0.0.1:9180)
  DATABASE_URL or DATA_DIR  the store: PostgreSQL, or SQLite in DATA_DIR (default ./data)
  DISCORD_API_BASE, COMMANDS_DIR, DNS_SERVERS, TLS_EXTRA_CA, SPAMHAUS_DQS_KEY, SPAMRATS_KEY,
  LOG_FORMAT, RUST_LOG")]
    Daemon,
}

pub async fn run(config: Config, command: WatchCommand, format: WatchFormat) -> ExitCode {
    let services = match Services::new(config.clone()) {
        Ok(services) => services,
        Err(err) => return exit::fail(&err),
    };
    if matches!(command, WatchCommand::Daemon) {
        return super::watch_daemon::run(config, services).await;
    }
    let store = match db::open(&config, true).await {
        Ok(store) => store,
        Err(code) => return code,
    };
    let rest = config
        .discord_token
        .clone()
        .map(|token| Rest::new(config.api_base.as_deref(), token));
    let watcher = Watcher::new(store.clone(), services.clone(), rest);
    let context = Context {
        store: &store,
        services: &services,
        watcher: &watcher,
        format,
        who: operator(),
    };
    let code = match context.dispatch(command).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!(
                "error: the store at {} did not answer: {err}",
                store.database()
            );
            ExitCode::from(exit::TEMPORARY)
        }
    };
    store.close().await;
    code
}

/// Who acts from the command line, for the history and the audit log.
fn operator() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    format!("cli:{user}")
}

struct Context<'a> {
    store: &'a Store,
    services: &'a Services,
    watcher: &'a Watcher,
    format: WatchFormat,
    who: String,
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(exit::USAGE)
}

impl Context<'_> {
    async fn dispatch(&self, command: WatchCommand) -> Result<ExitCode, StoreError> {
        let now = now_ms();
        match command {
            WatchCommand::Channel { channel, role } => self.channel(channel, role, now).await,
            WatchCommand::Add {
                target,
                every,
                kind,
                label,
                channel,
            } => {
                let asked = Asked {
                    target: &target,
                    every: every.as_deref(),
                    kind: kind.as_deref(),
                    label: label.as_deref(),
                    channel,
                };
                self.add(asked, now).await
            }
            WatchCommand::List => self.list().await,
            WatchCommand::Remove { id } => {
                let done = self.store.remove_watch(id).await?;
                self.done("remove", id, done, "removed").await
            }
            WatchCommand::Pause { id } => {
                let done = self.store.set_paused(id, true, now).await?;
                self.done("pause", id, done, "paused").await
            }
            WatchCommand::Resume { id } => {
                let done = self.store.set_paused(id, false, now).await?;
                self.done("resume", id, done, "resumed: checked at the next pass")
                    .await
            }
            WatchCommand::Mute { id, duration } => {
                let span = match Span::parse(&duration) {
                    Ok(span) => span,
                    Err(err) => return Ok(usage(format!("--for {err}"))),
                };
                let until = now.saturating_add(i64::try_from(span.millis()).unwrap_or(i64::MAX));
                let done = self.store.mute_watch(id, until).await?;
                let what = format!("muted until {}", alert::time_text(until));
                self.done("mute", id, done, &what).await
            }
            WatchCommand::History { id } => {
                let events = self.store.watch_history(id, 20).await?;
                output::print(self.format, &events, || output::history(&events));
                Ok(ExitCode::SUCCESS)
            }
            WatchCommand::Test => self.test(now).await,
            WatchCommand::Run => self.pass(now).await,
            WatchCommand::Daemon => {
                unreachable!("the daemon is started before the store is opened")
            }
        }
    }

    async fn channel(
        &self,
        channel: u64,
        role: Option<u64>,
        now: i64,
    ) -> Result<ExitCode, StoreError> {
        actions::set_alert_channel(self.store, channel, role, &self.who, now).await?;
        self.audit("watch channel", &channel.to_string(), now).await;
        self.post_now(&format!("alerts go to channel {channel}"), now)
            .await
    }

    async fn test(&self, now: i64) -> Result<ExitCode, StoreError> {
        let Some(channel) = actions::queue_sample_alert(self.store, now).await? else {
            return Ok(usage(
                "no alert channel is set: run `echoterra-bot watch channel <channel id>` first",
            ));
        };
        self.audit("watch test", &channel.to_string(), now).await;
        self.post_now("a sample alert", now).await
    }

    /// Posts what waits, saying whether Discord took it: exit 1 when it refused.
    async fn post_now(&self, what: &str, now: i64) -> Result<ExitCode, StoreError> {
        if !self.watcher.can_post() {
            println!("{what}; the message waits in the outbox for the watcher (DISCORD_TOKEN is not set here)");
            return Ok(ExitCode::SUCCESS);
        }
        let (_, sent) = self.watcher.deliver(now).await?;
        if let Some(problem) = sent.problems.first() {
            let hint = if ["Missing Access", "Missing Permissions", "Unknown Channel"]
                .iter()
                .any(|refusal| problem.contains(refusal))
            {
                ". Give the bot the View Channel, Send Messages and Embed Links permissions there, or pick another channel"
            } else {
                ""
            };
            eprintln!("error: {what}, but Discord refused the message: {problem}{hint}.");
            return Ok(ExitCode::from(exit::TEMPORARY));
        }
        if sent.retried > 0 {
            println!("{what}; Discord did not take the message yet: the watcher tries again");
        } else {
            println!("{what}; the message is posted");
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn add(&self, asked: Asked<'_>, now: i64) -> Result<ExitCode, StoreError> {
        let planned = match plan(asked, self.services, &self.who) {
            Ok(planned) => planned,
            Err(err) => return Ok(usage(err)),
        };
        let mut added = Vec::new();
        for new in planned {
            let watch = match self.store.add_watch(&new, now).await? {
                Added::New(watch) => {
                    self.audit("watch add", &new.target, now).await;
                    // The first result is the silent baseline, and the answer.
                    self.watcher
                        .check_now(watch.id, now)
                        .await?
                        .unwrap_or(watch)
                }
                Added::Exists(watch) => {
                    eprintln!("{} is already watched as #{}", new.target, watch.id);
                    watch
                }
            };
            added.push(watch);
        }
        output::print(self.format, &added, || output::watches(&added, now));
        Ok(ExitCode::SUCCESS)
    }

    async fn list(&self) -> Result<ExitCode, StoreError> {
        let watches = self.store.watches().await?;
        let channels = self.store.alert_channels().await?;
        let budget = crate::watch::budget::budget(&watches, &self.services.catalog);
        match self.format {
            WatchFormat::Json => println!(
                "{}",
                serde_json::json!({"channels": channels, "watches": watches, "blocklist_budget": budget})
            ),
            WatchFormat::Text => print!("{}", output::list(&channels, &watches, &budget, now_ms())),
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn done(
        &self,
        action: &str,
        id: i64,
        done: bool,
        what: &str,
    ) -> Result<ExitCode, StoreError> {
        if !done {
            return Ok(usage(format!(
                "there is no watch #{id}: `echoterra-bot watch list` shows the ids"
            )));
        }
        self.audit(&format!("watch {action}"), &format!("#{id}"), now_ms())
            .await;
        match self.format {
            WatchFormat::Json => println!("{}", serde_json::json!({"id": id, "action": action})),
            WatchFormat::Text => println!("watch #{id} {what}"),
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn pass(&self, now: i64) -> Result<ExitCode, StoreError> {
        let pass = self.watcher.pass(now, true, now_ms).await?;
        match self.format {
            WatchFormat::Json => println!(
                "{}",
                serde_json::json!({
                    "checked": pass.checked, "changes": pass.changes, "messages": pass.grouped,
                    "sent": pass.sent.messages, "failed": pass.sent.failed, "retried": pass.sent.retried,
                    "problems": pass.sent.problems, "most_late_ms": pass.most_late_ms,
                })
            ),
            WatchFormat::Text => {
                println!(
                    "checked {} watches, {} changes, {} messages posted, {} refused, {} to try again",
                    pass.checked, pass.changes, pass.sent.messages, pass.sent.failed, pass.sent.retried
                );
                for problem in &pass.sent.problems {
                    println!("refused: {problem}");
                }
                if !self.watcher.can_post() && pass.grouped > 0 {
                    println!(
                        "DISCORD_TOKEN is not set: {} messages wait in the outbox",
                        pass.grouped
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Notes a staff action in the audit log; a failure is said, not fatal.
    async fn audit(&self, command: &str, target: &str, now: i64) {
        let entry = AuditEntry {
            interaction_id: crate::store::random_id().unsigned_abs(),
            at_ms: now,
            user_id: 0,
            user_name: self.who.clone(),
            guild_id: None,
            command: command.to_string(),
            target: target.to_string(),
            verdict: "done".to_string(),
        };
        if let Err(err) = self.store.record_audit(&entry).await {
            eprintln!("warning: the audit log did not take this action: {err}");
        }
    }
}
