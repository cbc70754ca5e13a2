//! Versions, the resource directory of a version, and `/limits`.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::{ApiReply, ApiResult, Caller, Tx, run};
use crate::salesforce::SalesforceState;

/// `GET /services/data/`: the versions the org speaks (no auth, no limit header).
pub async fn versions(state: web::Data<SalesforceState>) -> HttpResponse {
    let current: u32 = state
        .settings()
        .api_version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(67);
    let list: Vec<_> = (current.saturating_sub(7)..=current)
        .map(|v| {
            json!({
                "label": release_label(v),
                "url": format!("/services/data/v{v}.0"),
                "version": format!("{v}.0"),
            })
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// Salesforce names three releases a year; v67 is Summer '26.
fn release_label(version: u32) -> String {
    let offset = i64::from(version) - 67;
    let index = offset.rem_euclid(3);
    let year = 26 + offset.div_euclid(3) + i64::from(index > 0);
    let season = match index {
        0 => "Summer",
        1 => "Winter",
        _ => "Spring",
    };
    format!("{season} '{year:02}")
}

pub async fn resources(state: web::Data<SalesforceState>, caller: Caller) -> HttpResponse {
    run(&state, &caller, |tx| {
        let v = tx.version().to_owned();
        let base = format!("/services/data/{v}");
        Ok(ApiReply::ok(json!({
            "sobjects": format!("{base}/sobjects"),
            "query": format!("{base}/query"),
            "queryAll": format!("{base}/queryAll"),
            "composite": format!("{base}/composite"),
            "limits": format!("{base}/limits"),
        })))
    })
}

pub async fn limits(state: web::Data<SalesforceState>, caller: Caller) -> HttpResponse {
    run(&state, &caller, limits_op)
}

pub fn limits_op(tx: &mut Tx<'_>) -> ApiResult {
    let max = tx.settings.daily_api_limit;
    let used = tx.org.usage.used;
    Ok(ApiReply::ok(json!({
        "DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used)},
    })))
}

#[cfg(test)]
mod tests {
    use super::release_label;

    #[test]
    fn release_labels_follow_the_three_a_year_cycle() {
        assert_eq!(release_label(67), "Summer '26");
        assert_eq!(release_label(68), "Winter '27");
        assert_eq!(release_label(69), "Spring '27");
        assert_eq!(release_label(66), "Spring '26");
        assert_eq!(release_label(65), "Winter '26");
    }
}
