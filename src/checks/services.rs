//! What every check may use, built once at start-up and shared by the bot and the
//! command line: the catalogue, the configuration, the shared DNS resolver, the
//! trusted TLS roots and the turns at each server.

use std::sync::Arc;

use super::net::resolver::{DnsResolver, ResolverError, ResolverSettings};
use super::net::slots::ServerSlots;
use super::net::tls::{load_trust_roots, TrustRootsError};
use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;

/// Start-up failed before anything connected anywhere.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    #[error(transparent)]
    TrustRoots(#[from] TrustRootsError),
}

/// The shared, read-only state of the checks. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub catalog: Arc<Catalog>,
    pub config: Arc<Config>,
    /// The one resolver of every check (`DNS_SERVERS`, `[dns]` of defaults.toml).
    pub resolver: DnsResolver,
    /// The roots TLS checks trust: the public ones plus `TLS_EXTRA_CA`, read once.
    pub tls_roots: Arc<rustls::RootCertStore>,
    /// Turns at each server a session test talks to (`max_sessions_per_server`).
    pub server_slots: Arc<ServerSlots>,
}

impl Services {
    /// Loads and validates the catalogue named by the config, and builds what the
    /// checks share.
    pub fn new(config: Config) -> Result<Services, StartupError> {
        let catalog = Catalog::load(config.commands_dir.as_deref())?;
        Services::from_parts(catalog, config)
    }

    /// Builds the shared state from a catalogue already loaded (tests adjust it first).
    pub fn from_parts(catalog: Catalog, config: Config) -> Result<Services, StartupError> {
        let resolver = DnsResolver::new(&ResolverSettings::new(
            config.dns_servers.as_deref(),
            &catalog.defaults.dns,
            &catalog.defaults.limits,
        ))?;
        let tls_roots = Arc::new(load_trust_roots(config.tls_extra_ca.as_deref())?);
        let server_slots = Arc::new(ServerSlots::new(
            catalog.defaults.limits.max_sessions_per_server,
        ));
        Ok(Services {
            catalog: Arc::new(catalog),
            config: Arc::new(config),
            resolver,
            tls_roots,
            server_slots,
        })
    }
}
