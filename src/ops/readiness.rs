//! Whether the bot can do its job right now, for `/readyz`: in gateway mode after
//! READY and while connected; in `serve` mode once listening with the catalogue
//! loaded; in both, not while shutting down. Each "not ready" carries a one-line
//! reason for the operator. A store that does not answer does not make the bot
//! unready (with a shared PostgreSQL down, every replica would go unready at once
//! and the load balancer would have no one left): `/readyz` stays 200 and says the
//! store is degraded.

use std::sync::{Mutex, OnceLock};

use crate::store::Store;

/// Ready, or not with a reason.
pub struct Readiness {
    not_ready: Mutex<Option<String>>,
    store: OnceLock<Store>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("not_ready", &self.check().err())
            .field("store_degraded", &self.store_degraded())
            .finish()
    }
}

impl Readiness {
    /// Not ready yet, for `reason`.
    pub fn starting(reason: impl Into<String>) -> Readiness {
        Readiness {
            not_ready: Mutex::new(Some(reason.into())),
            store: OnceLock::new(),
        }
    }

    /// From now on, `/readyz` also says whether `store` answers.
    pub fn watch_store(&self, store: Store) {
        let _ = self.store.set(store);
    }

    /// Why the store is degraded, while it is.
    pub fn store_degraded(&self) -> Option<String> {
        let health = self.store.get()?.health();
        (!health.is_up()).then(|| health.cause().unwrap_or_else(|| "not answering".into()))
    }

    pub fn set_ready(&self) {
        *self.lock() = None;
    }

    pub fn set_not_ready(&self, reason: impl Into<String>) {
        *self.lock() = Some(reason.into());
    }

    /// `Ok` when ready; the reason otherwise.
    pub fn check(&self) -> Result<(), String> {
        match self.lock().as_ref() {
            None => Ok(()),
            Some(reason) => Err(reason.clone()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.not_ready.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_follows_what_it_is_told() {
        let readiness = Readiness::starting("not connected to the Discord gateway yet");
        assert!(readiness.check().unwrap_err().contains("gateway"));
        readiness.set_ready();
        assert_eq!(readiness.check(), Ok(()));
        readiness.set_not_ready("shutting down");
        assert_eq!(readiness.check(), Err("shutting down".to_string()));
    }
}
