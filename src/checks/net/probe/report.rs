//! What every server test reports alike: the server, the port and how TLS starts
//! there, the address connected to, the steps and the TLS session. Each protocol's
//! report embeds it first, flattened, so its JSON starts with the same fields in
//! the same order (`host`, `port`, `security`, `address`, `steps`, `tls`) and adds
//! its own after them.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::step::Step;
use super::target::{self, Security};
use super::Probe;
use crate::checks::net::tls::TlsReport;

/// The findings every server test has, over its own step names `N`.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport<N> {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The address connected to (the one the policy checked).
    pub address: Option<String>,
    pub steps: Vec<Step<N>>,
    pub tls: Option<TlsReport>,
    /// Whether this tested the provider's own server (whose username rule is known).
    #[serde(skip)]
    pub provider_host: bool,
}

impl<N> ProbeReport<N> {
    /// What `probe` found: the address it connected to (if it got that far), the
    /// steps and the TLS session.
    pub fn new(
        probe: &Probe<'_>,
        address: Option<SocketAddr>,
        steps: Vec<Step<N>>,
        tls: Option<TlsReport>,
        provider_host: bool,
    ) -> ProbeReport<N> {
        ProbeReport {
            host: probe.host.to_string(),
            port: probe.port,
            security: probe.security,
            address: address.map(|address| address.to_string()),
            steps,
            tls,
            provider_host,
        }
    }

    /// `host:port`, with an IPv6 address in brackets.
    pub fn target(&self) -> String {
        target::host_port(&self.host, self.port)
    }

    /// The IP address the test connected to, if it got that far.
    pub fn ip(&self) -> Option<IpAddr> {
        self.address
            .as_deref()?
            .parse::<SocketAddr>()
            .ok()
            .map(|address| address.ip())
    }
}
