//! Exit statuses: one table for every subcommand (the docs' "Exit statuses" page
//! is written from it).
//!
//! | status | meaning | subcommands |
//! |---|---|---|
//! | 0 | done | all (for `check`: the verdict is OK) |
//! | 1, 2, 3 | WARNING, CRITICAL, UNKNOWN (the monitoring convention) | `check` (a usage or configuration error is UNKNOWN, 3) |
//! | 1 | what may pass: a server unreachable at start in a one-shot command, a port in use, the bot not healthy; for `watch`: the store unreachable or not answering, Discord refusing a `watch channel` or `watch test` message | all but `check` |
//! | 64 | the command line is wrong (`EX_USAGE`) | all but `check` |
//! | 78 | configuration that is malformed (`EX_CONFIG`): a bad value, both forms of one secret, an unreadable or unknown catalogue file; waiting will not fix it | all but `check` |
//!
//! Long-running modes retry what may pass (the gateway reconnects) instead of
//! exiting; systemd's `RestartPreventExitStatus=78` keeps a unit with a broken
//! configuration from restarting in a loop.

use std::fmt::Display;
use std::process::ExitCode;

use crate::checks::StartupError;
use crate::config::ConfigError;
use crate::discord::BotError;
use crate::endpoint::ServeError;
use crate::store::OpenError;

/// What may pass: try again later.
pub const TEMPORARY: u8 = 1;
/// The command line is wrong (`EX_USAGE` of sysexits.h).
pub const USAGE: u8 = 64;
/// The configuration is malformed (`EX_CONFIG` of sysexits.h).
pub const CONFIG: u8 = 78;
/// `check`'s UNKNOWN, for a usage or configuration error there.
pub const CHECK_UNKNOWN: u8 = 3;

/// Whether waiting could fix a failure.
pub trait Failure: Display {
    /// The exit status of this failure, outside `check`.
    fn status(&self) -> u8;
}

/// Prints `failure` and returns its status: a line of text, or with `LOG_FORMAT=json` a
/// JSON line in the shape of the log's (read from the environment itself, since the
/// failure may be that the configuration could not be read).
pub fn fail(failure: &dyn Failure) -> ExitCode {
    let status = failure.status();
    if std::env::var("LOG_FORMAT").is_ok_and(|format| format.trim() == "json") {
        eprintln!("{}", json_line(&failure.to_string(), status));
    } else {
        eprintln!("error: {failure}");
    }
    ExitCode::from(status)
}

/// A fatal error as `LOG_FORMAT=json` writes every log line: timestamp, level, fields
/// (the message and the exit status), target.
fn json_line(message: &str, status: u8) -> String {
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    serde_json::json!({
        "timestamp": timestamp,
        "level": "ERROR",
        "fields": {"message": message, "exit_status": status},
        "target": "echoterra_bot::cli",
    })
    .to_string()
}

impl Failure for ConfigError {
    fn status(&self) -> u8 {
        CONFIG
    }
}

/// The catalogue, the resolver's configuration, the extra CA file: all read from
/// this machine, none fixed by waiting.
impl Failure for StartupError {
    fn status(&self) -> u8 {
        CONFIG
    }
}

impl Failure for BotError {
    fn status(&self) -> u8 {
        match self {
            BotError::Config(_) | BotError::Startup(_) => CONFIG,
            // Discord refused the token itself: a new token, not time, fixes that.
            BotError::Discord(err) if is_bad_token(err) => CONFIG,
            BotError::Discord(_) | BotError::Listen(_) => TEMPORARY,
            BotError::Store(err) => err.status(),
        }
    }
}

impl Failure for ServeError {
    fn status(&self) -> u8 {
        match self {
            ServeError::Config(_) | ServeError::Startup(_) => CONFIG,
            ServeError::Listen(_) => TEMPORARY,
            ServeError::Store(err) => err.status(),
        }
    }
}

/// A SQLite file that cannot be used, or a schema that cannot be migrated, is
/// fixed by an operator; an unreachable PostgreSQL may come back (the long-running
/// modes wait for it; one-shot commands exit 1).
impl Failure for OpenError {
    fn status(&self) -> u8 {
        if self.may_pass() {
            TEMPORARY
        } else {
            CONFIG
        }
    }
}

/// A port in use may be freed: what may pass.
impl Failure for crate::ops::ListenError {
    fn status(&self) -> u8 {
        TEMPORARY
    }
}

/// Whether Discord answered that the token is not valid (401 over REST, 4004 on
/// the gateway).
fn is_bad_token(err: &serenity::Error) -> bool {
    use serenity::all::{GatewayError, HttpError};
    match err {
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => true,
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            response.status_code.as_u16() == 401
        }
        _ => false,
    }
}

/// A plain failure with its status, for the subcommands' own checks.
#[derive(Debug)]
pub struct Plain {
    pub status: u8,
    pub message: String,
}

impl Display for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Failure for Plain {
    fn status(&self) -> u8 {
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_is_78_and_what_may_pass_is_1() {
        let config = ConfigError {
            variable: "LOG_FORMAT",
            problem: "x".into(),
        };
        assert_eq!(config.status(), CONFIG);
        assert_eq!(BotError::Config(config.clone()).status(), CONFIG);
        assert_eq!(ServeError::Config(config).status(), CONFIG);
        let listen = crate::ops::ListenError {
            variable: "OPS_LISTEN",
            addr: "127.0.0.1:1".parse().unwrap(),
            reason: "in use".into(),
        };
        assert_eq!(ServeError::Listen(listen).status(), TEMPORARY);
        let gateway = serenity::Error::Gateway(serenity::all::GatewayError::InvalidAuthentication);
        assert_eq!(BotError::Discord(gateway).status(), CONFIG);
        let other = serenity::Error::Gateway(serenity::all::GatewayError::NoAuthentication);
        assert_eq!(BotError::Discord(other).status(), TEMPORARY);
    }
}
