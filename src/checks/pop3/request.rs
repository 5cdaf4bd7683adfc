//! A `/pop3` request: what a user typed, turned into a server and a port to test
//! (the mailbox engine's request, typed for POP3). Ports 995 (SSL/TLS, the settings
//! page's) and 110 (STLS, POP3's STARTTLS) are accepted, from `[pop3]` of
//! `commands/mailbox.toml`.

use super::Pop3;
use crate::checks::mailbox::MailboxRequest;
use crate::checks::probe::InputError;

/// A `/pop3` request: which server and port to test. Built with
/// `Pop3Request::from_input(host, port, &catalog.mailbox, allow_private)`.
pub type Pop3Request = MailboxRequest<Pop3>;

/// Why a `/pop3` request cannot be run; its `Display` says what is accepted.
pub type Pop3InputError = InputError;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::checks::probe::Security;

    fn parse(host: Option<&str>, port: Option<i64>) -> Result<Pop3Request, Pop3InputError> {
        Pop3Request::from_input(host, port, &Catalog::embedded().unwrap().mailbox, false)
    }

    #[test]
    fn no_host_means_the_providers_server_on_995() {
        let catalog = Catalog::embedded().unwrap();
        let request = parse(None, None).unwrap();
        assert_eq!(request.target(), "mail.echoterra.net:995");
        assert_eq!(request.security(&catalog.mailbox), Security::Implicit);
        let stls = parse(Some("[2a00:1450:4001:80b::200e]:110"), None).unwrap();
        assert_eq!(stls.target(), "[2a00:1450:4001:80b::200e]:110");
        assert_eq!(stls.security(&catalog.mailbox), Security::Starttls);
    }

    #[test]
    fn bad_input_says_what_pop3_accepts() {
        assert_eq!(
            parse(Some("pop.example.com"), Some(993))
                .unwrap_err()
                .to_string(),
            "port 993 is not a POP3 port: the bot tests only ports 995 and 110"
        );
        assert_eq!(
            parse(Some("pop.example.com:995"), Some(110)).unwrap_err().to_string(),
            "the port is given twice (\"pop.example.com:995\" and port 110): type the host name alone"
        );
    }
}
