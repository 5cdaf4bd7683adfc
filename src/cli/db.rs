//! `echoterra-bot db migrate` and `db status`: the store's schema, for operators who
//! migrate as a separate step (the long-running modes also migrate at start).

use std::process::ExitCode;

use clap::Subcommand;

use super::exit;
use crate::catalog::Catalog;
use crate::checks::StartupError;
use crate::config::Config;
use crate::store::schema::{self, SchemaStatus};
use crate::store::{self, Store, StoreSettings};

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply the migrations the store lacks, then exit.
    Migrate,
    /// Show the store, and which migrations it has and this binary knows.
    Status,
}

/// Opens the store for a one-shot command: the catalogue's settings, no retry (an
/// unreachable store exits 1), `migrate` or not.
pub async fn open(config: &Config, migrate: bool) -> Result<Store, ExitCode> {
    let catalog = Catalog::load(config.commands_dir.as_deref())
        .map_err(|err| exit::fail(&StartupError::from(err)))?;
    let settings = StoreSettings::from(&catalog.defaults.store);
    let opened = if migrate {
        store::open(&config.database, settings).await
    } else {
        store::open_for_status(&config.database, settings).await
    };
    opened.map_err(|err| exit::fail(&err))
}

pub async fn run(config: Config, command: DbCommand) -> ExitCode {
    let store = match open(&config, false).await {
        Ok(store) => store,
        Err(code) => return code,
    };
    let code = match command {
        DbCommand::Migrate => migrate(&store).await,
        DbCommand::Status => status(&store).await,
    };
    store.close().await;
    code
}

async fn migrate(store: &Store) -> ExitCode {
    let before = match schema::status(store).await {
        Ok(status) => status,
        Err(cause) => return failed(store, "read the schema of", &cause),
    };
    if let Err(cause) = schema::migrate(store).await {
        return failed(store, "migrate", &cause);
    }
    let pending = before.pending();
    println!(
        "{}: {}",
        store.database(),
        match pending {
            0 => "already up to date".to_string(),
            1 => "1 migration applied".to_string(),
            n => format!("{n} migrations applied"),
        }
    );
    ExitCode::SUCCESS
}

async fn status(store: &Store) -> ExitCode {
    match schema::status(store).await {
        Ok(status) => {
            print!("{}", describe(store, &status));
            ExitCode::SUCCESS
        }
        Err(cause) => failed(store, "read the schema of", &cause),
    }
}

/// `db status`'s text: where the store is, then one line per migration.
fn describe(store: &Store, status: &SchemaStatus) -> String {
    let mut text = format!("store: {}\n", store.database());
    for migration in &status.migrations {
        let state = match (migration.known, migration.applied) {
            (true, true) => "applied",
            (true, false) => "pending",
            (false, true) => "applied (newer than this binary)",
            (false, false) => continue,
        };
        text.push_str(&format!(
            "  {} {:<24} {state}\n",
            migration.version, migration.description
        ));
    }
    text.push_str(&match (status.pending(), status.newer()) {
        (0, 0) => "up to date\n".to_string(),
        (0, newer) => format!(
            "up to date; {newer} migration(s) from a newer binary, which this one works with\n"
        ),
        (pending, _) => format!(
            "{pending} migration(s) pending: `echoterra-bot db migrate` applies them (so does starting the bot)\n"
        ),
    });
    text
}

/// A store that answered the connection but failed the statement: 1, it may pass.
fn failed(store: &Store, what: &str, cause: &str) -> ExitCode {
    eprintln!("error: could not {what} {}: {cause}", store.database());
    ExitCode::from(exit::TEMPORARY)
}
