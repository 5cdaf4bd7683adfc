//! What staff do to the alert channel, the same from `/watch` and from the terminal
//! (`echoterra-bot watch channel|test`): set it, with a confirmation queued for it, and
//! queue a sample alert. The words of both messages live here once; the callers audit
//! the action and deliver what waits (now, or by the watcher).

use super::alert::notice_embed;
use crate::store::watch_runs::NewAlert;
use crate::store::{Store, StoreError};
use crate::values::Verdict;

/// Makes `channel` the default alert channel (mentioning `role`, when given) and
/// queues a message there saying so, signed with who set it.
pub async fn set_alert_channel(
    store: &Store,
    channel: u64,
    role: Option<u64>,
    who: &str,
    now: i64,
) -> Result<(), StoreError> {
    store.set_default_channel(channel, role, who, now).await?;
    let mention = role
        .map(|role| format!(", mentioning <@&{role}>"))
        .unwrap_or_default();
    let body = notice_embed(
        "Watch alerts will be posted here",
        &format!("Set by {who}. Changes of the provider's watched addresses, domains and servers come to this channel{mention}."),
        Verdict::Ok,
        now,
    );
    queue(store, channel, body, now).await
}

/// Queues a sample alert for the default alert channel; the channel, or `None` when
/// none is set (nothing is queued then).
pub async fn queue_sample_alert(store: &Store, now: i64) -> Result<Option<u64>, StoreError> {
    let Some(channel) = store.default_channel().await? else {
        return Ok(None);
    };
    let body = notice_embed(
        "Sample alert: watching works",
        "This is what an alert looks like. Real alerts name the watch, what changed (before and after) and when, with Acknowledge and Mute 24 h buttons.",
        Verdict::Warning,
        now,
    );
    queue(store, channel.channel_id, body, now).await?;
    Ok(Some(channel.channel_id))
}

/// Puts one message for `channel` in the outbox (no watch behind it).
async fn queue(store: &Store, channel: u64, body: String, now: i64) -> Result<(), StoreError> {
    let alert = NewAlert {
        channel_id: channel,
        watch_id: None,
        body,
    };
    store.record_watch_event(None, now, None, &[alert]).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;

    #[tokio::test]
    async fn the_channel_is_set_with_a_confirmation_and_a_sample_needs_a_channel() {
        each_backend(|store| async move {
            assert_eq!(queue_sample_alert(&store, 1_000).await.unwrap(), None);
            set_alert_channel(&store, 42, Some(7), "jane", 2_000)
                .await
                .unwrap();
            let channel = store.default_channel().await.unwrap().unwrap();
            assert_eq!((channel.channel_id, channel.role_id), (42, Some(7)));
            assert_eq!(channel.set_by, "jane");
            assert_eq!(queue_sample_alert(&store, 3_000).await.unwrap(), Some(42));
            let outbox = store.outbox_counts().await.unwrap();
            assert_eq!(outbox.waiting_alerts, 2, "the confirmation and the sample");
        })
        .await;
    }
}
