//! Discord's own description of its HTTP API (OpenAPI 3.1, vendored with its MIT
//! licence in `tests/vendor/discord-openapi/`, from discord/discord-api-spec), as
//! validators of the request bodies the fake Discord receives: a body that breaks
//! the operation's request body schema is one Discord would refuse.
//!
//! Each route the fake serves names its operation (path and method); its schema is
//! `paths[path][method].requestBody.content["application/json"].schema`, whose
//! `$ref`s point into `components.schemas`. The document is read and the validators
//! compiled once per test binary ([`OnceLock`]). The fake's own answers can be
//! checked the same way, against `responses["200"]` ([`response_problems`]).
//!
//! What the spec means but JSON Schema does not say, handled before compiling (its
//! README, "conventions"):
//! - an integer field also takes a string that parses as an integer (permissions
//!   travel as strings, `default_member_permissions: "32"`): every `type` naming
//!   `integer` and not `string` also names `string`, with a digits-only `pattern`
//!   (which JSON Schema applies to strings only; `minimum`/`maximum` then apply to
//!   numbers only, and an `enum` of integers still takes integers only);
//! - a snowflake is a string of digits, and Discord also takes an integer (a new
//!   attachment's `id: 0`): `SnowflakeType` takes both;
//! - unions are `anyOf` marked `x-discord-union: "oneOf"`: Discord reads the one
//!   member that fits. They stay `anyOf`: as `oneOf` a body fitting two members
//!   (an empty list of autocomplete choices fits the string, integer and number
//!   ones alike) would be refused, which Discord does not do.
//!
//! Discord's own formats (`int32`, `snowflake`, `nonce`) are not JSON Schema
//! formats and are ignored; `uri` and `date-time` are checked.

use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

/// An operation of Discord's API that the fake Discord serves and the bot calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /interactions/{id}/{token}/callback`
    InteractionCallback,
    /// `PATCH /webhooks/{app}/{token}/messages/@original`
    EditOriginal,
    /// `PUT /applications/{app}/commands`
    BulkOverwriteGlobalCommands,
    /// `PUT /applications/{app}/guilds/{guild}/commands`
    BulkOverwriteGuildCommands,
    /// `POST /channels/{channel}/messages` (`create_message`)
    CreateMessage,
}

impl Operation {
    const ALL: [Operation; 5] = [
        Operation::InteractionCallback,
        Operation::EditOriginal,
        Operation::BulkOverwriteGlobalCommands,
        Operation::BulkOverwriteGuildCommands,
        Operation::CreateMessage,
    ];

    /// The operation's path and method in the OpenAPI document.
    fn path_and_method(self) -> (&'static str, &'static str) {
        match self {
            Operation::InteractionCallback => (
                "/interactions/{interaction_id}/{interaction_token}/callback",
                "post",
            ),
            Operation::EditOriginal => (
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                "patch",
            ),
            Operation::BulkOverwriteGlobalCommands => {
                ("/applications/{application_id}/commands", "put")
            }
            Operation::BulkOverwriteGuildCommands => (
                "/applications/{application_id}/guilds/{guild_id}/commands",
                "put",
            ),
            Operation::CreateMessage => ("/channels/{channel_id}/messages", "post"),
        }
    }
}

const OPENAPI: &str = include_str!("../../tests/vendor/discord-openapi/openapi.json");

/// Why Discord would refuse `body` sent to `operation` (nothing if it would not):
/// one line per problem, where in the body and what is wrong.
pub fn problems(operation: Operation, body: &Value) -> Vec<String> {
    listed(validator(operation, Side::Request), body)
}

/// Why `body` is not what Discord answers `operation` with when it succeeds (its
/// `200` response schema): for checking the fake's own answers.
pub fn response_problems(operation: Operation, body: &Value) -> Vec<String> {
    listed(validator(operation, Side::Response), body)
}

/// Which body of an operation a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// What the bot sends (`requestBody`).
    Request,
    /// What Discord answers on success (`responses["200"]`).
    Response,
}

fn listed(validator: &Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|error| {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("{at}: {}", error.masked())
        })
        .collect()
}

fn validator(operation: Operation, side: Side) -> &'static Validator {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    static REQUESTS: OnceLock<Vec<(Operation, Validator)>> = OnceLock::new();
    // Compiled only when a test checks an answer, and only for the operations that
    // answer 200 with JSON (an interaction callback answers 204).
    static RESPONSES: OnceLock<Vec<(Operation, Validator)>> = OnceLock::new();
    let document = || {
        DOCUMENT.get_or_init(|| conventions(serde_json::from_str(OPENAPI).expect("openapi.json")))
    };
    let validators = match side {
        Side::Request => REQUESTS.get_or_init(|| {
            (Operation::ALL.into_iter())
                .map(|operation| (operation, compile(document(), operation, side)))
                .collect()
        }),
        Side::Response => RESPONSES.get_or_init(|| {
            (Operation::ALL.into_iter())
                .filter(|operation| !schema(document(), *operation, side).is_null())
                .map(|operation| (operation, compile(document(), operation, side)))
                .collect()
        }),
    };
    &validators
        .iter()
        .find(|(known, _)| *known == operation)
        .unwrap_or_else(|| panic!("{operation:?} has no {side:?} schema"))
        .1
}

/// Where the operation's schema of `side` is in the document (`null` if it has none).
fn schema(document: &Value, operation: Operation, side: Side) -> &Value {
    let (path, method) = operation.path_and_method();
    let at = &document["paths"][path][method];
    let body = match side {
        Side::Request => &at["requestBody"],
        Side::Response => &at["responses"]["200"],
    };
    &body["content"]["application/json"]["schema"]
}

/// The operation's schema of `side`, compiled with the whole document around it so
/// that its `#/components/schemas/...` references resolve.
fn compile(document: &Value, operation: Operation, side: Side) -> Validator {
    let (path, method) = operation.path_and_method();
    let schema = schema(document, operation, side);
    assert!(
        schema.is_object(),
        "no JSON {side:?} body for {method} {path}"
    );
    let mut root = document.clone();
    root["$defs"] = json!({ "body": schema });
    root["$ref"] = json!("#/$defs/body");
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|err| panic!("{method} {path}: {err}"))
}

/// The document with the spec's conventions written out as JSON Schema (see the
/// module's comment).
fn conventions(mut document: Value) -> Value {
    integers_take_strings(&mut document);
    document["components"]["schemas"]["SnowflakeType"] = json!({
        "type": ["string", "integer"],
        "pattern": "^(0|[1-9][0-9]*)$",
        "minimum": 0
    });
    document
}

fn integers_take_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let names = |kind: &Value, name: &str| match kind {
                Value::String(kind) => kind == name,
                Value::Array(kinds) => kinds.iter().any(|kind| kind == name),
                _ => false,
            };
            if let Some(kind) = map.get_mut("type") {
                if names(kind, "integer") && !names(kind, "string") {
                    match kind {
                        Value::Array(kinds) => kinds.push(json!("string")),
                        _ => *kind = json!([kind.clone(), "string"]),
                    }
                    map.entry("pattern").or_insert(json!("^-?[0-9]+$"));
                }
            }
            map.values_mut().for_each(integers_take_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(integers_take_strings),
        _ => {}
    }
}
