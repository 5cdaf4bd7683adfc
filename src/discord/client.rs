//! The serenity gateway client: connects, registers the commands on every READY
//! (a bulk overwrite, safe to repeat), hands interactions to [`super::dispatch`],
//! serves `/healthz`, `/readyz` and `/metrics` on `OPS_LISTEN` (ready while the
//! gateway is connected), and shuts down cleanly on SIGTERM or Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ConnectionStage, Context, EventHandler, GatewayIntents, GuildId, HttpBuilder, Interaction,
    Ready, ResumedEvent, ShardManager, ShardStageUpdateEvent,
};
use serenity::http::Http;

use super::{commands, dispatch, incoming::Incoming, shutdown, Bot};
use crate::checks::{Services, StartupError};
use crate::config::{Config, ConfigError, Mode};
use crate::ops::{self, ListenError, Metrics, Ops, Readiness};
use crate::rest::Rest;
use crate::store::{self, OpenError, StoreSettings};

/// Why the bot could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("Discord refused the connection: {0}")]
    Discord(#[from] serenity::Error),
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error(transparent)]
    Store(#[from] OpenError),
}

struct Handler {
    bot: Bot,
    readiness: Arc<Readiness>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(
            user = %ready.user.name,
            application = ready.application.id.get(),
            guilds = ready.guilds.len(),
            "connected to Discord"
        );
        self.readiness.set_ready();
        if let Err(err) = register_commands(&ctx.http, &self.bot).await {
            tracing::error!(error = %err, "registering the slash commands failed");
        }
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("gateway session resumed");
        self.readiness.set_ready();
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        match event.new {
            ConnectionStage::Connected => self.readiness.set_ready(),
            stage => {
                tracing::info!(?stage, "gateway connection changed");
                self.readiness
                    .set_not_ready(format!("the Discord gateway connection is {stage:?}"));
            }
        }
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        if let Some(incoming) = Incoming::from_interaction(&interaction) {
            // Each interaction gets its own task, so a slow check never delays another.
            tokio::spawn(dispatch::handle(self.bot.clone(), incoming));
        }
    }
}

/// Builds serenity's HTTP client; with `DISCORD_API_BASE` set every REST call goes
/// there, which serenity only does with its own rate limiter off.
fn http(config: &Config) -> Result<Http, ConfigError> {
    let token = config.token()?;
    let mut builder = HttpBuilder::new(token.expose());
    if let Some(base) = &config.api_base {
        builder = builder.proxy(base.as_str()).ratelimiter_disabled(true);
    }
    Ok(builder.build())
}

/// Registers every command with one bulk overwrite: to `DISCORD_GUILD_ID` (at once)
/// when set, otherwise globally.
async fn register_commands(http: &Http, bot: &Bot) -> Result<(), serenity::Error> {
    let services = &bot.services;
    let definitions =
        commands::definitions(&services.catalog, services.config.allow_private_targets);
    let count = definitions.len();
    match bot.services.config.guild_id {
        Some(guild) => {
            http.create_guild_commands(GuildId::new(guild), &definitions)
                .await?;
            tracing::info!(count, guild, "slash commands registered to the guild");
        }
        None => {
            http.create_global_commands(&definitions).await?;
            tracing::info!(count, "slash commands registered globally");
        }
    }
    Ok(())
}

/// Runs the gateway bot until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), BotError> {
    let http = http(&config)?;
    let grace = config.shutdown_grace;
    let database = config.database.clone();
    let listener = ops::listen_for(&config, Mode::Gateway).await?;
    let services = Services::new(config)?;
    let metrics = Arc::new(Metrics::new());
    ops::settings::EffectiveSettings::new(Mode::Gateway, &services).log();
    let readiness = Arc::new(Readiness::starting(format!(
        "waiting for the store ({database})"
    )));
    let ops_server = ops::spawn(
        listener,
        Ops {
            readiness: readiness.clone(),
            metrics: metrics.clone(),
        },
    );
    let settings = StoreSettings::from(&services.catalog.defaults.store);
    let store = tokio::select! {
        store = store::open_with_retry(&database, settings) => store?,
        () = shutdown::signal() => {
            tracing::info!("stopped before the store answered");
            ops_server.abort();
            return Ok(());
        }
    };
    tracing::info!(store = %database, "store opened");
    readiness.watch_store(store.clone());
    readiness.set_not_ready("not connected to the Discord gateway yet");
    let bot = Bot::with_store(services, metrics, Some(store.clone()));
    let pruning = store::spawn_pruning(store.clone(), bot.memory.longest_window());
    // The gateway bot holds the token, so it watches too (each due watch is checked
    // by one process, however many share the store).
    let bot = match bot.services.config.discord_token.clone() {
        Some(token) => {
            let rest = Rest::new(bot.services.config.api_base.as_deref(), token);
            bot.posting(rest)
        }
        None => bot,
    };
    let watching = bot
        .watcher
        .clone()
        .map(|watcher| tokio::spawn(watcher.run_until(std::future::pending())));
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "starting echoterra-bot"
    );
    warn_if_no_staff(&bot);
    let mut client = serenity::all::ClientBuilder::new_with_http(http, GatewayIntents::empty())
        .event_handler(Handler {
            bot: bot.clone(),
            readiness: readiness.clone(),
        })
        .await?;
    let shards = client.shard_manager.clone();
    // The shard manager knows whether the gateway is up: a dropped connection takes
    // the shard's runner away until it is connected again.
    let watcher = tokio::spawn(watch_gateway(shards.clone(), readiness.clone()));
    tokio::select! {
        result = client.start() => result?,
        () = shutdown::signal() => {
            tracing::info!("shutting down");
            readiness.set_not_ready("shutting down");
            // New interactions are told the bot is restarting; running checks get
            // the grace period, and what is left is answered "the bot restarted".
            dispatch::shutdown(&bot, grace).await;
            // serenity's shutdown waits for its shard runners; while the gateway is
            // unreachable its queuer keeps retrying and never hands over, so the
            // wait is bounded and the process leaves either way.
            if tokio::time::timeout(SHUTDOWN_GRACE, shards.shutdown_all()).await.is_err() {
                tracing::warn!("the gateway connection did not close in time; leaving anyway");
            }
        }
    }
    ops_server.abort();
    watcher.abort();
    if let Some(watching) = watching {
        watching.abort();
    }
    pruning.abort();
    // Writes in flight finish; then every connection closes.
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Keeps `/readyz` true to the gateway connection: ready while every shard is
/// connected, not ready (with the reason) while one is gone or reconnecting.
async fn watch_gateway(shards: Arc<ShardManager>, readiness: Arc<Readiness>) {
    let mut was_connected = false;
    loop {
        tokio::time::sleep(GATEWAY_WATCH_INTERVAL).await;
        let runners = shards.runners.lock().await;
        let not_connected = runners
            .values()
            .find(|runner| runner.stage != ConnectionStage::Connected)
            .map(|runner| runner.stage);
        let connected = !runners.is_empty() && not_connected.is_none();
        drop(runners);
        if connected {
            readiness.set_ready();
        } else if was_connected || readiness.check().is_ok() {
            let stage = not_connected.map_or("down".to_string(), |stage| format!("{stage:?}"));
            tracing::warn!(stage, "the Discord gateway connection is not up");
            readiness.set_not_ready(format!("the Discord gateway connection is {stage}"));
        }
        was_connected = connected;
    }
}

/// How often `/readyz` looks at the gateway connection.
const GATEWAY_WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// One warning line at start-up when no server's staff can use staff commands.
/// With no staff server, staff commands are off: said once at start-up, by `run`
/// and `serve` alike.
pub fn warn_if_no_staff(bot: &Bot) {
    if !bot.staff.is_configured() {
        tracing::warn!(
            "no staff server is set (STAFF_GUILD_IDS, or DISCORD_GUILD_ID): staff commands (/blacklist, /smtp to other servers) are off"
        );
    }
}

/// How long a clean disconnect from the gateway may take on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Registers the commands and exits, without connecting to the gateway.
pub async fn register(config: Config) -> Result<(), BotError> {
    let http = http(&config)?;
    let services = Services::new(config)?;
    let application = http.get_current_application_info().await?;
    http.set_application_id(application.id);
    register_commands(&http, &Bot::new(services)).await?;
    Ok(())
}
