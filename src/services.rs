//! What every check may use, built once at start-up and shared by the bot and the
//! command line: the catalogue and the configuration.

use std::sync::Arc;

use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;

/// Start-up failed before anything connected anywhere.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// The shared, read-only state of the checks. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub catalog: Arc<Catalog>,
    pub config: Arc<Config>,
}

impl Services {
    /// Loads and validates the catalogue named by the config, and builds what the
    /// checks share.
    pub fn new(config: Config) -> Result<Services, StartupError> {
        let catalog = Catalog::load(config.commands_dir.as_deref())?;
        Ok(Services {
            catalog: Arc::new(catalog),
            config: Arc::new(config),
        })
    }
}
