//! What a person enters for a connection, parsed per auth kind. Secrets are write-only: a
//! blank secret on edit keeps the stored value.

use std::collections::BTreeMap;
use std::fmt;

use ferry_connectors::netsuite::NetsuiteConfig;
use ferry_connectors::salesforce::SalesforceConfig;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult, FieldErrors};
use crate::integrations::SystemKind;

/// How a connection authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Salesforce OAuth 2.0 JWT bearer flow.
    JwtBearer,
    /// Salesforce OAuth 2.0 refresh-token flow.
    RefreshToken,
    /// NetSuite OAuth 2.0 client credentials with a signed JWT assertion.
    ClientCredentials,
    /// NetSuite token-based authentication (OAuth 1.0a).
    Tba,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JwtBearer => "jwt_bearer",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::Tba => "tba",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::JwtBearer => "OAuth 2.0 JWT bearer",
            Self::RefreshToken => "OAuth 2.0 refresh token",
            Self::ClientCredentials => "OAuth 2.0 client credentials (M2M)",
            Self::Tba => "Token-based authentication (TBA)",
        }
    }

    pub fn system(self) -> SystemKind {
        match self {
            Self::JwtBearer | Self::RefreshToken => SystemKind::Salesforce,
            Self::ClientCredentials | Self::Tba => SystemKind::NetSuite,
        }
    }

    /// The kinds a system offers, the recommended one first.
    pub fn for_system(system: SystemKind) -> [AuthKind; 2] {
        match system {
            SystemKind::Salesforce => [Self::JwtBearer, Self::RefreshToken],
            SystemKind::NetSuite => [Self::ClientCredentials, Self::Tba],
        }
    }

    pub fn parse(system: SystemKind, value: &str) -> Option<AuthKind> {
        Self::for_system(system)
            .into_iter()
            .find(|k| k.as_str() == value.trim())
    }

    /// The secret fields this kind needs (`client_secret` of the refresh-token flow is
    /// optional and not listed).
    pub fn required_secrets(self) -> &'static [&'static str] {
        match self {
            Self::JwtBearer | Self::ClientCredentials => &["private_key_pem"],
            Self::RefreshToken => &["refresh_token"],
            Self::Tba => &[
                "consumer_key",
                "consumer_secret",
                "token_id",
                "token_secret",
            ],
        }
    }

    pub fn secret_fields(self) -> &'static [&'static str] {
        match self {
            Self::RefreshToken => &["client_secret", "refresh_token"],
            other => other.required_secrets(),
        }
    }
}

/// Parses a system from a URL segment or JSON value.
pub fn parse_system(value: &str) -> Option<SystemKind> {
    match value {
        "salesforce" => Some(SystemKind::Salesforce),
        "netsuite" => Some(SystemKind::NetSuite),
        _ => None,
    }
}

/// The raw fields of a connection form or JSON body, as sent. Every field is optional on the
/// wire; [`ConnectionInput::parse`] decides what each auth kind needs.
///
/// Secrets are `write_only` in the API's schema, with no default shown (a `SecretString` has
/// no value to show).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConnectionParams {
    pub auth_kind: String,
    pub login_url: String,
    pub instance_url: String,
    pub username: String,
    pub client_id: String,
    pub account_id: String,
    pub base_url: String,
    pub certificate_id: String,
    pub algorithm: String,
    /// NetSuite: requests at once (the account's concurrency limit); blank = 5.
    pub concurrency_limit: String,
    #[schema(value_type = Option<String>, write_only, default)]
    pub private_key_pem: Option<SecretString>,
    #[schema(value_type = Option<String>, write_only, default)]
    pub client_secret: Option<SecretString>,
    #[schema(value_type = Option<String>, write_only, default)]
    pub refresh_token: Option<SecretString>,
    /// Salesforce JWT bearer: the connected app's consumer key (not a secret).
    /// NetSuite TBA: the integration's consumer key (a secret).
    #[schema(value_type = Option<String>, write_only, default)]
    pub consumer_key: Option<SecretString>,
    #[schema(value_type = Option<String>, write_only, default)]
    pub consumer_secret: Option<SecretString>,
    #[schema(value_type = Option<String>, write_only, default)]
    pub token_id: Option<SecretString>,
    #[schema(value_type = Option<String>, write_only, default)]
    pub token_secret: Option<SecretString>,
}

/// Non-secret settings, stored as JSON in `connections.settings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConnectionSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// NetSuite: the account's concurrency limit Ferry keeps to, across every worker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency_limit: Option<u32>,
    /// Salesforce: the org id learned by the last successful test; outbound messages must
    /// name this org.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
}

/// Decrypted secret values by field name. Never shown by `Debug`, never serialized as is.
#[derive(Clone, Default)]
pub struct SecretValues(pub(crate) BTreeMap<String, SecretString>);

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.keys().map(|k| format!("{k}: [redacted]")))
            .finish()
    }
}

impl SecretValues {
    pub fn get(&self, field: &str) -> Option<&SecretString> {
        self.0.get(field)
    }

    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    pub(crate) fn to_plain_json(&self) -> Vec<u8> {
        let map: BTreeMap<&str, &str> = self
            .0
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose_secret()))
            .collect();
        serde_json::to_vec(&map).unwrap_or_default()
    }

    pub(crate) fn from_plain_json(bytes: &[u8]) -> DomainResult<Self> {
        let map: BTreeMap<String, String> = serde_json::from_slice(bytes).map_err(|_| {
            DomainError::Internal("stored connection secrets are not readable".to_owned())
        })?;
        Ok(Self(
            map.into_iter()
                .map(|(k, v)| (k, SecretString::from(v)))
                .collect(),
        ))
    }
}

/// A parsed connection: its kind, non-secret settings, and the secrets entered this time
/// (blank ones left out, meaning "keep the stored value").
#[derive(Debug)]
pub struct ConnectionInput {
    pub kind: AuthKind,
    pub settings: ConnectionSettings,
    pub new_secrets: SecretValues,
}

fn text(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn secret(value: &Option<SecretString>) -> Option<SecretString> {
    value.as_ref().and_then(|s| {
        let v = s.expose_secret().trim();
        (!v.is_empty()).then(|| SecretString::from(v.to_owned()))
    })
}

fn required(errors: &mut FieldErrors, field: &'static str, value: &str, what: &str) -> String {
    match text(value) {
        Some(v) => v,
        None => {
            errors.push(field, format!("Enter the {what}."));
            String::new()
        }
    }
}

fn looks_like_pem_key(pem: &SecretString) -> bool {
    let v = pem.expose_secret();
    v.contains("-----BEGIN") && v.contains("PRIVATE KEY-----")
}

impl ConnectionInput {
    /// Parses `params` for `system`; every problem is reported at once, by field.
    pub fn parse(system: SystemKind, params: &ConnectionParams) -> DomainResult<Self> {
        let mut errors = FieldErrors::default();
        let Some(kind) = AuthKind::parse(system, &params.auth_kind) else {
            return Err(DomainError::invalid(
                "auth_kind",
                "Choose how to authenticate.",
            ));
        };
        let mut settings = ConnectionSettings::default();
        let mut secrets = BTreeMap::new();
        let mut put = |name: &str, value: &Option<SecretString>| {
            if let Some(v) = secret(value) {
                secrets.insert(name.to_owned(), v);
            }
        };
        match kind {
            AuthKind::JwtBearer | AuthKind::RefreshToken => {
                let login = required(&mut errors, "login_url", &params.login_url, "login URL");
                if !login.is_empty() && SalesforceConfig::new(&login).is_err() {
                    errors.push(
                        "login_url",
                        "Enter an http(s) URL, e.g. https://login.salesforce.com.",
                    );
                }
                settings.login_url = Some(login);
                if let Some(instance) = text(&params.instance_url) {
                    if SalesforceConfig::new(&instance).is_err() {
                        errors.push("instance_url", "Enter an http(s) URL or leave it blank.");
                    }
                    settings.instance_url = Some(instance);
                }
                if kind == AuthKind::JwtBearer {
                    let key = params
                        .consumer_key
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default();
                    settings.consumer_key =
                        Some(required(&mut errors, "consumer_key", &key, "consumer key"));
                    settings.username = Some(required(
                        &mut errors,
                        "username",
                        &params.username,
                        "username",
                    ));
                    put("private_key_pem", &params.private_key_pem);
                } else {
                    settings.client_id = Some(required(
                        &mut errors,
                        "client_id",
                        &params.client_id,
                        "client id",
                    ));
                    put("client_secret", &params.client_secret);
                    put("refresh_token", &params.refresh_token);
                }
            }
            AuthKind::ClientCredentials | AuthKind::Tba => {
                let account = required(&mut errors, "account_id", &params.account_id, "account id");
                if !account.is_empty() && NetsuiteConfig::new(&account).is_err() {
                    errors.push(
                        "account_id",
                        "An account id has only letters, digits, _ and -, e.g. 1234567_SB1.",
                    );
                }
                settings.account_id = Some(account);
                if let Some(base) = text(&params.base_url) {
                    let valid = NetsuiteConfig::new("x")
                        .and_then(|c| c.with_base_url(&base))
                        .is_ok();
                    if !valid {
                        errors.push("base_url", "Enter an http(s) URL or leave it blank.");
                    }
                    settings.base_url = Some(base);
                }
                if let Some(limit) = text(&params.concurrency_limit) {
                    match limit.parse::<u32>() {
                        Ok(n) if (1..=1000).contains(&n) => settings.concurrency_limit = Some(n),
                        _ => errors.push(
                            "concurrency_limit",
                            "Enter a whole number from 1 to 1000, or leave it blank for 5.",
                        ),
                    }
                }
                if kind == AuthKind::ClientCredentials {
                    settings.client_id = Some(required(
                        &mut errors,
                        "client_id",
                        &params.client_id,
                        "client id",
                    ));
                    settings.certificate_id = Some(required(
                        &mut errors,
                        "certificate_id",
                        &params.certificate_id,
                        "certificate id",
                    ));
                    match params.algorithm.trim().to_ascii_uppercase().as_str() {
                        alg @ ("PS256" | "ES256") => settings.algorithm = Some(alg.to_owned()),
                        _ => errors.push("algorithm", "Choose PS256 or ES256."),
                    }
                    put("private_key_pem", &params.private_key_pem);
                } else {
                    put("consumer_key", &params.consumer_key);
                    put("consumer_secret", &params.consumer_secret);
                    put("token_id", &params.token_id);
                    put("token_secret", &params.token_secret);
                }
            }
        }
        if let Some(pem) = secrets.get("private_key_pem")
            && !looks_like_pem_key(pem)
        {
            errors.push(
                "private_key_pem",
                "Paste the whole PEM private key, from -----BEGIN to -----END.",
            );
        }
        errors.into_result()?;
        Ok(Self {
            kind,
            settings,
            new_secrets: SecretValues(secrets),
        })
    }
}

/// The message shown when a required secret was never entered.
pub(crate) fn missing_secret_message(field: &str) -> &'static str {
    match field {
        "private_key_pem" => "Paste the private key.",
        "refresh_token" => "Enter the refresh token.",
        "consumer_key" => "Enter the consumer key.",
        "consumer_secret" => "Enter the consumer secret.",
        "token_id" => "Enter the token id.",
        "token_secret" => "Enter the token secret.",
        _ => "Enter a value.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_secrets_are_left_out_so_the_stored_ones_are_kept() {
        let params = ConnectionParams {
            auth_kind: "refresh_token".into(),
            login_url: "https://login.salesforce.com".into(),
            client_id: "app".into(),
            refresh_token: Some(SecretString::from("  ")),
            ..Default::default()
        };
        let input = ConnectionInput::parse(SystemKind::Salesforce, &params).unwrap();
        assert!(input.new_secrets.get("refresh_token").is_none());
    }

    #[test]
    fn every_problem_of_a_netsuite_form_is_reported_at_once() {
        let params = ConnectionParams {
            auth_kind: "client_credentials".into(),
            account_id: "evil.example/".into(),
            algorithm: "RS256".into(),
            private_key_pem: Some(SecretString::from("not a key")),
            ..Default::default()
        };
        let Err(DomainError::Invalid(errors)) =
            ConnectionInput::parse(SystemKind::NetSuite, &params)
        else {
            panic!("expected field errors");
        };
        for field in [
            "account_id",
            "client_id",
            "certificate_id",
            "algorithm",
            "private_key_pem",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn secret_values_never_show_in_debug_output() {
        let values = SecretValues(BTreeMap::from([(
            "token_secret".to_owned(),
            SecretString::from("hunter2"),
        )]));
        assert!(!format!("{values:?}").contains("hunter2"));
    }
}
