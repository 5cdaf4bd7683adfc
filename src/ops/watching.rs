//! Watching's metrics: watches by kind and state, checks run, messages posted,
//! refused and retried, and how late the scheduler takes a due watch. Labels have
//! few values: a kind, a state, an outcome.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WatchLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

/// The metrics of the watcher (`watch daemon`, and the gateway mode).
#[derive(Debug, Default)]
pub struct WatchMetrics {
    watches: Family<WatchLabels, Gauge>,
    checks: Family<KindLabels, Counter>,
    messages: Family<OutcomeLabels, Counter>,
    lateness: Gauge<f64, AtomicU64>,
}

impl WatchMetrics {
    /// Registers every metric of watching in `registry`.
    pub(super) fn register(registry: &mut Registry) -> WatchMetrics {
        let metrics = WatchMetrics::default();
        registry.register(
            "echoterra_watches",
            "Watches, by kind (blocklists, domain, server) and state (ok, warning, critical, unknown, unchecked, paused)",
            metrics.watches.clone(),
        );
        registry.register(
            "echoterra_watch_checks",
            "Watch checks run by this process, by kind",
            metrics.checks.clone(),
        );
        registry.register(
            "echoterra_watch_messages",
            "Alert messages by outcome: sent, refused (given up: no access, unknown channel), retried (429 or a fault that may pass)",
            metrics.messages.clone(),
        );
        registry.register_with_unit(
            "echoterra_watch_scheduler_lateness",
            "How late the last pass took its most overdue watch",
            Unit::Seconds,
            metrics.lateness.clone(),
        );
        metrics
    }

    /// One watch check of `kind` ran.
    pub fn checked(&self, kind: &str) {
        self.checks
            .get_or_create(&KindLabels {
                kind: kind.to_string(),
            })
            .inc();
    }

    /// Messages posted, given up and left to retry in one pass.
    pub fn messages(&self, sent: u64, refused: u64, retried: u64) {
        for (outcome, count) in [("sent", sent), ("refused", refused), ("retried", retried)] {
            self.messages
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.to_string(),
                })
                .inc_by(count);
        }
    }

    /// How late a pass took its most overdue watch.
    pub fn late_by(&self, millis: i64) {
        self.lateness.set(millis.max(0) as f64 / 1_000.0);
    }

    /// The watches counted by kind and state, replacing the last count.
    pub fn watches(&self, counts: &[(String, String, i64)]) {
        self.watches.clear();
        for (kind, state, count) in counts {
            self.watches
                .get_or_create(&WatchLabels {
                    kind: kind.clone(),
                    state: state.clone(),
                })
                .set(*count);
        }
    }
}
