//! Discord signs every request to the interactions endpoint: an Ed25519 signature
//! (`X-Signature-Ed25519`, hex) over the timestamp (`X-Signature-Timestamp`) followed
//! by the raw body, made with the application's key. A request is taken only when
//! the signature holds for the application's public key (`DISCORD_PUBLIC_KEY`) and
//! its timestamp is within five minutes of now, so an old request cannot be replayed.
//! Discord tests this when the endpoint URL is saved: unsigned and badly signed
//! requests must get 401.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, VerifyingKey};

/// How far a request's timestamp may be from now, either way.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "the request is not signed (X-Signature-Ed25519 and X-Signature-Timestamp are needed)"
    )]
    Unsigned,
    #[error("the request's signature does not verify with DISCORD_PUBLIC_KEY")]
    BadSignature,
    #[error(
        "the request's timestamp is more than 5 minutes from now (a replay, or a wrong clock)"
    )]
    Stale,
}

impl Refusal {
    /// The metric label.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Unsigned | Refusal::BadSignature => "signature",
            Refusal::Stale => "stale",
        }
    }
}

/// Checks a request's signature headers against its raw body, at `now`.
pub fn verify(
    key: &VerifyingKey,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: SystemTime,
) -> Result<(), Refusal> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(Refusal::Unsigned);
    };
    let signature: [u8; 64] = hex::decode(signature.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(Refusal::BadSignature)?;
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    key.verify_strict(&message, &Signature::from_bytes(&signature))
        .map_err(|_| Refusal::BadSignature)?;
    // Only a signed timestamp is worth reading.
    let sent = timestamp
        .trim()
        .parse::<u64>()
        .map_err(|_| Refusal::Stale)?;
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    if now.abs_diff(sent) > MAX_SKEW.as_secs() {
        return Err(Refusal::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        hex::encode(key.sign(&message).to_bytes())
    }

    #[test]
    fn only_a_fresh_request_signed_by_the_application_passes() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let public = key.verifying_key();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let body = br#"{"type":1}"#;
        let good = signed(&key, "1800000000", body);
        assert_eq!(
            verify(&public, Some(&good), Some("1800000000"), body, now),
            Ok(())
        );
        // Unsigned, or one header missing.
        assert_eq!(
            verify(&public, None, None, body, now),
            Err(Refusal::Unsigned)
        );
        assert_eq!(
            verify(&public, Some(&good), None, body, now),
            Err(Refusal::Unsigned)
        );
        // Another body, another timestamp, another key, garbage.
        assert_eq!(
            verify(
                &public,
                Some(&good),
                Some("1800000000"),
                br#"{"type":2}"#,
                now
            ),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(&public, Some(&good), Some("1800000001"), body, now),
            Err(Refusal::BadSignature)
        );
        let other = signed(&SigningKey::from_bytes(&[2; 32]), "1800000000", body);
        assert_eq!(
            verify(&public, Some(&other), Some("1800000000"), body, now),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(&public, Some("zz"), Some("1800000000"), body, now),
            Err(Refusal::BadSignature)
        );
        // Signed, but six minutes old (or ahead): a replay.
        for skewed in [
            now + Duration::from_secs(360),
            now - Duration::from_secs(360),
        ] {
            assert_eq!(
                verify(&public, Some(&good), Some("1800000000"), body, skewed),
                Err(Refusal::Stale)
            );
        }
    }
}
