//! Whether the bot can do its job right now, for `/readyz`: in gateway mode after
//! READY and while connected; in `serve` mode once listening with the catalogue
//! loaded; in both, not while shutting down. Each "not ready" carries a one-line
//! reason for the operator.

use std::sync::Mutex;

/// Ready, or not with a reason.
#[derive(Debug)]
pub struct Readiness {
    not_ready: Mutex<Option<String>>,
}

impl Readiness {
    /// Not ready yet, for `reason`.
    pub fn starting(reason: impl Into<String>) -> Readiness {
        Readiness {
            not_ready: Mutex::new(Some(reason.into())),
        }
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
