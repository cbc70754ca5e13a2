//! *Test connection*: build the connector client from the stored connection, fetch a token,
//! make one cheap call; and say what went wrong in words a person understands.

use std::time::Duration;

use ferry_connectors::netsuite::{
    AssertionAlgorithm, NetsuiteClient, NetsuiteConfig, NetsuiteCredentials,
};
use ferry_connectors::salesforce::{
    QueryOptions, SalesforceClient, SalesforceConfig, SalesforceCredentials,
};
use ferry_connectors::{ConnectorError, ErrorKind, System};
use secrecy::SecretString;

use super::inputs::{AuthKind, ConnectionSettings, SecretValues};

/// A test should answer while the person waits.
const TEST_TIMEOUT: Duration = Duration::from_secs(20);

fn need_secret(
    system: System,
    secrets: &SecretValues,
    field: &str,
) -> Result<SecretString, ConnectorError> {
    secrets
        .get(field)
        .cloned()
        .ok_or_else(|| ConnectorError::config(system, format!("no {field} is stored")))
}

fn need_text(
    system: System,
    value: &Option<String>,
    field: &str,
) -> Result<String, ConnectorError> {
    value
        .clone()
        .ok_or_else(|| ConnectorError::config(system, format!("no {field} is stored")))
}

/// Runs the test against the remote system.
pub(super) async fn probe(
    kind: AuthKind,
    settings: &ConnectionSettings,
    secrets: &SecretValues,
) -> Result<(), ConnectorError> {
    match kind {
        AuthKind::JwtBearer | AuthKind::RefreshToken => {
            let sys = System::Salesforce;
            let mut config =
                SalesforceConfig::new(&need_text(sys, &settings.login_url, "login URL")?)?
                    .with_timeout(TEST_TIMEOUT);
            if let Some(instance) = &settings.instance_url {
                config = config.with_instance_url(instance)?;
            }
            let credentials = if kind == AuthKind::JwtBearer {
                SalesforceCredentials::JwtBearer {
                    consumer_key: need_text(sys, &settings.consumer_key, "consumer key")?,
                    username: need_text(sys, &settings.username, "username")?,
                    private_key_pem: need_secret(sys, secrets, "private_key_pem")?,
                }
            } else {
                SalesforceCredentials::RefreshToken {
                    client_id: need_text(sys, &settings.client_id, "client id")?,
                    client_secret: secrets.get("client_secret").cloned(),
                    refresh_token: need_secret(sys, secrets, "refresh_token")?,
                }
            };
            let client = SalesforceClient::new(config, credentials)?;
            client.authenticate().await?;
            client
                .query_page::<serde_json::Value>(
                    "SELECT Id FROM Contact LIMIT 1",
                    QueryOptions::default(),
                )
                .await?;
            Ok(())
        }
        AuthKind::ClientCredentials | AuthKind::Tba => {
            let sys = System::Netsuite;
            let mut config =
                NetsuiteConfig::new(&need_text(sys, &settings.account_id, "account id")?)?
                    .with_timeout(TEST_TIMEOUT);
            if let Some(base) = &settings.base_url {
                config = config.with_base_url(base)?;
            }
            let credentials = if kind == AuthKind::ClientCredentials {
                let algorithm = match settings.algorithm.as_deref() {
                    Some("ES256") => AssertionAlgorithm::Es256,
                    _ => AssertionAlgorithm::Ps256,
                };
                NetsuiteCredentials::client_credentials(
                    need_text(sys, &settings.client_id, "client id")?,
                    need_text(sys, &settings.certificate_id, "certificate id")?,
                    algorithm,
                    need_secret(sys, secrets, "private_key_pem")?,
                )
            } else {
                NetsuiteCredentials::Tba {
                    consumer_key: need_secret(sys, secrets, "consumer_key")?,
                    consumer_secret: need_secret(sys, secrets, "consumer_secret")?,
                    token_id: need_secret(sys, secrets, "token_id")?,
                    token_secret: need_secret(sys, secrets, "token_secret")?,
                }
            };
            let client = NetsuiteClient::new(config, credentials)?;
            client.authenticate().await?;
            client
                .suiteql_page::<serde_json::Value>("SELECT id FROM customer", 1, 0)
                .await?;
            Ok(())
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
