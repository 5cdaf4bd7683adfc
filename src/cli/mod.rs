//! The command line: `run` (the default) starts the gateway bot, `serve` the HTTP
//! interactions endpoint, `register` only registers the commands, `health` asks a
//! running bot whether it is alive, `check ...` runs a check in the terminal with
//! no token and no Discord (and no store), `db migrate|status` tends the store's
//! schema and `audit` reads the staff audit log.

//!
//! - `check`: the `check` subcommands and their requests;
//! - `db`: the `db` subcommands, and opening the store for a one-shot command;
//! - `audit`: the `audit` subcommand;
//! - `health`: the `health` subcommand;
//! - `watch`: the `watch` subcommands (`watch_output` prints them, `watch_daemon`
//!   is the long-running watcher);
//! - `exit`: the one table of exit statuses.

mod audit;
mod check;
mod db;
mod exit;
mod health;
mod watch;
mod watch_daemon;
mod watch_output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::render::Format;
use check::CheckCommand;

/// What `--version` prints after the name: the crate's version and the git commit
/// it was built from (`unknown` when built outside git without `GIT_COMMIT`; see
/// `build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("ECHOTERRA_GIT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "echoterra-bot",
    version = VERSION,
    about = "Echoterra Communications support bot: mail settings, MX lookup, SMTP, IMAP and POP3 tests, blocklist check, domain setup and SPF, in Discord and in the terminal"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// The environment of `run`, shown by `run --help` (the options are all variables).
const RUN_ENV: &str = "\
Environment (.env.example describes each; every secret also from NAME_FILE):
  DISCORD_TOKEN             the bot token (required)
  OPS_LISTEN                /healthz, /readyz, /metrics (default 127.0.0.1:9180)
  DATABASE_URL or DATA_DIR  the store: PostgreSQL, or SQLite in DATA_DIR (default ./data)
  DISCORD_GUILD_ID, STAFF_GUILD_IDS, DISCORD_API_BASE, COMMANDS_DIR, DNS_SERVERS,
  TLS_EXTRA_CA, SPAMHAUS_DQS_KEY, SPAMRATS_KEY, SHUTDOWN_GRACE_SECONDS,
  WATCH_MIN_INTERVAL_SECONDS, LOG_FORMAT, RUST_LOG";

/// The environment of `serve`, shown by `serve --help`.
const SERVE_ENV: &str = "\
Environment (.env.example describes each; every secret also from NAME_FILE):
  DISCORD_PUBLIC_KEY        the application's public key, to verify requests (required)
  HTTP_LISTEN               POST /interactions, the public port (default 127.0.0.1:8080)
  OPS_LISTEN                /healthz, /readyz, /metrics (default 127.0.0.1:9180)
  DATABASE_URL or DATA_DIR  the store: PostgreSQL, or SQLite in DATA_DIR (default ./data)
  DISCORD_GUILD_ID, STAFF_GUILD_IDS, DISCORD_API_BASE, COMMANDS_DIR, DNS_SERVERS,
  TLS_EXTRA_CA, SPAMHAUS_DQS_KEY, SPAMRATS_KEY, SHUTDOWN_GRACE_SECONDS,
  WATCH_MIN_INTERVAL_SECONDS, LOG_FORMAT, RUST_LOG";

/// Where the one-shot commands that read the store find it.
const STORE_ENV: &str = "\
Environment: DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, default ./data) for the store; COMMANDS_DIR.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Discord bot over the gateway (the default). Needs DISCORD_TOKEN.
    #[command(after_help = RUN_ENV)]
    Run,
    /// Serve Discord's interactions endpoint (POST /interactions) on HTTP_LISTEN. Needs DISCORD_PUBLIC_KEY.
    #[command(after_help = SERVE_ENV)]
    Serve,
    /// Register the slash commands with Discord, then exit. Needs DISCORD_TOKEN.
    #[command(
        after_help = "Environment: DISCORD_TOKEN (required), DISCORD_GUILD_ID (register to that server only), DISCORD_API_BASE, COMMANDS_DIR."
    )]
    Register,
    /// Ask the bot running here whether it is alive (GET /healthz on OPS_LISTEN): exit 0 if so, 1 if not.
    Health {
        /// The URL to ask (default: /healthz at OPS_LISTEN, 127.0.0.1:9180 when unset).
        #[arg(long)]
        url: Option<String>,
    },
    /// Run a check in the terminal, without Discord. Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    #[command(
        after_help = "Environment: COMMANDS_DIR, DNS_SERVERS, TLS_EXTRA_CA, ALLOW_PRIVATE_TARGETS; SPAMHAUS_DQS_KEY and SPAMRATS_KEY for blacklist. No token, no store."
    )]
    Check {
        /// Output format: text for people, json for scripts, discord for the exact message payload.
        #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
        format: Format,
        #[command(subcommand)]
        check: CheckCommand,
    },
    /// The store's schema: `db migrate` applies what is missing, `db status` shows it.
    #[command(after_help = STORE_ENV)]
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// The staff audit log, newest first: who ran which staff check against what, where, when, and the verdict.
    #[command(after_help = STORE_ENV)]
    Audit {
        /// From when: a span back from now (30m, 24h, 7d), a date (2026-12-01) or an RFC 3339 time.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t = audit::AuditFormat::Text)]
        format: audit::AuditFormat,
    },
    /// The provider's watches: addresses on the blocklists, domains and mail servers checked on a schedule, with alerts to a staff channel.
    #[command(
        after_help = "Environment: DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, default ./data) for the store; DISCORD_TOKEN to post (channel, test, run, daemon); WATCH_MIN_INTERVAL_SECONDS (add); COMMANDS_DIR."
    )]
    Watch {
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t = watch::WatchFormat::Text, global = true)]
        format: watch::WatchFormat,
        #[command(subcommand)]
        command: watch::WatchCommand,
    },
}

/// Runs the command line and returns the process exit code (see [`exit`]).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if !err.use_stderr() {
                ExitCode::SUCCESS
            } else if check::is_check_invocation(std::env::args()) {
                ExitCode::from(exit::CHECK_UNKNOWN)
            } else {
                ExitCode::from(exit::USAGE)
            };
        }
    };
    let command = cli.command.unwrap_or(Command::Run);
    let in_check = matches!(command, Command::Check { .. });
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) if in_check => return check::usage_error(err),
        Err(err) => return exit::fail(&err),
    };
    crate::logging::init(config.log_format, &config.secrets());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            return exit::fail(&exit::Plain {
                status: exit::TEMPORARY,
                message: format!("cannot start the async runtime: {err}"),
            })
        }
    };
    runtime.block_on(async move {
        match command {
            Command::Run => exit_on(crate::discord::run(config).await),
            Command::Serve => exit_on(crate::endpoint::serve(config).await),
            Command::Register => exit_on(crate::discord::register(config).await),
            Command::Health { url } => health::run(&config, url).await,
            Command::Check { format, check } => check::run(config, check, format).await,
            Command::Db { command } => db::run(config, command).await,
            Command::Audit { since, format } => audit::run(config, since, format).await,
            Command::Watch { format, command } => watch::run(config, command, format).await,
        }
    })
}

fn exit_on<E: exit::Failure>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => exit::fail(&err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
