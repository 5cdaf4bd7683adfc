//! Discord's message limits, enforced here and nowhere else.
//!
//! Discord rejects a whole message with 400 if any one limit is exceeded, and
//! serenity checks only a few of them. [`fit`] shortens a message until it fits;
//! [`violations`] lists what would be rejected (tests use it on every payload).

use super::message::{Button, ButtonStyle, Embed, Field, Message};
use crate::wording::shorten;

pub const CONTENT: usize = 2000;
pub const EMBEDS: usize = 10;
pub const TITLE: usize = 256;
pub const DESCRIPTION: usize = 4096;
pub const FIELDS: usize = 25;
pub const FIELD_NAME: usize = 256;
pub const FIELD_VALUE: usize = 1024;
pub const FOOTER: usize = 2048;
/// Title, description, field names and values and footers, summed over all embeds.
pub const TOTAL: usize = 6000;
pub const ACTION_ROWS: usize = 5;
pub const BUTTONS_PER_ROW: usize = 5;
pub const CUSTOM_ID: usize = 100;
pub const BUTTON_LABEL: usize = 80;
/// The `url` of a link button.
pub const BUTTON_URL: usize = 512;
/// The name and the value of an autocomplete choice.
pub const CHOICE: usize = 100;
/// Autocomplete choices in one answer.
pub const CHOICES: usize = 25;

/// Discord refuses empty field names and values; this invisible character stands in.
const BLANK: &str = "\u{200b}";

/// Characters as Discord counts them.
fn len(text: &str) -> usize {
    text.chars().count()
}

fn embed_total(embed: &Embed) -> usize {
    len(&embed.title)
        + embed.description.as_deref().map_or(0, len)
        + embed
            .fields
            .iter()
            .map(|f| len(&f.name) + len(&f.value))
            .sum::<usize>()
        + embed.footer.as_ref().map_or(0, |f| len(&f.text))
}

/// The characters counted towards the 6000 of a message.
pub fn total(message: &Message) -> usize {
    message.embeds.iter().map(embed_total).sum()
}

/// Shortens `message` until every limit holds. Whatever is cut is said in the message.
pub fn fit(mut message: Message) -> Message {
    if let Some(content) = &message.content {
        message.content = Some(shorten(content, CONTENT));
    }
    message.embeds.truncate(EMBEDS);
    for embed in &mut message.embeds {
        fit_embed(embed);
    }
    fit_total(&mut message);
    message.components.truncate(ACTION_ROWS);
    for row in &mut message.components {
        row.components.truncate(BUTTONS_PER_ROW);
        // A button whose id or address cannot be sent is left out: the message
        // carries the same in words (a footer line, a link in the embed).
        row.components
            .retain(|b| button_problem(b).is_none() || label_only(b));
        for button in &mut row.components {
            button.label = shorten(&button.label, BUTTON_LABEL);
        }
    }
    // A repeated custom id would have the whole message refused: keep the first.
    let mut seen = std::collections::HashSet::new();
    for row in &mut message.components {
        row.components.retain(|button| match &button.custom_id {
            Some(id) => seen.insert(id.clone()),
            None => true,
        });
    }
    message.components.retain(|row| !row.components.is_empty());
    message
}

fn fit_embed(embed: &mut Embed) {
    embed.title = shorten(&embed.title, TITLE);
    if let Some(description) = &embed.description {
        embed.description = Some(shorten(description, DESCRIPTION));
    }
    if embed.fields.len() > FIELDS {
        let hidden = embed.fields.len() - (FIELDS - 1);
        embed.fields.truncate(FIELDS - 1);
        embed.fields.push(Field {
            name: "…".to_string(),
            value: format!("{hidden} more not shown here"),
            inline: false,
        });
    }
    for field in &mut embed.fields {
        field.name = if field.name.trim().is_empty() {
            BLANK.to_string()
        } else {
            shorten(&field.name, FIELD_NAME)
        };
        field.value = if field.value.trim().is_empty() {
            BLANK.to_string()
        } else {
            shorten(&field.value, FIELD_VALUE)
        };
    }
    if let Some(footer) = &mut embed.footer {
        footer.text = shorten(&footer.text, FOOTER);
    }
}

/// Keeps the sum over all embeds within [`TOTAL`]: drops fields from the last embeds
/// first (saying how many), then shortens descriptions, then drops whole embeds.
fn fit_total(message: &mut Message) {
    let mut dropped = 0usize;
    while total(message) > TOTAL {
        if let Some(embed) = message
            .embeds
            .iter_mut()
            .rev()
            .find(|e| e.fields.iter().any(|f| !f.name.starts_with("… ")))
        {
            let index = embed
                .fields
                .iter()
                .rposition(|f| !f.name.starts_with("… "))
                .expect("found above");
            embed.fields.remove(index);
            dropped += 1;
            embed.fields.retain(|f| !f.name.starts_with("… "));
            embed.fields.push(Field {
                name: "… more".to_string(),
                value: format!(
                    "{dropped} more not shown: the message would be too long for Discord"
                ),
                inline: false,
            });
            continue;
        }
        let excess = total(message) - TOTAL;
        if let Some(embed) = message
            .embeds
            .iter_mut()
            .filter(|e| e.description.as_deref().map_or(0, len) > 1)
            .max_by_key(|e| e.description.as_deref().map_or(0, len))
        {
            let description = embed.description.take().unwrap_or_default();
            let keep = len(&description).saturating_sub(excess).max(1);
            embed.description = Some(shorten(&description, keep));
            continue;
        }
        if message.embeds.len() > 1 {
            message.embeds.pop();
            continue;
        }
        // One embed with no fields and no description over 6000: only the title and
        // footer are left, each already within its own limit, so this cannot happen.
        break;
    }
}

/// What is wrong with a button, if anything: a link button needs an `http(s)` url
/// of at most [`BUTTON_URL`] characters and no custom id; any other button a custom
/// id of 1 to [`CUSTOM_ID`] characters and no url; every button a label of 1 to
/// [`BUTTON_LABEL`] characters.
fn button_problem(button: &Button) -> Option<String> {
    let label = len(&button.label);
    if !(1..=BUTTON_LABEL).contains(&label) {
        return Some(format!("button label {:?}", button.label));
    }
    if button.style == ButtonStyle::Link {
        let url = button.url.as_deref().unwrap_or_default();
        if button.custom_id.is_some() {
            return Some(format!("link button {:?} has a custom_id", button.label));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) || len(url) > BUTTON_URL {
            return Some(format!(
                "link button {:?}: url {:?} is not an http(s) address of at most {BUTTON_URL} characters",
                button.label, url
            ));
        }
        return None;
    }
    let id = button.id();
    if button.url.is_some() {
        return Some(format!(
            "button {:?} has a url but is not a link",
            button.label
        ));
    }
    if !(1..=CUSTOM_ID).contains(&len(id)) {
        return Some(format!("custom_id {:?} is {} characters", id, len(id)));
    }
    None
}

/// Whether a button's only problem is its label, which [`fit`] shortens.
fn label_only(button: &Button) -> bool {
    let mut shortened = button.clone();
    shortened.label = shorten(&button.label, BUTTON_LABEL);
    !shortened.label.is_empty() && button_problem(&shortened).is_none()
}

/// Every limit the message breaks, described; empty when Discord would accept it.
pub fn violations(message: &Message) -> Vec<String> {
    let mut found = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            found.push(what);
        }
    };
    if let Some(content) = &message.content {
        check(
            len(content) <= CONTENT,
            format!("content is {} characters", len(content)),
        );
    }
    check(
        message.embeds.len() <= EMBEDS,
        format!("{} embeds", message.embeds.len()),
    );
    check(
        total(message) <= TOTAL,
        format!("embeds total {} characters", total(message)),
    );
    for (i, embed) in message.embeds.iter().enumerate() {
        check(
            (1..=TITLE).contains(&len(&embed.title)),
            format!("embed {i}: title is {} characters", len(&embed.title)),
        );
        if let Some(d) = &embed.description {
            check(
                len(d) <= DESCRIPTION,
                format!("embed {i}: description is {} characters", len(d)),
            );
        }
        check(
            embed.fields.len() <= FIELDS,
            format!("embed {i}: {} fields", embed.fields.len()),
        );
        for field in &embed.fields {
            check(
                (1..=FIELD_NAME).contains(&len(&field.name)) && !field.name.trim().is_empty(),
                format!("embed {i}: field name {:?}", field.name),
            );
            check(
                (1..=FIELD_VALUE).contains(&len(&field.value)) && !field.value.trim().is_empty(),
                format!(
                    "embed {i}: field {:?} value is {} characters",
                    field.name,
                    len(&field.value)
                ),
            );
        }
        if let Some(footer) = &embed.footer {
            check(
                len(&footer.text) <= FOOTER,
                format!("embed {i}: footer is {} characters", len(&footer.text)),
            );
        }
    }
    check(
        message.components.len() <= ACTION_ROWS,
        format!("{} action rows", message.components.len()),
    );
    for row in &message.components {
        check(
            (1..=BUTTONS_PER_ROW).contains(&row.components.len()),
            format!("a row of {} buttons", row.components.len()),
        );
        for button in &row.components {
            if let Some(problem) = button_problem(button) {
                check(false, problem);
            }
        }
    }
    // Discord refuses a message whose custom ids repeat.
    let mut ids: Vec<&str> = message
        .components
        .iter()
        .flat_map(|row| &row.components)
        .filter_map(|button| button.custom_id.as_deref())
        .collect();
    ids.sort_unstable();
    for pair in ids.windows(2) {
        check(pair[0] != pair[1], format!("custom_id {:?} twice", pair[0]));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::discord::message::{ActionRow, Button, ButtonStyle};

    fn huge_message() -> Message {
        let embed = |n: usize| {
            let mut embed = Embed::new("T".repeat(300))
                .description("d".repeat(5000))
                .footer("f".repeat(3000));
            for i in 0..40 {
                embed = embed.field(
                    format!("field {n}.{i} {}", "n".repeat(300)),
                    "v".repeat(2000),
                    true,
                );
            }
            embed.field("", " ", false)
        };
        Message {
            content: Some("c".repeat(3000)),
            embeds: (0..12).map(embed).collect(),
            components: (0..7)
                .map(|_| {
                    ActionRow::new(
                        (0..7)
                            .map(|i| {
                                Button::new("L".repeat(100), format!("id{i}"), ButtonStyle::Primary)
                            })
                            .collect(),
                    )
                })
                .collect(),
            files: vec![],
        }
    }

    #[test]
    fn fit_makes_any_message_acceptable() {
        let message = huge_message();
        assert!(!violations(&message).is_empty());
        let fitted = fit(message);
        assert_eq!(violations(&fitted), Vec::<String>::new());
        assert!(total(&fitted) <= TOTAL);
    }

    #[test]
    fn fit_says_what_it_left_out() {
        let mut embed = Embed::new("many");
        for i in 0..25 {
            embed = embed.field(format!("zone {i}"), "x".repeat(400), false);
        }
        let fitted = fit(Message {
            embeds: vec![embed],
            ..Message::default()
        });
        let last = fitted.embeds[0].fields.last().unwrap();
        assert!(last.value.contains("more not shown"), "{last:?}");
        assert!(violations(&fitted).is_empty());
    }

    #[test]
    fn link_buttons_need_an_http_url_within_512_characters_and_no_custom_id() {
        let row = |button: Button| Message {
            embeds: vec![Embed::new("t")],
            components: vec![ActionRow::new(vec![button])],
            ..Message::default()
        };
        let good = row(Button::link(
            "Spamhaus ZEN",
            "https://check.spamhaus.org/ip/192.0.2.1",
        ));
        assert_eq!(violations(&good), Vec::<String>::new());
        assert_eq!(fit(good.clone()), good);
        let long = format!("https://lists.example/{}", "x".repeat(BUTTON_URL));
        let mut with_id = Button::link("L", "https://a.example/");
        with_id.custom_id = Some("x".into());
        for bad in [
            Button::link("L", long),
            Button::link("L", "javascript:alert(1)"),
            with_id,
        ] {
            let message = row(bad);
            assert_eq!(violations(&message).len(), 1, "{message:?}");
            let fitted = fit(message);
            assert!(fitted.components.is_empty(), "{fitted:?}");
            assert_eq!(violations(&fitted), Vec::<String>::new());
        }
        let long_label = row(Button::link("L".repeat(100), "https://a.example/"));
        assert_eq!(violations(&long_label).len(), 1);
        assert_eq!(violations(&fit(long_label)), Vec::<String>::new());
    }

    #[test]
    fn custom_ids_must_differ_within_a_message() {
        let message = Message {
            embeds: vec![Embed::new("t")],
            components: vec![ActionRow::new(vec![
                Button::new("a", "same", ButtonStyle::Primary),
                Button::new("b", "same", ButtonStyle::Primary),
            ])],
            ..Message::default()
        };
        assert_eq!(violations(&message), vec!["custom_id \"same\" twice"]);
    }

    #[test]
    fn fit_leaves_a_small_message_alone() {
        let message = Message {
            embeds: vec![Embed::new("ok").description("fine").field("a", "b", true)],
            ..Message::default()
        };
        assert_eq!(fit(message.clone()), message);
    }
}
