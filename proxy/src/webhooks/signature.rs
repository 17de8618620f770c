//! `X-Hub-Signature: sha256=<hex>`: JIRA admin webhooks saved with a secret
//! carry the HMAC-SHA256 of the raw body, keyed on that secret. The check
//! runs over the exact bytes received, before any parsing, and compares in
//! constant time so a forger learns nothing from response timing.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature` header although a secret is configured.
    #[error("webhook has no X-Hub-Signature header")]
    Missing,
    /// The header is not `sha256=<64 hex digits>`.
    #[error("webhook X-Hub-Signature is not of the form sha256=<hex>")]
    Malformed,
    /// The HMAC does not match the body.
    #[error("webhook X-Hub-Signature does not match the body")]
    Mismatch,
}

/// Checks `header` (the value of `X-Hub-Signature`) against `body`.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_digest = header
        .strip_prefix("sha256=")
        .or_else(|| header.strip_prefix("SHA256="))
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

/// `sha256=<hex>` of `body` under `secret`, as JIRA sends it.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_made_with_the_secret_verifies() {
        let body = br#"{"webhookEvent":"jira:issue_updated"}"#;
        let header = sign(b"s3cret", body);
        assert!(header.starts_with("sha256=") && header.len() == 7 + 64);
        assert_eq!(verify(b"s3cret", body, Some(&header)), Ok(()));
    }

    #[test]
    fn forged_missing_and_malformed_signatures_are_refused() {
        let body = b"{}";
        let other_key = sign(b"guess", body);
        assert_eq!(verify(b"s3cret", body, Some(&other_key)), Err(SignatureError::Mismatch));
        let tampered = sign(b"s3cret", b"{ }");
        assert_eq!(verify(b"s3cret", body, Some(&tampered)), Err(SignatureError::Mismatch));
        assert_eq!(verify(b"s3cret", body, None), Err(SignatureError::Missing));
        assert_eq!(verify(b"s3cret", body, Some("sha1=abcd")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"s3cret", body, Some("sha256=zz")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"s3cret", body, Some("sha256=abcd")), Err(SignatureError::Malformed));
    }
}
