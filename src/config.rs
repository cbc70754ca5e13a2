//! Typed configuration: built-in defaults < optional `ferry.toml` < environment
//! (`DATABASE_URL`, then `FERRY_*`). Passed in explicitly; there are no globals.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    /// `postgres://…` or `sqlite://…`. Unset: an embedded SQLite file in `data_dir`.
    #[serde(default)]
    pub database_url: Option<String>,
    /// Where the embedded database and generated keys live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Address the web server listens on.
    #[serde(default = "default_bind")]
    pub bind: SocketAddr,
    /// Public base URL for links shown to people (invitations, listener URLs).
    #[serde(default)]
    pub public_url: Option<String>,
    /// How long a login lasts.
    #[serde(default = "default_session_ttl_hours")]
    pub session_ttl_hours: i64,
    /// Always mark cookies `Secure` (behind a TLS proxy).
    #[serde(default)]
    pub secure_cookies: bool,
    #[serde(default)]
    pub log_format: LogFormat,
    /// Base64 of 32 bytes; encrypts connection secrets. Unset: generated into `data_dir`.
    #[serde(default)]
    pub master_key: Option<SecretString>,
    /// Base64 of ≥ 32 bytes; signs sessions. Unset: generated into `data_dir`.
    #[serde(default)]
    pub session_key: Option<SecretString>,
    /// Where e-mail goes out: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465`. Unset: no e-mail (the error digest says so).
    #[serde(default)]
    pub smtp_url: Option<SecretString>,
    /// The sender of Ferry's e-mail, e.g. `Ferry <ferry@example.com>`.
    #[serde(default)]
    pub smtp_from: Option<String>,
    /// Where `GET /metrics` (Prometheus) is served, apart from the app. Unset: no metrics.
    #[serde(default)]
    pub metrics_bind: Option<SocketAddr>,
    /// When set, `/metrics` wants `Authorization: Bearer <token>`.
    #[serde(default)]
    pub metrics_token: Option<SecretString>,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_session_ttl_hours() -> i64 {
    12
}

impl Settings {
    /// Reads `config_file` (if it exists) and the environment.
    pub fn load(config_file: &Path) -> anyhow::Result<Self> {
        Self::from_figment(
            Figment::new()
                .merge(Toml::file(config_file))
                .merge(Env::raw().only(&["DATABASE_URL"]))
                .merge(Env::prefixed("FERRY_")),
        )
    }

    fn from_figment(figment: Figment) -> anyhow::Result<Self> {
        let settings: Settings = figment.extract()?;
        if settings.session_ttl_hours <= 0 {
            anyhow::bail!("session_ttl_hours must be positive");
        }
        if settings
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().len() < 16)
        {
            anyhow::bail!("metrics_token must be at least 16 characters");
        }
        Ok(settings)
    }

    /// The database to use: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ferry.sqlite").display()
            )
        })
    }

    /// Whether e-mail can be sent: both the SMTP URL and the sender are set.
    pub fn mail_configured(&self) -> bool {
        self.smtp_url.is_some()
            && self
                .smtp_from
                .as_deref()
                .is_some_and(|f| !f.trim().is_empty())
    }

    pub fn is_embedded_database(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::from_figment(Figment::new()).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url(), "sqlite://data/ferry.sqlite?mode=rwc");
        assert!(s.is_embedded_database());
        assert_eq!(s.session_ttl_hours, 12);
    }

    #[test]
    fn later_sources_override_earlier_ones() {
        let figment = Figment::new()
            .merge(Serialized::default("bind", "0.0.0.0:9000"))
            .merge(Serialized::default(
                "database_url",
                "postgres://localhost/ferry",
            ));
        let s = Settings::from_figment(figment).unwrap();
        assert_eq!(s.bind.to_string(), "0.0.0.0:9000");
        assert!(!s.is_embedded_database());
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_given_and_a_short_token_is_refused() {
        let s = Settings::from_figment(Figment::new()).unwrap();
        assert!(s.metrics_bind.is_none() && s.metrics_token.is_none());
        let figment = Figment::new()
            .merge(Serialized::default("metrics_bind", "127.0.0.1:9464"))
            .merge(Serialized::default("metrics_token", "a-long-enough-token"));
        let s = Settings::from_figment(figment).unwrap();
        assert_eq!(s.metrics_bind.unwrap().port(), 9464);
        let figment = Figment::new().merge(Serialized::default("metrics_token", "short"));
        assert!(Settings::from_figment(figment).is_err());
    }

    #[test]
    fn nonsense_is_refused_with_a_message() {
        let figment = Figment::new().merge(Serialized::default("bind", "not an address"));
        assert!(Settings::from_figment(figment).is_err());
        let figment = Figment::new().merge(Serialized::default("session_ttl_hours", 0));
        assert!(Settings::from_figment(figment).is_err());
    }
}
