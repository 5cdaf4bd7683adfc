//! The Discord side: thin glue between interactions and the checks.

use crate::config::{Config, ConfigError};

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Startup(#[from] crate::services::StartupError),
}

pub async fn run(config: Config) -> Result<(), BotError> {
    config.token()?;
    Ok(())
}

pub async fn register(config: Config) -> Result<(), BotError> {
    config.token()?;
    Ok(())
}
