//! Authentication of the Salesforce simulator: connected apps, access tokens (sessions) and
//! refresh tokens, plus the OAuth token endpoint (`token.rs`) and JWT checks (`jwt.rs`).

pub mod jwt;
pub mod token;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Serialize;

use crate::keys::VerifyingKey;

/// A connected app: the OAuth client a tenant configures in Salesforce.
#[derive(Debug, Clone)]
pub struct ConnectedApp {
    pub consumer_key: String,
    pub consumer_secret: String,
    /// Whether the refresh-token grant needs `client_secret` ("Require Secret").
    pub require_secret: bool,
    /// Issue a new refresh token on every refresh and invalidate the old one.
    pub rotate_refresh_tokens: bool,
    /// The uploaded certificate's key, for JWT bearer assertions.
    pub verifying_key: Option<VerifyingKey>,
    pub certificate_pem: Option<String>,
    /// Usernames (lowercase) pre-authorized for this app ("admin approved users").
    pub authorized_usernames: BTreeSet<String>,
}

/// What the admin API shows of a connected app (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct ConnectedAppView {
    pub consumer_key: String,
    pub require_secret: bool,
    pub rotate_refresh_tokens: bool,
    pub has_certificate: bool,
    pub authorized_usernames: Vec<String>,
}

impl From<&ConnectedApp> for ConnectedAppView {
    fn from(app: &ConnectedApp) -> Self {
        Self {
            consumer_key: app.consumer_key.clone(),
            require_secret: app.require_secret,
            rotate_refresh_tokens: app.rotate_refresh_tokens,
            has_certificate: app.verifying_key.is_some(),
            authorized_usernames: app.authorized_usernames.iter().cloned().collect(),
        }
    }
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub consumer_key: String,
    pub issued: Instant,
}

/// A refresh token granted to an app on behalf of a user.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub consumer_key: String,
    pub user_id: String,
}

/// Apps, sessions and refresh tokens of the org.
#[derive(Debug, Clone, Default)]
pub struct AuthRegistry {
    pub apps: BTreeMap<String, ConnectedApp>,
    sessions: HashMap<String, Session>,
    refresh: HashMap<String, RefreshGrant>,
}

impl AuthRegistry {
    pub fn register_app(&mut self, app: ConnectedApp) {
        self.apps.insert(app.consumer_key.clone(), app);
    }

    /// Issues an access token: the org id, `!`, and random characters, like Salesforce's.
    pub fn issue_session(&mut self, org_id: &str, user_id: &str, consumer_key: &str) -> String {
        let token = format!("{}!{}", &org_id[..15], random_token(72));
        self.sessions.insert(
            token.clone(),
            Session {
                user_id: user_id.to_owned(),
                consumer_key: consumer_key.to_owned(),
                issued: Instant::now(),
            },
        );
        token
    }

    pub fn issue_refresh_token(&mut self, consumer_key: &str, user_id: &str) -> String {
        let token = format!("5Aep{}", random_token(64));
        self.refresh.insert(
            token.clone(),
            RefreshGrant {
                consumer_key: consumer_key.to_owned(),
                user_id: user_id.to_owned(),
            },
        );
        token
    }

    pub fn refresh_grant(&self, token: &str) -> Option<&RefreshGrant> {
        self.refresh.get(token)
    }

    pub fn revoke_refresh_token(&mut self, token: &str) -> bool {
        self.refresh.remove(token).is_some()
    }

    /// The user behind a live access token; expired tokens are forgotten on the way.
    pub fn session_user(&mut self, token: &str, timeout: Duration) -> Option<String> {
        let session = self.sessions.get(token)?;
        if session.issued.elapsed() >= timeout {
            self.sessions.remove(token);
            return None;
        }
        Some(session.user_id.clone())
    }

    /// Revokes one access token (or refresh token); true when something was revoked.
    pub fn revoke(&mut self, token: &str) -> bool {
        self.sessions.remove(token).is_some() | self.refresh.remove(token).is_some()
    }

    /// Revokes every access token (refresh tokens too when `refresh` is set).
    pub fn revoke_all(&mut self, refresh: bool) -> usize {
        let mut count = self.sessions.len();
        self.sessions.clear();
        if refresh {
            count += self.refresh.len();
            self.refresh.clear();
        }
        count
    }

    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }
}

/// URL-safe random characters.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf).replace(['-', '_'], "A")
}
