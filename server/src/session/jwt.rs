//! The session token: who is logged in and which of their tenants is current.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use ferry_domain::ids::{TenantId, UserId};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user.
    pub sub: Uuid,
    /// The tenant the user last chose. Only a hint: every request re-checks
    /// the membership in the database.
    pub tid: Option<Uuid>,
    /// A random id for this login; CSRF tokens are derived from it.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

impl SessionClaims {
    pub fn new(user: UserId, tenant: Option<TenantId>, ttl: chrono::Duration) -> Self {
        let now = Utc::now();
        let mut sid = [0u8; 16];
        rand::rng().fill_bytes(&mut sid);
        Self {
            sub: user.0,
            tid: tenant.map(|t| t.0),
            sid: sid.iter().map(|b| format!("{b:02x}")).collect(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        }
    }

    /// The same login, now pointing at another tenant.
    pub fn with_tenant(&self, tenant: TenantId) -> Self {
        Self {
            tid: Some(tenant.0),
            ..self.clone()
        }
    }

    pub fn user_id(&self) -> UserId {
        UserId(self.sub)
    }

    pub fn sign(&self, key: &SecretSlice<u8>) -> Result<String, jsonwebtoken::errors::Error> {
        encode(
            &Header::new(Algorithm::HS256),
            self,
            &EncodingKey::from_secret(key.expose_secret()),
        )
    }

    /// The claims of a valid, unexpired token signed with `key`.
    pub fn verify(token: &str, key: &SecretSlice<u8>) -> Option<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        decode::<Self>(
            token,
            &DecodingKey::from_secret(key.expose_secret()),
            &validation,
        )
        .ok()
        .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretSlice<u8> {
        SecretSlice::from(vec![byte; 32])
    }

    #[test]
    fn a_signed_session_verifies_with_its_key_only() {
        let claims = SessionClaims::new(UserId::new(), None, chrono::Duration::hours(1));
        let token = claims.sign(&key(1)).unwrap();
        assert_eq!(
            SessionClaims::verify(&token, &key(1)).unwrap().sub,
            claims.sub
        );
        assert!(SessionClaims::verify(&token, &key(2)).is_none());
        assert!(SessionClaims::verify("not.a.jwt", &key(1)).is_none());
    }

    #[test]
    fn an_expired_session_is_refused() {
        let claims = SessionClaims::new(UserId::new(), None, chrono::Duration::seconds(-5));
        let token = claims.sign(&key(1)).unwrap();
        assert!(SessionClaims::verify(&token, &key(1)).is_none());
    }
}
