//! Requests to `/interactions` without a valid signature: on a public address, mostly
//! internet scanners. Each is counted (`echoterra_interaction_requests_rejected_total`,
//! `reason="signature"`), but logged at most once a minute, as a summary with the
//! count since the last line, so scanners cannot fill the log or hide what matters.
//! (A wrong `DISCORD_PUBLIC_KEY` refuses Discord's own requests the same way: the
//! line still appears every minute while it lasts.)

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most one line per this interval.
pub const LOG_INTERVAL: Duration = Duration::from_secs(60);

/// When the last line was written and how many refusals were not logged since.
#[derive(Debug, Default)]
pub struct UnsignedLog {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last_line: Option<Instant>,
    unlogged: u64,
}

impl UnsignedLog {
    /// Notes one refusal at `now`: `Some(count)` when a line is due, with the
    /// refusals since the last line (this one included), `None` to stay quiet.
    pub fn note(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.unlogged += 1;
        let due = state
            .last_line
            .is_none_or(|last| now.saturating_duration_since(last) >= LOG_INTERVAL);
        if !due {
            return None;
        }
        state.last_line = Some(now);
        Some(std::mem::take(&mut state.unlogged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_a_minute_with_the_count_since_the_last() {
        let log = UnsignedLog::default();
        let start = Instant::now();
        assert_eq!(log.note(start), Some(1));
        for second in 1..=59 {
            assert_eq!(log.note(start + Duration::from_secs(second)), None);
        }
        // The 59 quiet ones and this one.
        assert_eq!(log.note(start + LOG_INTERVAL), Some(60));
        assert_eq!(
            log.note(start + LOG_INTERVAL + Duration::from_secs(1)),
            None
        );
        assert_eq!(log.note(start + Duration::from_secs(600)), Some(2));
    }
}
