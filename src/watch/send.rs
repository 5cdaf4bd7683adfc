//! The sender: waiting alerts grouped into messages, and messages posted.
//!
//! A channel's alerts wait out the grouping window (from the oldest), then go as
//! one message (or a few, [`alert::PER_MESSAGE`] alerts each); `watch run` groups at
//! once. Each message is an outbox row with its own nonce, written before it is
//! posted; a post that Discord refuses for good (no access, unknown channel) is
//! given up and noted on the channel, for `/watch list`; a 429 or a fault that may
//! pass is tried again later. Channels whose bucket is empty are held until it
//! refills.

use std::collections::HashMap;
use std::time::Duration;

use crate::rest::{Posted, Rest};
use crate::store::outbox::OutboxMessage;
use crate::store::{Store, StoreError};

use super::alert;

/// How long a sender holds the messages it claimed.
const LEASE_MS: i64 = 60_000;
/// Messages claimed at a time.
const BATCH: i64 = 20;
/// A fault that may pass is tried again after this, doubled each time, at most
/// [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 5_000;
const MAX_BACKOFF_MS: i64 = 10 * 60_000;
/// The longest a sender waits for a channel's bucket before leaving its messages for
/// the next pass.
const MAX_BUCKET_WAIT: Duration = Duration::from_secs(5);

/// What one sending pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    pub messages: u64,
    pub failed: u64,
    pub retried: u64,
    /// Why each failed message failed.
    pub problems: Vec<String>,
}

/// Groups the alerts that have waited `window` (or all, `flush`) into messages.
pub async fn group(
    store: &Store,
    now: i64,
    window: Duration,
    flush: bool,
) -> Result<u64, StoreError> {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let ready_before = if flush {
        i64::MAX
    } else {
        now.saturating_sub(window_ms)
    };
    let roles: HashMap<u64, Option<u64>> = store
        .alert_channels()
        .await?
        .into_iter()
        .map(|channel| (channel.channel_id, channel.role_id))
        .collect();
    let mut written = 0;
    for channel in store.channels_ready(ready_before).await? {
        let role = roles.get(&channel).copied().flatten();
        while store
            .group_alerts(channel, alert::PER_MESSAGE, now, |taken| {
                alert::compose(taken, role)
            })
            .await?
            .is_some()
        {
            written += 1;
        }
    }
    Ok(written)
}

/// Posts every message due in the outbox, as `owner`.
pub async fn send(
    store: &Store,
    rest: &Rest,
    owner: &str,
    now: impl Fn() -> i64,
) -> Result<Sent, StoreError> {
    let mut sent = Sent::default();
    let mut held: HashMap<u64, tokio::time::Instant> = HashMap::new();
    loop {
        let claimed = store.claim_outbox(owner, now(), LEASE_MS, BATCH).await?;
        if claimed.is_empty() {
            return Ok(sent);
        }
        for message in claimed {
            if let Some(until) = held.get(&message.channel_id) {
                let wait = until.saturating_duration_since(tokio::time::Instant::now());
                if wait > MAX_BUCKET_WAIT {
                    store
                        .outbox_retry(
                            &message,
                            now() + millis(wait),
                            "waiting for the channel's rate limit",
                        )
                        .await?;
                    continue;
                }
                tokio::time::sleep(wait).await;
            }
            match rest
                .post_message(message.channel_id, &message.body, &message.nonce)
                .await
            {
                Posted::Sent { message_id, wait } => {
                    store.outbox_sent(&message, message_id, now()).await?;
                    sent.messages += 1;
                    if let Some(wait) = wait {
                        held.insert(message.channel_id, tokio::time::Instant::now() + wait);
                    }
                }
                Posted::RateLimited { retry_after } => {
                    tracing::warn!(
                        channel = message.channel_id,
                        retry_after_ms = millis(retry_after),
                        "Discord rate-limited an alert; it goes again after the wait"
                    );
                    store
                        .outbox_retry(
                            &message,
                            now() + millis(retry_after),
                            "rate limited by Discord",
                        )
                        .await?;
                    held.insert(
                        message.channel_id,
                        tokio::time::Instant::now() + retry_after,
                    );
                    sent.retried += 1;
                }
                Posted::Refused { reason, .. } => {
                    tracing::error!(channel = message.channel_id, %reason, "Discord refused an alert; it is given up, and the channel shows the problem in /watch list");
                    store.outbox_failed(&message, &reason, now()).await?;
                    sent.failed += 1;
                    sent.problems
                        .push(format!("channel {}: {reason}", message.channel_id));
                }
                Posted::Failed(reason) => {
                    tracing::warn!(channel = message.channel_id, %reason, "an alert could not be posted; it goes again later");
                    store
                        .outbox_retry(&message, now() + backoff(&message), &reason)
                        .await?;
                    sent.retried += 1;
                }
            }
        }
    }
}

fn backoff(message: &OutboxMessage) -> i64 {
    let doublings = u32::try_from(message.attempts.clamp(0, 16)).unwrap_or(16);
    FIRST_BACKOFF_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_MS)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_bound() {
        let message = |attempts| OutboxMessage {
            id: 1,
            channel_id: 2,
            nonce: "1".into(),
            body: "{}".into(),
            attempts,
        };
        assert_eq!(backoff(&message(0)), 5_000);
        assert_eq!(backoff(&message(1)), 10_000);
        assert_eq!(backoff(&message(30)), MAX_BACKOFF_MS);
    }
}
