//! The `check` command line as scripts and staff use it: formats and exit codes.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_settings_prints_every_protocol_as_text() {
    let cases = [
        ("imap", "993", "SSL/TLS"),
        ("smtp", "587", "STARTTLS"),
        ("pop3", "995", "SSL/TLS"),
    ];
    for (protocol, port, security) in cases {
        let output = run(&["check", "settings", protocol]);
        assert_eq!(output.status.code(), Some(0), "{protocol}");
        let text = stdout(&output);
        assert!(text.contains("mail.echoterra.net"), "{text}");
        assert!(text.contains(port) && text.contains(security), "{text}");
    }
    let all = stdout(&run(&["check", "settings", "all"]));
    for name in [
        "IMAP",
        "SMTP",
        "POP3",
        "removes them from the server",
        "john@yourdomain.com",
    ] {
        assert!(all.contains(name), "{name} missing from:\n{all}");
    }
}

#[test]
fn check_settings_json_has_the_report_fields() {
    for protocol in ["imap", "smtp", "pop3", "all"] {
        let output = run(&["check", "settings", protocol, "--format", "json"]);
        assert_eq!(output.status.code(), Some(0));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["check"], "settings");
        assert_eq!(json["target"], protocol);
        assert_eq!(json["verdict"], "ok");
        assert!(json["summary"]
            .as_str()
            .unwrap()
            .contains("mail.echoterra.net"));
    }
}

#[test]
fn check_settings_discord_prints_the_message_payload() {
    let output = run(&[
        "check",
        "settings",
        "imap",
        "--email",
        "john@example.com",
        "--format",
        "discord",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let embed = &json["embeds"][0];
    assert!(embed["title"].as_str().unwrap().contains("IMAP"));
    let fields = embed["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["value"] == "`john@example.com`"));
    assert_eq!(
        json["components"][0]["components"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn usage_errors_exit_3_with_a_reason() {
    let output = run(&["check", "settings", "exchange"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("imap"));
    let output = run(&["check", "settings", "imap", "--email", "john"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--email"));
}

#[test]
fn a_broken_catalogue_stops_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.toml"),
        "provider = \"x\"\ncolor = \"blue\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "settings", "imap"])
        .env_clear()
        .env("COMMANDS_DIR", dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("settings.toml:2"), "{stderr}");
}

#[test]
fn only_the_working_folders_env_file_is_read() {
    // A .env in a parent folder belongs to something else: it must not configure the
    // bot (here it would stop it with a bad value).
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join(".env"), "LOG_FORMAT=xml\n").unwrap();
    let child = parent.path().join("bot");
    std::fs::create_dir(&child).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "settings", "imap"])
        .current_dir(&child)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // The working folder's own .env is read.
    std::fs::write(child.join(".env"), "LOG_FORMAT=xml\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "settings", "imap"])
        .current_dir(&child)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("LOG_FORMAT"));
}

#[test]
fn check_settings_prints_a_profile_to_save() {
    let output = run(&[
        "check",
        "settings",
        "imap",
        "--email",
        "jane@bücher.example",
        "--profile",
        "apple",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let profile = plist::Value::from_reader_xml(output.stdout.as_slice())
        .unwrap()
        .into_dictionary()
        .unwrap();
    assert_eq!(profile["PayloadType"].as_string(), Some("Configuration"));
    let mail = profile["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap();
    assert_eq!(
        mail["EmailAddress"].as_string(),
        Some("jane@xn--bcher-kva.example")
    );
    assert_eq!(
        mail["IncomingMailServerHostName"].as_string(),
        Some("mail.echoterra.net")
    );
    // The same request gives the same file.
    let again = run(&[
        "check",
        "settings",
        "all",
        "--email",
        "jane@bücher.example",
        "--profile",
        "APPLE",
    ]);
    assert_eq!(again.stdout, output.stdout);

    let thunderbird = run(&[
        "check",
        "settings",
        "imap",
        "--email",
        "jane@example.org",
        "--profile",
        "thunderbird",
    ]);
    assert_eq!(thunderbird.status.code(), Some(0));
    let xml = stdout(&thunderbird);
    assert!(xml.contains("<clientConfig version=\"1.1\">"), "{xml}");
    assert!(
        xml.contains("<hostname>mail.echoterra.net</hostname>"),
        "{xml}"
    );

    // A profile needs an address.
    let output = run(&["check", "settings", "imap", "--profile", "apple"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--email"));
}

/// `watch run` exits 1 when the store cannot be reached (a PostgreSQL nobody listens
/// for), saying which store; cron sees a failed pass, not a quiet one.
#[test]
fn watch_run_exits_1_when_the_store_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["watch", "run"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("postgres://bot:hunter2hunter2@127.0.0.1:{port}/watch"),
        )
        .output()
        .expect("the binary runs");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(
        !err.contains("hunter2hunter2"),
        "the password is masked: {err}"
    );
}

/// `--version` names the crate's version and, in parentheses, the commit it was
/// built from (a hex id, or `unknown` outside git), so a bug report says which build.
#[test]
fn version_prints_the_version_and_the_commit() {
    let output = run(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    let line = stdout(&output);
    let line = line.trim();
    let version = env!("CARGO_PKG_VERSION");
    let rest = line
        .strip_prefix(&format!("echoterra-bot {version} ("))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("`echoterra-bot {version} (<commit>)`: {line}"));
    assert!(
        rest == "unknown" || (rest.len() >= 7 && rest.chars().all(|c| c.is_ascii_hexdigit())),
        "a commit id: {line}"
    );
}

/// The long-running modes' `--help` name the variables they read (they have no
/// options of their own), and `health --url` says what it defaults to.
#[test]
fn help_names_the_environment_variables() {
    let help = |args: &[&str]| stdout(&run(args));
    let run_help = help(&["run", "--help"]);
    for name in ["DISCORD_TOKEN", "OPS_LISTEN", "DATABASE_URL", "DATA_DIR"] {
        assert!(
            run_help.contains(name),
            "run --help names {name}: {run_help}"
        );
    }
    let serve_help = help(&["serve", "--help"]);
    for name in [
        "DISCORD_PUBLIC_KEY",
        "HTTP_LISTEN",
        "OPS_LISTEN",
        "DATABASE_URL",
        "DATA_DIR",
    ] {
        assert!(
            serve_help.contains(name),
            "serve --help names {name}: {serve_help}"
        );
    }
    let daemon_help = help(&["watch", "daemon", "--help"]);
    for name in ["DISCORD_TOKEN", "OPS_LISTEN", "DATABASE_URL", "DATA_DIR"] {
        assert!(
            daemon_help.contains(name),
            "watch daemon --help names {name}: {daemon_help}"
        );
    }
    assert!(help(&["health", "--help"]).contains("OPS_LISTEN"));
    assert!(
        help(&["db", "status", "--help"]).contains("DATABASE_URL")
            || help(&["db", "--help"]).contains("DATABASE_URL")
    );
}

/// With `LOG_FORMAT=json`, a fatal error is one JSON line like every log line (here a
/// malformed `SHUTDOWN_GRACE_SECONDS`, read before logging starts), with its exit status.
#[test]
fn a_fatal_error_is_a_json_line_when_the_log_is_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["serve"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOG_FORMAT", "json")
        .env("SHUTDOWN_GRACE_SECONDS", "forever")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(78));
    let err = String::from_utf8_lossy(&output.stderr);
    let line: serde_json::Value =
        serde_json::from_str(err.trim()).unwrap_or_else(|_| panic!("one JSON line: {err}"));
    assert_eq!(line["level"], "ERROR");
    assert_eq!(line["fields"]["exit_status"], 78);
    assert!(line["fields"]["message"]
        .as_str()
        .unwrap()
        .contains("SHUTDOWN_GRACE_SECONDS"));
}
