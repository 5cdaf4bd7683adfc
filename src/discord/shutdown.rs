//! A graceful stop. On SIGTERM the bot takes no new interactions (each is told, at
//! once, that the bot is restarting), gives the running ones a grace period
//! (`SHUTDOWN_GRACE_SECONDS`), then stops what is left and hands it back to be
//! answered "the bot restarted, please run the command again": no "thinking…" is
//! left hanging when the process goes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;

use super::incoming::Incoming;
use crate::values::Secret;

/// The interactions being answered right now.
#[derive(Debug, Default)]
pub struct InFlight {
    stopping: AtomicBool,
    running: Mutex<HashMap<u64, Pending>>,
    changed: Notify,
}

#[derive(Debug)]
struct Pending {
    application_id: u64,
    token: Secret,
    /// The first response (reply or "thinking…") reached Discord.
    responded: bool,
    abort: Option<AbortHandle>,
}

/// An interaction stopped by the shutdown, still to be answered.
#[derive(Debug)]
pub struct Leftover {
    pub id: u64,
    pub application_id: u64,
    pub token: Secret,
    /// Its first response was sent: the answer is an edit of it.
    pub responded: bool,
}

/// An admitted interaction; it leaves the registry when dropped.
#[derive(Debug)]
pub struct Ticket {
    in_flight: Arc<InFlight>,
    id: u64,
}

impl InFlight {
    /// Registers an interaction, or `None` once the bot is stopping.
    pub fn admit(self: &Arc<Self>, incoming: &Incoming) -> Option<Ticket> {
        let mut running = self.running();
        if self.stopping.load(Ordering::SeqCst) {
            return None;
        }
        running.insert(
            incoming.id,
            Pending {
                application_id: incoming.application_id,
                token: incoming.token.clone(),
                responded: false,
                abort: None,
            },
        );
        Some(Ticket {
            in_flight: self.clone(),
            id: incoming.id,
        })
    }

    /// How many interactions are being answered.
    pub fn len(&self) -> usize {
        self.running().len()
    }

    /// Whether none is being answered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops taking interactions, waits up to `grace` for the running ones, then
    /// stops the rest and returns them, to be answered.
    pub async fn stop(&self, grace: Duration) -> Vec<Leftover> {
        self.stopping.store(true, Ordering::SeqCst);
        let drained = async {
            loop {
                let changed = self.changed.notified();
                if self.is_empty() {
                    return;
                }
                changed.await;
            }
        };
        let _ = tokio::time::timeout(grace, drained).await;
        let mut running = self.running();
        running
            .drain()
            .map(|(id, pending)| {
                if let Some(abort) = pending.abort {
                    abort.abort();
                }
                Leftover {
                    id,
                    application_id: pending.application_id,
                    token: pending.token,
                    responded: pending.responded,
                }
            })
            .collect()
    }

    fn running(&self) -> MutexGuard<'_, HashMap<u64, Pending>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Ticket {
    /// The task answering the interaction, stopped if the grace period runs out.
    pub fn set_abort(&self, abort: AbortHandle) {
        if let Some(pending) = self.in_flight.running().get_mut(&self.id) {
            pending.abort = Some(abort);
        }
    }

    /// Whether the first response reached Discord.
    pub fn has_responded(&self) -> bool {
        self.in_flight
            .running()
            .get(&self.id)
            .is_some_and(|pending| pending.responded)
    }

    /// The first response reached Discord.
    pub fn responded(&self) {
        if let Some(pending) = self.in_flight.running().get_mut(&self.id) {
            pending.responded = true;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.in_flight.running().remove(&self.id);
        self.in_flight.changed.notify_waiters();
    }
}

/// Resolves on SIGTERM (container stop) or SIGINT (Ctrl-C).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::incoming::IncomingKind;

    fn incoming(id: u64) -> Incoming {
        Incoming {
            id,
            application_id: 2,
            token: Secret::new(format!("token-{id}")),
            user_id: 3,
            user_name: "tester".into(),
            guild_id: None,
            installed_in_guild: None,
            permissions: None,
            kind: IncomingKind::Other("test"),
        }
    }

    #[tokio::test]
    async fn stopping_waits_for_the_running_then_hands_back_the_rest() {
        let in_flight = Arc::new(InFlight::default());
        let quick = in_flight.admit(&incoming(1)).unwrap();
        let slow = in_flight.admit(&incoming(2)).unwrap();
        slow.responded();
        let task = tokio::spawn(std::future::pending::<()>());
        slow.set_abort(task.abort_handle());
        let stopper = {
            let in_flight = in_flight.clone();
            tokio::spawn(async move { in_flight.stop(Duration::from_millis(300)).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            in_flight.admit(&incoming(3)).is_none(),
            "no new interactions"
        );
        drop(quick);
        let leftovers = stopper.await.unwrap();
        assert_eq!(leftovers.len(), 1);
        assert_eq!((leftovers[0].id, leftovers[0].responded), (2, true));
        assert!(task.await.unwrap_err().is_cancelled());
        drop(slow);
        assert!(in_flight.is_empty());
    }
}
