//! `/blacklist` as a Discord embed, and the live progress message shown while the
//! zones answer.
//!
//! The embed leads with the verdict ("Listed on 2 of 18 blocklists"), then the
//! listings (major first) with meaning, the operator's note and reason, the clean
//! lists in one compact field, and the errors last, grouped by cause. Each listing
//! gets a link button (labelled with the list's name) to the list's page for that
//! address (or its delisting page), five to a row in the rows left under the run
//! row; listings past those keep the link in their field. Budgets below keep it
//! inside Discord's limits for any number of zones; `limits::fit` is only the net.

use super::buttons::RunButtons;
use super::limits::{
    ACTION_ROWS, BUTTONS_PER_ROW, BUTTON_LABEL, BUTTON_URL, FIELD_VALUE, TITLE, TOTAL,
};
use super::message::{ActionRow, Button, Embed, Message};
use super::{escape, verdict_colour};
use crate::checks::blacklist::{BlacklistReport, Status, ZoneResult, POLICY_NOTE};
use crate::checks::Report;
use crate::wording::shorten;

/// Listings shown as a field each; more are named in one field.
const MAX_LISTED_FIELDS: usize = 12;
/// Error causes shown as a field each; more are folded into the last one.
const MAX_ERROR_FIELDS: usize = 4;
const MEANING_LEN: usize = 220;
const REASON_LEN: usize = 180;
const NOTE_LEN: usize = 200;
const DESCRIPTION_LEN: usize = 700;
const FOOTER_LEN: usize = 500;
/// Field names and values of the summary fields (clean lists, folded errors).
const SUMMARY_NAME_LEN: usize = 150;
const SUMMARY_VALUE_LEN: usize = 400;
/// Room kept free of the 6000 characters, so rounding never tips it over.
const MARGIN: usize = 50;

/// A field not yet placed.
struct Draft {
    name: String,
    value: String,
}

impl Draft {
    fn new(name: String, value: String, name_len: usize, value_len: usize) -> Draft {
        Draft {
            name: shorten(&name, name_len),
            value: shorten(&value, value_len),
        }
    }

    fn size(&self) -> usize {
        self.name.chars().count() + self.value.chars().count()
    }
}

/// The final message for a `/blacklist` report, under the run row `run` (whose
/// footer note, if any, is counted here). Everything but the listings has a fixed
/// ceiling; the listings get the room that is left, one field each while it lasts,
/// the rest named in one field.
pub fn message(report: &Report, details: &BlacklistReport, run: &RunButtons) -> Message {
    let several = details.addresses.len() > 1;
    let rows_left = ACTION_ROWS - usize::from(run.row().is_some());
    let (link_rows, linked) = link_buttons(details, several, rows_left);
    let title = shorten(
        &format!(
            "{} {}: {}",
            report.verdict.emoji(),
            report.target,
            details.headline()
        ),
        TITLE,
    );
    let description = description(report, details);
    let footer = footer(details);
    let clean = clean_field(details, several);
    let errors = error_fields(details, several);
    // The run row's note is added to the footer afterwards: its room is kept here.
    let note = run.note.as_ref().map_or(0, |note| note.chars().count() + 1);
    let fixed = title.chars().count()
        + description.chars().count()
        + footer.chars().count()
        + note
        + clean.iter().chain(&errors).map(Draft::size).sum::<usize>();
    // What is left for the listings, keeping room for the "more listings" field.
    let more_room = SUMMARY_NAME_LEN + SUMMARY_VALUE_LEN;
    let mut room = TOTAL.saturating_sub(fixed + MARGIN + more_room);

    let listed: Vec<&ZoneResult> = of_status(details, Status::Listed).collect();
    let mut fields = Vec::new();
    for (index, result) in listed.iter().enumerate() {
        let field = listing_field(result, several, index < linked);
        if fields.len() == MAX_LISTED_FIELDS || field.size() > room {
            break;
        }
        room -= field.size();
        fields.push(field);
    }
    if fields.len() < listed.len() {
        // Named here; those without a button linked to their page.
        let rest: Vec<String> = listed
            .iter()
            .enumerate()
            .skip(fields.len())
            .map(|(index, result)| {
                let name = label(result, several);
                if index < linked {
                    name
                } else {
                    format!("[{}]({})", escape(&name), result.page())
                }
            })
            .collect();
        fields.push(Draft::new(
            format!("🚫 {} more listings", rest.len()),
            joined_within(&rest, SUMMARY_VALUE_LEN),
            SUMMARY_NAME_LEN,
            SUMMARY_VALUE_LEN,
        ));
    }
    fields.extend(clean);
    fields.extend(errors);

    let mut embed = Embed::new(title)
        .description(description)
        .color(verdict_colour(report.verdict));
    for field in fields {
        embed = embed.field(field.name, field.value, false);
    }
    Message {
        embeds: vec![embed.footer(footer)],
        components: link_rows,
        ..Message::default()
    }
}

/// Link buttons to the listings' pages, in the listings' order, five to a row in
/// at most `rows` rows; and how many listings got one (the first ones).
fn link_buttons(details: &BlacklistReport, several: bool, rows: usize) -> (Vec<ActionRow>, usize) {
    let buttons: Vec<Button> = of_status(details, Status::Listed)
        .take(rows * BUTTONS_PER_ROW)
        .map_while(|result| {
            // A page Discord would refuse ends the buttons: it and the rest keep
            // their links in the embed.
            let url = result.page();
            let web = url.starts_with("https://") || url.starts_with("http://");
            (web && url.chars().count() <= BUTTON_URL)
                .then(|| Button::link(shorten(&label(result, several), BUTTON_LABEL), url))
        })
        .collect();
    let linked = buttons.len();
    let rows = buttons
        .chunks(BUTTONS_PER_ROW)
        .map(|row| ActionRow::new(row.to_vec()))
        .collect();
    (rows, linked)
}

fn footer(details: &BlacklistReport) -> String {
    let mut footer = String::from(
        "Delisting happens on each list's site; most listings also expire on their own once the cause is fixed.",
    );
    if !details.ipv4_only_lists.is_empty() {
        footer.push_str("\nNot asked about IPv6 (IPv4-only lists): ");
        let room = FOOTER_LEN.saturating_sub(footer.chars().count());
        footer.push_str(&joined_within(&details.ipv4_only_lists, room));
    }
    shorten(&footer, FOOTER_LEN)
}

/// The clean lists by name in one field.
fn clean_field(details: &BlacklistReport, several: bool) -> Option<Draft> {
    let clean: Vec<&ZoneResult> = of_status(details, Status::Clean).collect();
    if clean.is_empty() {
        return None;
    }
    let what = if several {
        count(clean.len(), "check", "checks")
    } else {
        count(clean.len(), "list", "lists")
    };
    Some(Draft::new(
        format!("✅ Clean on {what}"),
        clean_value(details, &clean, several),
        SUMMARY_NAME_LEN,
        SUMMARY_VALUE_LEN,
    ))
}

/// The errors grouped by cause, the most widespread first (usually the one to fix);
/// causes past the last field are named in it.
fn error_fields(details: &BlacklistReport, several: bool) -> Vec<Draft> {
    let groups = details.error_groups();
    let mut fields = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        if index + 1 == MAX_ERROR_FIELDS && groups.len() > MAX_ERROR_FIELDS {
            let rest: Vec<String> = groups[index..]
                .iter()
                .flat_map(|group| group.results.iter().map(|result| label(result, several)))
                .collect();
            fields.push(Draft::new(
                format!("⚠️ {} more could not be checked", rest.len()),
                joined_within(&rest, SUMMARY_VALUE_LEN),
                SUMMARY_NAME_LEN,
                SUMMARY_VALUE_LEN,
            ));
            break;
        }
        let names: Vec<String> = group
            .results
            .iter()
            .map(|result| label(result, several))
            .collect();
        fields.push(Draft::new(
            format!("⚠️ Could not check: {}", names.join(", ")),
            escape(group.cause.unwrap_or("no usable answer")),
            SUMMARY_NAME_LEN,
            SUMMARY_VALUE_LEN,
        ));
    }
    fields
}

fn description(report: &Report, details: &BlacklistReport) -> String {
    let mut lines = vec![format!("**{}**", escape(&report.summary))];
    if details.addresses.len() > 1 {
        let addresses: Vec<String> = details.addresses.iter().map(ToString::to_string).collect();
        lines.push(format!("Addresses: {}", addresses.join(", ")));
    }
    for ptr in &details.ptr {
        lines.push(format!("Reverse DNS: {}", escape(&ptr.describe())));
    }
    for skipped in &details.skipped_addresses {
        lines.push(format!(
            "Not checked: {} ({})",
            skipped.address, skipped.why
        ));
    }
    if details.via_dqs {
        lines.push("Spamhaus asked through its Data Query Service.".to_string());
    }
    if details.via_spamrats_key {
        lines.push("SpamRATS asked with an API key.".to_string());
    }
    shorten(&lines.join("\n"), DESCRIPTION_LEN)
}

fn of_status(details: &BlacklistReport, status: Status) -> impl Iterator<Item = &ZoneResult> {
    details
        .results
        .iter()
        .filter(move |result| result.status == status)
}

/// "Spamhaus ZEN", with the address when several were checked.
fn label(result: &ZoneResult, several: bool) -> String {
    if several {
        format!("{} ({})", result.name, result.address)
    } else {
        result.name.clone()
    }
}

/// A listing's field; `linked`: its page is a button under the message, so the
/// field does not repeat the link.
fn listing_field(result: &ZoneResult, several: bool, linked: bool) -> Draft {
    let icon = if result.policy {
        "ℹ️"
    } else if result.is_serious() {
        "🚫"
    } else {
        "🔸"
    };
    let tier = if result.policy {
        "policy"
    } else if result.is_serious() {
        "major"
    } else {
        "informational"
    };
    let name = format!("{icon} {} · {tier}", label(result, several));
    let mut lines = Vec::new();
    if let Some(meaning) = &result.meaning {
        lines.push(shorten(meaning, MEANING_LEN));
    }
    if result.policy {
        lines.push(format!("_{POLICY_NOTE}_"));
    }
    if let Some(note) = &result.note {
        lines.push(format!("Note: {}", escape(&shorten(note, NOTE_LEN))));
    }
    if let Some(reason) = &result.reason {
        lines.push(format!("Reason: {}", escape(&shorten(reason, REASON_LEN))));
    }
    if !linked {
        lines.push(format!("[Look up / delist]({})", result.page()));
    } else if lines.is_empty() {
        lines.push("Look up / delist: the button below".to_string());
    }
    Draft::new(name, lines.join("\n"), SUMMARY_NAME_LEN, FIELD_VALUE)
}

/// The clean lists by name; per address when several were checked.
fn clean_value(details: &BlacklistReport, clean: &[&ZoneResult], several: bool) -> String {
    if !several {
        let names: Vec<String> = clean.iter().map(|result| result.name.clone()).collect();
        return joined_within(&names, SUMMARY_VALUE_LEN);
    }
    let per_address = SUMMARY_VALUE_LEN / details.addresses.len().max(1);
    let lines: Vec<String> = details
        .addresses
        .iter()
        .filter_map(|address| {
            let names: Vec<String> = clean
                .iter()
                .filter(|result| result.address == *address)
                .map(|result| result.name.clone())
                .collect();
            (!names.is_empty()).then(|| {
                let head = format!("{address}: ");
                let room = per_address.saturating_sub(head.chars().count() + 1);
                format!("{head}{}", joined_within(&names, room))
            })
        })
        .collect();
    shorten(&lines.join("\n"), SUMMARY_VALUE_LEN)
}

/// Names joined with commas, as many as fit in `max` characters, then "and N more".
fn joined_within(names: &[String], max: usize) -> String {
    let mut out = String::new();
    for (index, name) in names.iter().enumerate() {
        let rest = names.len() - index;
        let separator = if out.is_empty() { "" } else { ", " };
        let tail = format!(" and {} more", rest);
        let needed = out.chars().count() + separator.len() + name.chars().count();
        let reserve = if rest > 1 { tail.len() } else { 0 };
        if needed + reserve > max {
            out.push_str(&tail);
            return shorten(&out, max);
        }
        out.push_str(separator);
        out.push_str(name);
    }
    shorten(&out, max)
}

fn count(n: usize, one: &str, many: &str) -> String {
    crate::wording::plural(n, one, many)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Tier;
    use crate::render::discord::limits;

    #[test]
    fn joined_names_stop_before_the_limit_and_say_how_many_more() {
        let names: Vec<String> = (0..100).map(|i| format!("List number {i}")).collect();
        let text = joined_within(&names, 120);
        assert!(text.chars().count() <= 120, "{text}");
        assert!(text.ends_with("more"), "{text}");
        assert_eq!(
            joined_within(&names[..2], 100),
            "List number 0, List number 1"
        );
    }

    fn result(i: usize, address: &str, status: Status) -> ZoneResult {
        ZoneResult {
            address: address.parse().unwrap(),
            zone: format!("zone{i}.example"),
            name: format!("Blocklist {i} {}", "N".repeat(80)),
            tier: if i.is_multiple_of(2) {
                Tier::Major
            } else {
                Tier::Informational
            },
            status,
            codes: vec!["127.0.0.2".parse().unwrap()],
            // Errors get distinct causes, so grouping cannot hide them.
            meaning: Some(format!("meaning {i} {}", "m".repeat(1500))),
            policy: i.is_multiple_of(7),
            reason: Some(format!("reason *{i}* {}", "r".repeat(1500))),
            note: Some(format!("note _{i}_ {}", "n".repeat(1500))),
            delist_url: format!("https://lists.example/{i}/{}", "p".repeat(100)),
            lookup_url: i.is_multiple_of(3).then(|| {
                format!(
                    "https://lists.example/{i}/?ip={address}&{}",
                    "q".repeat(100)
                )
            }),
            elapsed_ms: 5,
            self_test: crate::checks::blacklist::SelfTest::None,
        }
    }

    /// A listing on a list with a page per address.
    fn listing(i: usize, address: &str) -> ZoneResult {
        ZoneResult {
            address: address.parse().unwrap(),
            zone: format!("zone{i}.example"),
            name: format!("List {i}"),
            tier: Tier::Major,
            status: Status::Listed,
            codes: vec!["127.0.0.2".parse().unwrap()],
            meaning: Some("listed".into()),
            policy: false,
            reason: None,
            note: None,
            delist_url: format!("https://list{i}.example/delist"),
            lookup_url: Some(format!("https://list{i}.example/ip/{address}")),
            elapsed_ms: 5,
            self_test: crate::checks::blacklist::SelfTest::None,
        }
    }

    fn listed_report(count: usize) -> Report {
        let mut details = BlacklistReport {
            addresses: vec!["203.0.113.7".parse().unwrap()],
            skipped_addresses: vec![],
            lists: 0,
            listed: 0,
            errors: 0,
            via_dqs: false,
            via_spamrats_key: false,
            ipv4_only_lists: vec![],
            problem: None,
            resolver_hides_lists: false,
            ptr: vec![],
            results: (0..count).map(|i| listing(i, "203.0.113.7")).collect(),
        };
        details.tally();
        Report {
            target: "203.0.113.7".into(),
            verdict: details.verdict(),
            summary: details.summary(),
            details: crate::checks::Details::Blacklist(details),
        }
    }

    #[test]
    fn listings_get_link_buttons_to_the_page_for_the_address() {
        let message = crate::render::discord::report_message(&listed_report(3));
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        // The run row first, then the links.
        assert_eq!(message.components[0].components[0].label, "Run again");
        let links = &message.components[1].components;
        assert_eq!(links.len(), 3);
        for (i, button) in links.iter().enumerate() {
            assert_eq!(button.style, crate::render::discord::ButtonStyle::Link);
            assert_eq!(button.label, format!("List {i}"));
            assert_eq!(
                button.url.as_deref(),
                Some(format!("https://list{i}.example/ip/203.0.113.7").as_str())
            );
            assert_eq!(button.custom_id, None);
        }
        // The fields do not repeat the link the button carries.
        let text = serde_json::to_string(&message.embeds).unwrap();
        assert!(!text.contains("/ip/203.0.113.7"), "{text}");
    }

    #[test]
    fn past_the_rows_left_the_links_stay_in_the_embed() {
        let message = crate::render::discord::report_message(&listed_report(23));
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        assert_eq!(message.components.len(), limits::ACTION_ROWS);
        let links: Vec<&crate::render::discord::Button> = message.components[1..]
            .iter()
            .flat_map(|row| &row.components)
            .collect();
        assert_eq!(links.len(), 4 * limits::BUTTONS_PER_ROW);
        assert!(message.components[1..]
            .iter()
            .all(|row| row.components.len() <= limits::BUTTONS_PER_ROW));
        // Listing 20 has no button: its field links to its page.
        let text = serde_json::to_string(&message.embeds).unwrap();
        assert!(
            text.contains("https://list20.example/ip/203.0.113.7"),
            "{text}"
        );
        assert!(!text.contains("https://list19.example/ip/"), "{text}");
    }

    #[test]
    fn any_number_of_zones_and_addresses_stays_within_limits_before_fitting() {
        let addresses = ["192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2"];
        for zones in [0, 1, 5, 30, 100] {
            for statuses in [
                &[Status::Listed][..],
                &[Status::Clean],
                &[Status::Error],
                &[Status::Listed, Status::Clean, Status::Error],
            ] {
                let mut results = Vec::new();
                for (i, status) in (0..zones).zip(statuses.iter().cycle()) {
                    for address in addresses {
                        results.push(result(i, address, *status));
                    }
                }
                let mut details = BlacklistReport {
                    addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
                    skipped_addresses: vec![],
                    lists: 0,
                    listed: 0,
                    errors: 0,
                    via_dqs: true,
                    via_spamrats_key: true,
                    ipv4_only_lists: (0..zones).map(|i| format!("List {i}")).collect(),
                    problem: None,
                    resolver_hides_lists: false,
                    results,
                    ptr: vec![],
                };
                details.tally();
                let report = Report {
                    target: "mail.example.com".into(),
                    verdict: details.verdict(),
                    summary: details.summary(),
                    details: crate::checks::Details::Blacklist(details.clone()),
                };
                let run = crate::render::discord::buttons::for_report(&report, Default::default());
                let built = message(&report, &details, &run);
                assert_eq!(
                    limits::violations(&built),
                    Vec::<String>::new(),
                    "{zones} zones, {statuses:?}"
                );
                // Nothing had to be cut by the safety net.
                assert_eq!(limits::fit(built.clone()), built, "{zones} {statuses:?}");
                // Nor with the run row and a long note in the footer.
                let full = crate::render::discord::report_message(&report);
                assert_eq!(limits::violations(&full), Vec::<String>::new());
                assert!(full.components.len() <= limits::ACTION_ROWS);
                let long_note = RunButtons {
                    buttons: vec![],
                    note: Some("n".repeat(300)),
                };
                let mut noted = message(&report, &details, &long_note);
                let embed = noted.embeds.pop().unwrap();
                let footer = embed.footer.clone().unwrap().text;
                noted
                    .embeds
                    .push(embed.footer(format!("{footer}\n{}", "n".repeat(300))));
                assert_eq!(limits::violations(&noted), Vec::<String>::new());
                assert_eq!(limits::fit(noted.clone()), noted, "{zones} {statuses:?}");
            }
        }
    }
}
