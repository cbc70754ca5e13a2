//! The error digest: every few minutes, each integration whose digest is on and that has
//! open errors of a root cause no earlier digest reported gets one e-mail listing them.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};

use ferry_domain::DomainResult;
use ferry_domain::dashboard::digest::{self, PendingDigest};

/// Where e-mail goes out, from the configuration.
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://host:port`, `smtp://user:pass@host:587?tls=required`, `smtps://…`.
    pub url: SecretString,
    /// The sender, e.g. `Ferry <ferry@example.com>`.
    pub from: String,
    /// Base of links in e-mails (the public URL), if known.
    pub public_url: Option<String>,
}

/// Sends Ferry's e-mail over SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP URL is not valid: {0}")]
    Url(String),
    #[error("the sender address is not valid: {0}")]
    From(String),
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose_secret())
                .map_err(|e| MailError::Url(e.to_string()))?
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build();
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| MailError::From(e.to_string()))?;
        Ok(Self {
            transport,
            from,
            public_url: settings.public_url.clone(),
        })
    }

    async fn send_digest(&self, digest: &PendingDigest) -> Result<(), String> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(digest.subject())
            .header(ContentType::TEXT_PLAIN);
        for to in &digest.recipients {
            let mailbox = to
                .parse::<Mailbox>()
                .map_err(|e| format!("recipient {to}: {e}"))?;
            builder = builder.to(mailbox);
        }
        let message = builder
            .body(digest.body(self.public_url.as_deref()))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// What one digest run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DigestReport {
    pub sent: usize,
    pub failed: usize,
}

/// Sends every due digest. A failed send is recorded on the digest (the page shows it) and
/// its signatures are tried again next time.
pub async fn send_error_digests(
    db: &DatabaseConnection,
    mailer: &Mailer,
) -> DomainResult<DigestReport> {
    let mut report = DigestReport::default();
    for d in digest::pending_digests(db).await? {
        let result = mailer.send_digest(&d).await;
        match &result {
            Ok(()) => {
                report.sent += 1;
                tracing::info!(integration = %d.integration_id, signatures = d.signatures.len(), "error digest sent");
            }
            Err(e) => {
                report.failed += 1;
                tracing::warn!(integration = %d.integration_id, error = %e, "error digest not sent");
            }
        }
        digest::record_sent(db, &d, result).await?;
    }
    Ok(report)
}
