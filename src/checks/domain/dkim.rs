//! The DKIM part: does each selector the provider signs with resolve, under the
//! customer's domain, to a usable key (RFC 6376 §3.6.1)?
//!
//! For every selector of `commands/domain.toml` three questions go out at once: the
//! TXT record at `<selector>._domainkey.<domain>` (followed through a CNAME), whether
//! that name is a CNAME and to where, and the provider's own key at the CNAME target
//! (to tell an outdated copied key from the current one). A key is read as the
//! base64 `p=` tag: an RSA SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey, whose
//! modulus gives the size (RFC 8301: under 1024 bits is refused by verifiers, 2048
//! recommended), or a 32-byte Ed25519 key (RFC 8463).

use base64::Engine as _;
use futures::future::join_all;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::{PublicKey, RSAPublicKey};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::report::{DnsRecord, Finding, Part, PartName};
use crate::catalog::DkimSelector;
use crate::checks::net::resolver::{DnsAnswer, DnsResolver};
use crate::checks::spf::MAX_TEXT;
use crate::checks::Services;
use crate::values::{DomainName, Verdict};
use crate::wording::printable_within;

/// RFC 8301 §3.2: verifiers MUST NOT consider signatures with keys under 1024 bits.
const MIN_RSA_BITS: usize = 1024;
/// RFC 8301 §3.2: signers SHOULD use at least 2048 bits.
const RECOMMENDED_RSA_BITS: usize = 2048;

pub(super) async fn check(services: &Services, domain: &DomainName) -> Part {
    let resolver = &services.resolver;
    let selectors = &services.catalog.domain.dkim.selectors;
    let states = join_all(
        selectors
            .iter()
            .map(|selector| look_up(resolver, selector, domain.as_str())),
    )
    .await;
    let mut findings = Vec::new();
    let mut publish = Vec::new();
    let missing = states.iter().filter(|state| state.missing).count();
    for (selector, state) in selectors.iter().zip(&states) {
        findings.extend(state.findings.iter().cloned());
        if state.needs_cname {
            publish.push(DnsRecord::new(
                state.name.clone(),
                "CNAME",
                format!("{}.", selector.cname.trim_end_matches('.')),
            ));
        }
    }
    if missing > 0 {
        let names: Vec<&str> = selectors
            .iter()
            .zip(&states)
            .filter(|(_, state)| state.missing)
            .map(|(selector, _)| selector.name.as_str())
            .collect();
        // Without any selector, nothing we sign verifies; with some, key rotation
        // to a missing one will break signing.
        let (verdict, text) = if missing == selectors.len() {
            (
                Verdict::Critical,
                format!("DKIM is not set up: none of our selectors ({}) is published under {}, so mail we sign for it cannot be verified. Publish the CNAME records below.", names.join(", "), domain.to_unicode()),
            )
        } else {
            (
                Verdict::Warning,
                format!("The selector{} {} {} not published: when we rotate to {}, DKIM fails. Publish the CNAME record below.", if missing == 1 { "" } else { "s" }, names.join(", "), if missing == 1 { "is" } else { "are" }, if missing == 1 { "it" } else { "them" }),
            )
        };
        findings.push(Finding::new(verdict, text));
    }
    let all_well = format!(
        "Every selector we sign with ({}) resolves to a valid key.",
        selectors
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Part::new(PartName::Dkim, all_well, findings, publish)
}

/// What one selector looks like under the customer's domain.
struct SelectorState {
    /// `<selector>._domainkey.<domain>`.
    name: String,
    findings: Vec<Finding>,
    /// Neither a key nor a CNAME is published.
    missing: bool,
    /// Publishing the CNAME would fix it.
    needs_cname: bool,
}

async fn look_up(resolver: &DnsResolver, selector: &DkimSelector, domain: &str) -> SelectorState {
    let name = format!("{}._domainkey.{domain}", selector.name);
    let expected = selector.cname.trim_end_matches('.').to_ascii_lowercase();
    let (txt, cname, ours) = futures::join!(
        resolver.txt(&name),
        resolver.cname(&name),
        resolver.txt(&expected)
    );
    let mut state = SelectorState {
        name: name.clone(),
        findings: Vec::new(),
        missing: false,
        needs_cname: false,
    };
    let alias = match &cname {
        DnsAnswer::Records(found) => found.records.first().cloned(),
        _ => None,
    };
    let via = match &alias {
        Some(target) => format!(" (CNAME to {target})"),
        None => String::new(),
    };
    let points_to_us = alias.as_deref() == Some(expected.as_str());
    if let Some(target) = alias.as_deref().filter(|_| !points_to_us) {
        state.findings.push(Finding::new(
            Verdict::Warning,
            format!("{name} is a CNAME to {target}, not to our key at {expected}: mail we sign with {} verifies only if that key is ours. Point it to {expected}.", selector.name),
        ));
        state.needs_cname = true;
    }
    let texts = match txt {
        DnsAnswer::Records(found) => found.records,
        DnsAnswer::NoData | DnsAnswer::NxDomain => {
            match &alias {
                None => state.missing = true,
                Some(target) if points_to_us => state.findings.push(Finding::new(
                    Verdict::Critical,
                    format!("{name} points to our key at {target}, but there is no key there: this is a problem on our side, please tell the support team."),
                )),
                Some(target) => state.findings.push(Finding::new(
                    Verdict::Critical,
                    format!("{name} points to {target}, which has no DKIM key."),
                )),
            }
            state.needs_cname |= alias.is_none();
            return state;
        }
        DnsAnswer::Failed(failure) => {
            state.findings.push(Finding::new(
                Verdict::Unknown,
                format!("The DKIM key at {name} could not be looked up: {failure}."),
            ));
            return state;
        }
    };
    let keys: Vec<&String> = texts.iter().filter(|text| is_key_record(text)).collect();
    let Some(text) = keys.first() else {
        state.findings.push(Finding::new(
            Verdict::Critical,
            format!("{name}{via} has TXT records, but none is a DKIM key (v=DKIM1; … p=…)."),
        ));
        state.needs_cname = alias.is_none();
        return state;
    };
    if keys.len() > 1 {
        state.findings.push(Finding::new(
            Verdict::Warning,
            format!(
                "{name}{via} has {} DKIM key records; verifiers may pick any of them. Keep one.",
                keys.len()
            ),
        ));
    }
    match read_key(text) {
        Ok(key) => judge_key(&mut state, selector, &name, &via, &key),
        Err(problem) => state.findings.push(Finding::new(
            Verdict::Critical,
            format!(
                "The DKIM key at {name}{via} cannot be used: {}.",
                printable_within(&problem, MAX_TEXT)
            ),
        )),
    }
    // A key of its own (TXT) is acceptable, as long as it is our current one.
    if alias.is_none() {
        if let DnsAnswer::Records(found) = &ours {
            let current = found
                .records
                .iter()
                .find(|text| is_key_record(text))
                .and_then(|text| tag(text, "p"));
            if current.is_some() && tag(text, "p").map(strip_spaces) != current.map(strip_spaces) {
                state.findings.push(Finding::new(
                    Verdict::Warning,
                    format!("{name} is a copy of a key that is not our current {} key: mail we sign with {} fails DKIM until it is updated. Publish the CNAME instead, so our key rotations reach it.", selector.name, selector.name),
                ));
                state.needs_cname = true;
            }
        }
    }
    state
}

/// Adds what the key means: revoked, size, testing mode.
fn judge_key(state: &mut SelectorState, selector: &DkimSelector, name: &str, via: &str, key: &Key) {
    let label = &selector.name;
    if key.revoked {
        state.findings.push(Finding::new(
            Verdict::Critical,
            format!("The key at {name}{via} is revoked (empty p=): mail signed with {label} fails DKIM."),
        ));
        return;
    }
    let (verdict, size) = match key.algorithm {
        Algorithm::Ed25519 => (Verdict::Ok, "Ed25519 key (256 bits)".to_string()),
        Algorithm::Rsa(bits) if bits < MIN_RSA_BITS => (
            Verdict::Critical,
            format!("RSA key of {bits} bits: verifiers refuse keys under {MIN_RSA_BITS} bits (RFC 8301), so mail signed with {label} fails DKIM"),
        ),
        Algorithm::Rsa(bits) if bits < RECOMMENDED_RSA_BITS => (
            Verdict::Warning,
            format!("RSA key of {bits} bits: {RECOMMENDED_RSA_BITS} bits is the recommended minimum (RFC 8301)"),
        ),
        Algorithm::Rsa(bits) => (Verdict::Ok, format!("RSA key of {bits} bits")),
    };
    state.findings.push(Finding::new(
        verdict,
        format!("{label}: {name}{via}: {size}."),
    ));
    if key.testing {
        state.findings.push(Finding::new(
            Verdict::Warning,
            format!("The key at {name} is in testing mode (t=y): verifiers treat mail signed with {label} as unsigned. Remove t=y once signing works."),
        ));
    }
}

/// Whether a TXT text is a DKIM key record: `v=DKIM1` first, or a `p=` tag.
fn is_key_record(text: &str) -> bool {
    text.trim_start().starts_with("v=DKIM1") || tag(text, "p").is_some()
}

/// The value of a tag in a tag list (RFC 6376 §3.2): `name=value; …`.
fn tag<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim() == name).then(|| value.trim())
    })
}

fn strip_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    /// The modulus size in bits.
    Rsa(usize),
    Ed25519,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    algorithm: Algorithm,
    revoked: bool,
    testing: bool,
}

/// Reads a key record (RFC 6376 §3.6.1, RFC 8463): its version, key type, testing
/// flag and key. `Err` says why it cannot be used.
fn read_key(text: &str) -> Result<Key, String> {
    if let Some(version) = tag(text, "v") {
        if version != "DKIM1" {
            return Err(format!("its version is v={version}, not v=DKIM1"));
        }
    }
    let testing =
        tag(text, "t").is_some_and(|flags| flags.split(':').any(|flag| flag.trim() == "y"));
    let kind = tag(text, "k").unwrap_or("rsa").to_ascii_lowercase();
    let data = tag(text, "p").ok_or("it has no p= tag (the public key)")?;
    let data = strip_spaces(data);
    if data.is_empty() {
        let algorithm = if kind == "ed25519" {
            Algorithm::Ed25519
        } else {
            Algorithm::Rsa(0)
        };
        return Ok(Key {
            algorithm,
            revoked: true,
            testing,
        });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|_| "its p= is not valid base64".to_string())?;
    let algorithm = match kind.as_str() {
        "rsa" => Algorithm::Rsa(rsa_bits(&bytes)?),
        "ed25519" if bytes.len() == 32 => Algorithm::Ed25519,
        "ed25519" => {
            return Err(format!(
                "an Ed25519 key is 32 bytes, this one is {} (RFC 8463 §4.2)",
                bytes.len()
            ))
        }
        other => return Err(format!("its key type k={other} is neither rsa nor ed25519")),
    };
    Ok(Key {
        algorithm,
        revoked: false,
        testing,
    })
}

/// The size of an RSA key given as a SubjectPublicKeyInfo (what RFC 6376 §3.6.1
/// prescribes) or as a bare PKCS#1 RSAPublicKey (which some signers publish).
fn rsa_bits(der: &[u8]) -> Result<usize, String> {
    let modulus_bits = |key: &RSAPublicKey| {
        let modulus = key.modulus;
        let start = modulus.iter().position(|&byte| byte != 0);
        start.map_or(0, |start| {
            (modulus.len() - start) * 8 - modulus[start].leading_zeros() as usize
        })
    };
    if let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(der) {
        return match spki.parsed() {
            Ok(PublicKey::RSA(key)) => Ok(modulus_bits(&key)),
            Ok(_) => Err("its p= holds a key of another kind than RSA".to_string()),
            Err(_) => Err("its p= is not a readable RSA key".to_string()),
        };
    }
    match RSAPublicKey::from_der(der) {
        Ok((_, key)) => Ok(modulus_bits(&key)),
        Err(_) => Err(
            "its p= is not a readable RSA key (SubjectPublicKeyInfo or RSAPublicKey)".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER SubjectPublicKeyInfo of an RSA key with a modulus of `bits` bits.
    fn spki(bits: usize) -> Vec<u8> {
        fn der(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            let len = content.len();
            if len < 128 {
                out.push(len as u8);
            } else if len < 256 {
                out.extend([0x81, len as u8]);
            } else {
                out.extend([0x82, (len >> 8) as u8, len as u8]);
            }
            out.extend_from_slice(content);
            out
        }
        let mut modulus = vec![0u8];
        modulus.push(0x80 | 0x40);
        modulus.extend(std::iter::repeat_n(0xAB, bits / 8 - 1));
        let rsa = der(
            0x30,
            &[der(0x02, &modulus), der(0x02, &[0x01, 0x00, 0x01])].concat(),
        );
        let algorithm = der(
            0x30,
            &[
                der(
                    0x06,
                    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
                ),
                vec![0x05, 0x00],
            ]
            .concat(),
        );
        let bitstring = der(0x03, &[vec![0u8], rsa].concat());
        der(0x30, &[algorithm, bitstring].concat())
    }

    fn record(bits: usize, extra: &str) -> String {
        let key = base64::engine::general_purpose::STANDARD.encode(spki(bits));
        format!("v=DKIM1; k=rsa;{extra} p={key}")
    }

    #[test]
    fn rsa_sizes_are_read_from_the_modulus() {
        for bits in [512, 1024, 2048, 4096] {
            let key = read_key(&record(bits, "")).unwrap();
            assert_eq!(key.algorithm, Algorithm::Rsa(bits), "{bits}");
            assert!(!key.revoked && !key.testing);
        }
    }

    #[test]
    fn a_bare_pkcs1_key_is_read_too() {
        let spki = spki(2048);
        // The RSAPublicKey is the bit string's content after its unused-bits byte.
        let (_, parsed) = SubjectPublicKeyInfo::from_der(&spki).unwrap();
        let bare = parsed.subject_public_key.data.to_vec();
        assert_eq!(rsa_bits(&bare), Ok(2048));
    }

    #[test]
    fn revoked_testing_ed25519_and_broken_keys() {
        assert!(read_key("v=DKIM1; p=").unwrap().revoked);
        assert!(read_key(&record(2048, " t=y;")).unwrap().testing);
        assert!(!read_key(&record(2048, " t=s;")).unwrap().testing);
        let ed = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            read_key(&format!("v=DKIM1; k=ed25519; p={ed}"))
                .unwrap()
                .algorithm,
            Algorithm::Ed25519
        );
        assert!(read_key("v=DKIM1; p=!!!").unwrap_err().contains("base64"));
        assert!(read_key("v=DKIM1; p=AAAA").unwrap_err().contains("RSA"));
        assert!(read_key("v=DKIM2; p=AAAA").unwrap_err().contains("v=DKIM2"));
        assert!(read_key("v=DKIM1; k=dsa; p=AAAA")
            .unwrap_err()
            .contains("k=dsa"));
        assert!(read_key("v=DKIM1; k=rsa").unwrap_err().contains("no p="));
    }

    #[test]
    fn key_records_are_told_from_other_txt() {
        assert!(is_key_record("v=DKIM1; p=abc"));
        assert!(is_key_record("k=rsa; p=abc"));
        assert!(!is_key_record("v=spf1 -all"));
    }
}
