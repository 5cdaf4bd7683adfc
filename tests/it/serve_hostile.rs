//! `echoterra-bot serve` against hostile clients, through the real binary: a head or
//! a body that stalls is cut by its timeout, a `Content-Length` over the limit is
//! refused before the body is sent, connections over the cap are refused at once,
//! and SIGTERM is not held by a client.
//!
//! The time bounds asserted here are loose on purpose (this machine is shared and
//! noisy): each says "well before the client would have been held for ever", with
//! about twice the configured timeout as slack, never how fast the bot is.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::bot_process::BotProcess;
use crate::support::discord_bot::{dns, serve_with, write_catalogue};
use crate::support::fake_discord::FakeDiscord;

/// `server::HEADER_TIMEOUT` and `endpoint::BODY_TIMEOUT` of the bot: 5 s each.
const TIMEOUT: Duration = Duration::from_secs(5);

/// `server::MAX_CONNECTIONS` of the bot.
const MAX_CONNECTIONS: usize = 64;

/// A PING, the smallest interaction.
const PING: &[u8] = br#"{"id":"1","application_id":"2","type":1,"token":"t","version":1}"#;

/// `serve` with a grace period of `grace` seconds.
async fn bot(grace: u64) -> (FakeDiscord, BotProcess, std::net::SocketAddr) {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let fake = FakeDiscord::start().await;
    let (bot, _url) = serve_with(
        &fake,
        &dns,
        commands.path(),
        &[("SHUTDOWN_GRACE_SECONDS", grace.to_string())],
    );
    let address = bot.http_address();
    // The catalogue directory is read at start-up; the DNS server is not needed here.
    drop(commands);
    (fake, bot, address)
}

/// The head of a POST to `/interactions`, with `Content-Length: length`.
fn head(length: u64) -> String {
    format!(
        "POST /interactions HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
    )
}

/// Reads until the bot closes the connection (or `limit` passes): what it sent, and
/// how long it took.
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await;
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_stalled_head_or_body_is_cut_by_its_timeout() {
    let (_fake, bot, address) = bot(1).await;

    let started = Instant::now();
    // Half a head, then nothing: closed without an answer by the header timeout.
    let mut head_only = TcpStream::connect(address).await.unwrap();
    head_only
        .write_all(b"POST /interactions HTTP/1.1\r\nhost: bot\r\n")
        .await
        .unwrap();
    // A whole head announcing 1,000 bytes, 10 of them sent: 408 at the body timeout.
    let mut half_body = TcpStream::connect(address).await.unwrap();
    half_body.write_all(head(1000).as_bytes()).await.unwrap();
    half_body.write_all(&[b' '; 10]).await.unwrap();

    let (head_answer, _) = read_to_close(&mut head_only, 4 * TIMEOUT).await;
    let head_took = started.elapsed();
    assert_eq!(head_answer, "", "no answer to half a head");
    assert!(
        head_took < 2 * TIMEOUT,
        "a stalled head is cut by the 5 s header timeout (asserted: before 10 s), took {head_took:?}"
    );
    let (body_answer, _) = read_to_close(&mut half_body, 4 * TIMEOUT).await;
    let body_took = started.elapsed();
    assert!(
        body_answer.starts_with("HTTP/1.1 408"),
        "a stalled body gets 408: {body_answer:?}"
    );
    assert!(
        body_took < 2 * TIMEOUT,
        "a stalled body is cut by the 5 s body timeout (asserted: before 10 s), took {body_took:?}"
    );

    let (_, metrics) = bot.get("/metrics").await;
    for line in [
        "echoterra_interaction_requests_rejected_total{reason=\"header_timeout\"} 1",
        "echoterra_interaction_requests_rejected_total{reason=\"body_timeout\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_before_the_body_is_sent() {
    let (_fake, bot, address) = bot(1).await;
    // 100 MB announced, not a byte of it sent.
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(head(100_000_000).as_bytes())
        .await
        .unwrap();
    let (answer, took) = read_to_close(&mut stream, 4 * TIMEOUT).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(
        took < TIMEOUT,
        "413 at once, not after a timeout (asserted: before 5 s), took {took:?}"
    );
    // Just over the limit (256 KiB) and sent whole by an ordinary client: 413 too,
    // and the client reads it (the bot lets the unread body drain before closing).
    let over = vec![b' '; 256 * 1024 + 1];
    let url = format!("http://{address}/interactions");
    assert_eq!(
        FakeDiscord::post_signed(&url, &over, true, None).await.0,
        413
    );
    // A body at the limit is read and answered (a PING padded with spaces).
    let mut at_limit = PING.to_vec();
    at_limit.resize(256 * 1024, b' ');
    assert_eq!(
        FakeDiscord::post_signed(&url, &at_limit, true, None)
            .await
            .0,
        200
    );
    let (_, metrics) = bot.get("/metrics").await;
    let line = "echoterra_interaction_requests_rejected_total{reason=\"too_large\"} 2";
    assert!(metrics.contains(line), "{line} in:\n{metrics}");
}

#[tokio::test]
async fn connections_over_the_cap_get_503_at_once_and_the_rest_are_served() {
    let (_fake, bot, address) = bot(1).await;
    let url = format!("http://{address}/interactions");
    // The cap's worth of clients, each holding a connection with half a head.
    let mut stalled = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"POST /interactions HTTP/1.1\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let started = Instant::now();
    let mut refused = 0;
    for _ in 0..10 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(head(PING.len() as u64).as_bytes())
            .await
            .unwrap();
        stream.write_all(PING).await.unwrap();
        let (answer, _) = read_to_close(&mut stream, 4 * TIMEOUT).await;
        if answer.starts_with("HTTP/1.1 503") {
            refused += 1;
        }
    }
    let took = started.elapsed();
    assert_eq!(refused, 10, "every connection over the cap is refused");
    assert!(
        took < TIMEOUT,
        "refused at once, before the stalled clients' own timeout (asserted: 10 refusals before 5 s), took {took:?}"
    );
    // Once the stalled clients are gone, requests are served again.
    drop(stalled);
    let mut status = 0;
    for _ in 0..50 {
        status = FakeDiscord::post_signed(&url, PING, true, None).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "served again once the stalled clients left");
    let (_, metrics) = bot.get("/metrics").await;
    let line = "echoterra_interaction_requests_rejected_total{reason=\"busy\"} ";
    assert!(metrics.contains(line), "{line} in:\n{metrics}");
}

#[tokio::test]
async fn sigterm_is_not_held_by_a_stalled_client() {
    let (_fake, mut bot, address) = bot(1).await;
    // A client in the middle of its body: it holds its connection until the body
    // timeout (5 s), longer than the grace period (1 s).
    let mut stalled = TcpStream::connect(address).await.unwrap();
    stalled.write_all(head(1000).as_bytes()).await.unwrap();
    stalled.write_all(b"{").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let status = bot.terminate();
        (status, bot.logs())
    })
    .await
    .unwrap();
    let took = started.elapsed();
    let (status, logs) = status;
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "exits 0 within 10 s:\n{logs}"
    );
    assert!(
        took < Duration::from_secs(8),
        "exits within the 1 s grace and a few seconds (asserted: before 8 s), took {took:?}"
    );
    assert!(
        logs.contains("grace period over: closing the connections still open"),
        "the stalled connection was dropped at the end of the grace:\n{logs}"
    );
    assert!(logs.contains("stopped"), "{logs}");
    drop(stalled);
}
