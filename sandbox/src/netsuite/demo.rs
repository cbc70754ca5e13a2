//! The credentials registered on every fresh NetSuite simulator, so demos and tests can call
//! it at once. They are public by design: the sandbox holds no real data.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::auth::m2m::TOKEN_PATH;
use super::auth::registry::{AuthRegistry, M2mClient, TbaToken};
use crate::keys::verifying_key_from_pem;

pub const PS256_CERTIFICATE_ID: &str = "ferry-demo-ps256";
pub const ES256_CERTIFICATE_ID: &str = "ferry-demo-es256";

const RSA_PRIVATE_KEY: &str = include_str!("demo_keys/rsa_private.pem");
const RSA_CERTIFICATE: &str = include_str!("demo_keys/rsa_certificate.pem");
const EC_PRIVATE_KEY: &str = include_str!("demo_keys/ec_private.pem");
const EC_CERTIFICATE: &str = include_str!("demo_keys/ec_certificate.pem");

/// A demo signing key and the certificate registered for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoSigningKey {
    /// `PS256` or `ES256`.
    pub algorithm: String,
    /// The certificate id to put in the assertion's `kid`.
    pub certificate_id: String,
    pub private_key_pem: String,
    pub certificate_pem: String,
}

/// Demo Token-Based Authentication credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoTbaCredentials {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token_id: String,
    pub token_secret: String,
}

/// Credentials a client needs to reach the NetSuite simulator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetsuiteCredentials {
    /// Base URL to point a client at; it stands in for
    /// `https://<account>.suitetalk.api.netsuite.com`.
    pub base_url: String,
    pub account_id: String,
    /// The token endpoint; also the `aud` an assertion must carry.
    pub token_url: String,
    /// The M2M integration's client id (the assertion's `iss`).
    pub client_id: String,
    pub ps256: DemoSigningKey,
    pub es256: DemoSigningKey,
    pub tba: DemoTbaCredentials,
}

/// A stable 64-hex-character id, shaped like NetSuite's consumer keys and token ids.
fn hex_id(label: &str) -> String {
    Sha256::digest(format!("ferry-sandbox netsuite {label}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn client_id() -> String {
    hex_id("m2m client id")
}

pub fn tba_credentials() -> DemoTbaCredentials {
    DemoTbaCredentials {
        consumer_key: hex_id("tba consumer key"),
        consumer_secret: hex_id("tba consumer secret"),
        token_id: hex_id("tba token id"),
        token_secret: hex_id("tba token secret"),
    }
}

pub fn credentials(base_url: &str, account_id: &str) -> NetsuiteCredentials {
    NetsuiteCredentials {
        base_url: base_url.to_string(),
        account_id: account_id.to_string(),
        token_url: format!("{base_url}{TOKEN_PATH}"),
        client_id: client_id(),
        ps256: DemoSigningKey {
            algorithm: "PS256".into(),
            certificate_id: PS256_CERTIFICATE_ID.into(),
            private_key_pem: RSA_PRIVATE_KEY.into(),
            certificate_pem: RSA_CERTIFICATE.into(),
        },
        es256: DemoSigningKey {
            algorithm: "ES256".into(),
            certificate_id: ES256_CERTIFICATE_ID.into(),
            private_key_pem: EC_PRIVATE_KEY.into(),
            certificate_pem: EC_CERTIFICATE.into(),
        },
        tba: tba_credentials(),
    }
}

/// Registers the demo M2M certificates and TBA consumer/token.
pub fn register(registry: &mut AuthRegistry) {
    for (certificate_id, pem) in [
        (PS256_CERTIFICATE_ID, RSA_CERTIFICATE),
        (ES256_CERTIFICATE_ID, EC_CERTIFICATE),
    ] {
        match verifying_key_from_pem(pem) {
            Ok(key) => registry.register_m2m(M2mClient {
                client_id: client_id(),
                certificate_id: certificate_id.to_string(),
                key,
            }),
            Err(e) => tracing::error!(error = %e, certificate_id, "demo certificate is unusable"),
        }
    }
    let tba = tba_credentials();
    registry.register_consumer(tba.consumer_key.clone(), tba.consumer_secret);
    registry.register_tba_token(
        tba.token_id,
        TbaToken {
            consumer_key: tba.consumer_key,
            token_secret: tba.token_secret,
            revoked: false,
        },
    );
}
