//! The one start-up line of every long-running mode (`run`, `serve`, `watch daemon`):
//! the settings in effect once the environment and the catalogue are read, so an
//! operator sees in the log what the process runs with. No secret is in it: the store
//! is `Database`'s `Display` (no password), keys and tokens are not named at all.

use std::net::SocketAddr;

use crate::checks::Services;
use crate::config::Mode;

/// The settings line's fields, as they are logged (and tested).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveSettings {
    /// `gateway`, `serve` or `watcher`.
    pub mode: &'static str,
    /// `built-in`, or the `COMMANDS_DIR` folder.
    pub catalogue: String,
    /// `DNS_SERVERS`, or `system`.
    pub dns_servers: String,
    /// The staff servers' ids, or `none` (staff commands are off).
    pub staff_servers: String,
    /// Where the store is, without its password.
    pub store: String,
    /// `serve`'s public listener (`HTTP_LISTEN`); `none` in the other modes.
    pub http_listen: String,
    /// `OPS_LISTEN`, as this mode takes it.
    pub ops_listen: SocketAddr,
    /// Checks at once (`max_concurrent_checks` of the catalogue).
    pub max_concurrent_checks: usize,
    /// A user's checks per window: `5 per 60s`.
    pub rate_limit: String,
}

impl EffectiveSettings {
    pub fn new(mode: Mode, services: &Services) -> EffectiveSettings {
        let config = &services.config;
        let defaults = &services.catalog.defaults;
        let list = |items: Vec<String>, empty: &str| {
            if items.is_empty() {
                empty.to_string()
            } else {
                items.join(",")
            }
        };
        EffectiveSettings {
            mode: match mode {
                Mode::Gateway => "gateway",
                Mode::Serve => "serve",
                Mode::Watcher => "watcher",
            },
            catalogue: services.catalog.source.to_string(),
            dns_servers: list(
                config
                    .dns_servers
                    .iter()
                    .flatten()
                    .map(ToString::to_string)
                    .collect(),
                "system",
            ),
            staff_servers: list(
                config
                    .staff_guild_ids
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                "none",
            ),
            store: config.database.to_string(),
            http_listen: match mode {
                Mode::Serve => config.http_listen.to_string(),
                Mode::Gateway | Mode::Watcher => "none".to_string(),
            },
            ops_listen: config.ops_listen_for(mode).0,
            max_concurrent_checks: defaults.limits.max_concurrent_checks,
            rate_limit: format!(
                "{} per {}s",
                defaults.rate_limit.checks_per_window, defaults.rate_limit.window_seconds
            ),
        }
    }

    /// Writes the line, at INFO.
    pub fn log(&self) {
        tracing::info!(
            mode = %self.mode,
            catalogue = %self.catalogue,
            dns_servers = %self.dns_servers,
            staff_servers = %self.staff_servers,
            store = %self.store,
            http_listen = %self.http_listen,
            ops_listen = %self.ops_listen,
            max_concurrent_checks = self.max_concurrent_checks,
            rate_limit = %self.rate_limit,
            "effective settings"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn services(vars: &[(&str, &str)]) -> Services {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
        .unwrap();
        Services::new(config).unwrap()
    }

    #[tokio::test]
    async fn the_settings_say_what_is_in_effect_and_no_secret() {
        let settings = EffectiveSettings::new(
            Mode::Serve,
            &services(&[
                (
                    "DATABASE_URL",
                    "postgres://bot:hunter2hunter2@db.internal:5432/bot",
                ),
                ("DNS_SERVERS", "127.0.0.1:53"),
                ("STAFF_GUILD_IDS", "1,2"),
                ("HTTP_LISTEN", "0.0.0.0:8080"),
            ]),
        );
        assert_eq!(settings.mode, "serve");
        assert_eq!(settings.catalogue, "built-in");
        assert_eq!(settings.dns_servers, "127.0.0.1:53");
        assert_eq!(settings.staff_servers, "1,2");
        assert_eq!(settings.http_listen, "0.0.0.0:8080");
        assert!(settings.store.contains("db.internal:5432"), "{settings:?}");
        assert!(!format!("{settings:?}").contains("hunter2"), "{settings:?}");
        assert!(settings.rate_limit.contains(" per "), "{settings:?}");

        let plain = EffectiveSettings::new(Mode::Gateway, &services(&[]));
        assert_eq!(plain.dns_servers, "system");
        assert_eq!(plain.staff_servers, "none");
        assert_eq!(plain.http_listen, "none");
    }
}
