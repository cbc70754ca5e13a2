//! Outbound messages (PROTOCOLS.md A10.1): per-org rules, the queue of notifications that
//! record writes produce, and the log of every delivery attempt. `deliver.rs` sends them,
//! `envelope.rs` writes and reads the SOAP, `acks.rs` sums the log up.

pub mod acks;
pub mod deliver;
pub mod envelope;

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ids;
use super::schema::ObjectKind;
use super::settings::OutboundSettings;
use super::store::Record;

/// An outbound-message rule: which object, which fields, where to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundRule {
    /// The outbound-message action id (`04k…`), sent as `ActionId`.
    pub id: String,
    pub name: String,
    pub object: ObjectKind,
    /// Canonical field names sent; `Id` is always among them.
    pub fields: Vec<&'static str>,
    pub endpoint_url: String,
    pub active: bool,
    /// Include a session id so the listener can call back (Salesforce's "Send Session ID").
    pub send_session_id: bool,
}

/// A rule as the admin API and the pages submit it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundRuleParams {
    #[serde(default)]
    pub name: Option<String>,
    pub object: String,
    pub fields: Vec<String>,
    pub endpoint_url: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub send_session_id: bool,
}

fn yes() -> bool {
    true
}

impl OutboundRuleParams {
    /// Parses the params into a rule; the error says what is wrong.
    pub fn into_rule(self, id: String) -> Result<OutboundRule, String> {
        let object = ObjectKind::parse(&self.object)
            .ok_or_else(|| format!("unknown object {}", self.object))?;
        let mut fields = vec!["Id"];
        for name in &self.fields {
            let field = object
                .field(name)
                .ok_or_else(|| format!("no field {name} on {}", object.name()))?;
            if !fields.contains(&field.name) {
                fields.push(field.name);
            }
        }
        let url = self.endpoint_url.trim().to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("endpoint_url must be an http(s) URL".into());
        }
        Ok(OutboundRule {
            name: self
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("{} outbound message", object.name())),
            id,
            object,
            fields,
            endpoint_url: url,
            active: self.active,
            send_session_id: self.send_session_id,
        })
    }
}

/// One queued notification: a snapshot of the record's chosen fields at write time.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Notification id (`04l…`): what a listener de-duplicates on.
    pub id: String,
    pub rule_id: String,
    pub object: ObjectKind,
    pub record_id: String,
    pub values: Vec<(&'static str, Value)>,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
    pub next_attempt: Instant,
    pub in_flight: bool,
}

/// A pending notification as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PendingView {
    pub id: String,
    pub rule_id: String,
    pub object: ObjectKind,
    pub record_id: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
}

/// One delivery attempt and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    /// How long the listener took to answer, in milliseconds.
    pub duration_ms: f64,
    pub rule_id: String,
    pub endpoint_url: String,
    pub notification_ids: Vec<String>,
    pub record_ids: Vec<String>,
    /// Attempt number of the first notification (1 = first try).
    pub attempt: u32,
    /// HTTP status of the answer; none when the request failed in transport.
    pub status: Option<u16>,
    /// Start of the answer body, for the log.
    pub response_excerpt: String,
    pub error: Option<String>,
    pub acked: bool,
    /// A deliberate re-send of an already acknowledged message.
    pub duplicate: bool,
    /// The notifications were dropped after this attempt (too old to retry).
    pub gave_up: bool,
}

/// A batch taken for delivery.
#[derive(Debug, Clone)]
pub struct Batch {
    pub rule: OutboundRule,
    pub notifications: Vec<Notification>,
    pub duplicate: bool,
}

/// Rules, queue and log of the org.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub rules: Vec<OutboundRule>,
    pending: Vec<Notification>,
    /// Acknowledged batches chosen to be delivered again on purpose.
    duplicates: VecDeque<Batch>,
    log: VecDeque<DeliveryAttempt>,
    rule_serial: u64,
    notification_serial: u64,
    rng: ChaCha8Rng,
}

impl Outbound {
    pub fn new(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            pending: Vec::new(),
            duplicates: VecDeque::new(),
            log: VecDeque::new(),
            rule_serial: 0,
            notification_serial: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    pub fn add_rule(&mut self, params: OutboundRuleParams) -> Result<OutboundRule, String> {
        self.rule_serial += 1;
        let rule = params.into_rule(ids::record_id(
            ids::OUTBOUND_ACTION_PREFIX,
            self.rule_serial,
        ))?;
        self.rules.push(rule.clone());
        Ok(rule)
    }

    /// Removes a rule and its pending notifications.
    pub fn remove_rule(&mut self, id: &str) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.pending.retain(|n| n.rule_id != id);
        before != self.rules.len()
    }

    /// Queues a notification for every active rule on the record's object.
    pub fn record_written(&mut self, record: &Record) -> usize {
        let rules: Vec<OutboundRule> = self
            .rules
            .iter()
            .filter(|r| r.active && r.object == record.object)
            .cloned()
            .collect();
        for rule in &rules {
            self.notification_serial += 1;
            let values = rule
                .fields
                .iter()
                .filter_map(|name| record.object.field(name))
                .map(|field| (field.name, record.get(field)))
                .collect();
            self.pending.push(Notification {
                id: ids::record_id(ids::NOTIFICATION_PREFIX, self.notification_serial),
                rule_id: rule.id.clone(),
                object: record.object,
                record_id: record.id.clone(),
                values,
                queued_at: Utc::now(),
                attempts: 0,
                next_attempt: Instant::now(),
                in_flight: false,
            });
        }
        rules.len()
    }

    /// Takes the next batch that is due: a deliberate duplicate first, else up to `max_batch`
    /// due notifications of one rule (in queue order, or shuffled when `reorder` is on).
    pub fn take_due(&mut self, now: Instant, settings: &OutboundSettings) -> Option<Batch> {
        if let Some(batch) = self.take_duplicate(settings) {
            return Some(batch);
        }
        let mut due: Vec<usize> = self
            .pending
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.in_flight && n.next_attempt <= now)
            .map(|(i, _)| i)
            .collect();
        if due.is_empty() {
            return None;
        }
        if settings.reorder {
            due.shuffle(&mut self.rng);
        }
        let rule_id = self.pending[due[0]].rule_id.clone();
        let rule = self.rules.iter().find(|r| r.id == rule_id)?.clone();
        let chosen: Vec<usize> = due
            .into_iter()
            .filter(|&i| self.pending[i].rule_id == rule_id)
            .take(settings.max_batch)
            .collect();
        let notifications = chosen
            .iter()
            .map(|&i| {
                self.pending[i].in_flight = true;
                self.pending[i].attempts += 1;
                self.pending[i].clone()
            })
            .collect();
        Some(Batch {
            rule,
            notifications,
            duplicate: false,
        })
    }

    /// A deliberate re-send, if one waits: the oldest, or with `reorder` a random one (its
    /// notifications shuffled), and then only every other time so re-sends mix with new
    /// messages instead of all coming first.
    fn take_duplicate(&mut self, settings: &OutboundSettings) -> Option<Batch> {
        if self.duplicates.is_empty() {
            return None;
        }
        if !settings.reorder {
            return self.duplicates.pop_front();
        }
        let has_new = self.pending.iter().any(|n| !n.in_flight);
        if has_new && self.rng.random::<bool>() {
            return None;
        }
        let at = self.rng.random_range(0..self.duplicates.len());
        let mut batch = self.duplicates.remove(at)?;
        batch.notifications.shuffle(&mut self.rng);
        Some(batch)
    }

    /// Records the answer to a batch: acknowledged notifications leave the queue, failed ones
    /// wait for their back-off (or are dropped once too old).
    pub fn complete(
        &mut self,
        batch: Batch,
        answer: deliver::Answer,
        settings: &OutboundSettings,
    ) -> DeliveryAttempt {
        let ids: Vec<String> = batch.notifications.iter().map(|n| n.id.clone()).collect();
        // A set: with thousands pending, matching against a list made every answer quadratic.
        let id_set: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut gave_up = false;
        if !batch.duplicate {
            if answer.acked {
                self.pending.retain(|n| !id_set.contains(n.id.as_str()));
                let mut copies = settings.extra_deliveries;
                if settings.duplicate_rate > 0.0
                    && self.rng.random::<f64>() < settings.duplicate_rate
                {
                    copies += 1;
                }
                for _ in 0..copies {
                    self.duplicates.push_back(Batch {
                        duplicate: true,
                        ..batch.clone()
                    });
                }
            } else {
                let now = Instant::now();
                let give_up_after = Duration::from_secs(settings.give_up_after_secs);
                for n in self
                    .pending
                    .iter_mut()
                    .filter(|n| id_set.contains(n.id.as_str()))
                {
                    n.in_flight = false;
                    let factor = 2u64.saturating_pow(n.attempts.saturating_sub(1));
                    let backoff = settings
                        .initial_backoff_ms
                        .saturating_mul(factor)
                        .min(settings.max_backoff_ms);
                    n.next_attempt = now + Duration::from_millis(backoff);
                }
                let before = self.pending.len();
                let cutoff =
                    Utc::now() - chrono::Duration::from_std(give_up_after).unwrap_or_default();
                self.pending
                    .retain(|n| !(id_set.contains(n.id.as_str()) && n.queued_at < cutoff));
                gave_up = self.pending.len() != before;
            }
        }
        let attempt = DeliveryAttempt {
            at: Utc::now(),
            duration_ms: answer.duration_ms,
            rule_id: batch.rule.id.clone(),
            endpoint_url: batch.rule.endpoint_url.clone(),
            record_ids: batch
                .notifications
                .iter()
                .map(|n| n.record_id.clone())
                .collect(),
            notification_ids: ids,
            attempt: batch.notifications.first().map(|n| n.attempts).unwrap_or(1),
            status: answer.status,
            response_excerpt: answer.excerpt,
            error: answer.error,
            acked: answer.acked,
            duplicate: batch.duplicate,
            gave_up,
        };
        self.log.push_front(attempt.clone());
        self.log.truncate(settings.log_capacity.max(1));
        attempt
    }

    /// Makes every pending notification due now (admin "flush": skip the back-off wait).
    pub fn make_all_due(&mut self) {
        let now = Instant::now();
        for n in &mut self.pending {
            n.next_attempt = now;
        }
    }

    /// When the next pending notification is due, if any.
    pub fn next_due(&self) -> Option<Instant> {
        if !self.duplicates.is_empty() {
            return Some(Instant::now());
        }
        self.pending
            .iter()
            .filter(|n| !n.in_flight)
            .map(|n| n.next_attempt)
            .min()
    }

    pub fn pending(&self) -> Vec<PendingView> {
        self.pending
            .iter()
            .map(|n| PendingView {
                id: n.id.clone(),
                rule_id: n.rule_id.clone(),
                object: n.object,
                record_id: n.record_id.clone(),
                queued_at: n.queued_at,
                attempts: n.attempts,
            })
            .collect()
    }

    /// Delivery attempts, newest first.
    pub fn log(&self) -> Vec<DeliveryAttempt> {
        self.log.iter().cloned().collect()
    }

    /// The acknowledged attempts since `since` for `rule_ids` (every rule when empty), summed
    /// up without copying the log.
    pub fn ack_summary(
        &self,
        since: Option<DateTime<Utc>>,
        rule_ids: &[String],
    ) -> acks::AckSummary {
        acks::AckSummary::of(&self.log, since, rule_ids)
    }
}
