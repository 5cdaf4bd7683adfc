//! SMTP replies: what a complete (possibly multi-line) reply is, and how its lines
//! are read off the shared [`Dialogue`] (`250-` goes on, `250 ` ends, every line
//! carries the same code).
//!
//! The reading itself (bounds, time, transcript) is the probe's; here are SMTP's
//! bounds ([`WIRE`]) and its reply syntax (RFC 5321 §4.2).

use crate::checks::net::probe::{Answer, Dialogue, ReadError, Wire};
use crate::checks::net::tls::Io;

/// How SMTP replies are bounded. A line may have at most 2048 bytes: RFC 5321
/// §4.5.3.1.5 allows 512 with the CRLF, real servers stay within, so four times
/// that is generous. A reply may have at most 100 lines (an EHLO reply has a
/// dozen or so) and 8 KB (an EHLO reply has a few hundred bytes).
pub const WIRE: Wire = Wire {
    max_line: 2048,
    max_lines: 100,
    max_answer: 8 * 1024,
    server: "an SMTP server",
    protocol: "SMTP",
    long_lines_allowed: false,
};

/// An SMTP conversation over `io`, bounded as SMTP replies are.
pub fn dialogue(io: Box<dyn Io>) -> Dialogue {
    Dialogue::new(io, WIRE)
}

/// A complete server reply: its code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// The text after the code and separator, one entry per line (never empty).
    pub lines: Vec<String>,
}

impl Reply {
    /// `2` for 2xx, `4` for 4xx, ...
    pub fn class(&self) -> u16 {
        self.code / 100
    }

    /// The reply as one line, as people quote it: `554 5.7.1 No service for you`.
    pub fn quoted(&self) -> String {
        let text = self.lines.join(" ");
        let text = text.trim();
        if text.is_empty() {
            self.code.to_string()
        } else {
            format!("{} {}", self.code, text)
        }
    }

    /// A reply, read a line at a time: give it to [`Dialogue::read`] or
    /// [`Dialogue::command`].
    pub fn reader() -> ReplyLines {
        ReplyLines::default()
    }
}

/// The lines of a reply read so far.
#[derive(Debug, Default)]
pub struct ReplyLines {
    code: Option<u16>,
    lines: Vec<String>,
}

impl Answer for ReplyLines {
    type Complete = Reply;

    fn line(&mut self, line: String) -> Result<Option<Reply>, ReadError> {
        let (line_code, last, text) = parse_line(&line)?;
        match self.code {
            None => self.code = Some(line_code),
            Some(first) if first != line_code => return Err(ReadError::Malformed(line)),
            Some(_) => {}
        }
        self.lines.push(text);
        Ok(last.then(|| Reply {
            code: line_code,
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

/// Splits `250-SIZE 1000` into its code, whether it is the last line, and its text.
fn parse_line(line: &str) -> Result<(u16, bool, String), ReadError> {
    let malformed = || ReadError::Malformed(line.to_string());
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) || bytes[0] == b'0' {
        return Err(malformed());
    }
    let code: u16 = line[..3].parse().map_err(|_| malformed())?;
    match bytes.get(3) {
        None => Ok((code, true, String::new())),
        Some(b' ') => Ok((code, true, line[4..].to_string())),
        Some(b'-') => Ok((code, false, line[4..].to_string())),
        Some(_) => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::net::transcript::Transcript;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    use tokio::time::Instant;

    async fn read_from(bytes: &'static [u8]) -> Result<Reply, ReadError> {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let _ = server.write_all(bytes).await;
            // Keep the pipe open so a missing line end is a timeout, not a close.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut dialogue = dialogue(Box::new(client));
        let mut transcript = Transcript::new(Instant::now());
        dialogue
            .read(Reply::reader(), Duration::from_millis(300), &mut transcript)
            .await
    }

    #[tokio::test]
    async fn reads_a_multi_line_reply() {
        let reply = read_from(b"250-mail.example\r\n250-SIZE 1000\r\n250 AUTH PLAIN\r\n")
            .await
            .unwrap();
        assert_eq!(reply.code, 250);
        assert_eq!(reply.lines, ["mail.example", "SIZE 1000", "AUTH PLAIN"]);
    }

    #[tokio::test]
    async fn accepts_bare_line_feeds_and_a_code_alone() {
        let reply = read_from(b"220\n").await.unwrap();
        assert_eq!(reply.code, 220);
        assert_eq!(reply.quoted(), "220");
    }

    #[tokio::test]
    async fn an_incomplete_reply_is_a_timeout_with_what_arrived() {
        assert_eq!(
            read_from(b"220 mail").await,
            Err(ReadError::Timeout { received: 8 })
        );
    }

    #[tokio::test]
    async fn an_endless_line_is_refused() {
        static LONG: [u8; 3000] = [b'a'; 3000];
        assert_eq!(read_from(&LONG).await, Err(ReadError::LineTooLong));
    }

    #[tokio::test]
    async fn too_many_lines_are_refused() {
        static MANY: std::sync::LazyLock<Vec<u8>> =
            std::sync::LazyLock::new(|| b"250-x\r\n".repeat(WIRE.max_lines + 5));
        assert_eq!(read_from(&MANY).await, Err(ReadError::TooManyLines));
    }

    #[tokio::test]
    async fn a_reply_past_its_size_bound_is_refused() {
        static BIG: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
            let line = format!("250-AUTH {}\r\n", "X".repeat(2000));
            line.repeat(6).into_bytes()
        });
        assert_eq!(read_from(&BIG).await, Err(ReadError::AnswerTooLong));
    }

    #[tokio::test]
    async fn control_characters_from_the_server_are_shown_escaped() {
        let reply = read_from(b"220 evil\x1b[2J\x07 ready\r\n").await.unwrap();
        assert_eq!(reply.lines, ["evil\\u{1b}[2J\\u{7} ready"]);
    }

    #[tokio::test]
    async fn garbage_and_mixed_codes_are_malformed() {
        assert!(matches!(
            read_from(b"HTTP/1.1 400 Bad Request\r\n").await,
            Err(ReadError::Malformed(_))
        ));
        assert!(matches!(
            read_from(b"250-a\r\n251 b\r\n").await,
            Err(ReadError::Malformed(_))
        ));
    }
}
