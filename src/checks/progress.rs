//! How far a long check has come, for live display: a check reports through a
//! [`Progress`] handle; whoever started it (the Discord side) holds the receiver.
//!
//! Progress is advisory: when the watcher is behind, an update is dropped rather than
//! slowing the check, and with nobody watching ([`Progress::none`]) reporting costs
//! nothing.

use tokio::sync::mpsc;

/// One progress report: "12/18 checked, listed on 1".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressUpdate {
    pub done: usize,
    pub total: usize,
    /// A short line such as "12/18 checked, listed on 1".
    pub line: String,
}

/// Where a check reports its progress.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    sender: Option<mpsc::Sender<ProgressUpdate>>,
}

impl Progress {
    /// Nobody watches: updates go nowhere.
    pub fn none() -> Progress {
        Progress::default()
    }

    /// A handle for the check and the receiver of its updates, which keeps the
    /// latest `capacity` updates not yet read.
    pub fn channel(capacity: usize) -> (Progress, mpsc::Receiver<ProgressUpdate>) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        (
            Progress {
                sender: Some(sender),
            },
            receiver,
        )
    }

    /// Sends an update if anybody watches and has room for it.
    pub fn report(&self, done: usize, total: usize, line: impl Into<String>) {
        if let Some(sender) = &self.sender {
            let _ = sender.try_send(ProgressUpdate {
                done,
                total,
                line: line.into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_reach_the_receiver_and_a_full_channel_drops_them() {
        let (progress, mut receiver) = Progress::channel(1);
        progress.report(1, 2, "first");
        progress.report(2, 2, "dropped: the watcher is behind");
        assert_eq!(receiver.try_recv().unwrap().line, "first");
        assert!(receiver.try_recv().is_err());
        Progress::none().report(1, 1, "nobody listens");
    }
}
