//! Mail-client profiles: a `/settings` report with an account, rendered as a file
//! that sets the account up by itself.
//!
//! - `apple`: an Apple configuration profile (`.mobileconfig`, an XML property list
//!   with one `com.apple.mail.managed` payload) for iPhone, iPad and Mac.
//! - `thunderbird`: a Thunderbird autoconfig file (`clientConfig` version 1.1).
//!
//! Both are made from the catalogue's servers (through the report), so an operator
//! who changes a host or a port changes the profiles too; neither carries a password
//! (the device or Thunderbird asks for it). The same request gives the same bytes.

mod apple;
mod thunderbird;

use crate::checks::settings::{MailAccount, ProfileKind, SettingsReport};

/// A profile file: its name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The profile file of a report that asked for one.
pub fn file(report: &SettingsReport) -> Option<ProfileFile> {
    let account = report.profile.as_ref()?;
    Some(match account.kind {
        ProfileKind::Apple => ProfileFile {
            name: format!("{}.mobileconfig", short_name(&account.incoming.host)),
            bytes: apple::render(account),
        },
        ProfileKind::Thunderbird => ProfileFile {
            // Thunderbird reads `isp/<domain>.xml` in its program folder.
            name: format!("{}.xml", account.domain),
            bytes: thunderbird::render(account),
        },
    })
}

/// `echoterra` for `mail.echoterra.net`: the name under the top-level domain, for
/// file names people recognise.
fn short_name(host: &str) -> String {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let name = match labels.as_slice() {
        [.., name, _top] => name,
        [only] => only,
        [] => "mail",
    };
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// The provider's host written backwards, `net.echoterra.mail`: the reverse-DNS
/// prefix of the Apple profile's identifiers.
fn reverse_dns(host: &str) -> String {
    let mut labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    labels.reverse();
    labels.join(".")
}

/// The first word of the provider's name, for the places that want a short one.
fn short_provider(account: &MailAccount) -> &str {
    account
        .provider
        .split_whitespace()
        .next()
        .unwrap_or(&account.provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_host_and_the_domain() {
        assert_eq!(short_name("mail.echoterra.net"), "echoterra");
        assert_eq!(short_name("localhost"), "localhost");
        assert_eq!(reverse_dns("mail.echoterra.net."), "net.echoterra.mail");
    }
}
