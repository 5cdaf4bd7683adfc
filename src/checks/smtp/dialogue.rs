//! Talking SMTP over any byte stream: sending a command, reading its (possibly
//! multi-line) reply, and noting both sides in the transcript.
//!
//! Every read is bounded by line length, number of lines and time, so a server that
//! trickles bytes, sends an endless line or sends garbage ends as a clear
//! [`ReadError`] instead of holding the check or its memory.

use std::time::Duration;

use tokio::time::Instant;

use crate::checks::probe::{describe_closed, describe_timeout, LineError, Lines};
use crate::checks::tls::Io;
use crate::checks::transcript::{Party, Transcript};
use crate::wording::shorten;

/// The longest reply line accepted, in bytes. RFC 5321 §4.5.3.1.5 allows 512 with the
/// CRLF; real servers stay within, so four times that is generous.
pub const MAX_LINE: usize = 2048;

/// The most lines one reply may have; an EHLO reply has a dozen or so.
pub const MAX_LINES: usize = 100;

/// The most bytes one reply may have, all lines together; an EHLO reply has a few
/// hundred. A hostile server cannot make the test hold or parse more than this.
pub const MAX_REPLY: usize = 8 * 1024;

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
}

/// Why no complete reply was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Time ran out; `received` bytes of the reply had arrived by then.
    Timeout { received: usize },
    /// The server closed the connection after `received` bytes of the reply.
    Closed { received: usize },
    /// A line went on past [`MAX_LINE`] bytes without ending.
    LineTooLong,
    /// The reply went on past [`MAX_LINES`] lines.
    TooManyLines,
    /// The reply went on past [`MAX_REPLY`] bytes.
    ReplyTooLong,
    /// A line that is not an SMTP reply line.
    Malformed(String),
    /// The connection failed.
    Io(String),
}

impl ReadError {
    /// What happened, in words a support person can pass on.
    pub fn describe(&self, waited: Duration) -> String {
        match self {
            ReadError::Timeout { received } => describe_timeout(*received, waited),
            ReadError::Closed { received } => describe_closed(*received).to_string(),
            ReadError::LineTooLong => format!(
                "the server sent a line longer than {MAX_LINE} bytes (garbage, or not an SMTP server)"
            ),
            ReadError::TooManyLines => format!(
                "the server's answer went on for more than {MAX_LINES} lines (garbage, or not an SMTP server)"
            ),
            ReadError::ReplyTooLong => format!(
                "the server's answer went on for more than {} KB (garbage, or not an SMTP server)",
                MAX_REPLY / 1024
            ),
            ReadError::Malformed(line) => format!(
                "the server answered something that is not SMTP: {:?}",
                shorten(line, 80)
            ),
            ReadError::Io(err) => format!("the connection failed: {err}"),
        }
    }
}

/// An SMTP conversation over one connection.
pub struct Dialogue {
    lines: Lines,
}

impl Dialogue {
    pub fn new(io: Box<dyn Io>) -> Self {
        Dialogue {
            lines: Lines::new(io, MAX_LINE),
        }
    }

    /// Reads one complete reply within `limit`.
    pub async fn read_reply(
        &mut self,
        limit: Duration,
        transcript: &mut Transcript,
    ) -> Result<Reply, ReadError> {
        self.lines.start_answer();
        match tokio::time::timeout(limit, self.read_reply_unbounded(transcript)).await {
            Ok(result) => result,
            Err(_) => Err(ReadError::Timeout {
                received: self.lines.timed_out(limit, transcript),
            }),
        }
    }

    /// Sends one command line and reads its reply, all within `limit`.
    pub async fn command(
        &mut self,
        line: &str,
        limit: Duration,
        transcript: &mut Transcript,
    ) -> Result<Reply, ReadError> {
        let started = Instant::now();
        transcript.push(Party::Client, line);
        match tokio::time::timeout(limit, self.lines.write_line(line)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(ReadError::Io(err.to_string())),
            Err(_) => return Err(ReadError::Timeout { received: 0 }),
        }
        let left = limit.saturating_sub(started.elapsed());
        self.read_reply(left, transcript).await
    }

    /// The connection, for the TLS handshake after `STARTTLS`, and how many bytes the
    /// server had sent beyond its last reply. Those bytes are dropped: anything sent
    /// before the handshake must not count as protected (RFC 3207 §4.2).
    pub fn into_io(self) -> (Box<dyn Io>, usize) {
        self.lines.into_io()
    }

    async fn read_reply_unbounded(
        &mut self,
        transcript: &mut Transcript,
    ) -> Result<Reply, ReadError> {
        let mut code = None;
        let mut lines = Vec::new();
        let mut size = 0;
        loop {
            let line = self.lines.read_line().await.map_err(|err| match err {
                LineError::Closed { received } => ReadError::Closed { received },
                LineError::TooLong => ReadError::LineTooLong,
                LineError::Io(err) => ReadError::Io(err),
            })?;
            size += line.len() + 2;
            if size > MAX_REPLY {
                transcript.note(format!(
                    "the answer went on past {} KB; the rest was not read",
                    MAX_REPLY / 1024
                ));
                return Err(ReadError::ReplyTooLong);
            }
            transcript.push(Party::Server, line.clone());
            let (line_code, last, text) = parse_line(&line)?;
            match code {
                None => code = Some(line_code),
                Some(first) if first != line_code => {
                    return Err(ReadError::Malformed(line));
                }
                Some(_) => {}
            }
            lines.push(text);
            if last {
                return Ok(Reply {
                    code: line_code,
                    lines,
                });
            }
            if lines.len() >= MAX_LINES {
                return Err(ReadError::TooManyLines);
            }
        }
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
    use tokio::io::AsyncWriteExt;

    async fn read_from(bytes: &'static [u8]) -> Result<Reply, ReadError> {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let _ = server.write_all(bytes).await;
            // Keep the pipe open so a missing line end is a timeout, not a close.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut dialogue = Dialogue::new(Box::new(client));
        let mut transcript = Transcript::new(Instant::now());
        dialogue
            .read_reply(Duration::from_millis(300), &mut transcript)
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
            std::sync::LazyLock::new(|| b"250-x\r\n".repeat(MAX_LINES + 5));
        assert_eq!(read_from(&MANY).await, Err(ReadError::TooManyLines));
    }

    #[tokio::test]
    async fn a_reply_past_its_size_bound_is_refused() {
        static BIG: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
            let line = format!("250-AUTH {}\r\n", "X".repeat(2000));
            line.repeat(6).into_bytes()
        });
        assert_eq!(read_from(&BIG).await, Err(ReadError::ReplyTooLong));
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
