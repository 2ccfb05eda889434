//! Delivers queued e-mails: over SMTP when `SMTP_URL` is set, otherwise as `.eml` files in
//! `OUTBOX_DIR`. Delivery is at least once: a message is marked sent after the transport
//! accepted it, and retried with exponential back-off when it did not (up to
//! [`MAX_ATTEMPTS`], then marked `failed`). The change that queued it is never affected.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{FileTransport, Message, SmtpTransport, Transport as _};

use crate::config::Config;
use crate::db::models::OutboxMessage;
use crate::db::{Db, DbError, now, outbox};

/// Attempts before a message is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 8;
/// How often the outbox is looked at even without a wake-up.
const POLL: Duration = Duration::from_secs(5);
/// Messages delivered per round.
const BATCH: i64 = 50;

/// Where e-mails go.
#[derive(Clone)]
pub enum MailTransport {
    Smtp(Box<SmtpTransport>),
    Files(FileTransport),
}

impl MailTransport {
    pub fn from_config(config: &Config) -> anyhow::Result<MailTransport> {
        Ok(match &config.smtp_url {
            Some(url) => {
                MailTransport::Smtp(Box::new(SmtpTransport::from_url(url.expose())?.build()))
            }
            None => {
                std::fs::create_dir_all(&config.outbox_dir)?;
                MailTransport::Files(FileTransport::new(&config.outbox_dir))
            }
        })
    }

    fn send(&self, message: &Message) -> Result<(), String> {
        match self {
            MailTransport::Smtp(t) => t.send(message).map(drop).map_err(|e| e.to_string()),
            MailTransport::Files(t) => t.send(message).map(drop).map_err(|e| e.to_string()),
        }
    }
}

/// The sender address of every e-mail: no-reply at the public host (or a reserved name for
/// local runs).
pub fn sender_mailbox(config: &Config) -> anyhow::Result<Mailbox> {
    let host = config
        .public_base_url
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
        .unwrap_or_else(|| "security-action.invalid".to_owned());
    Ok(format!("SECURITY ACTION事務局 <no-reply@{host}>").parse()?)
}

/// Builds the MIME message. Header values are encoded by lettre; the recipient must be a
/// valid address, so no header can be injected through it.
pub fn build_message(from: &Mailbox, message: &OutboxMessage) -> Result<Message, String> {
    let to: Mailbox = message
        .recipient
        .parse()
        .map_err(|e| format!("invalid recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.replace('\n', "\r\n"))
        .map_err(|e| e.to_string())
}

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most 6 hours.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let seconds = 30i64.saturating_mul(1i64 << attempts.clamp(0, 20));
    chrono::Duration::seconds(seconds.min(6 * 3600))
}

/// One round: delivers every due message; returns how many were sent.
pub fn deliver_due(db: &Db, transport: &MailTransport, from: &Mailbox) -> Result<usize, DbError> {
    // Claimed for longer than a round of BATCH deliveries can take.
    let due = db.write_blocking(|conn| {
        let at = now();
        outbox::claim_due(conn, at, at + chrono::Duration::minutes(10), BATCH)
            .map_err(DbError::from)
    })?;
    let mut sent = 0;
    for message in due {
        let result = build_message(from, &message).and_then(|m| transport.send(&m));
        let permanent = result
            .as_ref()
            .is_err_and(|e| e.starts_with("invalid recipient"));
        db.write_blocking(|conn| {
            match &result {
                Ok(()) => outbox::mark_sent(conn, message.id, now()),
                Err(error) => {
                    let attempts = message.attempts + 1;
                    let retry = (!permanent && attempts < MAX_ATTEMPTS).then(|| now() + backoff(message.attempts));
                    tracing::warn!(message_id = message.id, attempts, %error, "e-mail delivery failed");
                    outbox::mark_attempt_failed(conn, message.id, error, retry)
                }
            }
            .map_err(DbError::from)
        })?;
        if result.is_ok() {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Runs until the process ends: a round whenever a change queued mail, and every few seconds.
pub async fn run(
    db: Db,
    transport: MailTransport,
    from: Mailbox,
    wakeup: Arc<tokio::sync::Notify>,
) {
    loop {
        let db = db.clone();
        let transport = transport.clone();
        let from = from.clone();
        match tokio::task::spawn_blocking(move || deliver_due(&db, &transport, &from)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(sent)) => tracing::info!(sent, "e-mails delivered"),
            Ok(Err(error)) => tracing::warn!(%error, "the outbox could not be read"),
            Err(error) => tracing::error!(%error, "the e-mail sender failed"),
        }
        tokio::select! {
            () = wakeup.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(1).num_seconds(), 60);
        assert_eq!(backoff(3).num_seconds(), 240);
        assert_eq!(backoff(30).num_seconds(), 6 * 3600);
    }

    fn message(recipient: &str, subject: &str) -> OutboxMessage {
        let now = now();
        OutboxMessage {
            id: 1,
            kind: "declaration_completed".into(),
            recipient: recipient.into(),
            subject: subject.into(),
            body: "本文\n二行目".into(),
            declaration_id: None,
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
            claimed_until: None,
        }
    }

    #[test]
    fn headers_cannot_be_injected() {
        let from: Mailbox = "SECURITY ACTION事務局 <no-reply@example.jp>"
            .parse()
            .unwrap();
        assert!(
            build_message(
                &from,
                &message("a@example.jp\r\nBcc: evil@example.com", "s")
            )
            .is_err()
        );
        let built = build_message(
            &from,
            &message("a@example.jp", "件名\r\nBcc: evil@example.com"),
        )
        .unwrap();
        let text = String::from_utf8(built.formatted()).unwrap();
        assert!(
            !text
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{text}"
        );
    }
}
