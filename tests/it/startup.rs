//! What the binary does at start, as an operator meets it: the exit status of each
//! kind of failure (the one table in `docs/`), secrets read from files and systemd
//! credentials, and the operators' listener (`OPS_LISTEN`, with `HTTP_LISTEN`'s old
//! meaning kept for `run`).

use std::process::Output;

use crate::support::bot_process::BotProcess;
use crate::support::fake_discord::{public_key_hex, FakeDiscord, TOKEN};

/// Runs the binary with `args` and only `env` (in an empty folder: no `.env`).
async fn run(args: &[&str], env: &[(&str, String)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OPS_LISTEN", "127.0.0.1:0")
        .env("HTTP_LISTEN", "127.0.0.1:0");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn secret_file(dir: &tempfile::TempDir, name: &str, value: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, format!("{value}\n")).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn malformed_configuration_exits_78_in_every_mode_but_check() {
    let bad = [("LOG_FORMAT", "xml".to_string())];
    for args in [&["run"][..], &["serve"], &["register"], &["health"]] {
        let output = run(args, &bad).await;
        assert_eq!(
            output.status.code(),
            Some(78),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("LOG_FORMAT"), "{args:?}");
    }
    // A catalogue that does not validate is configuration too.
    let commands = tempfile::tempdir().unwrap();
    std::fs::write(commands.path().join("smtp.toml"), "port = \"five\"\n").unwrap();
    let output = run(
        &["serve"],
        &[
            ("DISCORD_PUBLIC_KEY", public_key_hex()),
            ("COMMANDS_DIR", commands.path().display().to_string()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert!(stderr(&output).contains("smtp.toml"), "{}", stderr(&output));
    // `check` keeps the monitoring convention: what stops it is UNKNOWN.
    let output = run(&["check", "settings", "imap"], &bad).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[tokio::test]
async fn what_may_pass_exits_1_and_a_wrong_command_line_64() {
    // Discord unreachable for a one-shot `register`.
    let output = run(
        &["register"],
        &[
            ("DISCORD_TOKEN", TOKEN.to_string()),
            ("DISCORD_API_BASE", "http://127.0.0.1:1".to_string()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!stderr(&output).contains(TOKEN));
    // Nothing is listening for `health`.
    let output = run(&["health", "--url", "http://127.0.0.1:1/healthz"], &[]).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    // A command line clap refuses: 64, but UNKNOWN (3) under `check`.
    let output = run(&["serve", "--no-such-flag"], &[]).await;
    assert_eq!(output.status.code(), Some(64), "{}", stderr(&output));
    let output = run(&["check", "mx"], &[]).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    // `--help` and `--version` are not failures.
    assert_eq!(run(&["--version"], &[]).await.status.code(), Some(0));
}

#[tokio::test]
async fn both_forms_of_one_secret_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let file = secret_file(&dir, "key", &public_key_hex());
    let output = run(
        &["serve"],
        &[
            ("DISCORD_PUBLIC_KEY", public_key_hex()),
            ("DISCORD_PUBLIC_KEY_FILE", file),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("DISCORD_PUBLIC_KEY and DISCORD_PUBLIC_KEY_FILE"),
        "{text}"
    );
    // A token from a file that cannot be read: named, never shown.
    let output = run(
        &["register"],
        &[("DISCORD_TOKEN_FILE", "/nonexistent/token".to_string())],
    )
    .await;
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert!(stderr(&output).contains("DISCORD_TOKEN_FILE"));
}

#[tokio::test]
async fn the_token_from_a_file_or_a_systemd_credential_works_and_is_never_logged() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = secret_file(&dir, "token", TOKEN);
    let bot = BotProcess::start(
        &[],
        &[
            ("DISCORD_TOKEN_FILE", file),
            ("DISCORD_API_BASE", fake.base()),
        ],
    );
    fake.wait_ready(1).await;
    assert!(!bot.logs().contains(TOKEN));
    drop(bot);
    // systemd's LoadCredential=DISCORD_TOKEN:… puts it in $CREDENTIALS_DIRECTORY.
    let credentials = tempfile::tempdir().unwrap();
    secret_file(&credentials, "DISCORD_TOKEN", TOKEN);
    let output = run(
        &["register"],
        &[
            (
                "CREDENTIALS_DIRECTORY",
                credentials.path().display().to_string(),
            ),
            ("DISCORD_API_BASE", fake.base()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains(TOKEN));
}

#[tokio::test]
async fn run_takes_an_old_http_listen_as_ops_listen_with_one_warning() {
    let fake = FakeDiscord::start().await;
    // `OPS_LISTEN` empty counts as unset; only `HTTP_LISTEN` is given.
    let bot = BotProcess::start(
        &[],
        &[
            ("DISCORD_TOKEN", TOKEN.to_string()),
            ("DISCORD_API_BASE", fake.base()),
            ("OPS_LISTEN", String::new()),
        ],
    );
    assert_eq!(bot.get("/healthz").await.0, 200);
    let logs = bot.logs();
    assert_eq!(
        logs.matches("HTTP_LISTEN is deprecated").count(),
        1,
        "{logs}"
    );
}

#[tokio::test]
async fn serve_refuses_one_address_for_both_listeners() {
    let output = run(
        &["serve"],
        &[
            ("DISCORD_PUBLIC_KEY", public_key_hex()),
            ("HTTP_LISTEN", "127.0.0.1:18080".to_string()),
            ("OPS_LISTEN", "127.0.0.1:18080".to_string()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("OPS_LISTEN"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn a_commands_dir_that_is_missing_or_holds_an_unknown_file_stops_start_up() {
    let missing = (
        "COMMANDS_DIR",
        "/nonexistent/echoterra-commands".to_string(),
    );
    let output = run(
        &["check", "settings", "imap"],
        std::slice::from_ref(&missing),
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("/nonexistent/echoterra-commands"),
        "{}",
        stderr(&output)
    );
    assert!(
        output.stdout.is_empty(),
        "no answer from a built-in fallback"
    );
    let output = run(
        &["serve"],
        &[missing, ("DISCORD_PUBLIC_KEY", public_key_hex())],
    )
    .await;
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    // A misspelt file name in a readable folder.
    let commands = tempfile::tempdir().unwrap();
    std::fs::write(
        commands.path().join("setings.toml"),
        "host = \"mail.example.net\"\n",
    )
    .unwrap();
    let output = run(
        &["check", "settings", "imap"],
        &[("COMMANDS_DIR", commands.path().display().to_string())],
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("setings.toml"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn start_up_says_which_catalogue_it_uses() {
    let commands = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/commands/smtp.toml"),
        commands.path().join("smtp.toml"),
    )
    .unwrap();
    let bot = BotProcess::start(
        &["serve"],
        &[
            ("DISCORD_PUBLIC_KEY", public_key_hex()),
            ("COMMANDS_DIR", commands.path().display().to_string()),
        ],
    );
    bot.ops_address();
    let logs = bot.logs();
    let line = logs
        .lines()
        .find(|line| line.contains("effective settings"))
        .unwrap_or_else(|| panic!("no catalogue line:\n{logs}"));
    assert!(line.contains("smtp.toml; the rest built-in"), "{line}");
}

/// `serve` writes one line of the settings in effect (mode, catalogue, DNS, staff
/// servers, store, listeners, limits) with no secret in it, and warns once, as `run`
/// does, that staff commands are off without a staff server.
#[tokio::test]
async fn serve_logs_its_settings_without_secrets_and_warns_without_staff() {
    let data = tempfile::tempdir().unwrap();
    let bot = BotProcess::start(
        &["serve"],
        &[
            ("DISCORD_PUBLIC_KEY", public_key_hex()),
            ("DATA_DIR", data.path().display().to_string()),
            ("DNS_SERVERS", "127.0.0.1:5353".to_string()),
            ("SPAMRATS_KEY", "ratskeyzz9secret".to_string()),
            ("DISCORD_TOKEN", TOKEN.to_string()),
        ],
    );
    bot.http_address();
    let logs = bot.logs();
    let settings: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("effective settings"))
        .collect();
    assert_eq!(settings.len(), 1, "one settings line:\n{logs}");
    let line = settings[0];
    for field in [
        "mode=serve",
        "catalogue=built-in",
        "dns_servers=127.0.0.1:5353",
        "staff_servers=none",
        "store=SQLite file",
        "http_listen=127.0.0.1:0",
        "ops_listen=127.0.0.1:0",
        "max_concurrent_checks=",
        "rate_limit=",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    assert!(!logs.contains("ratskeyzz9secret"), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
    let warnings = logs
        .lines()
        .filter(|line| line.contains("no staff server is set"))
        .count();
    assert_eq!(warnings, 1, "one staff warning:\n{logs}");
}
