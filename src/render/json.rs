//! Reports as JSON for scripts: the serde form of [`Report`](crate::report::Report).

use crate::report::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::checks::settings::{self, Protocol, Selection, SettingsRequest};

    #[test]
    fn carries_check_target_verdict_and_summary_at_the_top() {
        let catalog = Catalog::embedded().unwrap();
        let request = SettingsRequest {
            selection: Selection::One(Protocol::Smtp),
            email: None,
        };
        let text = super::render(&settings::run(&catalog.settings, &request));
        assert!(
            text.starts_with("{\n  \"check\": \"settings\",\n  \"target\""),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["check"], "settings");
        assert_eq!(json["target"], "smtp");
        assert_eq!(json["verdict"], "ok");
        assert!(json["summary"].as_str().unwrap().contains("587"));
        assert_eq!(json["protocols"][0]["protocol"], "smtp");
    }
}
