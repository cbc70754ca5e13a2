//! Random bearer secrets (invitation links, API tokens) and how they are stored:
//! only a SHA-256 digest is kept. The secrets carry 256 bits of entropy, so a
//! fast hash is enough; a slow password hash would add nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new secret: `prefix` followed by 43 URL-safe characters.
pub(crate) fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret: lower-case hex SHA-256.
pub(crate) fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_and_prefixed() {
        let a = generate("ferry_pat_");
        let b = generate("ferry_pat_");
        assert_ne!(a, b);
        assert!(a.starts_with("ferry_pat_"));
        assert_eq!(a.len(), "ferry_pat_".len() + 43);
    }

    #[test]
    fn digest_is_stable_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
