//! Whether the store works: set by every call, read by `/readyz` and `/metrics`, and
//! logged once when it goes away and once when it is back (not once per call).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::StoreError;

/// The store's health as the last call saw it.
#[derive(Debug)]
pub struct Health {
    up: AtomicBool,
    cause: Mutex<Option<String>>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            up: AtomicBool::new(true),
            cause: Mutex::new(None),
        }
    }
}

impl Health {
    /// Whether the last call worked.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Why the last call failed, while the store is down.
    pub fn cause(&self) -> Option<String> {
        self.cause.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(super) fn worked(&self) {
        if !self.up.swap(true, Ordering::Relaxed) {
            *self.cause.lock().unwrap_or_else(|e| e.into_inner()) = None;
            tracing::info!("the store answers again: limits and suggestions are shared again");
        }
    }

    pub(super) fn failed(&self, what: &str, err: &StoreError) {
        *self.cause.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{what}: {err}"));
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                call = what,
                error = %err,
                "the store is unavailable: going on without it (limits per process) until it answers"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn down_with_a_cause_then_up_without_one() {
        let health = Health::default();
        assert!(health.is_up());
        health.failed(
            "rate limit",
            &StoreError::Deadline(Duration::from_millis(200)),
        );
        assert!(!health.is_up());
        assert_eq!(
            health.cause().as_deref(),
            Some("rate limit: the store did not answer within 200 ms")
        );
        health.worked();
        assert!(health.is_up());
        assert_eq!(health.cause(), None);
    }
}
