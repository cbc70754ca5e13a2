//! Pushes change events to subscribed endpoints as a JSON array of Streaming API messages.
//! A 2xx answer acknowledges everything sent; anything else is retried with the outbound
//! messages' back-off settings.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::salesforce::SalesforceState;
use crate::salesforce::schema::ObjectKind;

const IDLE_WAIT: Duration = Duration::from_secs(5);
const MAX_EVENTS_PER_POST: usize = 100;

struct Work {
    subscription: String,
    url: String,
    up_to: u64,
    messages: Vec<Value>,
}

pub async fn run(state: SalesforceState) {
    let mut client: Option<reqwest::Client> = None;
    loop {
        let settings = state.settings().outbound;
        let work = take_work(&state);
        let Some(work) = work else {
            // Wake for the earliest retry, or when a write or the admin API says so.
            let retry = state
                .lock()
                .cdc
                .subscriptions
                .iter()
                .filter_map(|s| s.next_attempt)
                .filter(|due| *due > Instant::now())
                .min()
                .map(|due| due.saturating_duration_since(Instant::now()));
            state
                .cdc_wait(retry.unwrap_or(IDLE_WAIT).min(IDLE_WAIT))
                .await;
            continue;
        };
        let http = match &client {
            Some(c) => c.clone(),
            None => match reqwest::Client::builder()
                .timeout(Duration::from_millis(settings.delivery_timeout_ms))
                .danger_accept_invalid_certs(settings.accept_invalid_certs)
                .build()
            {
                Ok(c) => {
                    client = Some(c.clone());
                    c
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the CDC push client");
                    state.cdc_wait(IDLE_WAIT).await;
                    continue;
                }
            },
        };
        let result = http.post(&work.url).json(&work.messages).send().await;
        let error = match result {
            Ok(res) if res.status().is_success() => None,
            Ok(res) => Some(format!("endpoint answered HTTP {}", res.status().as_u16())),
            Err(e) => Some(format!("request failed: {e}")),
        };
        let mut org = state.lock();
        if let Some(sub) = org
            .cdc
            .subscriptions
            .iter_mut()
            .find(|s| s.id == work.subscription)
        {
            sub.in_flight = false;
            match error {
                None => {
                    sub.delivered_up_to = sub.delivered_up_to.max(work.up_to);
                    sub.failures = 0;
                    sub.last_error = None;
                    sub.next_attempt = None;
                }
                Some(error) => {
                    sub.failures += 1;
                    let factor = 2u64.saturating_pow(sub.failures.saturating_sub(1));
                    let backoff = settings
                        .initial_backoff_ms
                        .saturating_mul(factor)
                        .min(settings.max_backoff_ms);
                    sub.next_attempt = Some(Instant::now() + Duration::from_millis(backoff));
                    sub.last_error = Some(error);
                }
            }
        }
    }
}

/// The next subscription with undelivered events that is due, marked in flight.
fn take_work(state: &SalesforceState) -> Option<Work> {
    let mut org = state.lock();
    let now = Instant::now();
    let due: Vec<(String, String, u64, Vec<ObjectKind>)> = org
        .cdc
        .subscriptions
        .iter()
        .filter(|s| !s.in_flight && s.next_attempt.is_none_or(|at| at <= now))
        .map(|s| {
            (
                s.id.clone(),
                s.endpoint_url.clone(),
                s.delivered_up_to,
                s.objects.clone(),
            )
        })
        .collect();
    for (id, url, after, objects) in due {
        let events = org.cdc.since(after, &objects, MAX_EVENTS_PER_POST);
        let Some(last) = events.last() else {
            continue;
        };
        let up_to = last.replay_id;
        let messages = events.iter().map(|e| e.message()).collect();
        if let Some(sub) = org.cdc.subscriptions.iter_mut().find(|s| s.id == id) {
            sub.in_flight = true;
        }
        return Some(Work {
            subscription: id,
            url,
            up_to,
            messages,
        });
    }
    None
}
