//! Turns at one server: at most N tests talk to the same host and port at once, the
//! others wait their turn within their own deadline. A crowd of customers testing
//! `mail.echoterra.net:587` together then looks like N mail apps to the server, not
//! like an attack that trips its connection limits or fail2ban (and makes every
//! later test fail).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The turns of every server being tested. Cheap to share.
#[derive(Debug)]
pub struct ServerSlots {
    per_server: usize,
    servers: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A turn at one server: the session may run while this is held.
#[derive(Debug)]
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

impl ServerSlots {
    /// At most `per_server` sessions at once to each server.
    pub fn new(per_server: usize) -> ServerSlots {
        ServerSlots {
            per_server: per_server.max(1),
            servers: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a turn at `server` is free right now.
    pub fn is_free(&self, server: &str) -> bool {
        let servers = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        servers
            .get(&server.to_ascii_lowercase())
            .is_none_or(|turns| turns.available_permits() > 0)
    }

    /// Waits for a turn at `server` (`host:port`, any case) until `deadline`; `None`
    /// when the deadline passed first.
    pub async fn turn(&self, server: &str, deadline: Instant) -> Option<Turn> {
        let turns = {
            let mut servers = self.servers.lock().unwrap_or_else(|e| e.into_inner());
            // Forget servers nobody holds or waits for, so the map stays small.
            servers.retain(|_, turns| {
                Arc::strong_count(turns) > 1 || turns.available_permits() < self.per_server
            });
            servers
                .entry(server.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_server)))
                .clone()
        };
        let permit = tokio::time::timeout_at(deadline, turns.acquire_owned())
            .await
            .ok()?
            .ok()?;
        Some(Turn { _permit: permit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn at_most_n_turns_per_server_and_the_rest_wait_or_time_out() {
        let slots = ServerSlots::new(2);
        let soon = || Instant::now() + Duration::from_millis(50);
        let first = slots.turn("Mail.Example:587", soon()).await.unwrap();
        let _second = slots.turn("mail.example:587", soon()).await.unwrap();
        assert!(!slots.is_free("mail.example:587"));
        assert!(slots.turn("mail.example:587", soon()).await.is_none());
        // Another server, or another port, has its own turns.
        assert!(slots.turn("mail.example:465", soon()).await.is_some());
        drop(first);
        assert!(slots.is_free("mail.example:587"));
        assert!(slots.turn("mail.example:587", soon()).await.is_some());
    }
}
