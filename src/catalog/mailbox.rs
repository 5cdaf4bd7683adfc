//! `commands/mailbox.toml`: what `/imap` and `/pop3` test by default, where they may
//! connect, and their timeouts. One file for both protocols: the host, the timeouts
//! and the thresholds are the same; each has its own ports.

use serde::Deserialize;

use super::{CatalogFile, Invalid, ServerTimeouts};
use crate::values::domain::DomainName;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxCatalog {
    /// The provider's incoming mail host, tested when no host is given.
    pub host: String,
    pub slow_greeting_ms: u64,
    pub expiry_warning_days: i64,
    pub imap: MailboxPorts,
    pub pop3: MailboxPorts,
    pub timeouts: ServerTimeouts,
}

/// One protocol's ports.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxPorts {
    /// Tested when no port is given.
    pub port: u16,
    /// The only ports the bot connects to unless private targets are allowed.
    pub allowed_ports: Vec<u16>,
    /// Ports that speak TLS from the first byte (SSL/TLS); all others use STARTTLS.
    pub implicit_tls_ports: Vec<u16>,
}

impl MailboxPorts {
    fn validate(&self, table: &'static str) -> Result<(), Invalid> {
        if self.allowed_ports.is_empty() || self.allowed_ports.contains(&0) {
            return Err(Invalid::at_table_key(
                table,
                "allowed_ports",
                format!(
                    "[{table}] allowed_ports must list at least one port, each between 1 and 65535"
                ),
            ));
        }
        if self.implicit_tls_ports.contains(&0) {
            return Err(Invalid::at_table_key(
                table,
                "implicit_tls_ports",
                format!("[{table}] implicit_tls_ports holds ports between 1 and 65535"),
            ));
        }
        if !self.allowed_ports.contains(&self.port) {
            return Err(Invalid::at_table_key(
                table,
                "port",
                format!("[{table}] port {} is not among allowed_ports", self.port),
            ));
        }
        Ok(())
    }
}

impl CatalogFile for MailboxCatalog {
    const NAME: &'static str = "mailbox.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/mailbox.toml");

    fn validate(&self) -> Result<(), Invalid> {
        DomainName::parse(&self.host)
            .map_err(|err| Invalid::at_key("host", format!("host: {err}")))?;
        self.imap.validate("imap")?;
        self.pop3.validate("pop3")?;
        self.timeouts.validate()?;
        if self.expiry_warning_days < 0 {
            return Err(Invalid::at_key(
                "expiry_warning_days",
                "expiry_warning_days must not be negative",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::parse;
    use std::path::Path;

    const EMBEDDED: &str = include_str!("../../commands/mailbox.toml");

    #[test]
    fn the_shipped_file_matches_the_settings_page() {
        let catalog: MailboxCatalog = parse(Path::new("mailbox.toml"), EMBEDDED).unwrap();
        assert_eq!(catalog.host, "mail.echoterra.net");
        assert_eq!((catalog.imap.port, catalog.pop3.port), (993, 995));
        assert_eq!(catalog.imap.allowed_ports, [993, 143]);
        assert_eq!(catalog.pop3.allowed_ports, [995, 110]);
    }

    #[test]
    fn a_default_port_outside_the_allowed_ones_names_its_table_and_line() {
        let text = EMBEDDED.replace("port = 995", "port = 996");
        let err = parse::<MailboxCatalog>(Path::new("mailbox.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[pop3] port 996 is not among allowed_ports"),
            "{err}"
        );
        let line = EMBEDDED
            .lines()
            .position(|line| line == "port = 995")
            .unwrap()
            + 1;
        assert!(err.starts_with(&format!("mailbox.toml:{line}: ")), "{err}");
    }

    #[test]
    fn a_zero_timeout_is_refused() {
        let text = EMBEDDED.replace("command_ms = 10000", "command_ms = 0");
        let err = parse::<MailboxCatalog>(Path::new("mailbox.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 1 ms"), "{err}");
    }
}
