//! What kind of server answered, from the first line it sent: a mail app pointed
//! at the wrong port often meets another protocol's server (an SMTP server on 465
//! where IMAP was expected), and every server test names it the same way.

/// Kinds of server a first line gives away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    Smtp,
    Imap,
    Pop3,
    Http,
    Ssh,
}

impl ServerKind {
    /// The kind of server that sends `line` first: `220 …` (or any SMTP reply) is
    /// SMTP, `* OK` IMAP, `+OK`/`-ERR` POP3, `HTTP/1.1 …` a web server, `SSH-2.0`.
    pub fn recognise(line: &str) -> Option<ServerKind> {
        let bytes = line.as_bytes();
        let upper = line.to_ascii_uppercase();
        if bytes.len() >= 3
            && matches!(bytes[0], b'2'..=b'5')
            && bytes[1..3].iter().all(u8::is_ascii_digit)
            && matches!(bytes.get(3), None | Some(b' ' | b'-'))
        {
            Some(ServerKind::Smtp)
        } else if ["* OK", "* PREAUTH", "* BYE"]
            .iter()
            .any(|start| upper.starts_with(start))
        {
            Some(ServerKind::Imap)
        } else if upper.starts_with("+OK") || upper.starts_with("-ERR") {
            Some(ServerKind::Pop3)
        } else if upper.starts_with("HTTP/") {
            Some(ServerKind::Http)
        } else if upper.starts_with("SSH-") {
            Some(ServerKind::Ssh)
        } else {
            None
        }
    }

    /// `an SMTP server`.
    pub fn describe(self) -> &'static str {
        match self {
            ServerKind::Smtp => "an SMTP server",
            ServerKind::Imap => "an IMAP server",
            ServerKind::Pop3 => "a POP3 server",
            ServerKind::Http => "a web (HTTP) server",
            ServerKind::Ssh => "an SSH server",
        }
    }
}

/// The first line of `bytes` when they are text (a greeting or an error page), not
/// TLS: what a plain-text server sent where TLS was expected.
pub fn text_line(bytes: &[u8]) -> Option<String> {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let line = &bytes[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let printable = line.len() >= 3
        && line
            .iter()
            .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b));
    printable.then(|| String::from_utf8_lossy(line).chars().take(120).collect())
}
