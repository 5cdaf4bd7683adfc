//! `echoterra-bot audit`: the staff audit log, newest first: when, who, where, which
//! command against what, and the verdict. For staff with access to the store.

use std::process::ExitCode;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{db, exit};
use crate::config::Config;
use crate::store::audit::AuditEntry;
use crate::values::Span;

/// `--format` of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// One line per entry, for people.
    Text,
    /// A JSON array, for scripts.
    Json,
}

/// `--since`: a span back from now (`30m`, `24h`, `7d`: [`Span`]'s forms), a date
/// (`2026-12-01`, UTC midnight) or an RFC 3339 time; in milliseconds since the epoch.
pub fn parse_since(text: &str, now_ms: i64) -> Result<i64, String> {
    let text = text.trim();
    let accepted = "give a span such as 30m, 24h or 7d, a date such as 2026-12-01, or an RFC 3339 time such as 2026-12-01T09:30:00Z";
    let refused = || format!("{text:?} is not a time: {accepted}");
    if let Ok(span) = Span::parse(text) {
        return i64::try_from(span.millis())
            .ok()
            .and_then(|span_ms| now_ms.checked_sub(span_ms))
            .ok_or_else(refused);
    }
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_string()
    };
    OffsetDateTime::parse(&full, &Rfc3339)
        .map(|at| i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
        .map_err(|_| refused())
}

pub async fn run(config: Config, since: String, format: AuditFormat) -> ExitCode {
    let since_ms = match parse_since(&since, crate::store::now_ms()) {
        Ok(ms) => ms,
        Err(problem) => {
            eprintln!("error: --since {problem}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let store = match db::open(&config, true).await {
        Ok(store) => store,
        Err(code) => return code,
    };
    let entries = store.audit_since(since_ms).await;
    store.close().await;
    match entries {
        Ok(entries) => {
            match format {
                AuditFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into())
                ),
                AuditFormat::Text => print!("{}", text(&entries)),
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "error: could not read the audit log of {}: {err}",
                config.database
            );
            ExitCode::from(exit::TEMPORARY)
        }
    }
}

/// One line per entry: time (UTC), verdict, command and target, who, where.
fn text(entries: &[AuditEntry]) -> String {
    if entries.is_empty() {
        return "no staff checks in this period\n".to_string();
    }
    entries
        .iter()
        .map(|entry| {
            let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(entry.at_ms) * 1_000_000)
                .ok()
                .and_then(|at| at.format(&Rfc3339).ok())
                .unwrap_or_else(|| entry.at_ms.to_string());
            let place = entry
                .guild_id
                .map_or("a DM".to_string(), |guild| format!("server {guild}"));
            format!(
                "{at}  {:<8} /{} {}  by {} ({}) in {place}\n",
                entry.verdict, entry.command, entry.target, entry.user_name, entry.user_id
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000_000;

    #[test]
    fn since_takes_spans_dates_and_times() {
        assert_eq!(parse_since("7d", NOW), Ok(NOW - 7 * 86_400_000));
        assert_eq!(parse_since("24h", NOW), Ok(NOW - 86_400_000));
        assert_eq!(parse_since("30m", NOW), Ok(NOW - 1_800_000));
        assert_eq!(parse_since("90s", NOW), Ok(NOW - 90_000));
        assert_eq!(parse_since("2026-12-01", NOW), Ok(1_796_083_200_000));
        assert_eq!(
            parse_since("2026-12-01T09:30:00Z", NOW),
            Ok(1_796_117_400_000)
        );
        for bad in [
            "yesterday",
            "7w",
            "-3d",
            "2026-13-01",
            "",
            "99999999999999d",
        ] {
            let problem = parse_since(bad, NOW).unwrap_err();
            assert!(problem.contains("30m, 24h or 7d"), "{bad}: {problem}");
        }
    }

    #[test]
    fn text_says_who_ran_what_where() {
        let entry = AuditEntry {
            interaction_id: 1,
            at_ms: 1_796_117_400_000,
            user_id: 42,
            user_name: "alice".into(),
            guild_id: Some(7),
            command: "blacklist".into(),
            target: "192.0.2.7".into(),
            verdict: "critical".into(),
        };
        assert_eq!(
            text(&[entry]),
            "2026-12-01T09:30:00Z  critical /blacklist 192.0.2.7  by alice (42) in server 7\n"
        );
        assert_eq!(text(&[]), "no staff checks in this period\n");
    }
}
