//! The standard process metrics (`process_resident_memory_bytes`,
//! `process_virtual_memory_bytes`, `process_cpu_seconds_total`, `process_open_fds`,
//! `process_max_fds`, `process_start_time_seconds`), read from `/proc/self` at each
//! scrape, as the Prometheus client libraries of other languages export them.
//!
//! Hand-written: prometheus-client 0.23 has no process collector, and no maintained
//! crate in our dependency tree provides one (the crates that do would bring a
//! second metrics library, `prometheus`, or a new tree, `procfs`, for six numbers).
//! No `unsafe`: the clock tick comes from `/proc/self/auxv`, not `sysconf`. On
//! systems other than Linux there is no `/proc`, and these metrics are simply absent.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;

/// The process metrics, collected at scrape time (register with
/// `Registry::register_collector`).
#[derive(Debug, Default)]
pub struct ProcessCollector;

impl Collector for ProcessCollector {
    #[cfg(target_os = "linux")]
    fn encode(&self, encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        linux::encode(encoder)
    }

    #[cfg(not(target_os = "linux"))]
    fn encode(&self, _encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        Ok(())
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
    use prometheus_client::metrics::counter::ConstCounter;
    use prometheus_client::metrics::gauge::ConstGauge;
    use prometheus_client::registry::Unit;

    /// What `/proc/self` says now; a figure that cannot be read is left out
    /// rather than reported as 0.
    #[derive(Debug, Default)]
    pub(super) struct Sample {
        pub resident_bytes: Option<f64>,
        pub virtual_bytes: Option<f64>,
        pub cpu_seconds: Option<f64>,
        pub start_time_seconds: Option<f64>,
        pub open_fds: Option<f64>,
        pub max_fds: Option<f64>,
    }

    pub(super) fn sample() -> Sample {
        let mut sample = Sample::default();
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            sample.resident_bytes = status_kilobytes(&status, "VmRSS:");
            sample.virtual_bytes = status_kilobytes(&status, "VmSize:");
        }
        let ticks_per_second = clock_ticks_per_second();
        if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
            // The command name (field 2) is in parentheses and may hold spaces:
            // the fields are counted after its closing parenthesis, which is field 3.
            if let Some((_, rest)) = stat.rsplit_once(')') {
                let fields: Vec<&str> = rest.split_whitespace().collect();
                let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
                if let (Some(utime), Some(stime)) = (field(14), field(15)) {
                    sample.cpu_seconds = Some((utime + stime) / ticks_per_second);
                }
                if let (Some(start), Some(boot)) = (field(22), boot_time()) {
                    sample.start_time_seconds = Some(boot + start / ticks_per_second);
                }
            }
        }
        sample.open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|entries| entries.count() as f64);
        sample.max_fds = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|limits| {
                limits
                    .lines()
                    .find(|line| line.starts_with("Max open files"))
                    .and_then(|line| line.split_whitespace().nth(3))
                    .and_then(|soft| soft.parse::<f64>().ok())
            });
        sample
    }

    /// A `VmRSS:      1234 kB` line of `/proc/self/status`, in bytes.
    fn status_kilobytes(status: &str, key: &str) -> Option<f64> {
        let line = status.lines().find_map(|line| line.strip_prefix(key))?;
        let kilobytes: f64 = line.split_whitespace().next()?.parse().ok()?;
        Some(kilobytes * 1024.0)
    }

    /// The kernel's clock ticks per second (`USER_HZ`), the unit of `/proc/self/stat`'s
    /// times: `AT_CLKTCK` of the auxiliary vector (what `sysconf(_SC_CLK_TCK)` reads,
    /// without `unsafe`), else 100, its value on every common architecture.
    pub(super) fn clock_ticks_per_second() -> f64 {
        const AT_CLKTCK: usize = 17;
        const WORD: usize = std::mem::size_of::<usize>();
        let auxv = std::fs::read("/proc/self/auxv").unwrap_or_default();
        auxv.chunks_exact(2 * WORD)
            .find_map(|pair| {
                let (key, value) = pair.split_at(WORD);
                let key = usize::from_ne_bytes(key.try_into().ok()?);
                let value = usize::from_ne_bytes(value.try_into().ok()?);
                (key == AT_CLKTCK && value > 0).then_some(value as f64)
            })
            .unwrap_or(100.0)
    }

    /// The time the system booted, in seconds since the epoch (`btime` of `/proc/stat`).
    fn boot_time() -> Option<f64> {
        std::fs::read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|line| line.strip_prefix("btime "))
            .and_then(|seconds| seconds.trim().parse().ok())
    }

    pub(super) fn encode(mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let sample = sample();
        let gauges = [
            (
                "process_resident_memory",
                "Resident memory size",
                Some(Unit::Bytes),
                sample.resident_bytes,
            ),
            (
                "process_virtual_memory",
                "Virtual memory size",
                Some(Unit::Bytes),
                sample.virtual_bytes,
            ),
            (
                "process_start_time",
                "Start time of the process since the Unix epoch",
                Some(Unit::Seconds),
                sample.start_time_seconds,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors",
                None,
                sample.open_fds,
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors (the soft limit)",
                None,
                sample.max_fds,
            ),
        ];
        for (name, help, unit, value) in gauges {
            let Some(value) = value else { continue };
            let gauge = ConstGauge::new(value);
            let metric =
                encoder.encode_descriptor(name, help, unit.as_ref(), gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        if let Some(seconds) = sample.cpu_seconds {
            let counter = ConstCounter::new(seconds);
            let unit = Unit::Seconds;
            let metric = encoder.encode_descriptor(
                "process_cpu",
                "Total user and system CPU time spent",
                Some(&unit),
                counter.metric_type(),
            )?;
            counter.encode(metric)?;
        }
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_clock_ticks_come_from_the_auxiliary_vector() {
        assert_eq!(super::linux::clock_ticks_per_second(), 100.0);
    }

    #[test]
    fn every_figure_is_read_on_linux() {
        let sample = super::linux::sample();
        assert!(sample.resident_bytes.unwrap() > 0.0, "{sample:?}");
        assert!(sample.virtual_bytes.unwrap() >= sample.resident_bytes.unwrap());
        assert!(sample.cpu_seconds.unwrap() >= 0.0);
        assert!(sample.open_fds.unwrap() >= 1.0);
        assert!(sample.max_fds.unwrap() >= sample.open_fds.unwrap());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start = sample.start_time_seconds.unwrap();
        assert!(
            start <= now + 1.0 && start > now - 86_400.0,
            "{start} vs {now}"
        );
    }
}
