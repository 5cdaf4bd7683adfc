//! `echoterra-bot check <name> ...`: a check in the terminal, with no token and no
//! Discord. The request is built with the check's own `from_input`, as Discord
//! builds it; the exit code is the verdict's (0 OK, 1 WARNING, 2 CRITICAL, 3
//! UNKNOWN), and a usage or configuration error is UNKNOWN too.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;

use super::exit;
use crate::catalog::Catalog;
use crate::checks::blacklist::BlacklistRequest;
use crate::checks::domain::DomainRequest;
use crate::checks::imap::ImapRequest;
use crate::checks::mx::MxRequest;
use crate::checks::pop3::Pop3Request;
use crate::checks::settings::{SettingsInputError, SettingsRequest};
use crate::checks::smtp::SmtpRequest;
use crate::checks::spf::SpfRequest;
use crate::checks::{self, Details, Progress, Request, Services};
use crate::config::Config;
use crate::render::{self, Format};

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// The mail client settings (IMAP, SMTP, POP3).
    Settings {
        /// imap, smtp, pop3 or all
        #[arg(value_parser = ["imap", "smtp", "pop3", "all"], ignore_case = true)]
        protocol: String,
        /// Show this address as the username.
        #[arg(long)]
        email: Option<String>,
        /// Print a mail-client profile for --email instead of the settings: apple
        /// (a .mobileconfig for iPhone, iPad and Mac) or thunderbird (an autoconfig
        /// file for Thunderbird's isp folder).
        #[arg(long, value_parser = ["apple", "thunderbird"], ignore_case = true, requires = "email")]
        profile: Option<String>,
    },
    /// DNS blocklist check of an IP address or a host's addresses (staff).
    Blacklist {
        /// An IPv4 address, an IPv6 address or a host name.
        target: String,
    },
    /// MX lookup: do the domain's MX records point to the provider's mail host?
    Mx {
        /// A domain such as example.com (or an email address, whose domain is checked).
        domain: String,
    },
    /// SMTP test: is the outgoing server reachable, does STARTTLS work, is the certificate good?
    Smtp {
        /// The server to test (default: the provider's, from commands/smtp.toml); host or host:port.
        host: Option<String>,
        /// The port (default 587; only 25, 465, 587 and 2525 unless ALLOW_PRIVATE_TARGETS=true).
        #[arg(long)]
        port: Option<i64>,
    },
    /// The domain's whole mail setup: MX, SPF, DKIM, DMARC, autoconfig, MTA-STS, with the records to publish.
    Domain {
        /// A domain such as example.com (or an email address, whose domain is checked).
        domain: String,
    },
    /// SPF (RFC 7208 check_host()): what a receiver concludes for mail from this sender and address.
    Spf {
        /// The sender address (jane@example.com), a domain (checked as postmaster@domain), or <> with --helo.
        sender: String,
        /// The IP address of the server that sends the mail.
        #[arg(long)]
        ip: String,
        /// The name the server gives in HELO/EHLO.
        #[arg(long)]
        helo: Option<String>,
    },
    /// IMAP test: is the incoming server reachable, is TLS and its certificate good, can mail apps log in?
    Imap {
        /// The server to test (default: the provider's, from commands/mailbox.toml); host or host:port.
        host: Option<String>,
        /// The port (default 993; only 993 and 143 unless ALLOW_PRIVATE_TARGETS=true).
        #[arg(long)]
        port: Option<i64>,
    },
    /// POP3 test: is the incoming server reachable, is TLS and its certificate good, can mail apps log in?
    Pop3 {
        /// The server to test (default: the provider's, from commands/mailbox.toml); host or host:port.
        host: Option<String>,
        /// The port (default 995; only 995 and 110 unless ALLOW_PRIVATE_TARGETS=true).
        #[arg(long)]
        port: Option<i64>,
    },
}

/// Whether the command line asks for `check` (for the status of a command line
/// clap refused: `check`'s usage errors are UNKNOWN, 3).
pub fn is_check_invocation(args: impl Iterator<Item = String>) -> bool {
    args.skip(1)
        .find(|arg| !arg.starts_with('-'))
        .is_some_and(|arg| arg == "check")
}

/// A usage or configuration error of `check`: UNKNOWN in the monitoring convention.
pub fn usage_error(err: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::from(exit::CHECK_UNKNOWN)
}

/// `check <name> ...`: runs the check and exits with its verdict's code.
pub async fn run(config: Config, check: CheckCommand, format: Format) -> ExitCode {
    let services = match Services::new(config) {
        Ok(services) => services,
        Err(err) => return usage_error(err),
    };
    let request = match parse_request(check, &services.catalog, &services.config) {
        Ok(request) => request,
        Err(problem) => return usage_error(problem),
    };
    let report = checks::run(&services, &request, &Progress::none()).await;
    // A profile is a file to save, printed as it is, whatever the format.
    if let Details::Settings(settings) = &report.details {
        if let Some(file) = render::profile::file(settings) {
            return match std::io::stdout().write_all(&file.bytes) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => usage_error(format!("cannot write the profile: {err}")),
            };
        }
    }
    println!("{}", render::render(&report, format).trim_end());
    ExitCode::from(report.verdict.exit_code())
}

/// The typed request of a `check` subcommand, or what is wrong with its arguments:
/// the same sentence Discord gives for the same input, with the option it is about.
fn parse_request(
    check: CheckCommand,
    catalog: &Catalog,
    config: &Config,
) -> Result<Request, String> {
    match check {
        CheckCommand::Settings {
            protocol,
            email,
            profile,
        } => SettingsRequest::from_input(&protocol, email.as_deref(), profile.as_deref())
            .map(Request::Settings)
            .map_err(|err| match err {
                SettingsInputError::Email(_) => format!("--email: {err}"),
                SettingsInputError::Profile(_) | SettingsInputError::ProfileNeedsEmail => {
                    format!("--profile: {err}")
                }
                other => other.to_string(),
            }),
        CheckCommand::Blacklist { target } => {
            BlacklistRequest::from_input(&target, config.allow_private_targets)
                .map(Request::Blacklist)
                .map_err(|err| err.to_string())
        }
        CheckCommand::Mx { domain } => MxRequest::from_input(&domain)
            .map(Request::Mx)
            .map_err(|err| err.to_string()),
        CheckCommand::Smtp { host, port } => SmtpRequest::from_input(
            host.as_deref(),
            port,
            &catalog.smtp,
            config.allow_private_targets,
        )
        .map(Request::Smtp)
        .map_err(|err| err.to_string()),
        CheckCommand::Domain { domain } => DomainRequest::from_input(&domain)
            .map(Request::Domain)
            .map_err(|err| err.to_string()),
        CheckCommand::Spf { sender, ip, helo } => {
            SpfRequest::from_input(&sender, &ip, helo.as_deref())
                .map(Request::Spf)
                .map_err(|err| err.to_string())
        }
        CheckCommand::Imap { host, port } => ImapRequest::from_input(
            host.as_deref(),
            port,
            &catalog.mailbox,
            config.allow_private_targets,
        )
        .map(Request::Imap)
        .map_err(|err| err.to_string()),
        CheckCommand::Pop3 { host, port } => Pop3Request::from_input(
            host.as_deref(),
            port,
            &catalog.mailbox,
            config.allow_private_targets,
        )
        .map(Request::Pop3)
        .map_err(|err| err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Check;
    use crate::cli::Cli;
    use clap::CommandFactory;

    #[test]
    fn every_check_of_the_table_has_its_check_subcommand() {
        let cli = Cli::command();
        let check = cli.find_subcommand("check").expect("check");
        let mut names: Vec<&str> = check.get_subcommands().map(|c| c.get_name()).collect();
        names.sort_unstable();
        let mut table: Vec<&str> = Check::ALL.iter().map(|check| check.name()).collect();
        table.sort_unstable();
        assert_eq!(names, table);
    }

    #[test]
    fn a_bad_email_is_a_usage_error_naming_the_option() {
        let err = parse_request(
            CheckCommand::Settings {
                protocol: "imap".into(),
                email: Some("not an address".into()),
                profile: None,
            },
            &Catalog::embedded().unwrap(),
            &Config::default(),
        )
        .unwrap_err();
        assert!(err.starts_with("--email:"), "{err}");
    }

    #[test]
    fn a_private_blacklist_target_is_refused_unless_allowed() {
        let check = || CheckCommand::Blacklist {
            target: "10.0.0.1".into(),
        };
        let catalog = Catalog::embedded().unwrap();
        let err = parse_request(check(), &catalog, &Config::default()).unwrap_err();
        assert!(err.contains("only list public addresses"), "{err}");
        let allowed = Config {
            allow_private_targets: true,
            ..Config::default()
        };
        assert!(matches!(
            parse_request(check(), &catalog, &allowed),
            Ok(Request::Blacklist(_))
        ));
    }
}
