//! A tenant whose integration is connected to the test's sandbox, with both flows on and the
//! sandbox's outbound messages wired to the flows' listeners: the starting point of every
//! end-to-end sync test.

use std::time::Duration;

use ferry_domain::entities::flow;
use ferry_sandbox::netsuite::patch::RecordPatch;
use ferry_sandbox::netsuite::schema::RecordType;
use ferry_sandbox::netsuite::store::FieldValue;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestClient, between, location};

pub const API: &str = "/services/data/v67.0";

pub struct Synced {
    pub app: TestApp,
    pub owner: TestClient,
    /// For logging in from a browser (the browser tests share this fixture).
    #[allow(dead_code)]
    pub owner_email: String,
    pub integration: String,
    pub account_flow: String,
    pub contact_flow: String,
    http: reqwest::Client,
}

/// A NetSuite record as the sandbox holds it.
#[derive(Debug, Clone)]
pub struct NsRecord {
    pub id: String,
    pub external_id: Option<String>,
    pub fields: Value,
}

impl Synced {
    /// Connected, both flows on, outbound messages for Account and Contact wired.
    pub async fn start() -> Synced {
        Self::start_with(true, true).await
    }

    pub async fn start_with(account_on: bool, contact_on: bool) -> Synced {
        Self::start_named("Sync Co", account_on, contact_on).await
    }

    /// [`Synced::start_with`] for a workspace named `company`.
    pub async fn start_named(company: &str, account_on: bool, contact_on: bool) -> Synced {
        Self::start_in(TestApp::spawn().await, company, account_on, contact_on).await
    }

    /// [`Synced::start`] with no background workers: notifications are stored and queued,
    /// and nothing syncs them.
    #[allow(dead_code)]
    pub async fn start_without_workers() -> Synced {
        Self::start_in(
            TestApp::spawn_without_workers().await,
            "Sync Co",
            true,
            true,
        )
        .await
    }

    async fn start_in(app: TestApp, company: &str, account_on: bool, contact_on: bool) -> Synced {
        let (owner, owner_email) = app.owner_with_email(company).await;
        let integration = owner.first_integration_id().await;
        for system in ["salesforce", "netsuite"] {
            let path = format!("/integrations/{integration}/connections/{system}");
            let resp = owner.post_form(&format!("{path}/sandbox"), &[]).await;
            assert_eq!(resp.status(), 303, "use the sandbox for {system}");
            let page = owner.test_connection(&integration, system).await;
            assert!(page.contains("Connected"), "{system} test failed: {page}");
        }
        let flows = owner.flow_ids(&integration).await;
        assert_eq!(flows.len(), 2, "two flows on the settings page");
        // The account flow is installed first.
        let (account_flow, contact_flow) = (flows[0].clone(), flows[1].clone());
        let fixture = Synced {
            app,
            owner,
            owner_email,
            integration,
            account_flow,
            contact_flow,
            http: reqwest::Client::new(),
        };
        // Redeliveries after a failed Ack come quickly in tests.
        let sf = fixture.app.sandbox.salesforce();
        let mut settings = sf.settings();
        settings.outbound.initial_backoff_ms = 200;
        settings.outbound.max_backoff_ms = 1000;
        sf.set_settings(settings).unwrap();
        for (flow, object, on) in [
            (fixture.account_flow.clone(), "Account", account_on),
            (fixture.contact_flow.clone(), "Contact", contact_on),
        ] {
            let url = fixture.listener_url(&flow).await;
            fixture.outbound_rule(object, &url).await;
            if on {
                fixture.set_flow(&flow, true).await;
            }
        }
        fixture
    }

    pub fn flow_path(&self, flow: &str) -> String {
        format!("/integrations/{}/flows/{flow}", self.integration)
    }

    pub async fn listener_url(&self, flow: &str) -> String {
        let page = self.owner.get_html(&self.flow_path(flow)).await;
        between(&page, "id=\"listener-url\" value=\"", "\"")
            .or_else(|| {
                let v = between(&page, "readonly value=\"", "\"")?;
                Some(v)
            })
            .expect("listener URL on the flow page")
    }

    pub async fn set_flow(&self, flow: &str, on: bool) -> reqwest::Response {
        let resp = self
            .owner
            .post_form(
                &format!("{}/toggle", self.flow_path(flow)),
                &[("enabled", if on { "on" } else { "off" })],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp), self.flow_path(flow));
        resp
    }

    pub async fn outbound_rule(&self, object: &str, url: &str) {
        let fields = if object == "Account" {
            json!(["Name", "SystemModstamp"])
        } else {
            json!(["LastName", "SystemModstamp"])
        };
        let resp = self
            .http
            .post(format!(
                "{}/__sandbox/outbound/rules",
                self.app.sandbox.salesforce_url()
            ))
            .json(&json!({"object": object, "fields": fields, "endpoint_url": url}))
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "outbound rule: {}",
            resp.text().await.unwrap()
        );
    }

    fn token(&self) -> String {
        self.app.sandbox.salesforce().issue_demo_token()
    }

    /// Creates a Salesforce record through the REST API (which fires outbound messages).
    pub async fn sf_create(&self, object: &str, fields: Value) -> String {
        let resp = self
            .http
            .post(format!(
                "{}{API}/sobjects/{object}/",
                self.app.sandbox.salesforce_url()
            ))
            .bearer_auth(self.token())
            .json(&fields)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, 201, "create {object}: {body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn sf_update(&self, object: &str, id: &str, fields: Value) {
        let resp = self
            .http
            .patch(format!(
                "{}{API}/sobjects/{object}/{id}",
                self.app.sandbox.salesforce_url()
            ))
            .bearer_auth(self.token())
            .json(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            204,
            "update {object}: {}",
            resp.text().await.unwrap()
        );
    }

    pub async fn sf_get(&self, object: &str, id: &str) -> Value {
        self.http
            .get(format!(
                "{}{API}/sobjects/{object}/{id}",
                self.app.sandbox.salesforce_url()
            ))
            .bearer_auth(self.token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Every NetSuite record of a type.
    pub fn ns_records(&self, record: &str) -> Vec<NsRecord> {
        let rt = match record {
            "customer" => RecordType::Customer,
            _ => RecordType::Contact,
        };
        let ns = self.app.sandbox.netsuite();
        let store = ns.store();
        store
            .records(rt)
            .map(|r| {
                let fields: serde_json::Map<String, Value> = r
                    .values
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            FieldValue::Text(s) => json!(s),
                            FieldValue::Ref(id) => json!(id.to_string()),
                            FieldValue::Bool(b) => json!(b),
                        };
                        ((*k).to_owned(), v)
                    })
                    .collect();
                let fields = Value::Object(fields);
                NsRecord {
                    id: r.id.to_string(),
                    external_id: r.text("externalId").map(str::to_owned),
                    fields,
                }
            })
            .collect()
    }

    pub fn ns_by_external_id(&self, record: &str, external_id: &str) -> Vec<NsRecord> {
        self.ns_records(record)
            .into_iter()
            .filter(|r| r.external_id.as_deref() == Some(external_id))
            .collect()
    }

    /// Waits (up to 30 s) until `check` holds, polling.
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        self.eventually_within(30, what, check).await;
    }

    /// Waits up to `secs` seconds until `check` holds, polling.
    pub async fn eventually_within<F, Fut>(&self, secs: u64, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while tokio::time::Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting until {what}");
    }

    /// The NetSuite id written back on a Salesforce record, once there (up to 30 s).
    pub async fn written_back(&self, object: &str, id: &str) -> String {
        self.written_back_within(30, object, id).await
    }

    /// The NetSuite id written back on a Salesforce record, once there (up to `secs`).
    pub async fn written_back_within(&self, secs: u64, object: &str, id: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while tokio::time::Instant::now() < deadline {
            let record = self.sf_get(object, id).await;
            if let Some(v) = record["NetSuite_Id__c"].as_str().filter(|v| !v.is_empty()) {
                return v.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{object} {id} never got its NetSuite id; outcomes: {:?}, errors: {:?}",
            self.outcomes(id).await,
            self.open_errors(id).await
        );
    }

    /// Outcomes recorded for a record, oldest first: (outcome, reason).
    pub async fn outcomes(&self, record_id: &str) -> Vec<(String, String)> {
        let backend = self.app.db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "SELECT outcome, reason FROM sync_outcomes WHERE record_id = $1 ORDER BY at, id"
            }
            _ => "SELECT outcome, reason FROM sync_outcomes WHERE record_id = ? ORDER BY at, id",
        };
        self.app
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [record_id.into()],
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get("", "outcome").unwrap(),
                    r.try_get("", "reason").unwrap(),
                )
            })
            .collect()
    }

    /// Open errors of a record: (kind, message).
    pub async fn open_errors(&self, record_id: &str) -> Vec<(String, String)> {
        let backend = self.app.db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "SELECT kind, message FROM sync_errors WHERE record_id = $1 AND status = 'open'"
            }
            _ => "SELECT kind, message FROM sync_errors WHERE record_id = ? AND status = 'open'",
        };
        self.app
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [record_id.into()],
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get("", "kind").unwrap(),
                    r.try_get("", "message").unwrap(),
                )
            })
            .collect()
    }

    /// Replaces a flow's stored settings (the settings UI is tested on its own).
    #[allow(dead_code)]
    pub async fn set_settings(&self, flow: &str, settings: Value) {
        let backend = self.app.db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => "UPDATE flows SET settings = $1 WHERE id = $2",
            _ => "UPDATE flows SET settings = ? WHERE id = ?",
        };
        let id = uuid::Uuid::parse_str(flow).unwrap();
        self.app
            .db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [settings.into(), id.into()],
            ))
            .await
            .unwrap();
    }

    /// The NetSuite id on a Salesforce record now, if any.
    pub async fn netsuite_id_on(&self, object: &str, id: &str) -> Option<String> {
        self.sf_get(object, id).await["NetSuite_Id__c"]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Creates a record straight in the NetSuite simulator's store, as someone working in
    /// NetSuite would (no external id unless given). Returns its internal id.
    pub fn ns_create(
        &self,
        record: &str,
        fields: &[(&'static str, &str)],
        company: Option<&str>,
    ) -> String {
        let rt = match record {
            "customer" => RecordType::Customer,
            _ => RecordType::Contact,
        };
        let mut patch = RecordPatch::default();
        for (field, value) in fields {
            patch = patch.text(field, *value);
        }
        if let Some(company) = company {
            patch = patch.reference("company", company.parse().unwrap());
        }
        let ns = self.app.sandbox.netsuite();
        let mut store = ns.store();
        store
            .create(rt, &patch, chrono::Utc::now())
            .unwrap()
            .to_string()
    }

    /// Replaces a simulator's fault rules (`system`: `salesforce` or `netsuite`).
    pub async fn set_faults(&self, system: &str, config: Value) {
        let resp = self
            .http
            .put(format!("{}/__sandbox/faults", self.sandbox_url(system)))
            .json(&config)
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "faults: {}",
            resp.text().await.unwrap()
        );
    }

    pub fn sandbox_url(&self, system: &str) -> String {
        match system {
            "salesforce" => self.app.sandbox.salesforce_url().to_owned(),
            _ => self.app.sandbox.netsuite_url(),
        }
    }

    /// A simulator admin route's JSON (`/__sandbox/...`).
    pub async fn sandbox_get(&self, system: &str, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.sandbox_url(system)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// How many requests the simulator answered with `status`, per route key
    /// (`"PUT /services/rest/record/v1/{type}/{id}"`), for keys containing `route`.
    pub async fn answered(&self, system: &str, route: &str, status: u16) -> u64 {
        let stats = self.sandbox_get(system, "/__sandbox/stats").await;
        stats["requests"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(key, _)| key.contains(route))
            .filter_map(|(_, counts)| counts[status.to_string()].as_u64())
            .sum()
    }

    /// Removes the sandbox's outbound rules for `object`: its changes are no longer pushed.
    pub async fn remove_outbound_rules(&self, object: &str) {
        let base = self.app.sandbox.salesforce_url().to_owned();
        let rules = self
            .sandbox_get("salesforce", "/__sandbox/outbound/rules")
            .await;
        let rules = rules
            .as_array()
            .or_else(|| rules["rules"].as_array())
            .cloned()
            .unwrap_or_default();
        let mut removed = 0;
        for rule in rules.iter().filter(|r| r["object"] == object) {
            let id = rule["id"].as_str().unwrap();
            let resp = self
                .http
                .delete(format!("{base}/__sandbox/outbound/rules/{id}"))
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "remove outbound rule {id}");
            removed += 1;
        }
        assert!(removed > 0, "no outbound rule for {object}: {rules:?}");
    }

    /// The flow's row as the engine sees it.
    pub async fn flow_row(&self, flow: &str) -> flow::Model {
        flow::Entity::find_by_id(uuid::Uuid::parse_str(flow).unwrap())
            .one(&self.app.db)
            .await
            .unwrap()
            .expect("the flow exists")
    }

    /// Runs a query written with `$n` placeholders (SQLite takes them as `?n`).
    pub async fn query(&self, sql: &str, values: Vec<sea_orm::Value>) -> Vec<sea_orm::QueryResult> {
        let backend = self.app.db.get_database_backend();
        let sql = match backend {
            DbBackend::Sqlite => sql.replace('$', "?"),
            _ => sql.to_owned(),
        };
        self.app
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap()
    }

    /// A `SELECT COUNT(*) AS n …` query's answer.
    pub async fn count(&self, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
        let rows = self.query(sql, values).await;
        rows[0].try_get::<i64>("", "n").unwrap()
    }

    /// Waits until the inbox holds nothing unprocessed for a record: no stored message names
    /// it and every outcome so far is written (a write-back lands in Salesforce just before
    /// its outcome is committed).
    pub async fn settled(&self, record_id: &str) {
        self.eventually_within(40, "the record's events are processed", || async {
            self.count(
                "SELECT (SELECT COUNT(*) FROM sync_events WHERE record_id = $1 AND status <> 'done') \
                      + (SELECT COUNT(*) FROM inbox_messages WHERE events LIKE $2) AS n",
                vec![record_id.into(), format!("%{record_id}%").into()],
            )
            .await
                == 0
        })
        .await;
    }

    /// Waits until every stored outbound message is split into inbox events.
    #[allow(dead_code)]
    pub async fn split(&self) {
        self.eventually_within(40, "the stored messages are split", || async {
            self.count("SELECT COUNT(*) AS n FROM inbox_messages", vec![])
                .await
                == 0
        })
        .await;
    }

    /// The decision details of a record's outcomes, oldest first: (outcome, detail).
    pub async fn outcome_details(&self, record_id: &str) -> Vec<(String, Value)> {
        self.query(
            "SELECT outcome, detail FROM sync_outcomes WHERE record_id = $1 ORDER BY at, id",
            vec![record_id.into()],
        )
        .await
        .iter()
        .map(|r| {
            (
                r.try_get("", "outcome").unwrap(),
                r.try_get::<Option<Value>>("", "detail")
                    .unwrap()
                    .unwrap_or(Value::Null),
            )
        })
        .collect()
    }

    /// POSTs a raw body to a listener URL: (status, body).
    pub async fn deliver(&self, url: &str, body: &str) -> (u16, String) {
        let resp = self
            .http
            .post(url)
            .header("content-type", "text/xml; charset=utf-8")
            .header("SOAPAction", "\"\"")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// GETs an API route with a bearer token: (status, JSON).
    pub async fn api_get(&self, token: &str, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(self.app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// POSTs JSON to an API route with a bearer token: (status, JSON).
    pub async fn api_post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(self.app.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}
