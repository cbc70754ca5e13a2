//! Public keys that clients register to sign their JWT assertions.
//!
//! Salesforce and NetSuite both take an uploaded X.509 certificate; the simulators also accept a
//! bare `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) PEM, which is handier in tests.

use jsonwebtoken::DecodingKey;
use spki::ObjectIdentifier;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// Which signature algorithms a key can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFamily {
    /// RS256 / PS256 and friends.
    Rsa,
    /// ES256 (P-256).
    Ec,
}

/// A registered public key, ready to verify signatures.
#[derive(Clone)]
pub struct VerifyingKey {
    pub family: KeyFamily,
    pub key: DecodingKey,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("family", &self.family)
            .finish_non_exhaustive()
    }
}

/// Why a PEM could not be used as a verifying key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM document: {0}")]
    NotPem(String),
    #[error("unsupported PEM block `{0}`; expected CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY")]
    UnsupportedBlock(String),
    #[error("malformed key or certificate: {0}")]
    Malformed(String),
    #[error("unsupported key algorithm {0}; expected RSA or EC")]
    UnsupportedAlgorithm(String),
}

/// Reads a certificate or public key PEM.
pub fn verifying_key_from_pem(text: &str) -> Result<VerifyingKey, KeyError> {
    let block = pem::parse(text.trim()).map_err(|e| KeyError::NotPem(e.to_string()))?;
    match block.tag() {
        "CERTIFICATE" => {
            let cert = Certificate::from_der(block.contents())
                .map_err(|e| KeyError::Malformed(e.to_string()))?;
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| KeyError::Malformed(e.to_string()))?;
            from_spki_der(&spki)
        }
        "PUBLIC KEY" => from_spki_der(block.contents()),
        "RSA PUBLIC KEY" => Ok(VerifyingKey {
            family: KeyFamily::Rsa,
            key: DecodingKey::from_rsa_der(block.contents()),
        }),
        other => Err(KeyError::UnsupportedBlock(other.to_owned())),
    }
}

fn from_spki_der(der: &[u8]) -> Result<VerifyingKey, KeyError> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|e| KeyError::Malformed(e.to_string()))?;
    let oid = spki.algorithm.oid;
    // jsonwebtoken reads SPKI through its PEM entry points, which also check the key type.
    let pem_text = pem::encode(&pem::Pem::new("PUBLIC KEY", der.to_vec()));
    let (family, key) = if oid == RSA_ENCRYPTION {
        (
            KeyFamily::Rsa,
            DecodingKey::from_rsa_pem(pem_text.as_bytes()),
        )
    } else if oid == EC_PUBLIC_KEY {
        (KeyFamily::Ec, DecodingKey::from_ec_pem(pem_text.as_bytes()))
    } else {
        return Err(KeyError::UnsupportedAlgorithm(oid.to_string()));
    };
    let key = key.map_err(|e| KeyError::Malformed(e.to_string()))?;
    Ok(VerifyingKey { family, key })
}
