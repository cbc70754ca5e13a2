//! *Test connection*: build the connector client from the stored connection, fetch a token,
//! make one cheap call; and say what went wrong in words a person understands.

use std::time::Duration;

use std::sync::Arc;

#[cfg(test)]
use ferry_connectors::System;
use ferry_connectors::netsuite::SemaphoreGate;
use ferry_connectors::salesforce::QueryOptions;
use ferry_connectors::{ConnectorError, ErrorKind};
use secrecy::ExposeSecret;

use super::clients::{build_netsuite, build_salesforce};
use super::inputs::{AuthKind, ConnectionSettings, SecretValues};

/// A test should answer while the person waits.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What a successful test learned.
#[derive(Default)]
pub(super) struct Probed {
    /// Salesforce: the org the credentials belong to.
    pub organization_id: Option<String>,
    /// Salesforce: the refresh token after the connected app rotated it (the stored one no
    /// longer works).
    pub rotated_refresh_token: Option<secrecy::SecretString>,
}

/// Runs the test against the remote system.
pub(super) async fn probe(
    kind: AuthKind,
    settings: &ConnectionSettings,
    secrets: &SecretValues,
) -> Result<Probed, ConnectorError> {
    match kind {
        AuthKind::JwtBearer | AuthKind::RefreshToken => {
            let client = build_salesforce(kind, settings, secrets, TEST_TIMEOUT)?;
            client.authenticate().await?;
            client
                .query_page::<serde_json::Value>(
                    "SELECT Id FROM Contact LIMIT 1",
                    QueryOptions::default(),
                )
                .await?;
            let rotated = client.current_refresh_token().filter(|current| {
                secrets
                    .get("refresh_token")
                    .is_some_and(|stored| stored.expose_secret() != current.expose_secret())
            });
            Ok(Probed {
                organization_id: client.organization_id().await?,
                rotated_refresh_token: rotated,
            })
        }
        AuthKind::ClientCredentials | AuthKind::Tba => {
            // A test is one request: the account's own gate is not needed for it.
            let gate = Arc::new(SemaphoreGate::new(1));
            let client = build_netsuite(kind, settings, secrets, TEST_TIMEOUT, gate)?;
            client.authenticate().await?;
            client
                .suiteql_page::<serde_json::Value>("SELECT id FROM customer", 1, 0)
                .await?;
            Ok(Probed::default())
        }
    }
}

/// A failed test in plain words, followed by what the remote system said (its code kept).
pub fn describe_error(e: &ConnectorError) -> String {
    let sys = e.system;
    let plain = match e.kind {
        ErrorKind::Auth => format!(
            "{sys} refused the credentials. Check the keys, ids and user, and that the app is \
             allowed to use them."
        ),
        ErrorKind::Transient => format!(
            "{sys} could not be reached or did not answer in time. Check the URLs and try again."
        ),
        ErrorKind::RateLimited => {
            format!("{sys} is limiting requests right now. Try again in a few minutes.")
        }
        ErrorKind::Config => format!(
            "The connection settings do not work with {sys}. Check the URLs, ids and permissions."
        ),
        ErrorKind::NotFound => format!(
            "{sys} did not find what the test asked for. Check the instance URL or account id."
        ),
        ErrorKind::Validation => format!("{sys} refused the test request."),
    };
    let mut said = String::new();
    if let Some(code) = &e.code {
        said.push_str(code);
        said.push_str(": ");
    }
    said.push_str(&e.message);
    if let Some(status) = e.status {
        said.push_str(&format!(" (HTTP {status})"));
    }
    format!("{plain} {sys} said: {said}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_credential_is_explained_and_keeps_the_remote_code() {
        let e = ConnectorError::new(ErrorKind::Auth, System::Salesforce, "invalid assertion")
            .with_code(Some("invalid_grant".into()));
        let msg = describe_error(&e);
        assert!(msg.starts_with("Salesforce refused the credentials."));
        assert!(msg.contains("invalid_grant: invalid assertion"));
    }
}
