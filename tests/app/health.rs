use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_answers_without_a_session() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    let resp = c.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );
}

#[tokio::test]
async fn readyz_reports_a_reachable_database() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    let resp = c.get("/readyz").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );
}

#[tokio::test]
async fn unknown_pages_get_the_404_page_in_the_layout() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    let resp = c.get("/no/such/page").await;
    assert_eq!(resp.status(), 404);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(
        html.contains("class=\"topbar\""),
        "error page uses the layout"
    );
}

#[tokio::test]
async fn static_assets_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    for (file, kind) in [
        ("app.css", "text/css"),
        ("htmx.min.js", "javascript"),
        ("favicon.svg", "svg"),
    ] {
        let resp = c.get(&format!("/static/{file}")).await;
        assert_eq!(resp.status(), 200, "{file}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.contains(kind), "{file}: {ct}");
    }
    assert_eq!(c.get("/static/../Cargo.toml").await.status(), 404);
}
