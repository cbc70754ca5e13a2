//! `/api/openapi.json` describes exactly the API the app serves: every `/api/v1` route of the
//! route table is documented with its method, and nothing else is.

use std::collections::BTreeSet;

use ferry_server::all_routes;
use serde_json::Value;

use crate::helpers::TestApp;

async fn document(app: &TestApp) -> Value {
    let resp = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route_and_no_other() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;

    let served: BTreeSet<(String, String)> = all_routes()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_owned()))
        .collect();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
    assert!(
        served.len() >= 28,
        "the API has its routes: {}",
        served.len()
    );
}

#[tokio::test]
async fn every_operation_needs_a_bearer_token_and_describes_its_answers() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;

    assert_eq!(
        doc["components"]["securitySchemes"]["api_token"]["type"],
        "http"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["api_token"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["api_token"], serde_json::json!([]));

    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            for (status, response) in op["responses"].as_object().unwrap() {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{what} {status} has no description (OpenAPI requires one)"
                );
            }
            let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
            assert!(ok.is_object(), "{what} has no 200 body schema");
            assert!(
                op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("/ApiErrorBody")),
                "{what} documents no 401 error body"
            );
            for name in path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            {
                let declared = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["name"] == name && p["in"] == "path");
                assert!(
                    declared,
                    "{what} does not declare its path parameter {name}"
                );
            }
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ApiErrorBody",
        "FlowView",
        "FlowSettings",
        "ErrorItem",
        "RunView",
        "IntegrationSummary",
        "ConnectionParams",
        "ConnectionResponse",
    ] {
        assert!(schemas.contains_key(name), "no schema {name}");
    }
    // Secrets can be sent but are never returned.
    assert_eq!(
        schemas["ConnectionParams"]["properties"]["private_key_pem"]["writeOnly"],
        true
    );
    assert!(
        schemas["ConnectionResponse"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.contains("secret") || k == "stored_secrets"),
    );
}
