//! `/blacklist` as text: listings first with meaning, the operator's note, reason
//! and the list's page for the address (or its delisting page), clean lists in one
//! line, errors last with what they mean.

use std::fmt::Write;

use crate::catalog::Tier;
use crate::checks::blacklist::{BlacklistReport, Status, ZoneResult, POLICY_NOTE};

/// The details under the headline; a `problem` is already the headline's summary.
pub fn render(report: &BlacklistReport, out: &mut String) {
    let several = report.addresses.len() > 1;
    if !report.addresses.is_empty() {
        let addresses: Vec<String> = report.addresses.iter().map(ToString::to_string).collect();
        let noun = if several { "Addresses" } else { "Address" };
        let _ = writeln!(out, "\n{noun} checked: {}", addresses.join(", "));
        for ptr in &report.ptr {
            let _ = writeln!(out, "Reverse DNS: {}", ptr.describe());
        }
    }
    for skipped in &report.skipped_addresses {
        let _ = writeln!(out, "Not checked: {} ({})", skipped.address, skipped.why);
    }
    if report.lists > 0 {
        let _ = writeln!(out, "{}", report.headline());
    }
    if report.via_dqs {
        let _ = writeln!(
            out,
            "Spamhaus asked through its Data Query Service (DQS key set)."
        );
    }
    if report.via_spamrats_key {
        let _ = writeln!(out, "SpamRATS asked with an API key (SPAMRATS_KEY set).");
    }

    let listed: Vec<&ZoneResult> = by_status(report, Status::Listed).collect();
    if !listed.is_empty() {
        let _ = writeln!(out, "\nListed:");
        for result in listed {
            let label = if result.policy {
                "POLICY"
            } else {
                match result.tier {
                    Tier::Major => "MAJOR",
                    Tier::Informational => "INFO",
                }
            };
            let _ = writeln!(out, "  [{label}] {}", heading(result, several));
            if let Some(meaning) = &result.meaning {
                let _ = writeln!(out, "      {meaning}");
            }
            if result.policy {
                let _ = writeln!(out, "      ({POLICY_NOTE})");
            }
            if let Some(note) = &result.note {
                let _ = writeln!(out, "      Note: {note}");
            }
            if let Some(reason) = &result.reason {
                let _ = writeln!(out, "      Reason: {reason}");
            }
            match &result.lookup_url {
                Some(page) => {
                    let _ = writeln!(out, "      Look up: {page}");
                }
                None => {
                    let _ = writeln!(out, "      Delist: {}", result.delist_url);
                }
            }
        }
    }

    let clean: Vec<&ZoneResult> = by_status(report, Status::Clean).collect();
    if !clean.is_empty() {
        for address in &report.addresses {
            let names: Vec<&str> = clean
                .iter()
                .filter(|result| !several || result.address == *address)
                .map(|result| result.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let whose = if several {
                format!(" for {address}")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "\nClean{whose} ({}): {}",
                names.len(),
                names.join(", ")
            );
            if !several {
                break;
            }
        }
        for result in clean.iter().filter(|result| result.meaning.is_some()) {
            let _ = writeln!(
                out,
                "  Note on {}: {}",
                heading(result, several),
                result.meaning.as_deref().unwrap_or_default()
            );
        }
    }

    // Errors with the same cause (often all of them: a resolver problem) are told once.
    let groups = report.error_groups();
    if !groups.is_empty() {
        let _ = writeln!(out, "\nCould not be checked:");
        for group in groups {
            let names: Vec<String> = group.results.iter().map(|r| heading(r, several)).collect();
            let _ = writeln!(out, "  {}", names.join(", "));
            if let Some(cause) = group.cause {
                let _ = writeln!(out, "      {cause}");
            }
            for result in group.results {
                if let Some(reason) = &result.reason {
                    let _ = writeln!(out, "      {} said: {reason}", result.name);
                }
            }
        }
    }
    if !report.ipv4_only_lists.is_empty() {
        let _ = writeln!(
            out,
            "\nNot asked about IPv6 (these lists answer IPv4 only): {}",
            report.ipv4_only_lists.join(", ")
        );
    }
}

fn by_status(report: &BlacklistReport, status: Status) -> impl Iterator<Item = &ZoneResult> {
    report
        .results
        .iter()
        .filter(move |result| result.status == status)
}

/// "Spamhaus ZEN (zen.spamhaus.org)", with the address when several were checked.
fn heading(result: &ZoneResult, several: bool) -> String {
    let mut text = format!("{} ({})", result.name, result.zone);
    if several {
        text.push_str(&format!(" for {}", result.address));
    }
    text
}
