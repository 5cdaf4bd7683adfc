//! The environment, read once (after `.env` through dotenvy) into one typed struct.
//!
//! Every variable read here is listed in `.env.example` and the README. Secrets are
//! wrapped in [`Secret`], whose `Debug` and `Display` never show the value.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ed25519_dalek::VerifyingKey;

use crate::values::Secret;

mod database;
mod secrets;

pub use database::{Database, DEFAULT_DATA_DIR, SQLITE_FILE};

/// The bot's settings from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DISCORD_TOKEN`: needed only by `run` and `register` (see [`Config::token`]).
    pub discord_token: Option<Secret>,
    /// `DISCORD_GUILD_ID`: register commands to this guild (instantly) instead of globally.
    pub guild_id: Option<u64>,
    /// `STAFF_GUILD_IDS`: the servers whose members can be staff (default: the
    /// `DISCORD_GUILD_ID` server). Empty: staff-only features are off.
    pub staff_guild_ids: Vec<u64>,
    /// `DISCORD_API_BASE`: send every REST call there instead of `https://discord.com`.
    pub api_base: Option<String>,
    /// `COMMANDS_DIR`: a folder whose catalogue files replace the embedded ones.
    pub commands_dir: Option<PathBuf>,
    /// `DNS_SERVERS`: the nameservers of the shared resolver; the system's when unset.
    pub dns_servers: Option<Vec<SocketAddr>>,
    /// `TLS_EXTRA_CA`: a PEM file of extra trusted roots for the SMTP test.
    pub tls_extra_ca: Option<PathBuf>,
    /// `ALLOW_PRIVATE_TARGETS`: allow probing private addresses and any port, and count
    /// a private or loopback mail host as reachable in `/mx` and `/domain` (a lab).
    pub allow_private_targets: bool,
    /// `SPAMHAUS_DQS_KEY`: query Spamhaus through its Data Query Service.
    pub spamhaus_dqs_key: Option<Secret>,
    /// `SPAMRATS_KEY`: query the SpamRATS zones with this API key.
    pub spamrats_key: Option<Secret>,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `SHUTDOWN_GRACE_SECONDS`: on SIGTERM, how long running checks may finish.
    pub shutdown_grace: Duration,
    /// `WATCH_MIN_INTERVAL_SECONDS`: lowers every kind's shortest `every:` (labs and
    /// tests); never raises it.
    pub watch_min_interval: Option<Duration>,
    /// `HTTP_LISTEN`: where `serve` takes Discord's interactions (`/interactions`),
    /// the public listener behind the load balancer.
    pub http_listen: SocketAddr,
    /// `OPS_LISTEN`: where `/healthz`, `/readyz` and `/metrics` listen in every
    /// long-running mode (never the interactions listener); read it with
    /// [`Config::ops_listen_for`], which knows the mode.
    pub ops_listen: OpsListen,
    /// `DISCORD_PUBLIC_KEY`: the application's public key, which signs every
    /// interaction `serve` receives.
    pub discord_public_key: Option<VerifyingKey>,
    /// `DATABASE_URL` (a secret) and `DATA_DIR`: where the store lives.
    pub database: Database,
}

/// Where `serve` listens for interactions when `HTTP_LISTEN` is unset: this machine only.
pub const DEFAULT_HTTP_LISTEN: &str = "127.0.0.1:8080";

/// Where `/healthz`, `/readyz` and `/metrics` listen when `OPS_LISTEN` is unset:
/// this machine only.
pub const DEFAULT_OPS_LISTEN: &str = "127.0.0.1:9180";

/// The operators' listener, as the environment gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsListen {
    /// `OPS_LISTEN` is set (or neither it nor `HTTP_LISTEN` is: the default).
    Set(SocketAddr),
    /// Only `HTTP_LISTEN` is set: before `OPS_LISTEN` existed, `run` served the
    /// operators' endpoints there, and still does, with a deprecation warning.
    FromHttpListen(SocketAddr),
}

/// The long-running mode asking where its operators' endpoints listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `run`: the gateway bot, which has no interactions listener.
    Gateway,
    /// `serve`: the interactions endpoint, whose `HTTP_LISTEN` is public.
    Serve,
    /// `watch daemon`: the watcher beside a `serve` deployment.
    Watcher,
}

/// The grace period of running checks on SIGTERM when `SHUTDOWN_GRACE_SECONDS` is unset.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// An environment variable with a value the bot cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem} (see .env.example)")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn invalid(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

impl Config {
    /// Reads `./.env` (if there is one) and then the process environment. Only the
    /// working folder's `.env` counts: a `.env` in a parent folder belongs to
    /// something else and must not configure (or leak a token into) this bot.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is normal; a broken one is worth a warning, not a stop.
        if let Err(err) = dotenvy::from_path(Path::new(".env")) {
            if !err.not_found() {
                eprintln!("warning: .env could not be read: {err}");
            }
        }
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the config from any source of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        // systemd's `LoadCredential=` puts each credential in a file of this folder.
        let credentials_dir = get("CREDENTIALS_DIRECTORY")
            .filter(|dir| !dir.trim().is_empty())
            .map(PathBuf::from);
        let value = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let guild_id = value("DISCORD_GUILD_ID")
            .map(|text| {
                text.parse::<u64>()
                    .ok()
                    .filter(|&id| id > 0)
                    .ok_or_else(|| invalid("DISCORD_GUILD_ID", format!("{text:?} is not a Discord server id (a number such as 123456789012345678)")))
            })
            .transpose()?;
        let staff_guild_ids = match value("STAFF_GUILD_IDS") {
            Some(text) => text
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(|id| {
                    id.parse::<u64>().ok().filter(|&id| id > 0).ok_or_else(|| {
                        invalid(
                            "STAFF_GUILD_IDS",
                            format!("{id:?} is not a Discord server id: give server ids separated by commas"),
                        )
                    })
                })
                .collect::<Result<Vec<u64>, ConfigError>>()?,
            None => guild_id.into_iter().collect(),
        };
        let api_base = value("DISCORD_API_BASE")
            .map(|text| {
                parse_api_base(&text).map_err(|problem| invalid("DISCORD_API_BASE", problem))
            })
            .transpose()?;
        let shutdown_grace = match value("SHUTDOWN_GRACE_SECONDS") {
            None => DEFAULT_SHUTDOWN_GRACE,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|&seconds| seconds <= 600)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    invalid(
                        "SHUTDOWN_GRACE_SECONDS",
                        format!("{text:?} is not a number of seconds from 0 to 600"),
                    )
                })?,
        };
        let watch_min_interval = value("WATCH_MIN_INTERVAL_SECONDS")
            .map(|text| {
                text.parse::<u64>()
                    .ok()
                    .filter(|&seconds| seconds >= 1)
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        invalid(
                            "WATCH_MIN_INTERVAL_SECONDS",
                            format!("{text:?} is not a whole number of seconds, 1 or more"),
                        )
                    })
            })
            .transpose()?;
        let dns_servers = value("DNS_SERVERS")
            .map(|text| parse_dns_servers(&text).map_err(|problem| invalid("DNS_SERVERS", problem)))
            .transpose()?;
        let allow_private_targets = match value("ALLOW_PRIVATE_TARGETS").as_deref() {
            None => false,
            Some(text) => parse_bool(text).ok_or_else(|| {
                invalid(
                    "ALLOW_PRIVATE_TARGETS",
                    format!("{text:?} is not true or false"),
                )
            })?,
        };
        let log_format = match value("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("{other:?} is not text or json"),
                ))
            }
        };
        let secret = |name: &'static str| secrets::read(name, &get, credentials_dir.as_deref());
        let spamrats_key = secret("SPAMRATS_KEY")?
            .map(|key| dns_label_key("SPAMRATS_KEY", key))
            .transpose()?;
        let http_listen = match value("HTTP_LISTEN") {
            None => DEFAULT_HTTP_LISTEN
                .parse()
                .expect("the default address parses"),
            Some(text) => parse_listen("HTTP_LISTEN", &text)?,
        };
        let ops_listen = match (value("OPS_LISTEN"), value("HTTP_LISTEN")) {
            (Some(text), _) => OpsListen::Set(parse_listen("OPS_LISTEN", &text)?),
            (None, Some(_)) => OpsListen::FromHttpListen(http_listen),
            (None, None) => OpsListen::Set(
                DEFAULT_OPS_LISTEN
                    .parse()
                    .expect("the default address parses"),
            ),
        };
        let discord_public_key = secret("DISCORD_PUBLIC_KEY")?
            .map(|text| {
                parse_public_key(text.expose())
                    .map_err(|problem| invalid("DISCORD_PUBLIC_KEY", problem))
            })
            .transpose()?;
        let database = Database::from_settings(secret("DATABASE_URL")?, value("DATA_DIR"))?;
        Ok(Config {
            discord_token: secret("DISCORD_TOKEN")?,
            guild_id,
            staff_guild_ids,
            api_base,
            commands_dir: value("COMMANDS_DIR").map(PathBuf::from),
            dns_servers,
            tls_extra_ca: value("TLS_EXTRA_CA").map(PathBuf::from),
            allow_private_targets,
            spamhaus_dqs_key: secret("SPAMHAUS_DQS_KEY")?,
            spamrats_key,
            log_format,
            shutdown_grace,
            watch_min_interval,
            http_listen,
            ops_listen,
            discord_public_key,
            database,
        })
    }

    /// The bot token, checked for shape; the error names the variable and says how to
    /// try the bot without one, and never echoes the value.
    pub fn token(&self) -> Result<&Secret, ConfigError> {
        let hint = "copy .env.example to .env and set it to your bot's token from the Discord developer portal; to try the bot without Discord, run `echoterra-bot check settings all`";
        let token = self
            .discord_token
            .as_ref()
            .ok_or_else(|| invalid("DISCORD_TOKEN", format!("not set: {hint}")))?;
        if serenity::utils::token::validate(token.expose()).is_err() {
            return Err(invalid(
                "DISCORD_TOKEN",
                format!("is not a valid bot token (expected three dot-separated parts): {hint}"),
            ));
        }
        Ok(token)
    }
}

impl Default for Config {
    /// Nothing set: what the bot does with an empty environment.
    fn default() -> Config {
        Config::from_lookup(|_| None).expect("an empty environment is a valid config")
    }
}

impl Config {
    /// Where `mode` serves `/healthz`, `/readyz` and `/metrics`, and whether that
    /// came from the deprecated `HTTP_LISTEN` (only `run` and `health` still take it
    /// from there; `serve` keeps `HTTP_LISTEN` for interactions alone).
    pub fn ops_listen_for(&self, mode: Mode) -> (SocketAddr, bool) {
        match (self.ops_listen, mode) {
            (OpsListen::Set(addr), _) => (addr, false),
            (OpsListen::FromHttpListen(addr), Mode::Gateway) => (addr, true),
            (OpsListen::FromHttpListen(_), Mode::Serve | Mode::Watcher) => (
                DEFAULT_OPS_LISTEN
                    .parse()
                    .expect("the default address parses"),
                false,
            ),
        }
    }

    /// The application's public key, needed by `serve`; the error says where to find it.
    pub fn public_key(&self) -> Result<&VerifyingKey, ConfigError> {
        self.discord_public_key.as_ref().ok_or_else(|| {
            invalid(
                "DISCORD_PUBLIC_KEY",
                "not set: `serve` verifies every interaction with it; copy the application's Public Key (64 hex digits) from the Discord developer portal, General Information",
            )
        })
    }

    /// Every secret the environment holds, for the log writer to scrub.
    pub fn secrets(&self) -> Vec<Secret> {
        [
            &self.discord_token,
            &self.spamhaus_dqs_key,
            &self.spamrats_key,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .chain(self.database.secrets())
        .collect()
    }
}

/// `DISCORD_PUBLIC_KEY`: 64 hex digits, a valid Ed25519 public key.
fn parse_listen(variable: &'static str, text: &str) -> Result<SocketAddr, ConfigError> {
    text.parse::<SocketAddr>().map_err(|_| {
        invalid(
            variable,
            format!("{text:?} is not host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 or [::]:8080"),
        )
    })
}

fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            "is not 64 hex digits: copy the Public Key from the developer portal, General Information".to_string()
        })?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| {
        "is not a valid Ed25519 public key: copy it again from the developer portal".to_string()
    })
}

/// `DISCORD_API_BASE`: an `https://` address, or `http://` to this machine only (a
/// local rate-limit proxy, the tests' fake Discord): plain HTTP anywhere else would
/// send the bot token in clear text.
fn parse_api_base(text: &str) -> Result<String, String> {
    let base = text.trim_end_matches('/');
    let url = url::Url::parse(base)
        .map_err(|_| format!("{text:?} is not an http:// or https:// address"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(base.to_string()),
        "http" if loopback => Ok(base.to_string()),
        "http" => Err(format!(
            "{text:?} would send the bot token unencrypted: use https://, or http:// only to this machine (127.0.0.1, [::1], localhost)"
        )),
        _ => Err(format!("{text:?} is not an http:// or https:// address")),
    }
}

/// A key that goes into a DNS query name as one label (`<ip>.<key>.<zone>`): letters,
/// digits and hyphens, at most 63 of them. The error never echoes the value.
fn dns_label_key(variable: &'static str, key: Secret) -> Result<Secret, ConfigError> {
    let text = key.expose();
    let fits = text.len() <= 63 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if fits {
        Ok(key)
    } else {
        Err(invalid(
            variable,
            "is not a key that fits in a DNS name (letters, digits and hyphens, at most 63 of them)",
        ))
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// `ip[:port]` entries separated by commas; IPv6 with a port is written `[ip]:port`.
pub fn parse_dns_servers(text: &str) -> Result<Vec<SocketAddr>, String> {
    let servers = text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<SocketAddr>()
                .or_else(|_| entry.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| {
                    format!("{entry:?} is not an address: write ip or ip:port, e.g. 127.0.0.1:5353 or [::1]:53, separated by commas")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if servers.is_empty() {
        return Err("no nameserver given".to_string());
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn nothing_set_is_a_valid_config_without_a_token() {
        let config = config(&[]).unwrap();
        let err = config.token().unwrap_err();
        assert_eq!(err.variable, "DISCORD_TOKEN");
        assert!(err.to_string().contains(".env.example"));
        assert!(err.to_string().contains("check settings all"));
    }

    #[test]
    fn a_malformed_token_is_refused_without_echoing_it() {
        let config = config(&[("DISCORD_TOKEN", "hunter2-not-a-token")]).unwrap();
        let err = config.token().unwrap_err().to_string();
        assert!(err.contains("DISCORD_TOKEN"));
        assert!(!err.contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn dns_servers_accept_ipv4_ipv6_and_ports() {
        let servers = parse_dns_servers("127.0.0.1:5353, ::1, [::1]:54,192.0.2.1").unwrap();
        assert_eq!(
            servers.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["127.0.0.1:5353", "[::1]:53", "[::1]:54", "192.0.2.1:53"]
        );
        let err = config(&[("DNS_SERVERS", "dns.example")]).unwrap_err();
        assert_eq!(err.variable, "DNS_SERVERS");
    }

    #[test]
    fn a_spamrats_key_is_a_secret_and_must_fit_in_a_dns_label() {
        let keyed = config(&[("SPAMRATS_KEY", " rats-Key-123 ")]).unwrap();
        assert_eq!(
            keyed.spamrats_key.as_ref().map(Secret::expose),
            Some("rats-Key-123")
        );
        assert!(!format!("{keyed:?}").contains("rats-Key"));
        assert_eq!(config(&[("SPAMRATS_KEY", "")]).unwrap().spamrats_key, None);
        for bad in ["has.dot", "has space", &"x".repeat(64)] {
            let err = config(&[("SPAMRATS_KEY", bad)]).unwrap_err();
            assert_eq!(err.variable, "SPAMRATS_KEY");
            assert!(!err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(
            config(&[("DISCORD_GUILD_ID", "abc")]).unwrap_err().variable,
            "DISCORD_GUILD_ID"
        );
        assert_eq!(
            config(&[("DISCORD_API_BASE", "localhost:1")])
                .unwrap_err()
                .variable,
            "DISCORD_API_BASE"
        );
        assert_eq!(
            config(&[("ALLOW_PRIVATE_TARGETS", "maybe")])
                .unwrap_err()
                .variable,
            "ALLOW_PRIVATE_TARGETS"
        );
        assert_eq!(
            config(&[("LOG_FORMAT", "xml")]).unwrap_err().variable,
            "LOG_FORMAT"
        );
        for bad in ["12a", "0", ",x"] {
            assert_eq!(
                config(&[("STAFF_GUILD_IDS", bad)]).unwrap_err().variable,
                "STAFF_GUILD_IDS",
                "{bad}"
            );
        }
        assert_eq!(
            config(&[("SHUTDOWN_GRACE_SECONDS", "forever")])
                .unwrap_err()
                .variable,
            "SHUTDOWN_GRACE_SECONDS"
        );
    }

    #[test]
    fn the_api_base_is_https_or_loopback_http() {
        for good in [
            "https://discord.com",
            "https://proxy.internal:8443/",
            "http://127.0.0.1:3000",
            "http://[::1]:3000",
            "http://localhost:3000",
        ] {
            assert!(config(&[("DISCORD_API_BASE", good)]).is_ok(), "{good}");
        }
        for bad in [
            "http://proxy.internal:3000",
            "http://10.0.0.5",
            "ftp://x",
            "discord.com",
        ] {
            let err = config(&[("DISCORD_API_BASE", bad)]).unwrap_err();
            assert_eq!(err.variable, "DISCORD_API_BASE", "{bad}");
        }
        let err = config(&[("DISCORD_API_BASE", "http://proxy.internal:3000")]).unwrap_err();
        assert!(err.to_string().contains("unencrypted"), "{err}");
    }

    #[test]
    fn the_listen_address_and_public_key_are_checked() {
        assert_eq!(
            config(&[]).unwrap().http_listen.to_string(),
            DEFAULT_HTTP_LISTEN
        );
        let any = config(&[("HTTP_LISTEN", "0.0.0.0:9000")]).unwrap();
        assert_eq!(any.http_listen.port(), 9000);
        assert_eq!(
            config(&[("HTTP_LISTEN", "localhost")])
                .unwrap_err()
                .variable,
            "HTTP_LISTEN"
        );
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let text = hex::encode(key.to_bytes());
        let parsed = config(&[("DISCORD_PUBLIC_KEY", text.as_str())]).unwrap();
        assert_eq!(parsed.public_key().unwrap(), &key);
        assert_eq!(
            config(&[]).unwrap().public_key().unwrap_err().variable,
            "DISCORD_PUBLIC_KEY"
        );
        for bad in ["abc", "zz".repeat(32).as_str()] {
            assert_eq!(
                config(&[("DISCORD_PUBLIC_KEY", bad)]).unwrap_err().variable,
                "DISCORD_PUBLIC_KEY"
            );
        }
    }

    #[test]
    fn staff_servers_default_to_the_registration_server() {
        assert!(config(&[]).unwrap().staff_guild_ids.is_empty());
        let one = config(&[("DISCORD_GUILD_ID", "42")]).unwrap();
        assert_eq!(one.staff_guild_ids, [42]);
        let explicit = config(&[("DISCORD_GUILD_ID", "42"), ("STAFF_GUILD_IDS", "7, 8")]).unwrap();
        assert_eq!(explicit.staff_guild_ids, [7, 8]);
        assert_eq!(config(&[]).unwrap().shutdown_grace, DEFAULT_SHUTDOWN_GRACE);
    }
}
