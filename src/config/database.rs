//! `DATABASE_URL` and `DATA_DIR`: where the store lives.
//!
//! Unset, the store is a SQLite file in `DATA_DIR` (default `./data`); `sqlite://PATH`
//! names a SQLite file; `postgres://` or `postgresql://` is PostgreSQL, the way to
//! share the store between replicas and hosts. The URL is a secret (it may hold a
//! password): it is read like the other secrets (`DATABASE_URL_FILE`, a systemd
//! credential), never shown, and its password is masked in the log on its own too.

use std::fmt;
use std::path::PathBuf;

use super::ConfigError;
use crate::values::Secret;

/// The folder of the SQLite store when `DATA_DIR` is unset.
pub const DEFAULT_DATA_DIR: &str = "./data";

/// The SQLite file's name inside `DATA_DIR`.
pub const SQLITE_FILE: &str = "echoterra-bot.sqlite3";

/// Where the store lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file: one host (several processes there may share it).
    Sqlite(PathBuf),
    /// A PostgreSQL server, by its URL (a secret).
    Postgres(Secret),
}

impl Database {
    /// Reads `DATABASE_URL` (already read as a secret) and `DATA_DIR`.
    pub fn from_settings(
        url: Option<Secret>,
        data_dir: Option<String>,
    ) -> Result<Self, ConfigError> {
        let Some(url) = url else {
            let dir = PathBuf::from(data_dir.as_deref().unwrap_or(DEFAULT_DATA_DIR));
            return Ok(Database::Sqlite(dir.join(SQLITE_FILE)));
        };
        let text = url.expose();
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(ConfigError {
                    variable: "DATABASE_URL",
                    problem: "names no SQLite file: give sqlite://PATH (a file the bot may create), or leave it unset for a file in DATA_DIR".into(),
                });
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return url::Url::parse(text)
                .ok()
                .filter(|parsed| parsed.host_str().is_some_and(|host| !host.is_empty()))
                .map(|_| Database::Postgres(url.clone()))
                .ok_or_else(|| ConfigError {
                    variable: "DATABASE_URL",
                    problem: "is not a valid postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=verify-full)".into(),
                });
        }
        // The scheme alone is safe to show; the rest may be a password.
        let scheme = text.split("://").next().filter(|s| s.len() < text.len());
        Err(ConfigError {
            variable: "DATABASE_URL",
            problem: format!(
                "{} is not a store the bot knows: give postgres://USER:PASSWORD@HOST/DATABASE, sqlite://PATH, or leave it unset for a SQLite file in DATA_DIR",
                scheme.map_or("this value".to_string(), |s| format!("the scheme {s:?}"))
            ),
        })
    }

    /// The values the log writer must mask: the URL, and its password on its own
    /// (a driver's error may quote one without the other).
    pub fn secrets(&self) -> Vec<Secret> {
        match self {
            Database::Sqlite(_) => Vec::new(),
            Database::Postgres(url) => {
                let mut secrets = vec![url.clone()];
                if let Some(password) = url::Url::parse(url.expose())
                    .ok()
                    .and_then(|parsed| parsed.password().map(str::to_string))
                {
                    let decoded = percent_decode(&password);
                    secrets.push(Secret::new(password));
                    secrets.push(Secret::new(decoded));
                }
                secrets
            }
        }
    }
}

/// `%XX` escapes decoded, as a driver sends the password.
fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| text.to_string())
}

impl fmt::Display for Database {
    /// Where the store is, safe to log: the file, or the server without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "SQLite file {}", path.display()),
            Database::Postgres(url) => match url::Url::parse(url.expose()) {
                Ok(parsed) => write!(
                    f,
                    "PostgreSQL at {}:{}{}",
                    parsed.host_str().unwrap_or("?"),
                    parsed.port().unwrap_or(5432),
                    parsed.path()
                ),
                Err(_) => f.write_str("PostgreSQL"),
            },
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(url: Option<&str>, dir: Option<&str>) -> Result<Database, ConfigError> {
        Database::from_settings(url.map(Secret::new), dir.map(str::to_string))
    }

    #[test]
    fn unset_is_a_sqlite_file_in_data_dir() {
        assert_eq!(
            read(None, None).unwrap(),
            Database::Sqlite(PathBuf::from("./data/echoterra-bot.sqlite3"))
        );
        assert_eq!(
            read(None, Some("/var/lib/echoterra-bot")).unwrap(),
            Database::Sqlite(PathBuf::from(
                "/var/lib/echoterra-bot/echoterra-bot.sqlite3"
            ))
        );
        assert_eq!(
            read(Some("sqlite:///srv/bot.db"), None).unwrap(),
            Database::Sqlite(PathBuf::from("/srv/bot.db"))
        );
    }

    #[test]
    fn postgres_is_shown_without_its_password_and_masked_whole_and_in_part() {
        let db = read(
            Some("postgres://bot:s3cr%2Ft@db.internal:6432/echoterra?sslmode=verify-full"),
            None,
        )
        .unwrap();
        let shown = db.to_string();
        assert_eq!(shown, "PostgreSQL at db.internal:6432/echoterra");
        let masked: Vec<String> = db
            .secrets()
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        assert!(masked.iter().any(|s| s == "s3cr%2Ft"), "{masked:?}");
        assert!(masked.iter().any(|s| s == "s3cr/t"), "{masked:?}");
        assert!(!format!("{db:?}").contains("s3cr"));
    }

    #[test]
    fn another_scheme_is_refused_without_echoing_the_value() {
        let err = read(Some("mysql://root:hunter22@db/bot"), None).unwrap_err();
        assert_eq!(err.variable, "DATABASE_URL");
        assert!(err.problem.contains("\"mysql\""), "{}", err.problem);
        assert!(!err.problem.contains("hunter22"));
        let err = read(Some("hunter22"), None).unwrap_err();
        assert!(!err.problem.contains("hunter22"), "{}", err.problem);
        assert!(read(Some("sqlite::memory:"), None).is_err());
        assert!(read(Some("postgres://"), None).is_err());
    }
}
