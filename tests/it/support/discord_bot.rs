//! The real bot binary against the fake Discord, set up the way the end-to-end tests
//! share: a DNS server holding a customer's and the provider's zones and two test
//! blocklists, a COMMANDS_DIR with short limits, the bot over the gateway
//! ([`start`]) or as the interactions endpoint ([`serve`]).

use std::path::Path;

use super::bot_process::BotProcess;
use super::dns_server::{Fault, TestDns, Zone};
use super::fake_discord::{public_key_hex, FakeDiscord, GUILD_ID, TOKEN};

/// Manage Server: the staff permission of the shipped catalogue.
pub const STAFF: u64 = 32;

/// Test zones: a blocklist listing 127.0.0.2, and one that never answers.
pub const ZONES: &str = r#"
query_timeout_ms = 1500
deadline_ms = 4000
max_addresses = 4

[[zones]]
zone = "listed.bl.test"
name = "Test Major List"
lists = "spam sources"
tier = "major"
delist_url = "https://bl.example/delist"
lookup_url = "https://bl.example/lookup/{ip}"
codes = [{ code = "127.0.0.2", meaning = "a known spam source" }]

[[zones]]
zone = "silent.bl.test"
name = "Test Silent List"
lists = "nothing, it never answers"
tier = "informational"
delist_url = "https://silent.example/"
"#;

/// Short progress interval so a live edit shows while the silent zone is awaited.
pub const DEFAULTS: &str = r#"
[rate_limit]
checks_per_window = 3
window_seconds = 60

[dns]
timeout_ms = 1500
attempts = 1

[limits]
max_concurrent_checks = 32
max_sessions_per_server = 2
max_dns_in_flight = 256
blacklist_runs_per_minute = 10

[discord]
check_deadline_seconds = 20
progress_interval_ms = 250
staff_permissions = "32"
"#;

/// The DNS server of these tests: a customer's domain (`customer.test`), the
/// provider's mail host and SPF, a host on this machine (`mail.echoterra.test`), a
/// domain whose mail goes there (`loop.test`), and the two blocklists of [`ZONES`].
pub async fn dns() -> TestDns {
    TestDns::builder()
        .zone(
            Zone::new("customer.test")
                .mx("customer.test", 10, "mail.echoterra.net")
                .a("customer.test", "203.0.113.80")
                .txt("customer.test", "v=spf1 ip4:203.0.113.80 -all"),
        )
        .zone(
            Zone::new("echoterra.net")
                .a("mail.echoterra.net", "185.199.108.153")
                .txt("spf.echoterra.net", "v=spf1 ip4:185.199.108.0/24 -all"),
        )
        .zone(Zone::new("echoterra.test").a("mail.echoterra.test", "127.0.0.1"))
        // A domain whose mail goes to a host on this machine (for "Test SMTP server").
        .zone(Zone::new("loop.test").mx("loop.test", 10, "mail.echoterra.test"))
        .zone(
            Zone::new("listed.bl.test")
                .a("2.0.0.127.listed.bl.test", "127.0.0.2")
                .txt("2.0.0.127.listed.bl.test", "Listed for testing"),
        )
        .zone(Zone::new("silent.bl.test"))
        .fault("silent.bl.test", Fault::NoAnswer)
        .start()
        .await
}

/// Writes [`ZONES`] and [`DEFAULTS`] into a COMMANDS_DIR.
pub fn write_catalogue(dir: &Path) {
    std::fs::write(dir.join("blacklist.toml"), ZONES).unwrap();
    std::fs::write(dir.join("defaults.toml"), DEFAULTS).unwrap();
}

/// The bot over the gateway, resolving through `dns`, with `commands` as COMMANDS_DIR
/// and the fake Discord's server as its staff server.
pub async fn start(dns: &TestDns, commands: &Path) -> (FakeDiscord, BotProcess) {
    start_with(dns, commands, &[]).await
}

/// [`start`] with more (or overriding) environment variables.
pub async fn start_with(
    dns: &TestDns,
    commands: &Path,
    extra: &[(&str, String)],
) -> (FakeDiscord, BotProcess) {
    let fake = FakeDiscord::start().await;
    let mut env = vec![
        ("DISCORD_TOKEN", TOKEN.to_string()),
        ("DISCORD_API_BASE", fake.base()),
        ("DNS_SERVERS", dns.addr().to_string()),
        ("COMMANDS_DIR", commands.display().to_string()),
        ("ALLOW_PRIVATE_TARGETS", "true".to_string()),
        ("STAFF_GUILD_IDS", GUILD_ID.to_string()),
    ];
    // A later value of the same variable wins.
    env.extend(extra.iter().cloned());
    let bot = BotProcess::start(&[], &env);
    fake.wait_ready(1).await;
    (fake, bot)
}

/// The bot in `serve` mode, editing through the fake Discord, resolving through `dns`.
pub async fn serve(dns: &TestDns, commands: &Path) -> (FakeDiscord, BotProcess, String) {
    let fake = FakeDiscord::start().await;
    let (bot, url) = serve_with(&fake, dns, commands, &[]);
    (fake, bot, url)
}

/// One replica of `serve` editing through `fake` (several may share one), with more
/// (or overriding) environment variables; the bot and its interactions URL.
pub fn serve_with(
    fake: &FakeDiscord,
    dns: &TestDns,
    commands: &Path,
    extra: &[(&str, String)],
) -> (BotProcess, String) {
    let mut env = vec![
        ("DISCORD_PUBLIC_KEY", public_key_hex()),
        ("DISCORD_API_BASE", fake.base()),
        ("DNS_SERVERS", dns.addr().to_string()),
        ("COMMANDS_DIR", commands.display().to_string()),
        ("ALLOW_PRIVATE_TARGETS", "true".to_string()),
        ("STAFF_GUILD_IDS", GUILD_ID.to_string()),
        ("SHUTDOWN_GRACE_SECONDS", "1".to_string()),
    ];
    // A later value of the same variable wins.
    env.extend(extra.iter().cloned());
    let bot = BotProcess::start(&["serve"], &env);
    let url = format!("http://{}/interactions", bot.http_address());
    (bot, url)
}
