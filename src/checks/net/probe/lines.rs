//! Lines over any byte stream, bounded: the reading and writing under every server
//! [`Dialogue`](super::Dialogue) (SMTP replies, IMAP and POP3 answers).
//!
//! A line ends with CRLF or a bare LF (as some servers send) and may be at most
//! `max_line` bytes long, so a server that sends an endless line cannot hold the
//! check's memory. Timing is the caller's: it wraps a whole answer in its timeout.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::checks::net::tls::Io;
use crate::checks::net::transcript::{Party, Transcript};
use crate::wording::{printable, seconds};

/// Why no line was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// The server closed the connection after `received` bytes of the answer.
    Closed { received: usize },
    /// A line went on past the line bound without ending.
    TooLong,
    /// The connection failed.
    Io(String),
}

/// A connection read as lines.
pub struct Lines {
    io: Box<dyn Io>,
    /// Bytes received but not yet consumed as lines.
    buffer: Vec<u8>,
    /// Bytes received since [`Lines::start_answer`], for reporting an answer that
    /// never completes.
    received: usize,
    max_line: usize,
}

impl Lines {
    pub fn new(io: Box<dyn Io>, max_line: usize) -> Lines {
        Lines {
            io,
            buffer: Vec::new(),
            received: 0,
            max_line,
        }
    }

    /// A new answer starts: its byte count starts at zero.
    pub fn start_answer(&mut self) {
        self.received = 0;
    }

    /// An answer did not complete within `limit`: notes in the transcript what had
    /// arrived without a line end, and returns how many bytes of the answer came.
    pub fn timed_out(&self, limit: Duration, transcript: &mut Transcript) -> usize {
        if !self.buffer.is_empty() {
            let partial = printable(&String::from_utf8_lossy(&self.buffer));
            transcript.push(Party::Server, format!("{partial} (incomplete)"));
        }
        transcript.note(format!("no complete answer within {}", seconds(limit)));
        self.received
    }

    /// One line without its line ending.
    pub async fn read_line(&mut self) -> Result<String, LineError> {
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > self.max_line {
                    return Err(LineError::TooLong);
                }
                // Server text is untrusted: controls are shown escaped, everywhere.
                return Ok(printable(&String::from_utf8_lossy(&line)));
            }
            if self.buffer.len() > self.max_line {
                return Err(LineError::TooLong);
            }
            let mut chunk = [0u8; 1024];
            let read = self
                .io
                .read(&mut chunk)
                .await
                .map_err(|err| LineError::Io(err.to_string()))?;
            if read == 0 {
                return Err(LineError::Closed {
                    received: self.received,
                });
            }
            self.received += read;
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }

    /// Sends `line` with CRLF.
    pub async fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        self.io.write_all(format!("{line}\r\n").as_bytes()).await?;
        self.io.flush().await
    }

    /// The connection, for a TLS handshake after `STARTTLS`, and how many bytes the
    /// server had sent beyond its last answer. Those bytes are dropped: anything sent
    /// before the handshake must not count as protected (RFC 3207 §4.2, RFC 2595 §3.1).
    pub fn into_io(self) -> (Box<dyn Io>, usize) {
        (self.io, self.buffer.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_end_with_crlf_or_lf_and_are_bounded() {
        let (client, mut server) = tokio::io::duplex(1024);
        server
            .write_all(b"one\r\ntwo\nthree-is-long\n")
            .await
            .unwrap();
        let mut lines = Lines::new(Box::new(client), 8);
        assert_eq!(lines.read_line().await.unwrap(), "one");
        assert_eq!(lines.read_line().await.unwrap(), "two");
        assert_eq!(lines.read_line().await, Err(LineError::TooLong));
        drop(server);
        assert_eq!(
            lines.read_line().await,
            Err(LineError::Closed { received: 23 })
        );
    }
}
