//! The transcript of a server test: both sides of the conversation and the bot's own
//! notes, in order, each with its time. It holds only what was on the wire: the
//! tests never send credentials, so nothing in it is secret. It is bounded in lines
//! and line length, whatever the server sends.

use serde::Serialize;
use tokio::time::Instant;

use crate::wording::{printable, shorten};

/// The most transcript entries kept; a complete test needs about forty.
const MAX_TRANSCRIPT: usize = 400;

/// The longest transcript line kept, in characters.
const MAX_TEXT: usize = 2048;

/// Who wrote a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Server,
    Client,
    /// What the bot did or saw that is not a protocol line (connect, TLS, timeouts).
    Note,
}

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptLine {
    /// Milliseconds since the test started.
    pub millis: u64,
    pub from: Party,
    pub text: String,
}

/// Both sides of the conversation, in order. It holds only what was on the wire (and
/// notes): the bot never sends credentials, so nothing in it is secret.
#[derive(Debug, Clone)]
pub struct Transcript {
    started: Instant,
    lines: Vec<TranscriptLine>,
    cut: bool,
}

impl Transcript {
    pub fn new(started: Instant) -> Self {
        Transcript {
            started,
            lines: Vec::new(),
            cut: false,
        }
    }

    pub fn push(&mut self, from: Party, text: impl Into<String>) {
        if self.lines.len() >= MAX_TRANSCRIPT {
            self.cut = true;
            return;
        }
        let text: String = text.into();
        self.lines.push(TranscriptLine {
            millis: self.started.elapsed().as_millis() as u64,
            from,
            text: shorten(&printable(&text), MAX_TEXT),
        });
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.push(Party::Note, text);
    }

    /// The lines, with a closing note when some were left out.
    pub fn into_lines(mut self) -> Vec<TranscriptLine> {
        if self.cut {
            self.cut = false;
            self.lines.push(TranscriptLine {
                millis: self.started.elapsed().as_millis() as u64,
                from: Party::Note,
                text: format!("(transcript cut after {MAX_TRANSCRIPT} lines)"),
            });
        }
        self.lines
    }
}

/// The transcript as a text file (attached in Discord): one line each, with its time
/// and who wrote it (`S:` server, `C:` the bot, `--` a note).
pub fn as_text(lines: &[TranscriptLine]) -> String {
    let mut out = String::new();
    for line in lines {
        let who = match line.from {
            Party::Server => "S:",
            Party::Client => "C:",
            Party::Note => "--",
        };
        out.push_str(&format!("[{:>6} ms] {who} {}\n", line.millis, line.text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_is_bounded_and_says_when_it_was_cut() {
        let mut transcript = Transcript::new(Instant::now());
        transcript.push(Party::Server, "x".repeat(10_000));
        for _ in 0..MAX_TRANSCRIPT {
            transcript.note("again");
        }
        let lines = transcript.into_lines();
        assert_eq!(lines.len(), MAX_TRANSCRIPT + 1);
        assert_eq!(lines[0].text.chars().count(), MAX_TEXT);
        assert!(lines.last().unwrap().text.contains("transcript cut"));
    }
}
