//! The environment, read once (after `.env` through dotenvy) into one typed struct.
//!
//! Every variable read here is listed in `.env.example` and the README. Secrets are
//! wrapped in [`Secret`], whose `Debug` and `Display` never show the value.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::values::Secret;

/// The bot's settings from the environment.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `DISCORD_TOKEN`: needed only by `run` and `register` (see [`Config::token`]).
    pub discord_token: Option<Secret>,
    /// `DISCORD_GUILD_ID`: register commands to this guild (instantly) instead of globally.
    pub guild_id: Option<u64>,
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
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
}

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
    /// Reads `.env` (if there is one) and then the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is normal; a broken one is worth a warning, not a stop.
        if let Err(err) = dotenvy::dotenv() {
            if !err.not_found() {
                eprintln!("warning: .env could not be read: {err}");
            }
        }
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the config from any source of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
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
        let api_base = value("DISCORD_API_BASE")
            .map(|text| {
                let base = text.trim_end_matches('/').to_string();
                if base.starts_with("http://") || base.starts_with("https://") {
                    Ok(base)
                } else {
                    Err(invalid(
                        "DISCORD_API_BASE",
                        format!("{text:?} is not an http:// or https:// address"),
                    ))
                }
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
        Ok(Config {
            discord_token: value("DISCORD_TOKEN").map(Secret::new),
            guild_id,
            api_base,
            commands_dir: value("COMMANDS_DIR").map(PathBuf::from),
            dns_servers,
            tls_extra_ca: value("TLS_EXTRA_CA").map(PathBuf::from),
            allow_private_targets,
            spamhaus_dqs_key: value("SPAMHAUS_DQS_KEY").map(Secret::new),
            log_format,
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
    }
}
