//! The operator's catalogue: the data in `commands/*.toml`.
//!
//! Every file is embedded in the binary at compile time, so the bot works with no
//! configuration at all. `COMMANDS_DIR` points at a folder whose files replace the
//! embedded ones (a file missing from that folder keeps its embedded default), so
//! staff can change settings or blocklist zones without a rebuild.
//!
//! Everything is validated when it is loaded: a bad file stops start-up with the
//! file, the line and what is wrong, before the bot connects anywhere. A set
//! `COMMANDS_DIR` never falls back silently: a folder that is missing or cannot be
//! read, or a `.toml` file in it the bot does not know (a misspelt name), stops
//! start-up too. [`Catalog::source`] says which catalogue is in use, for the log.

mod blacklist;
mod defaults;
mod domain;
mod mailbox;
mod mx;
mod settings;
mod smtp;
mod timeouts;
mod watch;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

pub use blacklist::{
    BlacklistCatalog, ReturnCode, Tier, Zone, ZoneKey, IP_PLACEHOLDER, RFC5782_IPV6_UNLISTED,
};
pub use defaults::{
    Defaults, DiscordDefaults, DnsDefaults, LimitDefaults, RateLimitDefaults, StaffPermissions,
    StoreDefaults,
};
pub use domain::{DkimFacts, DkimSelector, DmarcFacts, DomainCatalog, SpfFacts, SrvFact};
pub use mailbox::{MailboxCatalog, MailboxPorts};
pub use mx::MxCatalog;
pub use settings::{Colour, Encryption, ProtocolEntry, SettingsCatalog};
pub use smtp::{SmtpCatalog, SmtpTimeouts};
pub use timeouts::ServerTimeouts;
pub use watch::{WatchDefaults, WatchSchedule};

/// Everything the operator configures, validated.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub settings: SettingsCatalog,
    pub mx: MxCatalog,
    pub smtp: SmtpCatalog,
    pub mailbox: MailboxCatalog,
    pub blacklist: BlacklistCatalog,
    pub defaults: Defaults,
    pub domain: DomainCatalog,
    /// Where it came from.
    pub source: CatalogSource,
}

/// Where the catalogue in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogSource {
    /// The files compiled into the binary.
    BuiltIn,
    /// `COMMANDS_DIR`: the folder and the files taken from it (the others built in).
    Folder { dir: PathBuf, files: Vec<String> },
}

impl std::fmt::Display for CatalogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogSource::BuiltIn => f.write_str("built-in"),
            CatalogSource::Folder { dir, files } if files.is_empty() => {
                write!(
                    f,
                    "{} (no catalogue file in it: all built-in)",
                    dir.display()
                )
            }
            CatalogSource::Folder { dir, files } => {
                write!(
                    f,
                    "{} ({}; the rest built-in)",
                    dir.display(),
                    files.join(", ")
                )
            }
        }
    }
}

/// The catalogue files the bot knows, in the order it loads them.
pub const FILES: [&str; 7] = [
    "settings.toml",
    "mx.toml",
    "smtp.toml",
    "mailbox.toml",
    "blacklist.toml",
    "defaults.toml",
    "domain.toml",
];

/// A catalogue file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("COMMANDS_DIR: cannot read the folder {}: {source}", dir.display())]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("COMMANDS_DIR: {} is not a catalogue file this bot knows (it knows {}): misspelt, or meant for another version?", file.display(), FILES.join(", "))]
    UnknownFile { file: PathBuf },
    #[error("{file}: cannot read the file: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: PathBuf,
        line: usize,
        message: String,
    },
}

/// What a file's own validation found wrong, before the file name and line are known.
#[derive(Debug)]
pub(crate) struct Invalid {
    /// Where in the file the problem is (a byte range), when known.
    pub span: Option<Range<usize>>,
    /// The key the problem is about, used to find the line when there is no span.
    pub key: Option<&'static str>,
    /// The table holding `key`, when the same key is in several tables.
    pub table: Option<&'static str>,
    pub message: String,
}

impl Invalid {
    pub(crate) fn at_key(key: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            span: None,
            key: Some(key),
            table: None,
            message: message.into(),
        }
    }

    /// A problem with `key` of the table `[table]`.
    pub(crate) fn at_table_key(
        table: &'static str,
        key: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Invalid {
            table: Some(table),
            ..Invalid::at_key(key, message)
        }
    }

    pub(crate) fn at_span(span: Range<usize>, message: impl Into<String>) -> Self {
        Invalid {
            span: Some(span),
            key: None,
            table: None,
            message: message.into(),
        }
    }
}

/// A catalogue file: parsed from TOML, then checked for what TOML cannot express.
pub(crate) trait CatalogFile: DeserializeOwned {
    /// The file's name under `commands/`.
    const NAME: &'static str;
    /// The copy embedded in the binary.
    const EMBEDDED: &'static str;

    fn validate(&self) -> Result<(), Invalid>;
}

impl Catalog {
    /// Whether any protocol's catalogue lists `port` as TLS from the first byte
    /// (`implicit_tls_ports` of `smtp.toml` and of `mailbox.toml`'s `[imap]` and
    /// `[pop3]`: 465, 993, 995 as shipped). A server test on such a port starts
    /// with TLS whichever protocol it tests: a customer who typed the SMTP port
    /// into the IMAP field meets a server that waits for TLS, not a greeting.
    pub fn implicit_tls_port(&self, port: u16) -> bool {
        [
            &self.smtp.implicit_tls_ports,
            &self.mailbox.imap.implicit_tls_ports,
            &self.mailbox.pop3.implicit_tls_ports,
        ]
        .iter()
        .any(|ports| ports.contains(&port))
    }

    /// The catalogue compiled into the binary.
    pub fn embedded() -> Result<Self, CatalogError> {
        Self::load(None)
    }

    /// Loads the catalogue, taking each file from `dir` when it is there and the
    /// embedded copy otherwise. A `dir` that cannot be read, or that holds a `.toml`
    /// file the bot does not know, is an error.
    pub fn load(dir: Option<&Path>) -> Result<Self, CatalogError> {
        let source = match dir {
            None => CatalogSource::BuiltIn,
            Some(dir) => CatalogSource::Folder {
                dir: dir.to_path_buf(),
                files: catalogue_files(dir)?,
            },
        };
        Ok(Catalog {
            source,
            settings: load_file(dir)?,
            mx: load_file(dir)?,
            smtp: load_file(dir)?,
            mailbox: load_file(dir)?,
            blacklist: load_file(dir)?,
            defaults: load_file(dir)?,
            domain: load_file(dir)?,
        })
    }
}

/// The catalogue files in `dir`, in load order; an error for a folder that cannot
/// be read or a `.toml` file that is not one of [`FILES`]. Other files (a README,
/// the `..data` links of a Kubernetes ConfigMap) are left alone.
fn catalogue_files(dir: &Path) -> Result<Vec<String>, CatalogError> {
    let folder_error = |source| CatalogError::Folder {
        dir: dir.to_path_buf(),
        source,
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(folder_error)? {
        let name = entry.map_err(folder_error)?.file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".toml") || name.starts_with('.') {
            continue;
        }
        if !FILES.contains(&name.as_ref()) {
            return Err(CatalogError::UnknownFile {
                file: dir.join(name.as_ref()),
            });
        }
        found.push(name.into_owned());
    }
    Ok(FILES
        .iter()
        .filter(|file| found.iter().any(|name| name == *file))
        .map(|file| file.to_string())
        .collect())
}

fn load_file<T: CatalogFile>(dir: Option<&Path>) -> Result<T, CatalogError> {
    match dir.map(|dir| dir.join(T::NAME)) {
        Some(path) if path.exists() => {
            let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Read {
                file: path.clone(),
                source,
            })?;
            tracing::debug!(file = %path.display(), "catalogue file loaded from COMMANDS_DIR");
            parse(&path, &text)
        }
        _ => parse(&Path::new("commands").join(T::NAME), T::EMBEDDED),
    }
}

/// Parses and validates one file's text; `file` only names it in errors.
pub(crate) fn parse<T: CatalogFile>(file: &Path, text: &str) -> Result<T, CatalogError> {
    let invalid = |line: usize, message: String| CatalogError::Invalid {
        file: file.to_path_buf(),
        line,
        message,
    };
    let value: T = toml::from_str(text).map_err(|err| {
        let line = err
            .span()
            .map(|span| line_of(text, span.start))
            .unwrap_or(1);
        invalid(line, err.message().trim().to_string())
    })?;
    value.validate().map_err(|problem| {
        let line = match (&problem.span, problem.key) {
            (Some(span), _) => line_of(text, span.start),
            (None, Some(key)) => line_of_key(text, problem.table, key).unwrap_or(1),
            (None, None) => 1,
        };
        invalid(line, problem.message)
    })?;
    Ok(value)
}

/// The 1-based line holding byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The first line that assigns `key` (`key = ...`), after the header `[table]` when
/// given, for problems found after parsing.
fn line_of_key(text: &str, table: Option<&str>, key: &str) -> Option<usize> {
    let start = match table {
        None => 0,
        Some(table) => text
            .lines()
            .position(|line| line.trim() == format!("[{table}]"))?,
    };
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, line)| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(index, _)| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalogue_is_valid() {
        let catalog = Catalog::embedded().expect("embedded catalogue");
        assert_eq!(catalog.settings.host, "mail.echoterra.net");
        assert_eq!(catalog.mx.provider_host, "mail.echoterra.net");
        assert_eq!(catalog.smtp.port, 587);
    }

    #[test]
    fn a_syntax_error_names_file_and_line() {
        let err = parse::<MxCatalog>(
            Path::new("commands/mx.toml"),
            "provider_host = \"a.b\"\nsuggested_preference = \n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("commands/mx.toml:2:"), "{err}");
    }

    #[test]
    fn a_semantic_error_names_the_line_of_its_key() {
        let text = "# comment\nprovider_host = \"not a host name!\"\nsuggested_preference = 10\n";
        let err = parse::<MxCatalog>(Path::new("mx.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mx.toml:2: provider_host"), "{err}");
    }

    #[test]
    fn a_directory_overrides_only_the_files_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mx.toml"),
            "provider_host = \"mx.example.net\"\nsuggested_preference = 5\n",
        )
        .unwrap();
        let catalog = Catalog::load(Some(dir.path())).unwrap();
        assert_eq!(catalog.mx.provider_host, "mx.example.net");
        assert_eq!(catalog.settings.host, "mail.echoterra.net");
    }

    #[test]
    fn a_set_folder_never_falls_back_silently() {
        let missing = Path::new("/nonexistent/echoterra-commands");
        let err = Catalog::load(Some(missing)).unwrap_err().to_string();
        assert!(
            err.contains("COMMANDS_DIR") && err.contains("/nonexistent"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("smpt.toml"), "").unwrap();
        let err = Catalog::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("smpt.toml") && err.contains("smtp.toml"),
            "{err}"
        );
        // Anything that is not a .toml file is not the bot's business.
        std::fs::remove_file(dir.path().join("smpt.toml")).unwrap();
        std::fs::write(dir.path().join("README"), "notes").unwrap();
        let catalog = Catalog::load(Some(dir.path())).unwrap();
        assert_eq!(
            catalog.source.to_string(),
            format!(
                "{} (no catalogue file in it: all built-in)",
                dir.path().display()
            )
        );
        assert_eq!(Catalog::embedded().unwrap().source.to_string(), "built-in");
    }

    #[test]
    fn the_known_files_are_the_loaded_ones() {
        assert_eq!(
            FILES,
            [
                SettingsCatalog::NAME,
                MxCatalog::NAME,
                SmtpCatalog::NAME,
                MailboxCatalog::NAME,
                BlacklistCatalog::NAME,
                Defaults::NAME,
                DomainCatalog::NAME,
            ]
        );
    }

    #[test]
    fn every_known_file_is_loaded_from_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let embedded = Path::new(env!("CARGO_MANIFEST_DIR")).join("commands");
        for file in FILES {
            std::fs::copy(embedded.join(file), dir.path().join(file)).unwrap();
        }
        let catalog = Catalog::load(Some(dir.path())).unwrap();
        assert_eq!(
            catalog.source,
            CatalogSource::Folder {
                dir: dir.path().to_path_buf(),
                files: FILES.iter().map(|f| f.to_string()).collect()
            }
        );
    }

    #[test]
    fn an_unknown_key_is_an_error_not_ignored() {
        let err = parse::<MxCatalog>(
            Path::new("mx.toml"),
            "provider_host = \"a.example\"\nsuggested_preference = 10\nprovider_hots = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("mx.toml:3:"), "{err}");
    }
}
