//! Per-user rate limit of network checks: a sliding window of recent starts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allows each user `limit` checks per `window`.
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    starts: Mutex<HashMap<u64, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            limit: limit.max(1) as usize,
            window,
            starts: Mutex::new(HashMap::new()),
        }
    }

    /// Records a check by `user` now, or says how long until the next one is allowed.
    pub fn try_start(&self, user: u64) -> Result<(), Duration> {
        self.try_start_at(user, Instant::now())
    }

    fn try_start_at(&self, user: u64, now: Instant) -> Result<(), Duration> {
        let mut starts = self.starts.lock().unwrap_or_else(|e| e.into_inner());
        // Forget users with no recent checks so the map cannot grow without bound.
        if starts.len() > 10_000 {
            starts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|&t| now.duration_since(t) < self.window)
            });
        }
        let times = starts.entry(user).or_default();
        while times
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = *times.front().expect("non-empty: len >= limit >= 1");
            return Err(self.window - now.duration_since(oldest));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_says_when_to_retry() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.try_start_at(1, t0).is_ok());
        assert!(limiter
            .try_start_at(1, t0 + Duration::from_secs(10))
            .is_ok());
        let wait = limiter
            .try_start_at(1, t0 + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        // Another user is not affected.
        assert!(limiter
            .try_start_at(2, t0 + Duration::from_secs(20))
            .is_ok());
        // Once the window has passed the first start, one more is allowed.
        assert!(limiter
            .try_start_at(1, t0 + Duration::from_secs(61))
            .is_ok());
    }
}
