//! Who may call the simulator: M2M certificates by certificate id (`kid`), TBA consumers and
//! tokens, issued access tokens, and the TBA nonces already seen.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::keys::{KeyFamily, VerifyingKey};

/// A certificate (or public key) mapped to an integration's client id.
#[derive(Debug, Clone)]
pub struct M2mClient {
    pub client_id: String,
    pub certificate_id: String,
    pub key: VerifyingKey,
}

/// An access token issued by the token endpoint.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub client_id: String,
    pub certificate_id: String,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

/// A TBA access token (token id + secret) of one consumer (integration record).
#[derive(Debug, Clone)]
pub struct TbaToken {
    pub consumer_key: String,
    pub token_secret: String,
    pub revoked: bool,
}

/// Admin view of the registry (secrets left out).
#[derive(Debug, Clone, Serialize)]
pub struct RegistryView {
    pub m2m_clients: Vec<M2mClientView>,
    pub tba_consumers: Vec<String>,
    pub tba_tokens: Vec<TbaTokenView>,
    pub access_tokens_issued: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct M2mClientView {
    pub client_id: String,
    pub certificate_id: String,
    pub key_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TbaTokenView {
    pub token_id: String,
    pub consumer_key: String,
    pub revoked: bool,
}

#[derive(Debug, Default)]
pub struct AuthRegistry {
    m2m: HashMap<String, M2mClient>,
    access_tokens: HashMap<String, IssuedToken>,
    consumers: HashMap<String, String>,
    tba_tokens: HashMap<String, TbaToken>,
    /// (consumer key, token id, nonce) → timestamp of the request that used it.
    nonces: HashMap<(String, String, String), i64>,
}

impl AuthRegistry {
    pub fn register_m2m(&mut self, client: M2mClient) {
        self.m2m.insert(client.certificate_id.clone(), client);
    }

    pub fn m2m_client(&self, certificate_id: &str) -> Option<&M2mClient> {
        self.m2m.get(certificate_id)
    }

    pub fn remove_m2m(&mut self, certificate_id: &str) -> bool {
        self.m2m.remove(certificate_id).is_some()
    }

    pub fn issue(&mut self, token: String, issued: IssuedToken) {
        self.access_tokens.insert(token, issued);
    }

    pub fn access_token(&self, token: &str) -> Option<&IssuedToken> {
        self.access_tokens.get(token)
    }

    /// Revokes one access token; `false` if unknown.
    pub fn revoke_access_token(&mut self, token: &str) -> bool {
        match self.access_tokens.get_mut(token) {
            Some(t) => {
                t.revoked = true;
                true
            }
            None => false,
        }
    }

    /// Revokes every access token issued to `client_id` (all clients when `None`).
    pub fn revoke_access_tokens_of(&mut self, client_id: Option<&str>) -> usize {
        let mut count = 0;
        for token in self.access_tokens.values_mut() {
            if client_id.is_none_or(|c| c == token.client_id) && !token.revoked {
                token.revoked = true;
                count += 1;
            }
        }
        count
    }

    pub fn register_consumer(&mut self, consumer_key: String, consumer_secret: String) {
        self.consumers.insert(consumer_key, consumer_secret);
    }

    pub fn consumer_secret(&self, consumer_key: &str) -> Option<&str> {
        self.consumers.get(consumer_key).map(String::as_str)
    }

    pub fn register_tba_token(&mut self, token_id: String, token: TbaToken) {
        self.tba_tokens.insert(token_id, token);
    }

    pub fn tba_token(&self, token_id: &str) -> Option<&TbaToken> {
        self.tba_tokens.get(token_id)
    }

    pub fn revoke_tba_token(&mut self, token_id: &str) -> bool {
        match self.tba_tokens.get_mut(token_id) {
            Some(t) => {
                t.revoked = true;
                true
            }
            None => false,
        }
    }

    /// Records a nonce; `false` if it was already used. Nonces older than `window_secs` are
    /// forgotten, since their timestamps are rejected anyway.
    pub fn use_nonce(
        &mut self,
        consumer_key: &str,
        token_id: &str,
        nonce: &str,
        timestamp: i64,
        now: i64,
        window_secs: i64,
    ) -> bool {
        self.nonces.retain(|_, ts| (now - *ts).abs() <= window_secs);
        let key = (
            consumer_key.to_string(),
            token_id.to_string(),
            nonce.to_string(),
        );
        if self.nonces.contains_key(&key) {
            return false;
        }
        self.nonces.insert(key, timestamp);
        true
    }

    pub fn view(&self) -> RegistryView {
        let mut m2m_clients: Vec<M2mClientView> = self
            .m2m
            .values()
            .map(|c| M2mClientView {
                client_id: c.client_id.clone(),
                certificate_id: c.certificate_id.clone(),
                key_type: match c.key.family {
                    KeyFamily::Rsa => "rsa",
                    KeyFamily::Ec => "ec",
                },
            })
            .collect();
        m2m_clients.sort_by(|a, b| a.certificate_id.cmp(&b.certificate_id));
        let mut tba_consumers: Vec<String> = self.consumers.keys().cloned().collect();
        tba_consumers.sort();
        let mut tba_tokens: Vec<TbaTokenView> = self
            .tba_tokens
            .iter()
            .map(|(id, t)| TbaTokenView {
                token_id: id.clone(),
                consumer_key: t.consumer_key.clone(),
                revoked: t.revoked,
            })
            .collect();
        tba_tokens.sort_by(|a, b| a.token_id.cmp(&b.token_id));
        RegistryView {
            m2m_clients,
            tba_consumers,
            tba_tokens,
            access_tokens_issued: self.access_tokens.len(),
        }
    }
}
