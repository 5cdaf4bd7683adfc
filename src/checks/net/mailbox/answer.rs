//! IMAP and POP3 answers: how one ends, as the command's [`Framing`] says (IMAP
//! untagged lines up to the tagged one, POP3 `+OK` lines up to a lone `.`), read
//! off the shared [`Dialogue`], and how they are bounded ([`wire`]).
//!
//! The reading itself (bounds, time, transcript) is the probe's; here is only what
//! the two protocols' answers look like.

use std::time::Duration;

use super::dialect::{Command, Dialect, Framing};
use crate::checks::net::probe::{Answer, Dialogue, ReadError, Wire};
use crate::checks::net::tls::Io;
use crate::checks::net::transcript::Transcript;

/// How IMAP and POP3 answers are bounded, naming `D`'s server when one breaks the
/// bounds. A line may have 8192 bytes, what RFC 7162 §4 asks IMAP clients to
/// accept (a long CAPABILITY line has a few hundred); an answer 100 lines (a CAPA
/// answer has a dozen or so) and 64 KB.
pub fn wire<D: Dialect>() -> Wire {
    Wire {
        max_line: 8192,
        max_lines: 100,
        max_answer: 64 * 1024,
        server: D::KIND.describe(),
        protocol: D::NAME,
        long_lines_allowed: true,
    }
}

/// An IMAP or POP3 conversation over `io`, bounded as their answers are.
pub fn dialogue<D: Dialect>(io: Box<dyn Io>) -> Dialogue {
    Dialogue::new(io, wire::<D>())
}

/// Sends `command` and reads its answer as the command's framing says, within
/// `limit`.
pub async fn send(
    dialogue: &mut Dialogue,
    command: &Command,
    limit: Duration,
    transcript: &mut Transcript,
) -> Result<Vec<String>, ReadError> {
    let answer = command.framing.reader();
    dialogue
        .command(&command.line, answer, limit, transcript)
        .await
}

impl Framing {
    /// An answer framed this way, read a line at a time: give it to
    /// [`Dialogue::read`] or [`Dialogue::command`].
    pub fn reader(&self) -> FramedLines<'_> {
        FramedLines {
            framing: self,
            lines: Vec::new(),
        }
    }
}

/// The lines of an answer read so far, and how it ends.
#[derive(Debug)]
pub struct FramedLines<'a> {
    framing: &'a Framing,
    lines: Vec<String>,
}

impl Answer for FramedLines<'_> {
    type Complete = Vec<String>;

    fn line(&mut self, line: String) -> Result<Option<Vec<String>>, ReadError> {
        let last = match self.framing {
            Framing::Line => true,
            Framing::Tagged(tag) => line
                .split_once(' ')
                .is_some_and(|(first, _)| first.eq_ignore_ascii_case(tag)),
            // `-ERR` (or anything but `+OK`) is a one-line answer.
            Framing::DotTerminated if self.lines.is_empty() => !line.starts_with("+OK"),
            Framing::DotTerminated => line == ".",
        };
        // A multi-line POP3 answer doubles a leading dot (RFC 1939 §3).
        let line = match self.framing {
            Framing::DotTerminated if !self.lines.is_empty() && line.starts_with("..") => {
                line[1..].to_string()
            }
            _ => line,
        };
        self.lines.push(line);
        Ok(last.then(|| std::mem::take(&mut self.lines)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::imap::Imap;
    use tokio::io::AsyncWriteExt;
    use tokio::time::Instant;

    async fn read_from(framing: Framing, bytes: Vec<u8>) -> Result<Vec<String>, ReadError> {
        let (client, mut server) = tokio::io::duplex(256 * 1024);
        tokio::spawn(async move {
            let _ = server.write_all(&bytes).await;
            // Keep the pipe open so a missing end is a timeout, not a close.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut dialogue = dialogue::<Imap>(Box::new(client));
        let mut transcript = Transcript::new(Instant::now());
        dialogue
            .read(
                framing.reader(),
                Duration::from_millis(300),
                &mut transcript,
            )
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
            read_from(Framing::Line, vec![b'a'; wire::<Imap>().max_line + 10]).await,
            Err(ReadError::LineTooLong)
        );
        assert_eq!(
            read_from(
                Framing::Tagged("a1".into()),
                b"* x\r\n".repeat(wire::<Imap>().max_lines + 5)
            )
            .await,
            Err(ReadError::TooManyLines)
        );
        let long_line = [vec![b'*'; 8000], b"\r\n".to_vec()].concat();
        assert_eq!(
            read_from(Framing::Tagged("a1".into()), long_line.repeat(20)).await,
            Err(ReadError::AnswerTooLong)
        );
    }
}
