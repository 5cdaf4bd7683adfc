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

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Discord bot over the gateway (the default). Needs DISCORD_TOKEN.
    Run,
    /// Serve Discord's interactions endpoint (POST /interactions) on HTTP_LISTEN. Needs DISCORD_PUBLIC_KEY.
    Serve,
    /// Register the slash commands with Discord, then exit. Needs DISCORD_TOKEN.
    Register,
    /// Ask the bot running here whether it is alive (GET /healthz on OPS_LISTEN): exit 0 if so, 1 if not.
    Health {
        /// The URL to ask instead of OPS_LISTEN's /healthz.
        #[arg(long)]
        url: Option<String>,
    },
    /// Run a check in the terminal, without Discord. Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    Check {
        /// Output format: text for people, json for scripts, discord for the exact message payload.
        #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
        format: Format,
        #[command(subcommand)]
        check: CheckCommand,
    },
    /// The store's schema: `db migrate` applies what is missing, `db status` shows it.
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// The staff audit log, newest first: who ran which staff check against what, where, when, and the verdict.
    Audit {
        /// From when: a span back from now (30m, 24h, 7d), a date (2026-12-01) or an RFC 3339 time.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Output format: text for people, json for scripts.
        #[arg(long, value_enum, default_value_t = audit::AuditFormat::Text)]
        format: audit::AuditFormat,
    },
    /// The provider's watches: addresses on the blocklists, domains and mail servers checked on a schedule, with alerts to a staff channel.
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
