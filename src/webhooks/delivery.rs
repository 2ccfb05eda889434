//! Sending deliveries. One worker per instance: it turns new change-log entries into
//! deliveries ([`super::dispatch`]), claims due deliveries with a lease (so two instances never
//! send the same one), and sends each on its own task, at most [`PER_ENDPOINT`] at once to one
//! endpoint and [`OVERALL`] at once in all, so that a slow or hanging receiver delays nobody
//! else. A receiver has `WEBHOOK_TIMEOUT_SECONDS` to answer with a 2xx.
//!
//! - A failure is retried after `WEBHOOK_FIRST_RETRY_MILLISECONDS` (30 s), then after three
//!   times the wait before (at most 6 hours), each ±20 %, until `WEBHOOK_GIVE_UP_SECONDS`
//!   (24 hours) after the event: then the delivery is `failed`.
//! - `410 Gone` disables the endpoint at once (`disabled_reason: gone`).
//! - An endpoint failing without a success for `WEBHOOK_DISABLE_AFTER_SECONDS` (3 days) is
//!   disabled (`failing`), and its client's contact address is e-mailed.
//! - Redirects are not followed; the connection goes only to public addresses
//!   ([`super::address`]); the request carries no credential of the service.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::RngExt;
use tokio::sync::{Notify, Semaphore};

use super::address::{self, PublicOnlyResolver};
use crate::config::WebhookSettings;
use crate::db::audit::{self, Actor};
use crate::db::webhooks::{self as store, Attempt, Delivery, Endpoint};
use crate::db::{self, Db, DbError, api_clients};
use crate::declarations::watch::ChangeWatch;
use crate::mail;
use crate::mail::templates::{Recipient, Templates};
use crate::metrics::Metrics;

/// Deliveries in flight to one endpoint at most.
pub const PER_ENDPOINT: usize = 4;
/// Deliveries in flight in all at most.
pub const OVERALL: usize = 32;
/// The longest wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(6 * 3600);
/// The `User-Agent` of every delivery.
pub const USER_AGENT: &str = concat!(
    "SECURITY-ACTION-Registry-Webhooks/",
    env!("CARGO_PKG_VERSION")
);

/// The wait before attempt `attempts + 1` (after `attempts` failures), before jitter.
pub fn retry_wait(first: Duration, attempts: i32) -> Duration {
    let factor = 3u32.saturating_pow(u32::try_from(attempts.max(1) - 1).unwrap_or(0));
    first.saturating_mul(factor).min(MAX_WAIT)
}

/// `wait` ±20 %.
pub fn with_jitter(wait: Duration) -> Duration {
    let factor: f64 = rand::rng().random_range(0.8..=1.2);
    wait.mul_f64(factor)
}

/// The `webhook-signature` header: `v1,` and the signature, for each secret that signs now,
/// space-separated, made by the Standard Webhooks library.
pub fn signature(
    secrets: &[&str],
    event_id: &str,
    timestamp: i64,
    payload: &str,
) -> Result<String, String> {
    let mut signatures = Vec::new();
    for secret in secrets {
        let signer = standardwebhooks::Webhook::new(secret).map_err(|e| e.to_string())?;
        signatures.push(
            signer
                .sign(event_id, timestamp, payload.as_bytes())
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(signatures.join(" "))
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered(u16),
    /// 410 Gone: the receiver wants no more.
    Gone,
    /// Another status, a timeout, a refused or failed connection.
    Failed { status: Option<u16>, error: String },
}

/// The worker's shared parts.
#[derive(Clone)]
pub struct Deliverer {
    db: Db,
    settings: WebhookSettings,
    http: reqwest::Client,
    metrics: Metrics,
    mail_wakeup: Arc<Notify>,
    /// Wakes the worker: a delivery finished, or one was queued again.
    pub wakeup: Arc<Notify>,
    slots: Arc<Semaphore>,
    busy: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Deliverer {
    pub fn new(
        db: Db,
        settings: WebhookSettings,
        metrics: Metrics,
        mail_wakeup: Arc<Notify>,
    ) -> anyhow::Result<Deliverer> {
        // One TLS implementation for the process; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnlyResolver {
                allow_private_networks: settings.allow_private_networks,
            }))
            .build()?;
        Ok(Deliverer {
            db,
            settings,
            http,
            metrics,
            mail_wakeup,
            wakeup: Arc::new(Notify::new()),
            slots: Arc::new(Semaphore::new(OVERALL)),
            busy: Arc::default(),
        })
    }

    /// Runs until the process ends.
    pub async fn run(self, changes: ChangeWatch) {
        let mut seen = -1;
        loop {
            let head = changes.head();
            if head != seen {
                match self.dispatch().await {
                    Ok(()) => seen = head,
                    Err(error) => {
                        tracing::warn!(%error, "cannot turn changes into webhook deliveries")
                    }
                }
            }
            match self.start_due().await {
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot claim webhook deliveries"),
            }
            tokio::select! {
                _ = changes.wait_beyond(seen.max(0), self.settings.poll) => {}
                () = self.wakeup.notified() => {}
            }
        }
    }

    /// Dispatches every entry not yet dispatched.
    pub async fn dispatch(&self) -> Result<(), DbError> {
        loop {
            let watch_for = self.settings.watch_for;
            let read = self
                .db
                .write(move |conn| super::dispatch::dispatch_batch(conn, watch_for, db::now()))
                .await?;
            if read < usize::try_from(super::dispatch::BATCH).unwrap_or(usize::MAX) {
                return Ok(());
            }
        }
    }

    /// Claims what can be sent now and starts sending it; how many were started.
    pub async fn start_due(&self) -> Result<usize, DbError> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Ok(0);
        }
        let skip: Vec<i64> = {
            let busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            busy.iter()
                .filter(|(_, n)| **n >= PER_ENDPOINT)
                .map(|(id, _)| *id)
                .collect()
        };
        // Held for as long as an attempt and its bookkeeping can take.
        let lease = chrono::Duration::from_std(self.settings.timeout * 3 + Duration::from_secs(30))
            .unwrap_or(chrono::Duration::minutes(2));
        let (claimed, endpoints) = self
            .db
            .write(move |conn| {
                let now = db::now();
                let claimed = store::claim_due(
                    conn,
                    now,
                    now + lease,
                    i64::try_from(free).unwrap_or(1),
                    i64::try_from(PER_ENDPOINT).unwrap_or(1),
                    &skip,
                )?;
                let mut endpoints: HashMap<i64, Endpoint> = HashMap::new();
                for d in &claimed {
                    if !endpoints.contains_key(&d.endpoint_id)
                        && let Some(e) = store::endpoint_by_id(conn, d.endpoint_id)?
                    {
                        endpoints.insert(e.id, e);
                    }
                }
                Ok::<_, DbError>((claimed, endpoints))
            })
            .await?;
        let mut started = 0;
        let mut handed_back = Vec::new();
        for delivery in claimed {
            let endpoint = endpoints.get(&delivery.endpoint_id).cloned();
            let slot = Arc::clone(&self.slots).try_acquire_owned().ok();
            let room = {
                let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
                let n = busy.entry(delivery.endpoint_id).or_default();
                if *n < PER_ENDPOINT && slot.is_some() && endpoint.is_some() {
                    *n += 1;
                    true
                } else {
                    false
                }
            };
            match (room, endpoint, slot) {
                (true, Some(endpoint), Some(slot)) => {
                    started += 1;
                    let worker = self.clone();
                    let endpoint_id = endpoint.id;
                    tokio::spawn(async move {
                        worker.send(endpoint, delivery).await;
                        drop(slot);
                        {
                            let mut busy = worker.busy.lock().unwrap_or_else(|p| p.into_inner());
                            if let Some(n) = busy.get_mut(&endpoint_id) {
                                *n = n.saturating_sub(1);
                                if *n == 0 {
                                    busy.remove(&endpoint_id);
                                }
                            }
                        }
                        worker.wakeup.notify_one();
                    });
                }
                _ => handed_back.push(delivery.id),
            }
        }
        if !handed_back.is_empty() {
            self.db
                .write(move |conn| {
                    for id in handed_back {
                        store::release(conn, id)?;
                    }
                    Ok::<_, DbError>(())
                })
                .await?;
        }
        Ok(started)
    }

    /// Attempts one delivery and records what came of it.
    async fn send(&self, endpoint: Endpoint, delivery: Delivery) {
        let outcome = self.attempt(&endpoint, &delivery).await;
        let label = match &outcome {
            Outcome::Delivered(_) => "delivered",
            Outcome::Gone => "gone",
            Outcome::Failed { .. } => "failed_attempt",
        };
        self.metrics.webhook_attempt(label);
        let worker = self.clone();
        let recorded = self
            .db
            .write(move |conn| worker.record(conn, &endpoint, &delivery, &outcome))
            .await;
        match recorded {
            Ok(Some(final_status)) => self.metrics.webhook_attempt(final_status),
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "cannot record a webhook delivery attempt"),
        }
    }

    /// Sends one delivery: signed, with a timeout, to a public address only.
    pub async fn attempt(&self, endpoint: &Endpoint, delivery: &Delivery) -> Outcome {
        let failed = |error: String| Outcome::Failed {
            status: None,
            error,
        };
        let url = match address::parse_url(&endpoint.url, &self.settings) {
            Ok(url) => url,
            Err(problem) => return failed(format!("the endpoint URL is refused: {problem:?}")),
        };
        let now = db::now();
        let timestamp = chrono::Utc::now().timestamp();
        let secrets = endpoint.signing_secrets(now);
        let signature = match signature(&secrets, &delivery.event_id, timestamp, &delivery.payload)
        {
            Ok(s) => s,
            Err(error) => return failed(format!("cannot sign: {error}")),
        };
        let sent = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &delivery.event_id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(delivery.payload.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                // The body is not needed; reading a little lets the connection be reused.
                drop(response);
                match status {
                    200..=299 => Outcome::Delivered(status),
                    410 => Outcome::Gone,
                    _ => Outcome::Failed {
                        status: Some(status),
                        error: format!("the receiver answered {status}"),
                    },
                }
            }
            Err(error) if error.is_timeout() => failed(format!(
                "no answer within {} s",
                self.settings.timeout.as_secs()
            )),
            Err(error) => failed(describe(&error)),
        }
    }

    /// Records an attempt; the delivery's final status when it has one now.
    fn record(
        &self,
        conn: &mut db::DbConnection,
        endpoint: &Endpoint,
        delivery: &Delivery,
        outcome: &Outcome,
    ) -> Result<Option<&'static str>, DbError> {
        let now = db::now();
        match outcome {
            Outcome::Delivered(status) => {
                store::record_attempt(
                    conn,
                    delivery.id,
                    &Attempt {
                        status: "succeeded",
                        response_status: Some(i32::from(*status)),
                        error: None,
                        next_attempt_at: now,
                        at: now,
                    },
                )?;
                store::note_success(conn, endpoint.id)?;
                Ok(Some("succeeded"))
            }
            Outcome::Gone => {
                store::record_attempt(
                    conn,
                    delivery.id,
                    &Attempt {
                        status: "failed",
                        response_status: Some(410),
                        error: Some("the receiver answered 410 Gone: the endpoint is disabled"),
                        next_attempt_at: now,
                        at: now,
                    },
                )?;
                self.disable(conn, endpoint, "gone", now)?;
                Ok(Some("failed"))
            }
            Outcome::Failed { status, error } => {
                let attempts = delivery.attempts + 1;
                let wait = with_jitter(retry_wait(self.settings.first_retry, attempts));
                let next =
                    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6));
                let give_up = next > delivery.created_at + self.settings.give_up_after;
                store::record_attempt(
                    conn,
                    delivery.id,
                    &Attempt {
                        status: if give_up { "failed" } else { "pending" },
                        response_status: status.map(i32::from),
                        error: Some(error),
                        next_attempt_at: next,
                        at: now,
                    },
                )?;
                tracing::info!(delivery = %delivery.public_id, attempts, %error, "webhook delivery failed");
                if let Some(since) = store::note_failure(conn, endpoint.id, now)?
                    && now - since >= self.settings.disable_after
                {
                    self.disable(conn, endpoint, "failing", now)?;
                    self.tell_client(conn, endpoint, since)?;
                }
                Ok(give_up.then_some("failed"))
            }
        }
    }

    /// Disables an endpoint and gives up its pending deliveries.
    fn disable(
        &self,
        conn: &mut db::DbConnection,
        endpoint: &Endpoint,
        reason: &str,
        now: NaiveDateTime,
    ) -> Result<(), DbError> {
        if store::disable_endpoint(conn, endpoint.id, reason, now)? {
            store::fail_pending_of_endpoint(conn, endpoint.id, "the endpoint was disabled")?;
            audit::record(
                conn,
                &Actor::system(),
                "webhook_endpoint.disabled",
                "webhook_endpoint",
                Some(&endpoint.public_id),
                Some(&serde_json::json!({"enabled": true})),
                Some(&serde_json::json!({"enabled": false, "disabled_reason": reason})),
                now,
            )?;
            tracing::warn!(endpoint = %endpoint.public_id, reason, "webhook endpoint disabled");
        }
        Ok(())
    }

    /// E-mails the client's contact address, if it gave one.
    fn tell_client(
        &self,
        conn: &mut db::DbConnection,
        endpoint: &Endpoint,
        since: NaiveDateTime,
    ) -> Result<(), DbError> {
        let Some(client) = api_clients::by_id(conn, endpoint.api_client_id)? else {
            return Ok(());
        };
        let Some(address) = client.contact_email.as_deref() else {
            return Ok(());
        };
        let settings = crate::texts::current();
        let email = Templates::new(&settings, crate::domain::language::Language::Ja)
            .webhook_endpoint_disabled(
                &Recipient {
                    organization_name: &client.name,
                    contact_name: "",
                    email: address,
                },
                &endpoint.url,
                db::utc(since),
            );
        mail::enqueue(conn, &email, None, db::now())?;
        self.mail_wakeup.notify_one();
        Ok(())
    }
}

/// A connection error with its causes (reqwest's own message names only the outermost).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_triple_from_the_first_and_stop_at_six_hours() {
        let first = Duration::from_secs(30);
        assert_eq!(retry_wait(first, 1), Duration::from_secs(30));
        assert_eq!(retry_wait(first, 2), Duration::from_secs(90));
        assert_eq!(retry_wait(first, 3), Duration::from_secs(270));
        assert_eq!(retry_wait(first, 30), MAX_WAIT);
        // About a day of retries: the sum of the waits passes 24 hours after a dozen attempts.
        let total: Duration = (1..=12).map(|n| retry_wait(first, n)).sum();
        assert!(total > Duration::from_secs(24 * 3600), "{total:?}");
        let eleven: Duration = (1..=9).map(|n| retry_wait(first, n)).sum();
        assert!(eleven < Duration::from_secs(24 * 3600), "{eleven:?}");
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..1000 {
            let w = with_jitter(Duration::from_secs(100));
            assert!(
                w >= Duration::from_secs(80) && w <= Duration::from_secs(120),
                "{w:?}"
            );
        }
    }

    #[test]
    fn every_secret_signs_and_a_standard_verifier_accepts_each() {
        let old = super::super::endpoints::new_secret();
        let new = super::super::endpoints::new_secret();
        let payload = r#"{"id":"evt_1","type":"declaration.revoked"}"#;
        let now = chrono::Utc::now().timestamp();
        let header = signature(&[&new, &old], "evt_1", now, payload).unwrap();
        assert_eq!(header.split(' ').count(), 2);
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", "evt_1".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", header.parse().unwrap());
        for secret in [&old, &new] {
            standardwebhooks::Webhook::new(secret)
                .unwrap()
                .verify(payload.as_bytes(), &headers)
                .unwrap();
        }
        let stranger = super::super::endpoints::new_secret();
        assert!(
            standardwebhooks::Webhook::new(&stranger)
                .unwrap()
                .verify(payload.as_bytes(), &headers)
                .is_err()
        );
        let mut tampered = payload.to_owned();
        tampered.push(' ');
        assert!(
            standardwebhooks::Webhook::new(&new)
                .unwrap()
                .verify(tampered.as_bytes(), &headers)
                .is_err()
        );
    }
}
