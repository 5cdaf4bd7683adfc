//! An `/imap` request: what a user typed, turned into a server and a port to test
//! (the mailbox engine's request, typed for IMAP). Ports 993 (SSL/TLS, the settings
//! page's) and 143 (STARTTLS) are accepted, from `[imap]` of `commands/mailbox.toml`.

use super::Imap;
use crate::checks::mailbox::MailboxRequest;
use crate::checks::probe::InputError;

/// An `/imap` request: which server and port to test. Built with
/// `ImapRequest::from_input(host, port, &catalog.mailbox, allow_private)`.
pub type ImapRequest = MailboxRequest<Imap>;

/// Why an `/imap` request cannot be run; its `Display` says what is accepted.
pub type ImapInputError = InputError;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::checks::probe::Security;

    fn parse(host: Option<&str>, port: Option<i64>) -> Result<ImapRequest, ImapInputError> {
        ImapRequest::from_input(host, port, &Catalog::embedded().unwrap().mailbox, false)
    }

    #[test]
    fn no_host_means_the_providers_server_on_993() {
        let catalog = Catalog::embedded().unwrap();
        let request = parse(None, None).unwrap();
        assert_eq!(request.target(), "mail.echoterra.net:993");
        assert!(request.is_provider_host(&catalog.mailbox));
        assert_eq!(request.security(&catalog.mailbox), Security::Implicit);
        let starttls = parse(Some("imap.example.com:143"), None).unwrap();
        assert_eq!(starttls.security(&catalog.mailbox), Security::Starttls);
        assert!(!starttls.is_provider_host(&catalog.mailbox));
    }

    #[test]
    fn bad_input_says_what_imap_accepts() {
        assert_eq!(
            parse(Some("imap.example.com"), Some(995))
                .unwrap_err()
                .to_string(),
            "port 995 is not an IMAP port: the bot tests only ports 993 and 143"
        );
        assert_eq!(
            parse(None, Some(0)).unwrap_err().to_string(),
            "port 0 does not exist: use 993 (SSL/TLS) or 143 (STARTTLS)"
        );
        let host = parse(Some("https://mail.example.com/"), None)
            .unwrap_err()
            .to_string();
        assert!(host.contains("for /imap type a mail server name"), "{host}");
        let private = parse(Some("192.168.1.10"), None).unwrap_err().to_string();
        assert!(private.contains("only public mail servers"), "{private}");
    }
}
