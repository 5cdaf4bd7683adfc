//! The fake Discord's validators (`testkit::discord_api`, over Discord's own OpenAPI
//! description): they take the bodies Discord takes and refuse the ones it refuses, so
//! a test that passes against the fake says something about Discord.

use serde_json::json;

use crate::support::discord_api::{problems, Operation};

#[test]
fn the_validators_take_what_discord_takes_and_refuse_what_it_refuses() {
    let reply = json!({
        "type": 4,
        "data": {
            "embeds": [{"title": "MX of example.com", "color": 3066993}],
            "components": [{"type": 1, "components": [
                {"type": 2, "style": 1, "label": "Run again", "custom_id": "v2:again:mx:example.com"},
                {"type": 2, "style": 5, "label": "Delist", "url": "https://bl.example/lookup/192.0.2.1"}
            ]}],
            "attachments": [{"id": 0, "filename": "smtp-transcript.txt"}],
            "allowed_mentions": {"parse": []},
            "flags": 64
        }
    });
    assert_eq!(
        problems(Operation::InteractionCallback, &reply),
        Vec::<String>::new()
    );
    let commands = json!([{"name": "blacklist", "description": "DNSBL check", "type": 1,
        "default_member_permissions": "32", "contexts": [0],
        "options": [{"type": 3, "name": "target", "description": "an IP or host", "required": true}]}]);
    assert_eq!(
        problems(Operation::BulkOverwriteGuildCommands, &commands),
        Vec::<String>::new()
    );

    // What Discord refuses: a title past 256, a callback type that does not exist, a
    // button label past 80, a command name with capitals past 32, a string where an
    // embed's colour (an integer) goes.
    let mut long_title = reply.clone();
    long_title["data"]["embeds"][0]["title"] = json!("t".repeat(257));
    let mut no_such_type = reply.clone();
    no_such_type["type"] = json!(42);
    let mut long_label = reply.clone();
    long_label["data"]["components"][0]["components"][0]["label"] = json!("l".repeat(81));
    let mut colour_words = reply.clone();
    colour_words["data"]["embeds"][0]["color"] = json!("green");
    for (what, body) in [
        ("title", long_title),
        ("type", no_such_type),
        ("label", long_label),
        ("colour", colour_words),
    ] {
        assert!(
            !problems(Operation::InteractionCallback, &body).is_empty(),
            "{what}: {body}"
        );
    }
    // Permissions as a string of digits are an integer; as words they are not.
    let mut worded = commands.clone();
    worded[0]["default_member_permissions"] = json!("thirty-two");
    assert!(!problems(Operation::BulkOverwriteGuildCommands, &worded).is_empty());
    let long_name = json!([{"name": "x".repeat(33), "description": "d"}]);
    assert!(!problems(Operation::BulkOverwriteGlobalCommands, &long_name).is_empty());
    let edit = json!({"embeds": [{"fields": [{"name": "n"}]}], "allowed_mentions": {"parse": []}});
    let found = problems(Operation::EditOriginal, &edit);
    assert!(
        found.iter().any(|p| p.starts_with("/embeds/0/fields/0")),
        "{found:?}"
    );
}
