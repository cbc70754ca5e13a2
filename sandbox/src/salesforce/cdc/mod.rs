//! Change Data Capture, simplified as PROTOCOLS.md A10.2/A10.3 allow: the same events and
//! `ChangeEventHeader` fields as Salesforce (including `changeOrigin` for echo suppression and
//! gap events), kept in a replayable log, read by polling or pushed as JSON. Events use the
//! Streaming API's message shape: `{channel, data: {schema, payload, event: {replayId}}}`.

pub mod deliver;

use std::collections::VecDeque;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ids;
use super::schema::ObjectKind;
use super::store::{Change, ChangeKind, OrgData};

/// Events kept for replay; older ones fall off (Salesforce keeps 72 hours).
const CAPACITY: usize = 10_000;
/// Stand-in schema id (the real one names the Avro schema).
const SCHEMA: &str = "ferry-sandbox-cdc-v1";

/// One published change event.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub replay_id: u64,
    pub object: ObjectKind,
    pub payload: Value,
}

impl ChangeEvent {
    /// The Streaming API message for this event.
    pub fn message(&self) -> Value {
        json!({
            "channel": format!("/data/{}ChangeEvent", self.object.name()),
            "data": {
                "schema": SCHEMA,
                "payload": self.payload,
                "event": {"replayId": self.replay_id},
            },
        })
    }
}

/// A push subscription: new events of `objects` are POSTed to `endpoint_url`.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: String,
    pub endpoint_url: String,
    pub objects: Vec<ObjectKind>,
    /// Highest replay id the endpoint acknowledged with a 2xx.
    pub delivered_up_to: u64,
    pub failures: u32,
    pub last_error: Option<String>,
    #[serde(skip)]
    pub next_attempt: Option<Instant>,
    #[serde(skip)]
    pub in_flight: bool,
}

/// What the admin API takes to subscribe.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionParams {
    pub endpoint_url: String,
    /// `["Contact"]`; every object when empty.
    #[serde(default)]
    pub objects: Vec<String>,
    /// Start after this replay id; only new events when absent.
    #[serde(default)]
    pub replay_from: Option<u64>,
}

/// The org's change log and push subscriptions.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    events: VecDeque<ChangeEvent>,
    latest_replay: u64,
    commit_number: u64,
    subscription_serial: u64,
    pub subscriptions: Vec<Subscription>,
}

fn cdc_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl ChangeLog {
    pub fn latest_replay_id(&self) -> u64 {
        self.latest_replay
    }

    fn push(&mut self, object: ObjectKind, payload: Value) {
        self.latest_replay += 1;
        self.events.push_back(ChangeEvent {
            replay_id: self.latest_replay,
            object,
            payload,
        });
        while self.events.len() > CAPACITY {
            self.events.pop_front();
        }
    }

    /// Publishes one committed transaction's changes; `origin` is the `changeOrigin`.
    pub fn publish(&mut self, changes: Vec<Change>, data: &OrgData, origin: &str) -> usize {
        if changes.is_empty() {
            return 0;
        }
        self.commit_number += 1;
        let transaction_key = uuid::Uuid::new_v4().to_string();
        let commit_timestamp = Utc::now().timestamp_millis();
        let count = changes.len();
        for (sequence, change) in changes.into_iter().enumerate() {
            let record = data.record(&change.id);
            let change_type = match change.kind {
                ChangeKind::Create => "CREATE",
                ChangeKind::Update => "UPDATE",
                ChangeKind::Delete => "DELETE",
            };
            let mut payload = Map::new();
            payload.insert(
                "ChangeEventHeader".into(),
                json!({
                    "entityName": change.object.name(),
                    "recordIds": [change.id],
                    "changeType": change_type,
                    "changeOrigin": origin,
                    "transactionKey": transaction_key,
                    "sequenceNumber": sequence + 1,
                    "commitTimestamp": commit_timestamp,
                    "commitNumber": self.commit_number,
                    "commitUser": change.user_id,
                    "changedFields": if change.kind == ChangeKind::Update { change.changed.clone() } else { Vec::new() },
                    "diffFields": [],
                    "nulledFields": change.nulled,
                }),
            );
            if let Some(record) = record {
                let fields: Vec<&str> = match change.kind {
                    ChangeKind::Create => {
                        let mut f = change.changed.clone();
                        f.extend([
                            "CreatedDate",
                            "CreatedById",
                            "LastModifiedDate",
                            "LastModifiedById",
                        ]);
                        f
                    }
                    ChangeKind::Update => change.changed.clone(),
                    ChangeKind::Delete => Vec::new(),
                };
                for name in fields {
                    let value = match record.timestamp(name) {
                        Some(at) => Value::String(cdc_datetime(at)),
                        None => record
                            .object
                            .field(name)
                            .map(|f| record.get(f))
                            .unwrap_or(Value::Null),
                    };
                    payload.insert(name.to_owned(), value);
                }
            }
            self.push(change.object, Value::Object(payload));
        }
        count
    }

    /// A gap event: only a header, telling subscribers to re-read the records.
    pub fn gap(&mut self, object: ObjectKind, record_ids: Vec<String>, change_type: &str) {
        self.commit_number += 1;
        let payload = json!({
            "ChangeEventHeader": {
                "entityName": object.name(),
                "recordIds": record_ids,
                "changeType": change_type,
                "changeOrigin": "",
                "transactionKey": uuid::Uuid::new_v4().to_string(),
                "sequenceNumber": 1,
                "commitTimestamp": Utc::now().timestamp_millis(),
                "commitNumber": self.commit_number,
                "commitUser": "",
                "changedFields": [],
                "diffFields": [],
                "nulledFields": [],
            }
        });
        self.push(object, payload);
    }

    /// Events after `after` (of `objects`, all when empty), at most `limit`.
    pub fn since(&self, after: u64, objects: &[ObjectKind], limit: usize) -> Vec<&ChangeEvent> {
        self.events
            .iter()
            .filter(|e| e.replay_id > after && (objects.is_empty() || objects.contains(&e.object)))
            .take(limit)
            .collect()
    }

    pub fn subscribe(&mut self, params: SubscriptionParams) -> Result<Subscription, String> {
        let url = params.endpoint_url.trim().to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("endpoint_url must be an http(s) URL".into());
        }
        let objects = params
            .objects
            .iter()
            .map(|o| ObjectKind::parse(o).ok_or_else(|| format!("unknown object {o}")))
            .collect::<Result<Vec<_>, _>>()?;
        self.subscription_serial += 1;
        let subscription = Subscription {
            id: ids::record_id("0Xs", self.subscription_serial),
            endpoint_url: url,
            objects,
            delivered_up_to: params.replay_from.unwrap_or(self.latest_replay),
            failures: 0,
            last_error: None,
            next_attempt: None,
            in_flight: false,
        };
        self.subscriptions.push(subscription.clone());
        Ok(subscription)
    }

    pub fn unsubscribe(&mut self, id: &str) -> bool {
        let before = self.subscriptions.len();
        self.subscriptions.retain(|s| s.id != id);
        before != self.subscriptions.len()
    }
}
