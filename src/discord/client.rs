//! The serenity gateway client: connects, registers the commands on every READY
//! (a bulk overwrite, safe to repeat), hands interactions to [`super::dispatch`],
//! and shuts down cleanly on SIGTERM or Ctrl-C.

use serenity::all::{
    Context, EventHandler, GatewayIntents, GuildId, HttpBuilder, Interaction, Ready, ResumedEvent,
};
use std::time::Duration;

use serenity::http::Http;

use super::{commands, dispatch, incoming::Incoming, Bot};
use crate::checks::{Services, StartupError};
use crate::config::{Config, ConfigError};

/// Why the bot could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("Discord refused the connection: {0}")]
    Discord(#[from] serenity::Error),
}

struct Handler {
    bot: Bot,
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
        if let Err(err) = register_commands(&ctx.http, &self.bot).await {
            tracing::error!(error = %err, "registering the slash commands failed");
        }
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("gateway session resumed");
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
    let definitions = commands::definitions(&bot.services.catalog);
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
    let services = Services::new(config)?;
    let bot = Bot::new(services);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "starting echoterra-bot"
    );
    warn_if_no_staff(&bot);
    let mut client = serenity::all::ClientBuilder::new_with_http(http, GatewayIntents::empty())
        .event_handler(Handler { bot: bot.clone() })
        .await?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => result?,
        () = shutdown_signal() => {
            tracing::info!("shutting down");
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
    tracing::info!("stopped");
    Ok(())
}

/// One warning line at start-up when no server's staff can use staff commands.
fn warn_if_no_staff(bot: &Bot) {
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

/// Resolves on SIGTERM (container stop) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
