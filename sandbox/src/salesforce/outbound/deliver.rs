//! The background deliverer: takes due batches off the queue, POSTs the SOAP envelope, and
//! records the answer. Only a proper `<Ack>true</Ack>` counts as delivered.

use std::time::{Duration, Instant};

use super::Batch;
use super::envelope::{self, EnvelopeHeader};
use crate::salesforce::SalesforceState;

/// What a listener answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// How long the listener took to answer (or to fail): from sending the request to the
    /// end of the answer, without the time spent writing the envelope, which is ours.
    pub duration_ms: f64,
    pub status: Option<u16>,
    pub excerpt: String,
    pub error: Option<String>,
    pub acked: bool,
}

/// Longest pause between looks at the queue when nothing wakes the deliverer.
const IDLE_WAIT: Duration = Duration::from_secs(5);

pub async fn run(state: SalesforceState) {
    // One HTTP client (and its connection pool) for as long as its settings hold.
    let mut cached: Option<((u64, bool), Option<reqwest::Client>)> = None;
    loop {
        let settings = state.settings().outbound;
        let batch = state.lock().outbound.take_due(Instant::now(), &settings);
        match batch {
            Some(batch) => {
                let key = (settings.delivery_timeout_ms, settings.accept_invalid_certs);
                let client = match &cached {
                    Some((k, client)) if *k == key => client.clone(),
                    _ => {
                        let client = client(&settings);
                        cached = Some((key, client.clone()));
                        client
                    }
                };
                let answer = send(&state, &client, &batch).await;
                let acked = answer.acked;
                let count = batch.notifications.len() as u64;
                state.lock().outbound.complete(batch, answer, &settings);
                state.context().stats.record_outbound_delivery(acked, count);
            }
            None => {
                let next = state.lock().outbound.next_due();
                let wait = next
                    .map(|due| due.saturating_duration_since(Instant::now()))
                    .unwrap_or(IDLE_WAIT)
                    .min(IDLE_WAIT);
                state.deliverer_wait(wait).await;
            }
        }
    }
}

fn client(settings: &crate::salesforce::OutboundSettings) -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(settings.delivery_timeout_ms))
        .danger_accept_invalid_certs(settings.accept_invalid_certs)
        .build()
        .ok()
}

async fn send(state: &SalesforceState, client: &Option<reqwest::Client>, batch: &Batch) -> Answer {
    let failed = |error: String| Answer {
        duration_ms: 0.0,
        status: None,
        excerpt: String::new(),
        error: Some(error),
        acked: false,
    };
    let Some(client) = client else {
        return failed("could not build the HTTP client".into());
    };
    let settings = state.settings();
    let base = state.base_url();
    let org = state.org_id();
    let version = &settings.api_version;
    let session = batch.rule.send_session_id.then(|| state.issue_demo_token());
    let enterprise_url = format!("{base}/services/Soap/c/{version}/{}", &org[..15]);
    let partner_url = format!("{base}/services/Soap/u/{version}/{}", &org[..15]);
    let header = EnvelopeHeader {
        organization_id: org,
        action_id: &batch.rule.id,
        session_id: session.as_deref(),
        enterprise_url: &enterprise_url,
        partner_url: &partner_url,
    };
    let body = match envelope::write(&header, &batch.notifications) {
        Ok(body) => body,
        Err(e) => return failed(format!("could not write the envelope: {e}")),
    };
    let started = Instant::now();
    let elapsed_ms = || started.elapsed().as_secs_f64() * 1000.0;
    let response = client
        .post(&batch.rule.endpoint_url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"\"")
        .body(body)
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            return Answer {
                duration_ms: elapsed_ms(),
                ..failed(format!("request failed: {e}"))
            };
        }
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let duration_ms = elapsed_ms();
    let acked = status.is_success() && envelope::is_ack(&text);
    Answer {
        duration_ms,
        status: Some(status.as_u16()),
        excerpt: text.chars().take(500).collect(),
        error: (!acked).then(|| {
            if status.is_success() {
                "answer is not <Ack>true</Ack>".to_owned()
            } else {
                format!("listener answered HTTP {}", status.as_u16())
            }
        }),
        acked,
    }
}
