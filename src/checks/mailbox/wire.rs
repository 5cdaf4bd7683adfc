//! Talking IMAP or POP3 over any byte stream: sending a command line, reading its
//! answer as the command's [`Framing`] says it ends (IMAP untagged lines up to the
//! tagged one, POP3 `+OK` lines up to a lone `.`), and noting both sides in the
//! transcript.
//!
//! Every read is bounded by line length, by lines and bytes per answer, and by time,
//! so a server that trickles bytes, sends an endless line or an endless answer ends
//! as a clear [`ReadError`] instead of holding the check or its memory.

use std::time::Duration;

use tokio::time::Instant;

use super::dialect::{Command, Framing};
use crate::checks::probe::{describe_closed, describe_timeout, LineError, Lines};
use crate::checks::tls::Io;
use crate::checks::transcript::{Party, Transcript};

/// The longest line accepted, in bytes: what RFC 7162 §4 asks IMAP clients to
/// accept; a long CAPABILITY line is a few hundred.
pub const MAX_LINE: usize = 8192;

/// The most lines one answer may have; a CAPA answer has a dozen or so.
pub const MAX_LINES: usize = 100;

/// The most bytes one answer may have.
pub const MAX_ANSWER: usize = 64 * 1024;

/// Why no complete answer was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Time ran out; `received` bytes of the answer had arrived by then.
    Timeout { received: usize },
    /// The server closed the connection after `received` bytes of the answer.
    Closed { received: usize },
    /// A line went on past [`MAX_LINE`] bytes without ending.
    LineTooLong,
    /// The answer went on past [`MAX_LINES`] lines.
    TooManyLines,
    /// The answer went on past [`MAX_ANSWER`] bytes.
    TooLarge,
    /// The connection failed.
    Io(String),
}

impl ReadError {
    /// What happened, in words a support person can pass on; `expected` is what
    /// the server should be (`an IMAP server`).
    pub fn describe(&self, waited: Duration, expected: &str) -> String {
        match self {
            ReadError::Timeout { received } => describe_timeout(*received, waited),
            ReadError::Closed { received } => describe_closed(*received).to_string(),
            ReadError::LineTooLong => format!(
                "the server sent a line longer than {MAX_LINE} bytes, more than the test reads (garbage, or not {expected})"
            ),
            ReadError::TooManyLines => format!(
                "the server's answer went on for more than {MAX_LINES} lines (garbage, or not {expected})"
            ),
            ReadError::TooLarge => format!(
                "the server's answer went on for more than {} KB (garbage, or not {expected})",
                MAX_ANSWER / 1024
            ),
            ReadError::Io(err) => format!("the connection failed: {err}"),
        }
    }
}

impl From<LineError> for ReadError {
    fn from(error: LineError) -> ReadError {
        match error {
            LineError::Closed { received } => ReadError::Closed { received },
            LineError::TooLong => ReadError::LineTooLong,
            LineError::Io(err) => ReadError::Io(err),
        }
    }
}

/// An IMAP or POP3 conversation over one connection.
pub struct Connection {
    lines: Lines,
}

impl Connection {
    pub fn new(io: Box<dyn Io>) -> Connection {
        Connection {
            lines: Lines::new(io, MAX_LINE),
        }
    }

    /// Reads one complete answer, framed by `framing`, within `limit`.
    pub async fn read_answer(
        &mut self,
        framing: &Framing,
        limit: Duration,
        transcript: &mut Transcript,
    ) -> Result<Vec<String>, ReadError> {
        self.lines.start_answer();
        match tokio::time::timeout(limit, self.read_unbounded(framing, transcript)).await {
            Ok(result) => result,
            Err(_) => Err(ReadError::Timeout {
                received: self.lines.timed_out(limit, transcript),
            }),
        }
    }

    /// Sends one command and reads its answer, all within `limit`.
    pub async fn command(
        &mut self,
        command: &Command,
        limit: Duration,
        transcript: &mut Transcript,
    ) -> Result<Vec<String>, ReadError> {
        let started = Instant::now();
        transcript.push(Party::Client, command.line.as_str());
        match tokio::time::timeout(limit, self.lines.write_line(&command.line)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(ReadError::Io(err.to_string())),
            Err(_) => return Err(ReadError::Timeout { received: 0 }),
        }
        let left = limit.saturating_sub(started.elapsed());
        self.read_answer(&command.framing, left, transcript).await
    }

    /// The connection, for the TLS handshake after STARTTLS, and how many bytes the
    /// server had sent beyond its answer (dropped, see [`Lines::into_io`]).
    pub fn into_io(self) -> (Box<dyn Io>, usize) {
        self.lines.into_io()
    }

    async fn read_unbounded(
        &mut self,
        framing: &Framing,
        transcript: &mut Transcript,
    ) -> Result<Vec<String>, ReadError> {
        let mut lines: Vec<String> = Vec::new();
        let mut bytes = 0;
        loop {
            let line = self.lines.read_line().await?;
            transcript.push(Party::Server, line.clone());
            bytes += line.len() + 2;
            let last = match framing {
                Framing::Line => true,
                Framing::Tagged(tag) => line
                    .split_once(' ')
                    .is_some_and(|(first, _)| first.eq_ignore_ascii_case(tag)),
                // `-ERR` (or anything but `+OK`) is a one-line answer.
                Framing::DotTerminated if lines.is_empty() => !line.starts_with("+OK"),
                Framing::DotTerminated => line == ".",
            };
            // A multi-line POP3 answer doubles a leading dot (RFC 1939 §3).
            let line = match framing {
                Framing::DotTerminated if !lines.is_empty() && line.starts_with("..") => {
                    line[1..].to_string()
                }
                _ => line,
            };
            lines.push(line);
            if last {
                return Ok(lines);
            }
            if lines.len() >= MAX_LINES {
                return Err(ReadError::TooManyLines);
            }
            if bytes > MAX_ANSWER {
                return Err(ReadError::TooLarge);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn read_from(framing: Framing, bytes: Vec<u8>) -> Result<Vec<String>, ReadError> {
        let (client, mut server) = tokio::io::duplex(256 * 1024);
        tokio::spawn(async move {
            let _ = server.write_all(&bytes).await;
            // Keep the pipe open so a missing end is a timeout, not a close.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut connection = Connection::new(Box::new(client));
        let mut transcript = Transcript::new(Instant::now());
        connection
            .read_answer(&framing, Duration::from_millis(300), &mut transcript)
            .await
    }

    #[tokio::test]
    async fn an_imap_answer_ends_with_its_tag() {
        let answer = read_from(
            Framing::Tagged("a1".into()),
            b"* CAPABILITY IMAP4rev1 IDLE\r\na1 OK done\r\n".to_vec(),
        )
        .await
        .unwrap();
        assert_eq!(answer, ["* CAPABILITY IMAP4rev1 IDLE", "a1 OK done"]);
        assert_eq!(
            read_from(Framing::Tagged("a1".into()), b"* CAPABILITY X\r\n".to_vec()).await,
            Err(ReadError::Timeout { received: 16 })
        );
    }

    #[tokio::test]
    async fn a_pop3_answer_ends_with_a_dot_or_at_once_with_err() {
        let answer = read_from(
            Framing::DotTerminated,
            b"+OK list\r\nUSER\r\n..dot\r\n.\r\n".to_vec(),
        )
        .await
        .unwrap();
        assert_eq!(answer, ["+OK list", "USER", ".dot", "."]);
        let refused = read_from(Framing::DotTerminated, b"-ERR no CAPA\r\n".to_vec())
            .await
            .unwrap();
        assert_eq!(refused, ["-ERR no CAPA"]);
    }

    #[tokio::test]
    async fn control_characters_arrive_escaped() {
        let answer = read_from(Framing::Line, b"* OK \x1b[31mred\x07\tready\r\n".to_vec())
            .await
            .unwrap();
        assert_eq!(answer, ["* OK \\u{1b}[31mred\\u{7}\tready"]);
    }

    #[tokio::test]
    async fn every_bound_ends_as_its_own_error() {
        assert_eq!(
            read_from(Framing::Line, vec![b'a'; MAX_LINE + 10]).await,
            Err(ReadError::LineTooLong)
        );
        assert_eq!(
            read_from(
                Framing::Tagged("a1".into()),
                b"* x\r\n".repeat(MAX_LINES + 5)
            )
            .await,
            Err(ReadError::TooManyLines)
        );
        let long_line = [vec![b'*'; 8000], b"\r\n".to_vec()].concat();
        assert_eq!(
            read_from(Framing::Tagged("a1".into()), long_line.repeat(20)).await,
            Err(ReadError::TooLarge)
        );
    }
}
