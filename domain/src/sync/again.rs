//! Trying an idempotent remote call again at once when it failed transiently (a 5xx, a
//! timeout, a dropped connection), twice, before the failure reaches the engine's back-off.
//!
//! Why: a batch-level call (the SOQL fetch, the SuiteQL lookup, a Collections write-back)
//! failing puts every record of the batch back for a second or more, and a record's attempt
//! is several calls in a row; with one call in ten failing (the remote-faults drill) half of
//! the attempts failed and a few records took more than ten minutes of back-off. Most blips
//! pass within a second. Rate limits (429) are not retried here: the governor and Retry-After
//! decide when NetSuite or Salesforce may be asked again.

use std::future::Future;
use std::time::Duration;

use ferry_connectors::{ConnectorError, ErrorKind};

/// Extra tries after the first, and the pause before the first of them (tripled after).
const EXTRA_TRIES: usize = 2;
const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// Runs `call` (which must be safe to repeat), again after a transient failure.
pub async fn again<T, F, Fut>(mut call: F) -> Result<T, ConnectorError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    let mut pause = FIRST_PAUSE;
    for _ in 0..EXTRA_TRIES {
        match call().await {
            Err(error) if worth_again(&error) => {
                tracing::debug!(%error, "transient failure; trying again at once");
                tokio::time::sleep(pause.mul_f64(rand::random_range(0.5..1.5))).await;
                pause *= 3;
            }
            answer => return answer,
        }
    }
    call().await
}

fn worth_again(error: &ConnectorError) -> bool {
    error.is_retryable() && error.kind != ErrorKind::RateLimited
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ferry_connectors::System;

    use super::*;

    fn transient() -> ConnectorError {
        ConnectorError::remote(ErrorKind::Transient, System::Netsuite, 503, None, "busy")
    }

    #[tokio::test]
    async fn a_blip_is_ridden_out_and_a_lasting_failure_returned_after_three_tries() {
        let calls = AtomicUsize::new(0);
        let answer = again(|| async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            if n < 2 { Err(transient()) } else { Ok(n) }
        })
        .await;
        assert_eq!(answer.ok(), Some(2));

        let calls = AtomicUsize::new(0);
        let answer: Result<(), _> = again(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(transient())
        })
        .await;
        assert!(answer.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn rate_limits_and_permanent_failures_are_not_repeated() {
        let kinds: [fn() -> ConnectorError; 2] = [
            || ConnectorError::remote(ErrorKind::RateLimited, System::Netsuite, 429, None, "slow"),
            || ConnectorError::remote(ErrorKind::Validation, System::Netsuite, 400, None, "bad"),
        ];
        for error in kinds {
            let calls = AtomicUsize::new(0);
            let answer: Result<(), _> = again(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(error())
            })
            .await;
            assert!(answer.is_err());
            assert_eq!(calls.load(Ordering::SeqCst), 1);
        }
    }
}
