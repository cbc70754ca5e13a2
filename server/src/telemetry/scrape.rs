//! `GET /metrics`: every metric of the process in Prometheus' text format, served on its own
//! address (`metrics_bind`), never beside the app's pages and API, and behind a bearer token
//! when `metrics_token` is set.
//!
//! Besides what the recorder holds (requests, remote calls, outcomes, waits, jobs), each
//! scrape reads the backlog from the database: job queue depth and age, and the inbox. They
//! are read, not counted, so every process (server or worker) reports the same numbers.

use std::fmt::Write;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use ferry_domain::sync::backlog::{InboxBacklog, inbox_backlog};
use ferry_jobs::queue_stats::{QueueStats, queue_stats};

/// What the scrape endpoint needs.
pub struct MetricsEndpoint {
    pub handle: PrometheusHandle,
    pub db: DatabaseConnection,
    /// Required as `Authorization: Bearer <token>` when set.
    pub token: Option<SecretString>,
}

/// Mounts `GET /metrics`; anything else on the metrics address is 404.
pub fn configure_metrics(endpoint: MetricsEndpoint) -> impl FnOnce(&mut web::ServiceConfig) {
    let endpoint = web::Data::new(endpoint);
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(endpoint)
            .route("/metrics", web::get().to(scrape));
    }
}

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn authorized(req: &HttpRequest, token: Option<&SecretString>) -> bool {
    let Some(expected) = token else {
        return true;
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or_default();
    // Constant time: the comparison must not tell how much of a guess was right.
    bool::from(
        presented
            .as_bytes()
            .ct_eq(expected.expose_secret().as_bytes()),
    )
}

async fn scrape(req: HttpRequest, endpoint: web::Data<MetricsEndpoint>) -> HttpResponse {
    if !authorized(&req, endpoint.token.as_ref()) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"ferry-metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("A bearer token is required.\n");
    }
    let mut body = endpoint.handle.render();
    let backlog = async {
        Ok::<_, sea_orm::DbErr>((
            queue_stats(&endpoint.db).await?,
            inbox_backlog(&endpoint.db).await?,
        ))
    }
    .await;
    match backlog {
        Ok((queues, inbox)) => {
            write_backlog(&mut body, &queues, &inbox);
            write_gauge(&mut body, DATABASE_UP, DATABASE_UP_HELP, &[(&[], 1.0)]);
        }
        Err(error) => {
            tracing::warn!(%error, "the metrics scrape could not read the backlog");
            write_gauge(&mut body, DATABASE_UP, DATABASE_UP_HELP, &[(&[], 0.0)]);
        }
    }
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(body)
}

pub const QUEUE_DEPTH: &str = "ferry_job_queue_depth";
pub const QUEUE_OLDEST: &str = "ferry_job_queue_oldest_age_seconds";
pub const INBOX_EVENTS: &str = "ferry_inbox_events";
pub const INBOX_OLDEST: &str = "ferry_inbox_oldest_due_age_seconds";
pub const DATABASE_UP: &str = "ferry_database_up";
const DATABASE_UP_HELP: &str =
    "1 when this scrape could read the backlog from the database, else 0.";

fn write_backlog(out: &mut String, queues: &[QueueStats], inbox: &InboxBacklog) {
    let labels: Vec<[(&str, &str); 1]> = queues.iter().map(|q| [("queue", q.queue)]).collect();
    let per_queue = |value: fn(&QueueStats) -> f64| -> Vec<(&[(&str, &str)], f64)> {
        queues
            .iter()
            .zip(&labels)
            .map(|(q, l)| (l.as_slice(), value(q)))
            .collect()
    };
    write_gauge(
        out,
        QUEUE_DEPTH,
        "Jobs waiting for a worker (pending, or failed with attempts left), by queue.",
        &per_queue(|q| q.waiting as f64),
    );
    write_gauge(
        out,
        QUEUE_OLDEST,
        "How long the oldest waiting job of each queue has been due.",
        &per_queue(|q| q.oldest_seconds),
    );
    write_gauge(
        out,
        INBOX_EVENTS,
        "Inbox events not yet processed: due (a worker should be on them), scheduled (retries \
         in back-off) and claimed (being processed).",
        &[
            (&[("state", "due")], inbox.due as f64),
            (&[("state", "scheduled")], inbox.scheduled as f64),
            (&[("state", "claimed")], inbox.claimed as f64),
        ],
    );
    write_gauge(
        out,
        INBOX_OLDEST,
        "How long the oldest due inbox event has waited for a worker.",
        &[(&[], inbox.oldest_due_seconds)],
    );
}

/// One gauge family in the text format. Label values here are Ferry's own constants, which
/// need no escaping.
fn write_gauge(out: &mut String, name: &str, help: &str, samples: &[(&[(&str, &str)], f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in samples {
        let labels = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect::<Vec<_>>()
            .join(",");
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_token_must_match_exactly_when_one_is_set() {
        let token = SecretString::from("s3cret-token".to_owned());
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request()
        };
        assert!(authorized(&with("Bearer s3cret-token"), Some(&token)));
        assert!(authorized(&with("bearer  s3cret-token "), Some(&token)));
        assert!(!authorized(&with("Bearer s3cret-toke"), Some(&token)));
        assert!(!authorized(&with("Basic s3cret-token"), Some(&token)));
        assert!(!authorized(
            &TestRequest::default().to_http_request(),
            Some(&token)
        ));
        assert!(authorized(&TestRequest::default().to_http_request(), None));
    }

    #[test]
    fn gauges_are_written_in_the_text_format() {
        let mut out = String::new();
        write_backlog(
            &mut out,
            &[QueueStats {
                queue: "ferry.sync",
                waiting: 3,
                oldest_seconds: 1.5,
            }],
            &InboxBacklog {
                due: 2,
                scheduled: 0,
                claimed: 1,
                oldest_due_seconds: 0.25,
            },
        );
        for line in [
            "# TYPE ferry_job_queue_depth gauge",
            "ferry_job_queue_depth{queue=\"ferry.sync\"} 3",
            "ferry_job_queue_oldest_age_seconds{queue=\"ferry.sync\"} 1.5",
            "ferry_inbox_events{state=\"due\"} 2",
            "ferry_inbox_events{state=\"claimed\"} 1",
            "ferry_inbox_oldest_due_age_seconds 0.25",
        ] {
            assert!(
                out.lines().any(|l| l == line),
                "{line} missing from:\n{out}"
            );
        }
    }
}
