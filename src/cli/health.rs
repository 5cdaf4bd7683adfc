//! `echoterra-bot health`: asks the bot running here whether it is alive, for a
//! container's HEALTHCHECK in an image without curl.

use std::process::ExitCode;

use super::exit;
use crate::config::{Config, Mode};

/// `health`: GET `/healthz` of the bot on OPS_LISTEN (an address of this machine
/// when it listens on all of them) within 3 s. Exit 0 when it answers 200, else 1.
/// Made for a container's HEALTHCHECK in an image without curl.
pub async fn run(config: &Config, url: Option<String>) -> ExitCode {
    let url = url.unwrap_or_else(|| {
        let (mut addr, _) = config.ops_listen_for(Mode::Gateway);
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}/healthz")
    });
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            eprintln!("unhealthy: {err}");
            return ExitCode::from(exit::TEMPORARY);
        }
    };
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => {
            println!("healthy: {url} answered {}", response.status());
            ExitCode::SUCCESS
        }
        Ok(response) => {
            eprintln!("unhealthy: {url} answered {}", response.status());
            ExitCode::from(exit::TEMPORARY)
        }
        Err(err) => {
            eprintln!("unhealthy: {url}: {}", err.without_url());
            ExitCode::from(exit::TEMPORARY)
        }
    }
}
