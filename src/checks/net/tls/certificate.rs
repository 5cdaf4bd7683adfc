//! The server certificate, read and judged: who it is for and from, how long it is
//! valid, and (from the webpki verdict recorded during the handshake) whether mail
//! apps will trust it, with the reason in words when they will not.

use rustls::{CertificateError, Error as TlsError};
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::CertificateCheck;
use crate::wording::printable;

/// What the certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub subject: String,
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The names it is valid for: DNS names and IP addresses of the SAN extension,
    /// or the subject's common name when there is no SAN.
    pub names: Vec<String>,
    /// Issued by itself (issuer and subject are the same).
    pub self_signed: bool,
}

/// Reads a DER certificate; `None` when it cannot be parsed.
pub fn read(der: &[u8]) -> Option<CertificateFacts> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => names.push(printable(dns)),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        names.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    if names.is_empty() {
        names.extend(
            cert.subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .map(printable),
        );
    }
    Some(CertificateFacts {
        // Names are the server's own text: untrusted, shown escaped.
        subject: printable(&cert.subject().to_string()),
        issuer: printable(&cert.issuer().to_string()),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        names,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => Some(<[u8; 4]>::try_from(bytes).ok()?.into()),
        16 => Some(<[u8; 16]>::try_from(bytes).ok()?.into()),
        _ => None,
    }
}

/// A reason mail apps will not accept the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateProblem {
    Expired,
    NotYetValid,
    WrongName,
    SelfSigned,
    UnknownIssuer,
    /// Names an issuer whose key did not sign it (forged or mis-issued).
    BadSignature,
    Revoked,
    Unreadable,
    Other,
}

/// The certificate part of the report (`tls.certificate` in the JSON).
#[derive(Debug, Clone, Serialize)]
pub struct CertificateReport {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// Whole days until `not_after`; negative once expired.
    pub days_left: i64,
    pub names: Vec<String>,
    /// Mail apps will accept it: trusted chain, right name, within its dates.
    pub valid: bool,
    /// Why not, in words, with what to do; `None` when valid.
    pub problem: Option<String>,
    pub problems: Vec<CertificateProblem>,
}

/// Judges the certificate the handshake presented, for the name the user typed.
pub fn assess(check: &CertificateCheck, host: &str, now: OffsetDateTime) -> CertificateReport {
    let facts = read(check.end_entity.as_ref());
    let mut problems: Vec<(CertificateProblem, String)> = Vec::new();
    let Some(facts) = facts else {
        return CertificateReport {
            subject: String::new(),
            issuer: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
            names: Vec::new(),
            valid: false,
            problem: Some(
                "The server's certificate cannot be read (it is malformed); mail apps will refuse it."
                    .to_string(),
            ),
            problems: vec![CertificateProblem::Unreadable],
        };
    };
    if let Err(err) = &check.chain {
        problems.push(chain_problem(err, &facts));
    }
    if let Err(err) = &check.name {
        let (kind, text) = name_problem(err, &facts, host);
        if !problems.iter().any(|(k, _)| *k == kind) {
            problems.push((kind, text));
        }
    }
    // webpki stops at the first fault of the chain, so a self-signed certificate that
    // has also expired reports only the expiry: say both.
    if facts.self_signed
        && check.chain.is_err()
        && !problems
            .iter()
            .any(|(k, _)| *k == CertificateProblem::SelfSigned)
    {
        problems.push(self_signed_problem());
    }
    let days_left = (facts.not_after - now).whole_days();
    let problem = (!problems.is_empty()).then(|| {
        problems
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    CertificateReport {
        subject: facts.subject.clone(),
        issuer: facts.issuer.clone(),
        not_before: rfc3339(facts.not_before),
        not_after: rfc3339(facts.not_after),
        days_left,
        names: facts.names.clone(),
        valid: problems.is_empty(),
        problem,
        problems: problems.into_iter().map(|(kind, _)| kind).collect(),
    }
}

fn self_signed_problem() -> (CertificateProblem, String) {
    (
        CertificateProblem::SelfSigned,
        "The certificate is self-signed, so standard mail apps do not trust it: use a certificate from a public authority (for example Let's Encrypt).".to_string(),
    )
}

fn chain_problem(err: &TlsError, facts: &CertificateFacts) -> (CertificateProblem, String) {
    let TlsError::InvalidCertificate(cert_err) = err else {
        return (
            CertificateProblem::Other,
            format!("The certificate could not be verified: {err}."),
        );
    };
    match cert_err {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
            CertificateProblem::Expired,
            format!(
                "The certificate expired on {}; mail apps refuse it: renew the certificate.",
                date(facts.not_after)
            ),
        ),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
            CertificateProblem::NotYetValid,
            format!(
                "The certificate is not valid until {}: check the server's certificate and clock.",
                date(facts.not_before)
            ),
        ),
        CertificateError::UnknownIssuer if facts.self_signed => self_signed_problem(),
        CertificateError::UnknownIssuer => (
            CertificateProblem::UnknownIssuer,
            format!(
                "The certificate is not trusted by standard mail apps: its issuer ({}) is not a known authority, or the server does not send the intermediate certificate.",
                facts.issuer
            ),
        ),
        CertificateError::BadSignature => (
            CertificateProblem::BadSignature,
            format!(
                "The certificate is not trusted by standard mail apps: it names {} as its issuer, but that authority did not sign it.",
                facts.issuer
            ),
        ),
        CertificateError::Revoked => (
            CertificateProblem::Revoked,
            "The certificate has been revoked by its issuer: install a new one.".to_string(),
        ),
        CertificateError::BadEncoding => (
            CertificateProblem::Unreadable,
            "The server's certificate is malformed; mail apps will refuse it.".to_string(),
        ),
        other => (
            CertificateProblem::Other,
            format!("The certificate is not accepted: {other:?}."),
        ),
    }
}

fn name_problem(
    err: &TlsError,
    facts: &CertificateFacts,
    host: &str,
) -> (CertificateProblem, String) {
    match err {
        TlsError::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => {
            let names = if facts.names.is_empty() {
                "no name at all".to_string()
            } else {
                facts.names.join(", ")
            };
            (
                CertificateProblem::WrongName,
                format!(
                    "The certificate is for {names}, not {host}; mail apps will warn or refuse: the server needs a certificate that includes {host}."
                ),
            )
        }
        other => (
            CertificateProblem::Other,
            format!("The certificate's names could not be checked: {other}."),
        ),
    }
}

/// `2026-12-31`.
pub fn date(moment: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        moment.year(),
        u8::from(moment.month()),
        moment.day()
    )
}

fn rfc3339(moment: OffsetDateTime) -> String {
    moment
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| date(moment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;
    use time::Duration;

    fn certificate(names: &[&str], not_after: OffsetDateTime) -> CertificateDer<'static> {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.not_before = OffsetDateTime::now_utc() - Duration::days(30);
        params.not_after = not_after;
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().clone()
    }

    #[test]
    fn reads_names_dates_and_self_signature() {
        let not_after = OffsetDateTime::now_utc() + Duration::days(100);
        let der = certificate(&["mail.example.com", "127.0.0.1"], not_after);
        let facts = read(&der).unwrap();
        assert_eq!(facts.names, ["mail.example.com", "127.0.0.1"]);
        assert!(facts.self_signed);
        assert_eq!(date(facts.not_after), date(not_after));
    }

    #[test]
    fn an_expired_self_signed_certificate_names_both_problems() {
        let now = OffsetDateTime::now_utc();
        let check = CertificateCheck {
            end_entity: certificate(&["mail.example.com"], now - Duration::days(3)),
            chain: Err(TlsError::InvalidCertificate(CertificateError::Expired)),
            name: Ok(()),
        };
        let report = assess(&check, "mail.example.com", now);
        assert!(!report.valid);
        assert_eq!(
            report.problems,
            [CertificateProblem::Expired, CertificateProblem::SelfSigned]
        );
        assert!(report.days_left < 0);
        assert!(report.problem.unwrap().contains("expired on"));
    }

    #[test]
    fn a_wrong_name_lists_the_names_it_is_for() {
        let now = OffsetDateTime::now_utc();
        let check = CertificateCheck {
            end_entity: certificate(&["other.example"], now + Duration::days(90)),
            chain: Ok(()),
            name: Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName,
            )),
        };
        let report = assess(&check, "mail.example.com", now);
        assert_eq!(report.problems, [CertificateProblem::WrongName]);
        let problem = report.problem.unwrap();
        assert!(problem.contains("other.example") && problem.contains("not mail.example.com"));
        assert!((89..=90).contains(&report.days_left));
    }

    #[test]
    fn an_unreadable_certificate_is_a_problem_not_a_panic() {
        let check = CertificateCheck {
            end_entity: CertificateDer::from(vec![1, 2, 3]),
            chain: Err(TlsError::InvalidCertificate(CertificateError::BadEncoding)),
            name: Ok(()),
        };
        let report = assess(&check, "mail.example.com", OffsetDateTime::now_utc());
        assert_eq!(report.problems, [CertificateProblem::Unreadable]);
    }
}
