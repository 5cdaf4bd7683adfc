//! `echoterra-bot watch daemon`: the watcher beside a `serve` deployment (which
//! stays tokenless and never checks or posts). It holds the bot token, opens the
//! store (retrying an unreachable PostgreSQL), serves `/healthz`, `/readyz` and
//! `/metrics` on `OPS_LISTEN` (no public listener), and passes over the watches
//! every second until SIGTERM; a check in flight at SIGTERM loses nothing (its
//! result is written or its lease runs out, and another pass takes it again).

use std::process::ExitCode;
use std::sync::Arc;

use super::exit;
use crate::checks::Services;
use crate::config::{Config, ConfigError, Mode};
use crate::ops::{self, Metrics, Ops, Readiness};
use crate::rest::Rest;
use crate::store::{self, StoreSettings};
use crate::watch::Watcher;

pub async fn run(config: Config, services: Services) -> ExitCode {
    let Some(token) = config.discord_token.clone() else {
        return exit::fail(&ConfigError {
            variable: "DISCORD_TOKEN",
            problem: "is not set: the watcher posts alerts with the bot token (DISCORD_TOKEN, DISCORD_TOKEN_FILE or a systemd credential)".into(),
        });
    };
    let (ops_listen, _) = config.ops_listen_for(Mode::Watcher);
    ops::settings::EffectiveSettings::new(Mode::Watcher, &services).log();
    let database = config.database.clone();
    let readiness = Arc::new(Readiness::starting(format!(
        "waiting for the store ({database})"
    )));
    let metrics = Arc::new(Metrics::new());
    let ops_server = match ops::listen("OPS_LISTEN", ops_listen).await {
        Ok(listener) => ops::spawn(
            listener,
            Ops {
                readiness: readiness.clone(),
                metrics: metrics.clone(),
            },
        ),
        Err(err) => return exit::fail(&err),
    };
    let settings = StoreSettings::from(&services.catalog.defaults.store);
    let store = tokio::select! {
        store = store::open_with_retry(&database, settings) => match store {
            Ok(store) => store,
            Err(err) => {
                ops_server.abort();
                return exit::fail(&err);
            }
        },
        () = crate::discord::shutdown_signal() => {
            ops_server.abort();
            return ExitCode::SUCCESS;
        }
    };
    tracing::info!(store = %database, catalogue = %services.catalog.source, "watching");
    readiness.watch_store(store.clone());
    readiness.set_ready();
    let watcher = Watcher::new(
        store.clone(),
        services,
        Some(Rest::new(config.api_base.as_deref(), token)),
    )
    .with_metrics(metrics);
    watcher
        .run_until(async {
            crate::discord::shutdown_signal().await;
            tracing::info!("shutting down: the pass in flight finishes");
        })
        .await;
    ops_server.abort();
    store.close().await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}
