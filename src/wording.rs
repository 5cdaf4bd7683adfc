//! How the bot writes numbers and sentences for people, in one place so every check
//! and every output says them the same way: durations (`800 ms`, `1.5 s`), counts
//! (`1 list`, `18 lists`), sizes (`36.7 MB`), certificate lifetimes (`40 days
//! left`), a clause turned into a sentence, text cut to a length, text from the
//! network made safe to show, and the hidden characters input is refused for.

use std::time::Duration;

/// A duration as people read it: `800 ms`, `15 s`, `1.5 s`.
pub fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// "1 list", "18 lists".
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// Bytes in MB (10^6 bytes, as mail apps count): `36.7 MB`, `150 MB`.
pub fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 100.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// Days left on a certificate as people read it: `40 days left`, `expired 3 days ago`.
pub fn days_left(days: i64) -> String {
    match days {
        1 => "1 day left".to_string(),
        0 => "expires today".to_string(),
        -1 => "expired yesterday".to_string(),
        days if days < 0 => format!("expired {} days ago", -days),
        days => format!("{days} days left"),
    }
}

/// A clause ("that looks like…") as the start of a sentence ("That looks like…").
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` cut to at most `max` characters (not bytes), the cut marked with `…`.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Text from the network (a server's reply, a certificate field, a TXT record) made
/// safe to show anywhere: control characters (C0 but tab, DEL, C1), the invisible
/// direction marks and overrides that can reorder a line, and the zero-width
/// characters that hide inside a record someone pasted are written out as `\u{1b}`,
/// so nothing a server sends can move a terminal's cursor, clear a screen, or make a
/// reply read as something it is not. The one function for all network text.
pub fn printable(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_printable(&mut out, c);
    }
    out
}

/// [`printable`], bounded for reports that keep many texts (TXT records, SPF
/// explanations): text of `max` characters or more (escapes counted as written) is
/// cut to at most `max - 1` and marked with `…`. An escape is never cut in half.
pub fn printable_within(text: &str, max: usize) -> String {
    let room = max.saturating_sub(1);
    let mut out = String::with_capacity(text.len().min(max));
    let mut count = 0;
    for c in text.chars() {
        let width = if needs_escape(c) {
            escape(c).chars().count()
        } else {
            1
        };
        if count + width > room {
            out.push('…');
            return out;
        }
        count += width;
        push_printable(&mut out, c);
    }
    out
}

/// The first character of `text` that would not show as itself: a control character
/// (a tab too) or an invisible one ([`printable`] escapes them). Input that holds one
/// is refused with [`describe_hidden`]'s words rather than shown escaped.
pub fn first_hidden(text: &str) -> Option<char> {
    text.chars().find(|&c| c.is_control() || needs_escape(c))
}

/// A character [`first_hidden`] found, for a sentence: "the control character U+000D".
pub fn describe_hidden(c: char) -> String {
    let kind = if c.is_control() {
        "control"
    } else {
        "invisible"
    };
    format!("the {kind} character U+{:04X}", u32::from(c))
}

fn push_printable(out: &mut String, c: char) {
    if needs_escape(c) {
        out.push_str(&escape(c));
    } else {
        out.push(c);
    }
}

/// `\u{1b}`: how an escaped character is written.
fn escape(c: char) -> String {
    format!("\\u{{{:x}}}", u32::from(c))
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            // Direction marks and overrides (a line that reads backwards), and the
            // zero-width characters a record copied from a web page brings along.
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_found_and_named() {
        assert_eq!(first_hidden("mx.example.com jumpin' %%"), None);
        assert_eq!(first_hidden("bücher"), None);
        assert_eq!(first_hidden("a\tb\rc"), Some('\t'));
        assert_eq!(first_hidden("ja\u{200b}ne"), Some('\u{200b}'));
        assert_eq!(describe_hidden('\r'), "the control character U+000D");
        assert_eq!(
            describe_hidden('\u{202e}'),
            "the invisible character U+202E"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(Duration::from_millis(800)), "800 ms");
        assert_eq!(seconds(Duration::from_secs(15)), "15 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn sizes_and_days_read_naturally() {
        assert_eq!(megabytes(36_700_160), "36.7 MB");
        assert_eq!(megabytes(157_286_400), "157 MB");
        assert_eq!(days_left(40), "40 days left");
        assert_eq!(days_left(-3), "expired 3 days ago");
    }

    #[test]
    fn counts_and_sentences() {
        assert_eq!(plural(1, "list", "lists"), "1 list");
        assert_eq!(plural(18, "list", "lists"), "18 lists");
        assert_eq!(capitalise("that looks like"), "That looks like");
        assert_eq!(capitalise(""), "");
    }

    #[test]
    fn network_text_shows_controls_and_direction_overrides_escaped() {
        assert_eq!(
            printable("220 mail.example ESMTP\tready"),
            "220 mail.example ESMTP\tready"
        );
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\u{7f}\u{85}y"), "x\\u{7f}\\u{85}y");
        assert_eq!(printable("\u{202e}moc.elpmaxe"), "\\u{202e}moc.elpmaxe");
        assert_eq!(printable("line\r\nnext"), "line\\u{d}\\u{a}next");
        assert_eq!(printable("bücher ✅"), "bücher ✅");
        assert_eq!(
            printable("v=spf1\u{200b} -all\u{feff}"),
            "v=spf1\\u{200b} -all\\u{feff}"
        );
    }

    #[test]
    fn bounded_network_text_is_cut_between_escapes() {
        assert_eq!(
            printable_within("ok\u{1b}[31m\n", 512),
            "ok\\u{1b}[31m\\u{a}"
        );
        assert_eq!(printable_within("a\u{202e}b", 512), "a\\u{202e}b");
        let long = printable_within(&"x".repeat(2000), 512);
        assert_eq!(long.chars().count(), 512);
        assert!(long.ends_with('…'));
        assert_eq!(printable_within("plain text", 512), "plain text");
        assert_eq!(printable_within("abcdef", 4), "abc…");
        assert_eq!(printable_within("ab\u{1b}", 6), "ab…");
    }

    #[test]
    fn shorten_counts_characters_not_bytes() {
        assert_eq!(shorten("ééé", 3), "ééé");
        assert_eq!(shorten("éééé", 3), "éé…");
    }
}
