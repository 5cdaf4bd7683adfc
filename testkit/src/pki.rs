//! A test certificate authority and the server certificates it issues (rcgen), for
//! every test server that speaks TLS (SMTP, IMAP, POP3).
//!
//! ```ignore
//! let pki = TestPki::new();                       // a test CA, written to a PEM file
//! let identity = pki.leaf(&["127.0.0.1"], Validity::Current);
//! let acceptor = identity.acceptor();             // a rustls server config for it
//! // point TLS_EXTRA_CA at pki.ca_path()
//! ```

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use time::OffsetDateTime;
use tokio_rustls::TlsAcceptor;

/// A test certificate authority; its certificate is written to a PEM file for
/// `TLS_EXTRA_CA`.
pub struct TestPki {
    ca: rcgen::Certificate,
    ca_key: KeyPair,
    ca_file: tempfile::NamedTempFile,
}

/// When a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From a month ago to a year ahead.
    Current,
    /// Ended yesterday.
    Expired,
    /// Ends in this many days (and a few hours, so the day count is stable).
    ExpiresInDays(i64),
}

/// A certificate chain and its key, for a server.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "Echoterra Tests");
    name
}

fn leaf_params(names: &[&str], validity: Validity) -> CertificateParams {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("valid names");
    params.distinguished_name = distinguished_name(names.first().copied().unwrap_or("test"));
    let now = OffsetDateTime::now_utc();
    let (not_before, not_after) = match validity {
        Validity::Current => (
            now - time::Duration::days(30),
            now + time::Duration::days(365),
        ),
        Validity::Expired => (
            now - time::Duration::days(60),
            now - time::Duration::days(1),
        ),
        Validity::ExpiresInDays(days) => (
            now - time::Duration::days(30),
            now + time::Duration::days(days) + time::Duration::hours(6),
        ),
    };
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

fn identity(cert: &rcgen::Certificate, key: &KeyPair) -> Identity {
    Identity {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl TestPki {
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        // A name of its own, so two test CAs are two different authorities.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        params.distinguished_name = distinguished_name(&format!("Echoterra Test CA {number}"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = params.self_signed(&ca_key).expect("CA certificate");
        let ca_file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(ca_file.path(), ca.pem()).expect("write CA");
        TestPki {
            ca,
            ca_key,
            ca_file,
        }
    }

    /// The PEM file holding the CA certificate (for `TLS_EXTRA_CA`).
    pub fn ca_path(&self) -> &Path {
        self.ca_file.path()
    }

    /// A server certificate for `names` (DNS names or IP addresses), issued by the CA.
    pub fn leaf(&self, names: &[&str], validity: Validity) -> Identity {
        let key = KeyPair::generate().expect("key");
        let cert = leaf_params(names, validity)
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("leaf certificate");
        identity(&cert, &key)
    }

    /// A server certificate for `names` that signs itself.
    pub fn self_signed(names: &[&str]) -> Identity {
        let key = KeyPair::generate().expect("key");
        let cert = leaf_params(names, Validity::Current)
            .self_signed(&key)
            .expect("self-signed certificate");
        identity(&cert, &key)
    }
}

impl Identity {
    /// A TLS acceptor serving this certificate, with rustls' safe defaults.
    pub fn acceptor(&self) -> TlsAcceptor {
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_no_client_auth()
                .with_single_cert(self.chain.clone(), self.key.clone_key())
                .expect("server certificate");
        TlsAcceptor::from(Arc::new(config))
    }
}
