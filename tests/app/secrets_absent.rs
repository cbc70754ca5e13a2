//! Secrets stay secret at rest and in logs. A realistic session — sign up with a password,
//! connect Salesforce (refresh token) and NetSuite (token-based auth) through the forms with
//! known secrets, sync records through the listener, rotate a listener URL, create an API
//! token, invite someone, log in (and fail once) — then the whole database is dumped and every
//! log line written meanwhile is read: none of the secrets may appear, in plain text, hex or
//! base64.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::{
    PASSWORD, TestApp, between, location, netsuite_tba_form, salesforce_form, state_in,
    unique_email,
};
use crate::log_capture::LogCapture;
use crate::sync_fixture::Synced;

const WRONG_PASSWORD: &str = "wrong-but-still-secret-Zq81";

/// A secret and what it is, for the failure message.
struct Secret {
    what: String,
    forms: Vec<Vec<u8>>,
}

impl Secret {
    /// A text secret, in the forms it could be stored or logged in.
    fn text(what: &str, value: &str) -> Secret {
        assert!(value.len() >= 12, "{what} is too short to look for");
        Secret::key(what, value.as_bytes())
    }

    /// Key material: its raw bytes and their usual encodings.
    fn key(what: &str, bytes: &[u8]) -> Secret {
        Secret {
            what: what.to_owned(),
            forms: vec![
                bytes.to_vec(),
                hex(bytes).into_bytes(),
                STANDARD.encode(bytes).into_bytes(),
                URL_SAFE_NO_PAD.encode(bytes).into_bytes(),
            ],
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    position(haystack, needle).is_some()
}

fn assert_absent(place: &str, haystack: &[u8], secrets: &[Secret]) {
    for secret in secrets {
        for form in &secret.forms {
            if let Some(at) = position(haystack, form) {
                // Where it was, with the secret itself blanked out of the message.
                let from = at.saturating_sub(300);
                let to = (at + form.len() + 300).min(haystack.len());
                let context = String::from_utf8_lossy(&haystack[from..to])
                    .replace(&*String::from_utf8_lossy(form), "<SECRET>");
                panic!("{} found in {place}:\n{context}", secret.what);
            }
        }
    }
}

/// A distinctive line of a PEM private key (the first lines of a key type repeat).
fn key_line(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .nth(2)
        .unwrap()
        .to_owned()
}

/// The secret part of a listener URL: `<flow id>.<HMAC>`, and the HMAC alone.
fn listener_secrets(what: &str, url: &str) -> Vec<Secret> {
    let token = between(url, "/listeners/", "/salesforce").unwrap();
    let (_, mac) = token.split_once('.').unwrap();
    vec![
        Secret::text(what, &token),
        Secret::text(&format!("{what} (HMAC)"), mac),
    ]
}

/// Every byte of the database: `pg_dump` on PostgreSQL (falling back to every row as JSON when
/// it is not installed), and every file of the database's folder on SQLite — the WAL too.
async fn database_dump(app: &TestApp) -> Vec<u8> {
    match app.db.get_database_backend() {
        DbBackend::Postgres => match std::process::Command::new("pg_dump")
            .arg("--no-owner")
            .arg(&app.database_url)
            .output()
        {
            Ok(out) if out.status.success() => out.stdout,
            _ => {
                eprintln!("pg_dump not usable; dumping every row as JSON instead");
                rows_as_json(app).await.into_bytes()
            }
        },
        _ => {
            let path = app
                .database_url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap()
                .to_owned();
            let dir = Path::new(&path).parent().unwrap();
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
            }
            bytes
        }
    }
}

async fn rows_as_json(app: &TestApp) -> String {
    let tables = app
        .db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_schema, table_name FROM information_schema.tables \
             WHERE table_type = 'BASE TABLE' \
             AND table_schema NOT IN ('pg_catalog', 'information_schema')",
        ))
        .await
        .unwrap();
    let mut out = String::new();
    for table in tables {
        let schema: String = table.try_get("", "table_schema").unwrap();
        let name: String = table.try_get("", "table_name").unwrap();
        let sql = format!("SELECT row_to_json(t)::text AS j FROM \"{schema}\".\"{name}\" t");
        for row in app
            .db
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap()
        {
            out.push_str(&row.try_get::<String>("", "j").unwrap());
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn no_secret_reaches_the_database_or_the_logs() {
    let logs = LogCapture::start();
    if logs.is_none() {
        eprintln!("another global subscriber is installed (FERRY_TEST_LOG?): logs not checked");
    }
    let s = Synced::start().await;
    let demo = s.app.sandbox.demo_credentials();
    let (sf, ns) = (&demo.salesforce, &demo.netsuite);

    // Connect through the forms with secrets this test knows.
    let resp = s
        .owner
        .save_connection(&s.integration, "salesforce", &salesforce_form(sf))
        .await;
    assert_eq!(resp.status(), 303);
    let resp = s
        .owner
        .save_connection(&s.integration, "netsuite", &netsuite_tba_form(ns))
        .await;
    assert_eq!(resp.status(), 303);
    for system in ["salesforce", "netsuite"] {
        let page = s.owner.test_connection(&s.integration, system).await;
        assert_eq!(state_in(&page), "Connected", "{system}: {page}");
    }

    // Sync through the listener with those connections.
    let account = s
        .sf_create("Account", json!({"Name": "Secret Keepers"}))
        .await;
    s.written_back("Account", &account).await;

    // Rotate the contact flow's listener URL; Salesforce is pointed at the new one.
    let contact_flow = s.contact_flow.clone();
    let old_url = s.listener_url(&contact_flow).await;
    let resp = s
        .owner
        .post_form(
            &format!("{}/listener/rotate", s.flow_path(&contact_flow)),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let new_url = s.listener_url(&contact_flow).await;
    assert_ne!(old_url, new_url);
    s.remove_outbound_rules("Contact").await;
    s.outbound_rule("Contact", &new_url).await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Keeper", "Email": "keeper@example.com", "AccountId": account}),
        )
        .await;
    s.written_back("Contact", &contact).await;
    s.settled(&contact).await;
    let account_url = s.listener_url(&s.account_flow).await;

    // An API token, used; an invitation; a log-in that fails and one that works.
    let api_token = s.owner.create_token("secrets", "viewer").await;
    let (status, _) = s.api_get(&api_token, "/api/v1/me").await;
    assert_eq!(status, 200);
    let invite = s.owner.invite(&unique_email("invitee"), "viewer").await;
    let invite_token = invite.trim_start_matches("/invites/").to_owned();
    let mut browser = s.app.client().await;
    assert_eq!(
        browser
            .login(&s.owner_email, WRONG_PASSWORD)
            .await
            .status()
            .as_u16(),
        401
    );
    let resp = browser.login(&s.owner_email, PASSWORD).await;
    assert_eq!(resp.status(), 303, "{}", location(&resp));
    let session_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("ferry_session="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("a session cookie");

    let org_prefix = format!("{}!", &sf.org_id[..15]);
    let mut secrets = vec![
        Secret::text("the password", PASSWORD),
        Secret::text("a mistyped password", WRONG_PASSWORD),
        Secret::text("the Salesforce client secret", &sf.consumer_secret),
        Secret::text("the Salesforce refresh token", &sf.refresh_token),
        Secret::text("the Salesforce private key", &key_line(&sf.private_key_pem)),
        // Salesforce access tokens are the org id, `!`, and the secret part.
        Secret::text("a Salesforce access token", &org_prefix),
        Secret::text("the NetSuite consumer key", &ns.tba.consumer_key),
        Secret::text("the NetSuite consumer secret", &ns.tba.consumer_secret),
        Secret::text("the NetSuite token id", &ns.tba.token_id),
        Secret::text("the NetSuite token secret", &ns.tba.token_secret),
        Secret::text(
            "the NetSuite PS256 private key",
            &key_line(&ns.ps256.private_key_pem),
        ),
        Secret::text("the API token", &api_token),
        Secret::text("the invitation link", &invite_token),
        Secret::text("the session cookie", &session_cookie),
        Secret::key("the master key", &s.app.master_key),
        Secret::key("the session key", &s.app.session_key),
    ];
    secrets.extend(listener_secrets("the old contact listener URL", &old_url));
    secrets.extend(listener_secrets("the contact listener URL", &new_url));
    secrets.extend(listener_secrets("the account listener URL", &account_url));

    let dump = database_dump(&s.app).await;
    // A real dump: it holds the tenant, the synced contact and the connections' ciphertext.
    assert!(contains(&dump, b"Sync Co"));
    assert!(contains(&dump, contact.as_bytes()));
    assert!(contains(&dump, b"refresh_token"), "connection kinds stored");
    assert_absent("the database", &dump, &secrets);

    if let Some(logs) = logs {
        let text = logs.finish();
        // The capture saw this session's requests (logged by route pattern, never by path).
        assert!(
            text.contains("/integrations/{integration_id}/connections"),
            "request log captured"
        );
        assert_absent("the logs", text.as_bytes(), &secrets);
        // The listener's calls are logged, with the token's place a pattern.
        assert!(
            text.contains("/listeners/{token}/salesforce"),
            "listener calls logged"
        );
    }
}
