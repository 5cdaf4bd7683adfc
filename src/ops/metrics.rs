//! The bot's metrics, in the Prometheus text format (OpenMetrics), named by the
//! Prometheus conventions: snake_case, the unit as a suffix, counters ending in
//! `_total`, and labels with few values (a command, a check, a verdict, a zone, a
//! step; never a user, a domain or an address).
//!
//! What a check found is read off its report (`observe_report`), so the checks
//! themselves know nothing of metrics.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::checks::blacklist::Status;
use crate::checks::net::probe::{Step, StepKind, StepStatus};
use crate::checks::{Details, Report};

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InteractionLabels {
    command: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabels {
    check: String,
    verdict: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ZoneLabels {
    zone: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StepLabels {
    /// The server test: `smtp`, `imap`, `pop3`.
    protocol: String,
    /// The step as the JSON spells it: `greeting`, `capability_tls`.
    step: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    commit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

fn duration_histogram() -> Histogram {
    // 10 ms to about 82 s: a DNS check takes tens of milliseconds, an SMTP test to a
    // slow server tens of seconds.
    Histogram::new(exponential_buckets(0.01, 2.0, 14))
}

/// Every metric the bot keeps, and the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    interactions: Family<InteractionLabels, Counter>,
    check_duration: Family<CheckLabels, Histogram, fn() -> Histogram>,
    dnsbl_results: Family<ZoneLabels, Counter>,
    server_step_failures: Family<StepLabels, Counter>,
    discord_rate_limited: Counter,
    checks_in_flight: Gauge,
    checks_refused: Family<ReasonLabels, Counter>,
    rate_limited_users: Counter,
    requests_rejected: Family<ReasonLabels, Counter>,
    store_up: Gauge,
    store_fallbacks: Family<OperationLabels, Counter>,
    /// Watching's own (`ops::watching`).
    pub watching: super::watching::WatchMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let interactions = Family::<InteractionLabels, Counter>::default();
        registry.register(
            "echoterra_interactions",
            "Interactions answered, by command and outcome (ok, refused, timed_out, panicked, failed)",
            interactions.clone(),
        );
        let check_duration =
            Family::<CheckLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                duration_histogram,
            );
        registry.register_with_unit(
            "echoterra_check_duration",
            "How long network checks took, by check and verdict",
            Unit::Seconds,
            check_duration.clone(),
        );
        let dnsbl_results = Family::<ZoneLabels, Counter>::default();
        registry.register(
            "echoterra_dnsbl_results",
            "Blocklist answers, by zone and status (listed, clean, error)",
            dnsbl_results.clone(),
        );
        let server_step_failures = Family::<StepLabels, Counter>::default();
        registry.register(
            "echoterra_server_step_failures",
            "Steps of the server tests that failed, by protocol (smtp, imap, pop3) and step",
            server_step_failures.clone(),
        );
        let discord_rate_limited = Counter::default();
        registry.register(
            "echoterra_discord_rate_limited",
            "HTTP 429 answers from Discord (or its proxy) to the bot's responses",
            discord_rate_limited.clone(),
        );
        let checks_in_flight = Gauge::default();
        registry.register(
            "echoterra_checks_in_flight",
            "Network checks running now",
            checks_in_flight.clone(),
        );
        let checks_refused = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "echoterra_checks_refused_busy",
            "Checks refused because the bot was busy, by reason (capacity, blacklist_budget)",
            checks_refused.clone(),
        );
        let rate_limited_users = Counter::default();
        registry.register(
            "echoterra_rate_limited_users",
            "Checks refused because the user had run too many in a short time",
            rate_limited_users.clone(),
        );
        let requests_rejected = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "echoterra_interaction_requests_rejected",
            "Requests to the interactions endpoint refused, by reason (signature, stale, too_large, malformed, replay)",
            requests_rejected.clone(),
        );
        let store_up = Gauge::default();
        // Up until a call says otherwise, as the store's own health starts.
        store_up.set(1);
        registry.register(
            "echoterra_store_up",
            "Whether the last call to the store worked (1) or not (0)",
            store_up.clone(),
        );
        let store_fallbacks = Family::<OperationLabels, Counter>::default();
        registry.register(
            "echoterra_store_fallbacks",
            "Store calls that failed or missed their deadline, answered without the store, by operation (rate_limit, blacklist_budget, suggestion, replay, audit)",
            store_fallbacks.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
                commit: env!("ECHOTERRA_GIT_COMMIT").to_string(),
            })
            .set(1);
        registry.register(
            "echoterra_build_info",
            "The running build: version and git commit (always 1)",
            build_info,
        );
        let watching = super::watching::WatchMetrics::register(&mut registry);
        registry.register_collector(Box::new(super::process::ProcessCollector));
        Metrics {
            registry,
            interactions,
            check_duration,
            dnsbl_results,
            server_step_failures,
            discord_rate_limited,
            checks_in_flight,
            checks_refused,
            rate_limited_users,
            requests_rejected,
            store_up,
            store_fallbacks,
            watching,
        }
    }

    /// A store call worked.
    pub fn store_worked(&self) {
        self.store_up.set(1);
    }

    /// A store call failed: `operation` went on without the store.
    pub fn store_fallback(&self, operation: &'static str) {
        self.store_up.set(0);
        self.store_fallbacks
            .get_or_create(&OperationLabels {
                operation: operation.to_string(),
            })
            .inc();
    }

    /// One interaction answered: `command` is the command's name (`mx`), `button`,
    /// `autocomplete` or `other`; `outcome` a word such as `ok` or `refused`.
    pub fn interaction(&self, command: &str, outcome: &str) {
        self.interactions
            .get_or_create(&InteractionLabels {
                command: command.to_string(),
                outcome: outcome.replace(' ', "_"),
            })
            .inc();
    }

    /// A finished check, read off its report: its duration by check and verdict,
    /// each blocklist answer, each failed step of a server test.
    pub fn observe_report(&self, report: &Report, took: Duration) {
        self.check_duration
            .get_or_create(&CheckLabels {
                check: report.details.check_name().to_string(),
                verdict: format!("{:?}", report.verdict).to_lowercase(),
            })
            .observe(took.as_secs_f64());
        match &report.details {
            Details::Blacklist(details) => {
                for result in &details.results {
                    let status = match result.status {
                        Status::Listed => "listed",
                        Status::Clean => "clean",
                        Status::Error => "error",
                    };
                    self.dnsbl_results
                        .get_or_create(&ZoneLabels {
                            zone: result.zone.clone(),
                            status: status.to_string(),
                        })
                        .inc();
                }
            }
            Details::Smtp(details) => self.failed_steps("smtp", &details.steps),
            Details::Imap(details) => self.failed_steps("imap", &details.steps),
            Details::Pop3(details) => self.failed_steps("pop3", &details.steps),
            _ => {}
        }
    }

    /// Counts each step of a server test (`protocol`) that failed.
    fn failed_steps<N: StepKind>(&self, protocol: &str, steps: &[Step<N>]) {
        for step in steps {
            if step.status() == StepStatus::Failed {
                self.server_step_failures
                    .get_or_create(&StepLabels {
                        protocol: protocol.to_string(),
                        step: step.name.as_str().to_string(),
                    })
                    .inc();
            }
        }
    }

    /// Discord (or a proxy) answered a response with 429.
    pub fn discord_rate_limited(&self) {
        self.discord_rate_limited.inc();
    }

    /// A network check started (`+1`) or ended (`-1`).
    pub fn check_started(&self) {
        self.checks_in_flight.inc();
    }

    pub fn check_ended(&self) {
        self.checks_in_flight.dec();
    }

    /// A check refused because the bot was busy (`capacity`, `blacklist_budget`).
    pub fn refused_busy(&self, reason: &str) {
        self.checks_refused
            .get_or_create(&ReasonLabels {
                reason: reason.to_string(),
            })
            .inc();
    }

    /// A check refused by the per-user rate limit.
    pub fn rate_limited_user(&self) {
        self.rate_limited_users.inc();
    }

    /// A request to the interactions endpoint refused (`signature`, `stale`, …).
    pub fn request_rejected(&self, reason: &str) {
        self.requests_rejected
            .get_or_create(&ReasonLabels {
                reason: reason.to_string(),
            })
            .inc();
    }

    /// Every metric in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prometheus_conventions() {
        let metrics = Metrics::new();
        metrics.interaction("mx", "timed out");
        metrics.rate_limited_user();
        metrics.check_started();
        let text = metrics.render();
        for line in [
            "echoterra_interactions_total{command=\"mx\",outcome=\"timed_out\"} 1",
            "echoterra_rate_limited_users_total 1",
            "echoterra_checks_in_flight 1",
            "echoterra_build_info{version=\"",
            "# TYPE echoterra_check_duration_seconds histogram",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line} missing in:\n{text}");
        }
    }

    #[test]
    fn failed_steps_of_every_server_test_are_counted() {
        use crate::checks::imap::ImapReport;
        use crate::checks::net::mailbox::{Step, StepName};
        use crate::checks::net::probe::{ProbeReport, Security};
        use crate::checks::CheckReport;
        use crate::values::Verdict;

        let step = |name, verdict| Step {
            name,
            verdict,
            millis: 1,
            detail: String::new(),
        };
        let imap = ImapReport {
            probe: ProbeReport {
                host: "mail.example.com".into(),
                port: 143,
                security: Security::Starttls,
                address: None,
                steps: vec![
                    step(StepName::Greeting, Some(Verdict::Ok)),
                    step(StepName::Starttls, Some(Verdict::Critical)),
                    step(StepName::CapabilityTls, None),
                ],
                tls: None,
                provider_host: false,
            },
            capabilities: Vec::new(),
            auth_mechanisms: Vec::new(),
            login: Vec::new(),
            transcript: Vec::new(),
            protocol: Default::default(),
        };
        assert_eq!(imap.conclusion().verdict, Verdict::Critical);
        let metrics = Metrics::new();
        metrics.observe_report(&Report::new("mail.example.com:143", imap), Duration::ZERO);
        let text = metrics.render();
        assert!(
            text.contains(
                "echoterra_server_step_failures_total{protocol=\"imap\",step=\"starttls\"} 1"
            ),
            "{text}"
        );
        assert!(!text.contains("step=\"greeting\""), "{text}");
        assert!(!text.contains("step=\"capability_tls\""), "{text}");
    }

    /// The standard process metrics are in every scrape on Linux, with plausible values.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_metrics_are_rendered() {
        let text = Metrics::new().render();
        let value = |name: &str| -> f64 {
            let line = text
                .lines()
                .find(|line| line.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} is rendered: {text}"));
            line.rsplit(' ').next().unwrap().parse().unwrap()
        };
        assert!(value("process_resident_memory_bytes") > 0.0);
        assert!(value("process_virtual_memory_bytes") > 0.0);
        assert!(value("process_cpu_seconds_total") >= 0.0);
        assert!(value("process_open_fds") >= 1.0);
        assert!(value("process_max_fds") >= value("process_open_fds"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start = value("process_start_time_seconds");
        assert!(
            start <= now + 1.0 && start > now - 86_400.0,
            "{start} vs {now}"
        );
        assert!(
            text.contains("# TYPE process_cpu_seconds counter"),
            "{text}"
        );
    }
}
