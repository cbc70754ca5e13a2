//! `POST /listeners/{token}/salesforce`: Salesforce outbound messages. The answer is `Ack`
//! only once the notifications are committed to the inbox; anything else is a SOAP fault, and
//! Salesforce delivers the message again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;

use ferry_domain::inbox::{CONTENT_TYPE, ack_response, fault_response};
use ferry_domain::sync::listener::{self, ListenerError};

use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Post "/listeners/{token}/salesforce" => receive [Access::Public];
}

/// 100 notifications with every field selected stay far below this.
const MAX_BODY: usize = 4 * 1024 * 1024;

fn soap(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(CONTENT_TYPE)
        .body(body)
}

fn fault(error: &ListenerError) -> HttpResponse {
    let status = match error {
        ListenerError::UnknownListener => StatusCode::NOT_FOUND,
        ListenerError::Malformed(_)
        | ListenerError::WrongObject { .. }
        | ListenerError::InvalidModstamp { .. } => StatusCode::BAD_REQUEST,
        ListenerError::WrongOrganization { .. } | ListenerError::UnknownOrganization => {
            StatusCode::FORBIDDEN
        }
        ListenerError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let reason = match error {
        // Details of storage failures are for the log, not the caller.
        ListenerError::Storage(_) => "temporarily unable to store the notifications".to_owned(),
        other => other.to_string(),
    };
    soap(status, fault_response(&reason))
}

async fn receive(
    state: web::Data<AppState>,
    token: web::Path<String>,
    mut payload: web::Payload,
) -> HttpResponse {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return soap(
                StatusCode::BAD_REQUEST,
                fault_response("the request body could not be read"),
            );
        };
        if body.len() + chunk.len() > MAX_BODY {
            return soap(
                StatusCode::PAYLOAD_TOO_LARGE,
                fault_response("the message is larger than Ferry accepts (4 MiB)"),
            );
        }
        body.extend_from_slice(&chunk);
    }
    match listener::accept(&state.sync, &state.master_key, &token, &body).await {
        Ok(_) => soap(StatusCode::OK, ack_response()),
        Err(error) => {
            match &error {
                ListenerError::Storage(detail) => {
                    tracing::error!(%detail, "outbound message not stored; Salesforce will redeliver")
                }
                other => tracing::warn!(error = %other, "outbound message refused"),
            }
            fault(&error)
        }
    }
}
