//! The real-time listener: Salesforce POSTs outbound messages to a per-flow URL. The URL's
//! token is `<flow id>.<HMAC of the flow id and a per-flow nonce under the master key>`, so
//! the database holds no usable token (a dump reveals nothing) and rotating the nonce
//! invalidates the old URL at once.
//!
//! A message is stored (one row, [`messages::store`]) and committed before it is acknowledged;
//! anything that fails before the commit answers a fault and Salesforce delivers it again. The
//! engine splits it into inbox events when it drains the flow, which the listener wakes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sea_orm::{DatabaseConnection, FromQueryResult};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use uuid::Uuid;

use super::SyncContext;
use super::events::{EventSource, NewEvent};
use super::messages;
use super::sql;
use crate::flows::definition;
use crate::flows::soql::parse_modstamp;
use crate::inbox::{self, MessageError};
use crate::integrations::SystemKind;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &SecretSlice<u8>, flow_id: Uuid, nonce: &str) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(key.expose_secret()).ok()?;
    mac.update(b"ferry-listener\0");
    mac.update(flow_id.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    Some(mac)
}

/// The token of a flow's listener URL, given its stored nonce.
pub fn listener_token(key: &SecretSlice<u8>, flow_id: Uuid, nonce: &str) -> Option<String> {
    let tag = mac(key, flow_id, nonce)?.finalize().into_bytes();
    Some(format!(
        "{}.{}",
        flow_id.simple(),
        URL_SAFE_NO_PAD.encode(tag)
    ))
}

/// What the listener needs of a flow and its Salesforce connection, read in one statement:
/// the Ack waits for every round trip before it, and each costs CPU the engine also wants.
#[derive(Debug, FromQueryResult)]
struct ListenerFlow {
    id: Uuid,
    tenant_id: Uuid,
    flow_key: String,
    listener_token: Option<String>,
    /// The Salesforce org the connection was made to, if it is connected.
    organization_id: Option<String>,
}

const LISTENER_FLOW: &str = "SELECT f.id, f.tenant_id, f.flow_key, f.listener_token, \
     (SELECT c.settings ->> 'organization_id' FROM connections c \
       WHERE c.tenant_id = f.tenant_id AND c.integration_id = f.integration_id \
       AND c.system = $2) AS organization_id \
     FROM flows f WHERE f.id = $1";

/// The flow a token belongs to, if the token is genuine and current.
async fn verify_token(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    token: &str,
) -> Result<ListenerFlow, ListenerError> {
    let (id, tag) = token
        .split_once('.')
        .ok_or(ListenerError::UnknownListener)?;
    let flow_id = Uuid::try_parse(id).map_err(|_| ListenerError::UnknownListener)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| ListenerError::UnknownListener)?;
    let values = vec![flow_id.into(), SystemKind::Salesforce.as_str().into()];
    let stmt = sql::statement(db.get_database_backend(), LISTENER_FLOW, values);
    let row = ListenerFlow::find_by_statement(stmt)
        .one(db)
        .await
        .map_err(|e| ListenerError::Storage(e.to_string()))?
        .ok_or(ListenerError::UnknownListener)?;
    let nonce = row
        .listener_token
        .as_deref()
        .ok_or(ListenerError::UnknownListener)?;
    mac(key, flow_id, nonce)
        .ok_or(ListenerError::UnknownListener)?
        .verify_slice(&tag)
        .map_err(|_| ListenerError::UnknownListener)?;
    Ok(row)
}

#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    /// No flow has this token (never had, or it was rotated).
    #[error("no listener at this address")]
    UnknownListener,
    #[error("the message is not a valid outbound message: {0}")]
    Malformed(#[from] MessageError),
    #[error(
        "the message comes from org {got}, but this flow's Salesforce connection is org {expected}"
    )]
    WrongOrganization { got: String, expected: String },
    #[error(
        "the Salesforce connection has not been tested yet, so its org is unknown; test it under Connections"
    )]
    UnknownOrganization,
    #[error("this listener takes {expected} notifications, not {got}")]
    WrongObject { got: String, expected: &'static str },
    #[error("notification {notification}: SystemModstamp {value:?} is not a date and time")]
    InvalidModstamp { notification: String, value: String },
    #[error("the notification could not be stored: {0}")]
    Storage(String),
}

/// What a delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub flow_id: Uuid,
    pub notifications: usize,
}

/// 15- and 18-character forms of one id compare equal.
fn same_org(a: &str, b: &str) -> bool {
    a.len() >= 15 && b.len() >= 15 && a[..15] == b[..15]
}

/// Checks, stores and wakes: the handler answers `Ack` only after this returned `Ok`. The
/// span names the tenant and flow once the token proved whose they are (never the token).
#[tracing::instrument(name = "listener", skip_all, fields(tenant_id, flow_id, flow))]
pub async fn accept(
    ctx: &SyncContext,
    key: &SecretSlice<u8>,
    token: &str,
    body: &[u8],
) -> Result<Accepted, ListenerError> {
    let flow_row = verify_token(&ctx.db, key, token).await?;
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(flow_row.tenant_id));
    span.record("flow_id", tracing::field::display(flow_row.id));
    span.record("flow", flow_row.flow_key.as_str());
    let message = inbox::parse(body)?;
    let definition = definition(&flow_row.flow_key).ok_or(ListenerError::UnknownListener)?;
    let expected = flow_row
        .organization_id
        .clone()
        .ok_or(ListenerError::UnknownOrganization)?;
    if !same_org(&message.organization_id, &expected) {
        return Err(ListenerError::WrongOrganization {
            got: message.organization_id,
            expected,
        });
    }
    if let Some(other) = message
        .notifications
        .iter()
        .find(|n| !n.object.eq_ignore_ascii_case(definition.source_object))
    {
        return Err(ListenerError::WrongObject {
            got: other.object.clone(),
            expected: definition.source_object,
        });
    }
    let notifications = message.notifications.len();
    let record_ids = message
        .notifications
        .iter()
        .map(|n| n.record_id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let mut new_events: Vec<NewEvent> = Vec::with_capacity(notifications);
    for n in message.notifications {
        let modstamp = n
            .fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("SystemModstamp"))
            .and_then(|(_, v)| v.clone());
        // Checked here, not when the engine splits the message: a value the inbox cannot
        // hold would otherwise stop every later message of the flow from being split.
        if let Some(value) = modstamp.as_deref().filter(|v| !is_modstamp(v)) {
            return Err(ListenerError::InvalidModstamp {
                notification: n.id,
                value: value.chars().take(60).collect(),
            });
        }
        new_events.push(NewEvent {
            record_id: n.record_id,
            source: EventSource::Outbound,
            notification_id: Some(n.id),
            modstamp,
        });
    }
    let storage = |e: sea_orm::DbErr| ListenerError::Storage(e.to_string());
    // One statement, so no transaction around it: it commits (durably) or stores nothing.
    messages::store(&ctx.db, flow_row.tenant_id, flow_row.id, new_events)
        .await
        .map_err(storage)?;
    tracing::info!(notifications, record_ids, "outbound message stored");
    // Redelivered messages wake too: a lost wake-up of the first delivery is repaired here.
    ctx.waker.wake(flow_row.id).await;
    Ok(Accepted {
        flow_id: flow_row.id,
        notifications,
    })
}

/// A SystemModstamp as Salesforce writes it: a date and time with its offset, short enough
/// for the inbox's column.
fn is_modstamp(value: &str) -> bool {
    value.len() <= 40 && parse_modstamp(value).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_flow_and_nonce() {
        let key = SecretSlice::from(vec![7u8; 32]);
        let other = SecretSlice::from(vec![8u8; 32]);
        let flow = Uuid::now_v7();
        let a = listener_token(&key, flow, "n1").unwrap();
        assert!(a.starts_with(&flow.simple().to_string()));
        assert_ne!(a, listener_token(&key, flow, "n2").unwrap());
        assert_ne!(a, listener_token(&other, flow, "n1").unwrap());
        assert_ne!(a, listener_token(&key, Uuid::now_v7(), "n1").unwrap());
    }

    #[test]
    fn modstamps_are_dates_and_times_with_an_offset() {
        assert!(is_modstamp("2026-11-27T06:40:37.000Z"));
        assert!(is_modstamp("2026-11-27T06:40:37+01:00"));
        assert!(is_modstamp("2026-11-27T06:40:37.000+0000"));
        assert!(!is_modstamp("yesterday"));
        assert!(!is_modstamp("2026-11-27"));
        assert!(!is_modstamp(&format!(
            "2026-11-27T06:40:37.{}Z",
            "0".repeat(40)
        )));
    }

    #[test]
    fn org_ids_compare_in_their_15_character_form() {
        assert!(same_org("00D000000000001AAA", "00D000000000001"));
        assert!(!same_org("00D000000000002AAA", "00D000000000001AAA"));
        assert!(!same_org("", ""));
    }
}
