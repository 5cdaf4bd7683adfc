//! Talking to a server over any byte stream, for every server test: sending a
//! command line, reading the answer line by line until the protocol says it is
//! complete, and noting both sides in the transcript.
//!
//! What an answer looks like is the protocol's ([`Answer`]: SMTP's reply codes,
//! IMAP's tags, POP3's lone dot); how it is bounded and timed is here, once. Every
//! read is bounded by line length, by lines and bytes per answer ([`Wire`]), and by
//! time, so a server that trickles bytes, sends an endless line or an endless
//! answer ends as a clear [`ReadError`] instead of holding the check or its memory.

use std::time::Duration;

use tokio::time::Instant;

use super::lines::{LineError, Lines};
use crate::checks::net::tls::Io;
use crate::checks::net::transcript::{Party, Transcript};
use crate::wording::{seconds, shorten};

/// How one protocol's answers are bounded, and how its server is named when an
/// answer breaks the bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// The longest line read, in bytes.
    pub max_line: usize,
    /// The most lines one answer may have.
    pub max_lines: usize,
    /// The most bytes one answer may have, all lines together: a hostile server
    /// cannot make the test hold or parse more than this.
    pub max_answer: usize,
    /// `an SMTP server`, for "garbage, or not an SMTP server".
    pub server: &'static str,
    /// `SMTP`, for "something that is not SMTP".
    pub protocol: &'static str,
    /// Whether the protocol allows lines longer than `max_line` (IMAP does; SMTP
    /// stops at 512 bytes), so that a longer one is more than the test reads rather
    /// than plainly wrong.
    pub long_lines_allowed: bool,
}

/// One answer of a protocol, read a line at a time.
pub trait Answer {
    /// The answer once complete.
    type Complete;

    /// Takes the next line of the answer (controls already escaped): the complete
    /// answer after its last line, `None` while more are to come, or
    /// [`ReadError::Malformed`] for a line the protocol cannot have.
    fn line(&mut self, line: String) -> Result<Option<Self::Complete>, ReadError>;
}

/// Why no complete answer was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Time ran out; `received` bytes of the answer had arrived by then.
    Timeout { received: usize },
    /// The server closed the connection after `received` bytes of the answer.
    Closed { received: usize },
    /// A line went on past [`Wire::max_line`] bytes without ending.
    LineTooLong,
    /// The answer went on past [`Wire::max_lines`] lines.
    TooManyLines,
    /// The answer went on past [`Wire::max_answer`] bytes.
    AnswerTooLong,
    /// A line the protocol cannot have.
    Malformed(String),
    /// The connection failed.
    Io(String),
}

impl ReadError {
    /// What happened while waiting up to `waited` for an answer of `wire`, in words
    /// a support person can pass on.
    pub fn describe(&self, waited: Duration, wire: &Wire) -> String {
        let server = wire.server;
        match self {
            ReadError::Timeout { received: 0 } => format!("no answer within {}", seconds(waited)),
            ReadError::Timeout { received } => format!(
                "only {received} bytes of the answer arrived within {} (the server sends very slowly, byte by byte)",
                seconds(waited)
            ),
            ReadError::Closed { received: 0 } => "the server closed the connection".to_string(),
            ReadError::Closed { .. } => {
                "the server closed the connection in the middle of its answer".to_string()
            }
            ReadError::LineTooLong if wire.long_lines_allowed => format!(
                "the server sent a line longer than {} bytes, more than the test reads (garbage, or not {server})",
                wire.max_line
            ),
            ReadError::LineTooLong => format!(
                "the server sent a line longer than {} bytes (garbage, or not {server})",
                wire.max_line
            ),
            ReadError::TooManyLines => format!(
                "the server's answer went on for more than {} lines (garbage, or not {server})",
                wire.max_lines
            ),
            ReadError::AnswerTooLong => format!(
                "the server's answer went on for more than {} KB (garbage, or not {server})",
                wire.max_answer / 1024
            ),
            ReadError::Malformed(line) => format!(
                "the server answered something that is not {}: {:?}",
                wire.protocol,
                shorten(line, 80)
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

/// A conversation with a server over one connection.
pub struct Dialogue {
    lines: Lines,
    wire: Wire,
}

impl Dialogue {
    pub fn new(io: Box<dyn Io>, wire: Wire) -> Dialogue {
        Dialogue {
            lines: Lines::new(io, wire.max_line),
            wire,
        }
    }

    /// Reads one complete answer within `limit`.
    pub async fn read<A: Answer>(
        &mut self,
        answer: A,
        limit: Duration,
        transcript: &mut Transcript,
    ) -> Result<A::Complete, ReadError> {
        self.lines.start_answer();
        match tokio::time::timeout(limit, self.read_unbounded(answer, transcript)).await {
            Ok(result) => result,
            Err(_) => Err(ReadError::Timeout {
                received: self.lines.timed_out(limit, transcript),
            }),
        }
    }

    /// Sends one command line and reads its answer, all within `limit`.
    pub async fn command<A: Answer>(
        &mut self,
        line: &str,
        answer: A,
        limit: Duration,
        transcript: &mut Transcript,
    ) -> Result<A::Complete, ReadError> {
        let started = Instant::now();
        transcript.push(Party::Client, line);
        match tokio::time::timeout(limit, self.lines.write_line(line)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(ReadError::Io(err.to_string())),
            Err(_) => return Err(ReadError::Timeout { received: 0 }),
        }
        let left = limit.saturating_sub(started.elapsed());
        self.read(answer, left, transcript).await
    }

    /// The connection, for the TLS handshake after STARTTLS, and how many bytes the
    /// server had sent beyond its last answer (dropped, see [`Lines::into_io`]).
    pub fn into_io(self) -> (Box<dyn Io>, usize) {
        self.lines.into_io()
    }

    async fn read_unbounded<A: Answer>(
        &mut self,
        mut answer: A,
        transcript: &mut Transcript,
    ) -> Result<A::Complete, ReadError> {
        let mut lines = 0;
        let mut bytes = 0;
        loop {
            let line = self.lines.read_line().await?;
            bytes += line.len() + 2;
            // Checked before the line is kept: nothing past the bound reaches the
            // transcript or the protocol's parsing.
            if bytes > self.wire.max_answer {
                transcript.note(format!(
                    "the answer went on past {} KB; the rest was not read",
                    self.wire.max_answer / 1024
                ));
                return Err(ReadError::AnswerTooLong);
            }
            transcript.push(Party::Server, line.clone());
            if let Some(complete) = answer.line(line)? {
                return Ok(complete);
            }
            lines += 1;
            if lines >= self.wire.max_lines {
                return Err(ReadError::TooManyLines);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    const WIRE: Wire = Wire {
        max_line: 16,
        max_lines: 3,
        max_answer: 40,
        server: "a test server",
        protocol: "TEST",
        long_lines_allowed: false,
    };

    /// An answer that ends with a line `end`.
    struct UntilEnd(Vec<String>);

    impl Answer for UntilEnd {
        type Complete = Vec<String>;
        fn line(&mut self, line: String) -> Result<Option<Vec<String>>, ReadError> {
            if line.starts_with('!') {
                return Err(ReadError::Malformed(line));
            }
            let end = line == "end";
            self.0.push(line);
            Ok(end.then(|| std::mem::take(&mut self.0)))
        }
    }

    async fn read_from(bytes: &'static [u8]) -> (Result<Vec<String>, ReadError>, Transcript) {
        let (client, mut server) = tokio::io::duplex(1024);
        tokio::spawn(async move {
            let _ = server.write_all(bytes).await;
            // Keep the pipe open so a missing end is a timeout, not a close.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut dialogue = Dialogue::new(Box::new(client), WIRE);
        let mut transcript = Transcript::new(Instant::now());
        let answer = dialogue
            .read(
                UntilEnd(Vec::new()),
                Duration::from_millis(300),
                &mut transcript,
            )
            .await;
        (answer, transcript)
    }

    #[tokio::test]
    async fn an_answer_ends_where_the_protocol_says() {
        let (answer, _) = read_from(b"one\r\nend\r\nnext\r\n").await;
        assert_eq!(answer.unwrap(), ["one", "end"]);
        let (answer, _) = read_from(b"one\r\n!bad\r\n").await;
        assert_eq!(answer, Err(ReadError::Malformed("!bad".into())));
        let (answer, _) = read_from(b"one\r\ntw").await;
        assert_eq!(answer, Err(ReadError::Timeout { received: 7 }));
    }

    #[tokio::test]
    async fn every_bound_ends_as_its_own_error() {
        let (answer, _) = read_from(b"a line far too long to end\r\n").await;
        assert_eq!(answer, Err(ReadError::LineTooLong));
        let (answer, _) = read_from(b"1\r\n2\r\n3\r\n4\r\nend\r\n").await;
        assert_eq!(answer, Err(ReadError::TooManyLines));
        let (answer, transcript) =
            read_from(b"0123456789abc\r\n0123456789abc\r\n0123456789abc\r\n").await;
        assert_eq!(answer, Err(ReadError::AnswerTooLong));
        // The line past the bound is not kept; the transcript says why.
        let lines = transcript.into_lines();
        assert_eq!(lines.iter().filter(|l| l.from == Party::Server).count(), 2);
        assert!(lines.last().unwrap().text.contains("the rest was not read"));
    }

    #[test]
    fn errors_are_described_for_the_protocol() {
        let waited = Duration::from_secs(2);
        assert_eq!(
            ReadError::LineTooLong.describe(waited, &WIRE),
            "the server sent a line longer than 16 bytes (garbage, or not a test server)"
        );
        let long_lines = Wire {
            long_lines_allowed: true,
            ..WIRE
        };
        assert_eq!(
            ReadError::LineTooLong.describe(waited, &long_lines),
            "the server sent a line longer than 16 bytes, more than the test reads (garbage, or not a test server)"
        );
        assert_eq!(
            ReadError::Timeout { received: 0 }.describe(waited, &WIRE),
            "no answer within 2 s"
        );
        assert_eq!(
            ReadError::Malformed("HTTP/1.1 400".into()).describe(waited, &WIRE),
            "the server answered something that is not TEST: \"HTTP/1.1 400\""
        );
    }
}
