//! The NetSuite simulator's in-memory state and its in-process handle.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use rand::RngCore;

use super::auth::registry::AuthRegistry;
use super::demo::{self, NetsuiteCredentials};
use super::governance::Governance;
use super::settings::NetsuiteSettings;
use super::store::RecordStore;
use crate::SimContext;
use crate::stats::Stats;

/// In-process handle to one simulated NetSuite account; clones share the state.
#[derive(Clone)]
pub struct NetsuiteState {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: SimContext,
    initial_settings: NetsuiteSettings,
    settings: RwLock<NetsuiteSettings>,
    store: Mutex<RecordStore>,
    auth: Mutex<AuthRegistry>,
    governance: Governance,
    /// Signs the access tokens the simulator issues (they are JWTs, as NetSuite's are).
    token_secret: Vec<u8>,
}

/// Each state change is a whole-value assignment or a single map update, so a lock poisoned
/// by a panicking thread still guards consistent data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl NetsuiteState {
    pub fn new(ctx: SimContext, settings: NetsuiteSettings) -> Self {
        let settings = match settings.validate() {
            Ok(()) => settings,
            Err(e) => {
                tracing::warn!(error = %e, "invalid NetSuite simulator settings; using defaults");
                NetsuiteSettings::default()
            }
        };
        let mut registry = AuthRegistry::default();
        demo::register(&mut registry);
        let mut token_secret = vec![0u8; 32];
        rand::rng().fill_bytes(&mut token_secret);
        Self {
            inner: Arc::new(Inner {
                ctx,
                initial_settings: settings.clone(),
                settings: RwLock::new(settings),
                store: Mutex::new(RecordStore::default()),
                auth: Mutex::new(registry),
                governance: Governance::default(),
                token_secret,
            }),
        }
    }

    /// Base URL the simulator was bound to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.ctx.base_url
    }

    pub fn settings(&self) -> NetsuiteSettings {
        self.inner
            .settings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Replaces the settings after validating them.
    pub fn set_settings(&self, settings: NetsuiteSettings) -> Result<(), String> {
        settings.validate()?;
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = settings;
        Ok(())
    }

    pub fn store(&self) -> MutexGuard<'_, RecordStore> {
        lock(&self.inner.store)
    }

    pub fn auth(&self) -> MutexGuard<'_, AuthRegistry> {
        lock(&self.inner.auth)
    }

    pub fn governance(&self) -> &Governance {
        &self.inner.governance
    }

    pub fn stats(&self) -> &Stats {
        &self.inner.ctx.stats
    }

    pub(crate) fn token_secret(&self) -> &[u8] {
        &self.inner.token_secret
    }

    /// Back to a fresh simulator: no records, only the demo credentials, the settings it was
    /// started with, zeroed governance counters, no fault rules, zeroed stats.
    pub fn reset(&self) {
        self.inner.ctx.faults.clear();
        self.inner.ctx.stats.reset();
        *self.store() = RecordStore::default();
        let mut registry = AuthRegistry::default();
        demo::register(&mut registry);
        *self.auth() = registry;
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = self.inner.initial_settings.clone();
        self.inner.governance.reset();
    }

    /// Credentials registered on every fresh simulator.
    pub fn demo_credentials(&self) -> NetsuiteCredentials {
        demo::credentials(self.base_url(), &self.settings().account_id)
    }
}
