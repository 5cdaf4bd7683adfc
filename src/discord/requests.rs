//! From a command's options, or a button's input, to a check's typed request: one
//! function per check, named for it, each building the request with the check's own
//! `from_input` (so the same bad input gets the same sentence as in the terminal).
//!
//! A button carries only the check's main option (`/mx domain:…`, `/smtp host:…`),
//! so [`from_button`] reads it as that command with that one option.

use super::incoming::OptionValue;
use super::options::{invalid, OptionError, Options};
use crate::checks::blacklist::BlacklistRequest;
use crate::checks::domain::DomainRequest;
use crate::checks::imap::ImapRequest;
use crate::checks::mx::MxRequest;
use crate::checks::pop3::Pop3Request;
use crate::checks::settings::SettingsRequest;
use crate::checks::smtp::SmtpRequest;
use crate::checks::spf::SpfRequest;
use crate::checks::{Check, Request, Services};

/// A check someone asked for, before the gates: the request, and whether the
/// answer is for the asker's eyes only.
#[derive(Debug)]
pub struct Ask {
    pub request: Request,
    pub private: bool,
}

/// The request of the command `check` with `options`.
pub fn from_command(
    check: Check,
    options: &Options,
    services: &Services,
) -> Result<Ask, OptionError> {
    match check {
        Check::Settings => settings(options),
        Check::Mx => mx(options),
        Check::Smtp => smtp(options, services),
        Check::Imap => imap(options, services),
        Check::Pop3 => pop3(options, services),
        Check::Domain => domain(options),
        Check::Blacklist => blacklist(options, services),
        Check::Spf => spf(options),
    }
}

/// The request a button for `check` carries: the command with its main option set
/// to `input` (none: the provider's own server, for the server tests).
pub fn from_button(
    check: Check,
    input: Option<&str>,
    services: &Services,
) -> Result<Request, OptionError> {
    let options: Vec<(String, OptionValue)> = input
        .map(|input| {
            let name = check.info().main_option.to_string();
            (name, OptionValue::String(input.to_string()))
        })
        .into_iter()
        .collect();
    from_command(check, &Options(&options), services).map(|ask| ask.request)
}

/// `/settings protocol: [email:] [profile:] [private:]`.
fn settings(options: &Options) -> Result<Ask, OptionError> {
    let request = SettingsRequest::from_input(
        options.required_string("protocol")?,
        options.string("email")?,
        options.string("profile")?,
    )
    .map_err(invalid)?;
    // A customer's address is theirs: shown only to them unless they say otherwise.
    let private = options
        .optional_flag("private")?
        .unwrap_or(request.email.is_some());
    Ok(Ask {
        request: Request::Settings(request),
        private,
    })
}

/// `/mx domain: [private:]`.
fn mx(options: &Options) -> Result<Ask, OptionError> {
    let request = MxRequest::from_input(options.required_string("domain")?).map_err(invalid)?;
    Ok(Ask {
        request: Request::Mx(request),
        private: options.flag("private")?,
    })
}

/// `/domain domain: [private:]`.
fn domain(options: &Options) -> Result<Ask, OptionError> {
    let request = DomainRequest::from_input(options.required_string("domain")?).map_err(invalid)?;
    Ok(Ask {
        request: Request::Domain(request),
        private: options.flag("private")?,
    })
}

/// `/smtp [host:] [port:] [private:]`.
fn smtp(options: &Options, services: &Services) -> Result<Ask, OptionError> {
    let (host, port, private) = server_options(options)?;
    let request = SmtpRequest::from_input(
        host,
        port,
        &services.catalog.smtp,
        services.config.allow_private_targets,
    )
    .map_err(invalid)?;
    Ok(Ask {
        request: Request::Smtp(request),
        private,
    })
}

/// `/imap [host:] [port:] [private:]`.
fn imap(options: &Options, services: &Services) -> Result<Ask, OptionError> {
    let (host, port, private) = server_options(options)?;
    let request = ImapRequest::from_input(
        host,
        port,
        &services.catalog.mailbox,
        services.config.allow_private_targets,
    )
    .map_err(invalid)?;
    Ok(Ask {
        request: Request::Imap(request),
        private,
    })
}

/// `/pop3 [host:] [port:] [private:]`.
fn pop3(options: &Options, services: &Services) -> Result<Ask, OptionError> {
    let (host, port, private) = server_options(options)?;
    let request = Pop3Request::from_input(
        host,
        port,
        &services.catalog.mailbox,
        services.config.allow_private_targets,
    )
    .map_err(invalid)?;
    Ok(Ask {
        request: Request::Pop3(request),
        private,
    })
}

/// The options every server test has: host, port, private.
fn server_options<'o>(
    options: &'o Options<'_>,
) -> Result<(Option<&'o str>, Option<i64>, bool), OptionError> {
    Ok((
        options.string("host")?,
        options.integer("port")?,
        options.flag("private")?,
    ))
}

/// `/blacklist target: [private:]`.
fn blacklist(options: &Options, services: &Services) -> Result<Ask, OptionError> {
    let request = BlacklistRequest::from_input(
        options.required_string("target")?,
        services.config.allow_private_targets,
    )
    .map_err(invalid)?;
    Ok(Ask {
        request: Request::Blacklist(request),
        private: options.flag("private")?,
    })
}

/// `/spf domain: ip: [helo:] [private:]`.
fn spf(options: &Options) -> Result<Ask, OptionError> {
    let request = SpfRequest::from_input(
        options.required_string("domain")?,
        options.required_string("ip")?,
        options.string("helo")?,
    )
    .map_err(invalid)?;
    Ok(Ask {
        request: Request::Spf(request),
        private: options.flag("private")?,
    })
}
