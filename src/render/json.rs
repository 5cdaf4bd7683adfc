//! Reports as JSON for scripts: the serde form of [`Report`](crate::checks::Report).

use crate::checks::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}

#[cfg(test)]
mod tests {
    use crate::checks::settings::{self, Selection, SettingsRequest};
    use crate::checks::{Progress, Report, Services};
    use crate::config::Config;
    use crate::values::Protocol;

    #[test]
    fn carries_check_target_verdict_and_summary_at_the_top() {
        let services = Services::new(Config::default()).unwrap();
        let request = SettingsRequest {
            selection: Selection::One(Protocol::Smtp),
            email: None,
            profile: None,
        };
        let report = settings::run(&services, &request, &Progress::none());
        let text = super::render(&Report::new("smtp", report));
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
