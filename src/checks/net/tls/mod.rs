//! TLS for the server tests: the trusted roots, the handshake (after `STARTTLS` or
//! from the first byte), and a verifier that records what is wrong with the server's
//! certificate instead of aborting; [`certificate`] judges what it recorded.
//!
//! A mail app would refuse a bad certificate; the test wants to say *why* (expired,
//! wrong name, unknown issuer, self-signed) and still look at the rest (AUTH after
//! TLS). So the verifier runs webpki's chain and name checks, keeps their verdicts
//! for the report, and lets the handshake finish. The handshake's own signatures are
//! still verified, and nothing secret is ever sent over such a connection.

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    AlertDescription, ClientConfig, DigitallySignedStruct, Error as TlsError, PeerIncompatible,
    ProtocolVersion, RootCertStore, SignatureScheme,
};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsConnector;

use crate::wording::{printable, seconds};

pub mod certificate;

pub use certificate::{CertificateProblem, CertificateReport};

/// A connection a handshake can run over, and a conversation over it once TLS is
/// up: plain TCP, or TLS on top of it.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The TLS session of a test (`tls` in the JSON).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsReport {
    /// `TLS 1.3`; `None` when the handshake did not finish.
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub certificate: Option<CertificateReport>,
}

/// `TLS_EXTRA_CA` could not be used; start-up stops with this.
#[derive(Debug, thiserror::Error)]
pub enum TrustRootsError {
    #[error("TLS_EXTRA_CA: cannot read {}: {reason}; point it at a PEM file of CA certificates, or unset it", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("TLS_EXTRA_CA: {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    Empty { path: PathBuf },
    #[error("TLS_EXTRA_CA: certificate {index} in {} is not a usable CA certificate: {reason}", path.display())]
    Invalid {
        path: PathBuf,
        index: usize,
        reason: String,
    },
}

/// The public roots (webpki-roots, Mozilla's list) plus the CA certificates of the
/// PEM file `extra` (`TLS_EXTRA_CA`: a private CA, or the test CA). Loaded once, at
/// start-up.
pub fn load_trust_roots(extra: Option<&Path>) -> Result<RootCertStore, TrustRootsError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = extra else {
        return Ok(roots);
    };
    let unreadable = |reason: String| TrustRootsError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|err| unreadable(err.to_string()))?;
    let mut count = 0;
    for (index, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let cert = cert.map_err(|err| TrustRootsError::Invalid {
            path: path.to_path_buf(),
            index: index + 1,
            reason: err.to_string(),
        })?;
        roots.add(cert).map_err(|err| TrustRootsError::Invalid {
            path: path.to_path_buf(),
            index: index + 1,
            reason: err.to_string(),
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(TrustRootsError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(roots)
}

/// What webpki said about the server's certificate, recorded during the handshake.
#[derive(Debug, Clone)]
pub struct CertificateCheck {
    pub end_entity: CertificateDer<'static>,
    /// Chains to a trusted root and is within its dates.
    pub chain: Result<(), TlsError>,
    /// Valid for the name (or address) the user typed.
    pub name: Result<(), TlsError>,
}

/// A verifier that records the webpki verdict and lets the handshake continue.
struct RecordingVerifier {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    record: Arc<Mutex<Option<CertificateCheck>>>,
}

impl fmt::Debug for RecordingVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingVerifier")
            .field("roots", &self.roots.len())
            .finish()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let (chain, name) = match ParsedCertificate::try_from(end_entity) {
            Ok(parsed) => (
                verify_server_cert_signed_by_trust_anchor(
                    &parsed,
                    &self.roots,
                    intermediates,
                    now,
                    self.provider.signature_verification_algorithms.all,
                ),
                verify_server_name(&parsed, server_name),
            ),
            Err(err) => (Err(err.clone()), Err(err)),
        };
        *self
            .record
            .lock()
            .expect("the record lock is never poisoned") = Some(CertificateCheck {
            end_entity: end_entity.clone().into_owned(),
            chain,
            name,
        });
        // Recorded for the report; the test goes on so it can say what else is wrong.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The start of what the server sent during the handshake, kept to recognise a plain
/// SMTP greeting where TLS was expected.
const FIRST_BYTES: usize = 256;

/// Passes a stream through and keeps the first bytes read from it.
struct FirstBytes {
    inner: Box<dyn Io>,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for FirstBytes {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let mut seen = self.seen.lock().expect("never poisoned");
            let room = FIRST_BYTES.saturating_sub(seen.len());
            let new = &buf.filled()[before..];
            seen.extend_from_slice(&new[..new.len().min(room)]);
        }
        poll
    }
}

impl AsyncWrite for FirstBytes {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A finished handshake.
pub struct Established {
    pub io: Box<dyn Io>,
    /// `TLS 1.3`.
    pub version: String,
    /// `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
}

/// Why the handshake did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    Timeout(Duration),
    /// The server answered in plain text, e.g. an SMTP greeting (`220 ...`).
    PlainText(String),
    /// The server closed the connection during the handshake.
    Closed,
    /// The server speaks only TLS versions older than 1.2.
    OldVersion,
    /// The server sent a TLS alert.
    Alert(String),
    Other(String),
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::Timeout(limit) => write!(
                f,
                "the TLS handshake did not finish within {}",
                seconds(*limit)
            ),
            TlsFailure::PlainText(line) => {
                write!(f, "the server answered in plain text ({line:?}) instead of TLS")
            }
            TlsFailure::Closed => {
                f.write_str("the server closed the connection during the TLS handshake")
            }
            TlsFailure::OldVersion => f.write_str(
                "the server offers only TLS versions older than 1.2 (TLS 1.0/1.1, deprecated by RFC 8996)",
            ),
            TlsFailure::Alert(alert) => write!(
                f,
                "the server refused the TLS handshake (alert: {alert}); the server and the bot share no TLS version or cipher"
            ),
            TlsFailure::Other(reason) => write!(f, "the TLS handshake failed: {reason}"),
        }
    }
}

/// What a handshake attempt produced: the connection or why not, and the certificate
/// verdict when the server got as far as sending its certificate.
pub struct HandshakeOutcome {
    pub result: Result<Established, TlsFailure>,
    pub certificate: Option<CertificateCheck>,
    /// The first bytes the server sent (at most 256), so a check can name what
    /// answered in plain text where TLS was expected (an IMAP or POP3 greeting, a web
    /// server's error page).
    pub server_bytes: Vec<u8>,
}

/// Runs a TLS handshake over `io` for `server_name` within `limit`.
pub async fn handshake(
    io: Box<dyn Io>,
    server_name: ServerName<'static>,
    roots: Arc<RootCertStore>,
    limit: Duration,
) -> HandshakeOutcome {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let record = Arc::new(Mutex::new(None));
    let verifier = Arc::new(RecordingVerifier {
        roots,
        provider: provider.clone(),
        record: record.clone(),
    });
    // rustls speaks TLS 1.2 and 1.3 only, like current mail apps: a server that offers
    // nothing newer than 1.1 fails the handshake and is reported as such.
    let config = match ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
    {
        Ok(builder) => builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth(),
        Err(err) => {
            return HandshakeOutcome {
                result: Err(TlsFailure::Other(err.to_string())),
                certificate: None,
                server_bytes: Vec::new(),
            }
        }
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stream = FirstBytes {
        inner: io,
        seen: seen.clone(),
    };
    let connector = TlsConnector::from(Arc::new(config));
    let result = match tokio::time::timeout(limit, connector.connect(server_name, stream)).await {
        Ok(Ok(stream)) => {
            let (_, connection) = stream.get_ref();
            let version = connection.protocol_version();
            let cipher = connection
                .negotiated_cipher_suite()
                .map(|suite| format!("{:?}", suite.suite()))
                .unwrap_or_default();
            Ok(Established {
                version: version.map(version_name).unwrap_or_default(),
                cipher,
                io: Box::new(stream),
            })
        }
        Ok(Err(err)) => Err(classify(&err, &seen.lock().expect("never poisoned"))),
        Err(_) => {
            let seen = seen.lock().expect("never poisoned");
            Err(plain_text(&seen).unwrap_or(TlsFailure::Timeout(limit)))
        }
    };
    let certificate = record.lock().expect("never poisoned").take();
    let server_bytes = seen.lock().expect("never poisoned").clone();
    HandshakeOutcome {
        result,
        certificate,
        server_bytes,
    }
}

fn version_name(version: ProtocolVersion) -> String {
    match version {
        ProtocolVersion::TLSv1_3 => "TLS 1.3".to_string(),
        ProtocolVersion::TLSv1_2 => "TLS 1.2".to_string(),
        ProtocolVersion::TLSv1_1 => "TLS 1.1".to_string(),
        ProtocolVersion::TLSv1_0 => "TLS 1.0".to_string(),
        other => format!("{other:?}"),
    }
}

/// The first line of `seen` when it looks like an SMTP reply (`220 ...`).
fn plain_text(seen: &[u8]) -> Option<TlsFailure> {
    let looks_like_smtp = seen.len() >= 4
        && seen[..3].iter().all(u8::is_ascii_digit)
        && matches!(seen[0], b'2'..=b'5')
        && matches!(seen[3], b' ' | b'-' | b'\r' | b'\n');
    looks_like_smtp.then(|| {
        let text = String::from_utf8_lossy(seen);
        let line = text.lines().next().unwrap_or_default();
        TlsFailure::PlainText(printable(&line.chars().take(120).collect::<String>()))
    })
}

fn classify(err: &std::io::Error, seen: &[u8]) -> TlsFailure {
    if let Some(plain) = plain_text(seen) {
        return plain;
    }
    if let Some(tls) = err.get_ref().and_then(|e| e.downcast_ref::<TlsError>()) {
        return match tls {
            TlsError::PeerIncompatible(
                PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig,
            )
            | TlsError::AlertReceived(AlertDescription::ProtocolVersion) => TlsFailure::OldVersion,
            TlsError::AlertReceived(alert) => TlsFailure::Alert(format!("{alert:?}")),
            other => TlsFailure::Other(other.to_string()),
        };
    }
    match err.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe => TlsFailure::Closed,
        _ => TlsFailure::Other(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_greeting_is_recognised() {
        assert_eq!(
            plain_text(b"220 mail.example ESMTP ready\r\n"),
            Some(TlsFailure::PlainText("220 mail.example ESMTP ready".into()))
        );
        assert_eq!(plain_text(&[0x15, 0x03, 0x03, 0x00, 0x02]), None);
    }

    #[test]
    fn the_public_roots_load_without_extra() {
        assert!(load_trust_roots(None).unwrap().len() > 100);
    }

    #[test]
    fn a_bad_extra_ca_file_names_the_variable() {
        let missing = load_trust_roots(Some(Path::new("/nonexistent/ca.pem")))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("TLS_EXTRA_CA: cannot read"),
            "{missing}"
        );
        let empty = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(empty.path(), "not a certificate\n").unwrap();
        let err = load_trust_roots(Some(empty.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds no PEM certificate"), "{err}");
    }

    #[test]
    fn an_extra_ca_is_added_to_the_public_roots() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), ca.pem()).unwrap();
        let public = load_trust_roots(None).unwrap().len();
        assert_eq!(
            load_trust_roots(Some(file.path())).unwrap().len(),
            public + 1
        );
    }
}
