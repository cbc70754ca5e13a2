//! Envelope of connection secrets: AES-256-GCM under the master key, a fresh random 96-bit
//! nonce per encryption stored in front of the ciphertext, and a key id (a short fingerprint
//! of the key) stored beside it so the key can be rotated later.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};

use crate::error::{DomainError, DomainResult};

const NONCE_LEN: usize = 12;

/// Short fingerprint of `key`: the first 8 bytes of a domain-separated SHA-256, in hex.
/// It identifies the key without revealing anything useful about it.
pub fn key_id(key: &SecretSlice<u8>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"ferry connection secrets key id\0");
    hasher.update(key.expose_secret());
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cipher(key: &SecretSlice<u8>) -> DomainResult<Aes256Gcm> {
    Aes256Gcm::new_from_slice(key.expose_secret())
        .map_err(|_| DomainError::Internal("the master key is not 32 bytes".to_owned()))
}

/// Encrypts `plaintext`; returns `nonce || ciphertext+tag` and the key id.
pub fn encrypt(key: &SecretSlice<u8>, plaintext: &[u8]) -> DomainResult<(Vec<u8>, String)> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher(key)?
        .encrypt(&Nonce::from(nonce), plaintext)
        .map_err(|_| DomainError::Internal("encrypting connection secrets failed".to_owned()))?;
    let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    Ok((blob, key_id(key)))
}

/// Decrypts a blob made by [`encrypt`]. A blob sealed under another key, or altered in any
/// way, is an error, never garbage.
pub fn decrypt(
    key: &SecretSlice<u8>,
    stored_key_id: Option<&str>,
    blob: &[u8],
) -> DomainResult<Vec<u8>> {
    if let Some(stored) = stored_key_id
        && stored != key_id(key)
    {
        return Err(DomainError::Internal(format!(
            "connection secrets were encrypted with key {stored}, not the current master key"
        )));
    }
    if blob.len() < NONCE_LEN {
        return Err(DomainError::Internal(
            "stored connection secrets are truncated".to_owned(),
        ));
    }
    let (nonce, sealed) = blob.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| DomainError::Internal("bad nonce length".to_owned()))?;
    cipher(key)?
        .decrypt(&Nonce::from(nonce), sealed)
        .map_err(|_| {
            DomainError::Internal("stored connection secrets could not be decrypted".to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretSlice<u8> {
        SecretSlice::from(vec![byte; 32])
    }

    #[test]
    fn secrets_round_trip_under_the_same_key() {
        let (blob, id) = encrypt(&key(7), b"private key pem").unwrap();
        assert_eq!(id, key_id(&key(7)));
        assert_eq!(id.len(), 16);
        assert!(!blob.windows(7).any(|w| w == b"private"));
        assert_eq!(
            decrypt(&key(7), Some(&id), &blob).unwrap(),
            b"private key pem"
        );
    }

    #[test]
    fn every_encryption_uses_a_fresh_nonce() {
        let (a, _) = encrypt(&key(7), b"same").unwrap();
        let (b, _) = encrypt(&key(7), b"same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let (mut blob, id) = encrypt(&key(7), b"refresh token").unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 1;
        assert!(decrypt(&key(7), Some(&id), &blob).is_err());
        let (mut blob, id) = encrypt(&key(7), b"refresh token").unwrap();
        blob[0] ^= 1;
        assert!(decrypt(&key(7), Some(&id), &blob).is_err());
        assert!(decrypt(&key(7), Some(&id), &blob[..5]).is_err());
    }

    #[test]
    fn the_wrong_key_is_refused() {
        let (blob, id) = encrypt(&key(7), b"token secret").unwrap();
        assert!(decrypt(&key(8), Some(&id), &blob).is_err());
        // Even when the stored key id is missing, authentication fails.
        assert!(decrypt(&key(8), None, &blob).is_err());
    }
}
