//! Golden files: a JSON value compared with `tests/it/golden/<name>.json`, after
//! what varies from run to run is taken out of it ([`Normaliser`]).
//!
//! `GOLDEN_RECORD=1 cargo test --test it golden` writes the files instead of
//! comparing; a mismatch fails with a line diff of the two, expected first.

use std::path::PathBuf;

use serde_json::{Map, Value};

/// Keys whose values are durations measured at run time: left out of golden files.
const TIMING_KEYS: &[&str] = &["millis", "elapsed_ms"];

/// What a run's JSON has that another run's would not, and its placeholders.
#[derive(Default)]
pub struct Normaliser {
    /// Port numbers of servers started for this run, each with its placeholder.
    ports: Vec<(u16, String)>,
}

impl Normaliser {
    /// Writes `<label>` wherever `port` appears as a number of its own.
    pub fn port(mut self, port: u16, label: &str) -> Self {
        self.ports.push((port, format!("<{label}>")));
        self
    }

    /// `value` without timing fields, with ports, certificate dates and the test
    /// CA's per-run number replaced by placeholders.
    pub fn apply(&self, value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, item) in map {
                    if TIMING_KEYS.contains(&key.as_str()) {
                        continue;
                    }
                    let item = match key.as_str() {
                        "not_before" | "not_after" if item.is_string() => "<date>".into(),
                        _ => self.apply(item),
                    };
                    out.insert(key.clone(), item);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply(v)).collect()),
            Value::String(text) => Value::String(self.text(text)),
            Value::Number(number) => match self
                .ports
                .iter()
                .find(|(port, _)| number.as_u64() == Some(u64::from(*port)))
            {
                Some((_, label)) => Value::String(label.clone()),
                None => value.clone(),
            },
            _ => value.clone(),
        }
    }

    /// A string with ports, dates and the test CA's number replaced.
    pub fn text(&self, text: &str) -> String {
        let mut text = replace_numbers(text, |digits| {
            self.ports
                .iter()
                .find(|(port, _)| digits == port.to_string())
                .map(|(_, label)| label.clone())
        });
        text = replace_dates(&text);
        replace_after(&text, "Echoterra Test CA ", "<n>")
    }
}

/// Replaces every run of ASCII digits (a whole number, not part of a longer one)
/// for which `with` gives a replacement.
fn replace_numbers(text: &str, with: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let digits_len = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - start);
        let digits = &rest[start..start + digits_len];
        // Part of a dotted number (an address, a version) is not a port.
        let dotted = out.ends_with('.') || rest[start + digits_len..].starts_with('.');
        match with(digits) {
            Some(label) if !dotted => out.push_str(&label),
            _ => out.push_str(digits),
        }
        rest = &rest[start + digits_len..];
    }
    out.push_str(rest);
    out
}

/// Replaces dates (`2026-11-29`, with a time after it if there is one) by `<date>`:
/// only certificates carry dates, and theirs follow the clock.
fn replace_dates(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_date = |at: usize| {
        let pattern = b"dddd-dd-dd";
        at + pattern.len() <= bytes.len()
            && pattern.iter().zip(&bytes[at..]).all(|(p, b)| match p {
                b'd' => b.is_ascii_digit(),
                _ => p == b,
            })
            && (at == 0 || !bytes[at - 1].is_ascii_digit())
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        if is_date(at) {
            out.push_str("<date>");
            at += 10;
            // A time that follows: ` 12:34:56`, `T12:34:56Z`, ` UTC`, `+00:00`.
            let time_len = text[at..]
                .find(|c: char| !(c.is_ascii_digit() || " :T.Z+-".contains(c)))
                .unwrap_or(text.len() - at);
            let time = &text[at..at + time_len];
            if time.contains(':') {
                let keep = time.len() - time.trim_end_matches([' ', '-', '+']).len();
                at += time_len - keep;
                if text[at..].starts_with(" UTC") {
                    at += 4;
                }
            }
            continue;
        }
        let c = text[at..].chars().next().unwrap();
        out.push(c);
        at += c.len_utf8();
    }
    out
}

/// Replaces the digits right after each `marker` with `placeholder`.
fn replace_after(text: &str, marker: &str, placeholder: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find(marker) {
        let end = found + marker.len();
        out.push_str(&rest[..end]);
        rest = &rest[end..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str(placeholder);
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(format!("{name}.json"))
}

/// Compares `actual` (already normalised) with the golden file `name`, or records
/// it when `GOLDEN_RECORD=1`.
pub fn assert_golden(name: &str, actual: &Value) {
    let path = path(name);
    let actual_text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var("GOLDEN_RECORD").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual_text).unwrap();
        return;
    }
    let expected_text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{}: {err}; record it with GOLDEN_RECORD=1 cargo test --test it golden",
            path.display()
        )
    });
    if expected_text != actual_text {
        panic!(
            "{name}: the JSON differs from {} (- golden, + this run; re-record with \
             GOLDEN_RECORD=1 cargo test --test it golden if the change is meant):\n{}",
            path.display(),
            line_diff(&expected_text, &actual_text)
        );
    }
}

/// A unified-style diff of two texts by lines (longest common subsequence), with
/// two lines of context around each change.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: the longest common subsequence of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            lines.push((' ', old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(('-', old[i]));
            i += 1;
        } else {
            lines.push(('+', new[j]));
            j += 1;
        }
    }
    let near_change = |at: usize| {
        let from = at.saturating_sub(2);
        let to = (at + 3).min(lines.len());
        lines[from..to].iter().any(|(sign, _)| *sign != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (at, (sign, line)) in lines.iter().enumerate() {
        if near_change(at) {
            if skipped {
                out.push_str("  ...\n");
                skipped = false;
            }
            out.push_str(&format!("{sign} {line}\n"));
        } else {
            skipped = true;
        }
    }
    if skipped {
        out.push_str("  ...\n");
    }
    out
}

#[test]
fn the_normaliser_replaces_ports_dates_and_the_ca_number_only() {
    let normaliser = Normaliser::default().port(40123, "smtp-port");
    let value = serde_json::json!({
        "target": "127.0.0.1:40123",
        "port": 40123,
        "size_limit": 36700160,
        "millis": 12,
        "steps": [{"elapsed_ms": 3, "detail": "connected to 127.0.0.1:40123 (TLS 1.3)"}],
        "certificate": {"not_after": "2027-01-01 10:00:00 UTC", "issuer": "CN=Echoterra Test CA 17, O=Echoterra Tests"},
        "detail": "valid until 2027-01-01 10:00:00 UTC (364 days)",
    });
    assert_eq!(
        normaliser.apply(&value),
        serde_json::json!({
            "target": "127.0.0.1:<smtp-port>",
            "port": "<smtp-port>",
            "size_limit": 36700160,
            "steps": [{"detail": "connected to 127.0.0.1:<smtp-port> (TLS 1.3)"}],
            "certificate": {"not_after": "<date>", "issuer": "CN=Echoterra Test CA <n>, O=Echoterra Tests"},
            "detail": "valid until <date> (364 days)",
        })
    );
}

#[test]
fn the_diff_shows_what_changed_with_context() {
    let diff = line_diff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng\n");
    assert_eq!(diff, "  ...\n  b\n  c\n- d\n+ D\n  e\n  f\n  ...\n");
}
