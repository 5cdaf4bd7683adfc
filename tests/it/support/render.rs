//! Rendering a report every way a user sees it, as the check suites do after each
//! run: the Discord message must fit Discord's limits; the text and the JSON come
//! back for the test to read.

use echoterra_bot::checks::Report;
use echoterra_bot::render::{self, discord::limits, Format};

/// Renders the report every way; the Discord message must fit Discord's limits.
/// Returns the terminal text and the parsed JSON.
pub fn render_all(report: &Report) -> (String, serde_json::Value) {
    let message = render::discord::report_message(report);
    assert_eq!(limits::violations(&message), Vec::<String>::new());
    let json = serde_json::from_str(&render::render(report, Format::Json)).unwrap();
    (render::render(report, Format::Text), json)
}
