//! The e-mail digest of new error signatures, sent through a real SMTP conversation with a
//! tiny sink this test starts on localhost.

use std::sync::{Arc, Mutex};

use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::dash_fixture::{NewError, insert_error, tenant_of};
use crate::helpers::TestApp;

/// One message the sink received.
#[derive(Clone, Debug, Default)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server: accepts every message and keeps it.
struct SmtpSink {
    port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = inbox.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut current = Received::default();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            current = Received {
                                from: line[10..].trim().to_owned(),
                                ..Received::default()
                            };
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            current.to.push(line[8..].trim().to_owned());
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                current.data.push_str(&l);
                                current.data.push('\n');
                            }
                            store.lock().unwrap().push(current.clone());
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { port, inbox, task }
    }

    fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Quoted-printable soft line breaks and `=XX` escapes undone, enough to search the body.
fn decoded(data: &str) -> String {
    let joined = data.replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn the_digest_reports_each_new_error_signature_once_by_email() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Digest Co").await;
    let t = tenant_of(&app, &owner).await;
    // No SMTP in this app's configuration: the page says so.
    let page = owner.get_html(&t.dash()).await;
    assert!(page.contains("E-mail is not set up on this Ferry"));

    let resp = owner
        .post_form(
            &format!("{}/digest", t.dash()),
            &[
                ("enabled", "on"),
                ("recipients", "ops@example.com, lead@example.com"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = owner.get_html(&t.dash()).await;
    assert!(page.contains("value=\"ops@example.com, lead@example.com\""));
    let bad = owner
        .post_form(
            &format!("{}/digest", t.dash()),
            &[("enabled", "on"), ("recipients", "")],
        )
        .await;
    assert_eq!(bad.status(), 303, "refused with a message, settings kept");
    assert!(
        owner
            .get_html(&t.dash())
            .await
            .contains("value=\"ops@example.com, lead@example.com\"")
    );

    for i in 0..2 {
        let record = format!("00300000000000{i}AAA");
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                ..NewError::default()
            },
        )
        .await;
    }
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000005AAA",
            kind: "dependency",
            code: None,
            message: "account 001000000000005AAA not synced to NetSuite",
            ..NewError::default()
        },
    )
    .await;

    let sink = SmtpSink::start().await;
    let mailer = ferry_jobs::Mailer::new(&ferry_jobs::MailSettings {
        url: SecretString::from(format!("smtp://127.0.0.1:{}", sink.port)),
        from: "Ferry <ferry@example.com>".to_owned(),
        public_url: Some("https://ferry.example.com".to_owned()),
    })
    .unwrap();
    let report = ferry_jobs::digests::send_error_digests(&app.db, &mailer)
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    let mail = sink.messages();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].from.contains("ferry@example.com"));
    assert_eq!(mail[0].to.len(), 2);
    let body = decoded(&mail[0].data);
    assert!(
        body.contains("Subject: Ferry: 2 new kinds of sync error"),
        "{body}"
    );
    assert!(body.contains("2 open errors"), "{body}");
    assert!(body.contains("USER_ERROR: Please enter value(s) for: Last Name"));
    assert!(body.contains("account 001000000000005AAA not synced"));
    assert!(body.contains("What to do:"));
    assert!(body.contains(&format!(
        "https://ferry.example.com{}/errors?signature=",
        t.dash()
    )));

    // Nothing new: nothing sent.
    let report = ferry_jobs::digests::send_error_digests(&app.db, &mailer)
        .await
        .unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!(sink.messages().len(), 1);
    // More of a known cause is not new either; a new cause is.
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000007AAA",
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000008AAA",
            code: Some("INVALID_CONTENT"),
            message: "Invalid value for field company",
            ..NewError::default()
        },
    )
    .await;
    ferry_jobs::digests::send_error_digests(&app.db, &mailer)
        .await
        .unwrap();
    let mail = sink.messages();
    assert_eq!(mail.len(), 2);
    let body = decoded(&mail[1].data);
    assert!(body.contains("1 new kind of sync error"), "{body}");
    assert!(body.contains("INVALID_CONTENT"));
    assert!(!body.contains("USER_ERROR"));
    assert!(owner.get_html(&t.dash()).await.contains("Last sent"));

    // Turned off: no more digests.
    owner
        .post_form(
            &format!("{}/digest", t.dash()),
            &[("recipients", "ops@example.com")],
        )
        .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000009AAA",
            kind: "ambiguous",
            code: None,
            message: "ambiguous lookup",
            ..NewError::default()
        },
    )
    .await;
    ferry_jobs::digests::send_error_digests(&app.db, &mailer)
        .await
        .unwrap();
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn a_failed_send_is_shown_and_retried_next_time() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Digest Fail").await;
    let t = tenant_of(&app, &owner).await;
    owner
        .post_form(
            &format!("{}/digest", t.dash()),
            &[("enabled", "on"), ("recipients", "ops@example.com")],
        )
        .await;
    insert_error(&app, &t, NewError::default()).await;
    // Nothing listens on this port.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mailer = ferry_jobs::Mailer::new(&ferry_jobs::MailSettings {
        url: SecretString::from(format!("smtp://127.0.0.1:{port}")),
        from: "ferry@example.com".to_owned(),
        public_url: None,
    })
    .unwrap();
    let report = ferry_jobs::digests::send_error_digests(&app.db, &mailer)
        .await
        .unwrap();
    assert_eq!(report.failed, 1);
    assert!(
        owner
            .get_html(&t.dash())
            .await
            .contains("The last digest could not be sent")
    );
    let sink = SmtpSink::start().await;
    let mailer = ferry_jobs::Mailer::new(&ferry_jobs::MailSettings {
        url: SecretString::from(format!("smtp://127.0.0.1:{}", sink.port)),
        from: "ferry@example.com".to_owned(),
        public_url: None,
    })
    .unwrap();
    ferry_jobs::digests::send_error_digests(&app.db, &mailer)
        .await
        .unwrap();
    assert_eq!(
        sink.messages().len(),
        1,
        "the same signature, sent once it could be"
    );
}
