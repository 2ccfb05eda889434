//! Prometheus metrics: requests by route and status, latency histograms, and, read when scraped,
//! the database pool, the e-mail outbox, the password-hashing queue and the verification
//! records waiting to be written.
//!
//! They are served at `GET /metrics` on their own listener (`METRICS_BIND_ADDRESS`), so that the
//! public API never exposes them; `off` disables it. The README says what to alert on.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::{outbox, webhooks};
use crate::state::AppState;

/// Latency buckets in seconds: fine below 10 ms, where the hot paths are, up to 10 s.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label for requests that matched no route, so that scans cannot create new series.
const UNMATCHED: &str = "unmatched";

/// The service's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    pool: IntGaugeVec,
    outbox: IntGaugeVec,
    hashing: IntGaugeVec,
    verification_records: IntGauge,
    verification_record_write_failures: IntCounter,
    verification_lookups: IntCounterVec,
    password_verifications: IntCounter,
    webhook_deliveries: IntCounterVec,
    webhook_oldest_pending: prometheus::Gauge,
    /// Held while the counters catch up with the counts they mirror (the hashing pool's
    /// verifications, the record writer's refused writes), so that two scrapes at once cannot
    /// both add the same ones.
    catching_up: std::sync::Mutex<()>,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("security_action".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from the request's arrival to its answer, by route",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let in_flight = IntGauge::new("http_requests_in_flight", "Requests being answered now")?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections: `size` is the most the pool opens, `open` those open now, `idle` those free",
            ),
            &["state"],
        )?;
        let outbox = IntGaugeVec::new(
            Opts::new(
                "outbox_messages",
                "E-mails in the outbox by status (`pending` waits for delivery, `failed` was given up)",
            ),
            &["status"],
        )?;
        let hashing = IntGaugeVec::new(
            Opts::new(
                "password_hashing",
                "The password-hashing pool: `waiting` jobs, and its `threads` and `queue_capacity`",
            ),
            &["what"],
        )?;
        let verification_records = IntGauge::new(
            "verification_records_unwritten",
            "Verification records queued in memory, not yet written to the database",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(outbox.clone()))?;
        registry.register(Box::new(hashing.clone()))?;
        registry.register(Box::new(verification_records.clone()))?;
        let verification_record_write_failures = IntCounter::new(
            "verification_record_write_failures_total",
            "Tries to write a batch of verification records that the database refused since \
             this instance started (the batch is kept and tried again)",
        )?;
        registry.register(Box::new(verification_record_write_failures.clone()))?;
        let verification_lookups = IntCounterVec::new(
            Opts::new(
                "verification_lookups_total",
                "Declarations looked up for verifications (single and batch) since this instance \
                 started, by where the answer came from: `memory` (the answers kept current from \
                 the change log) or `database` (warming, behind a change, or stale)",
            ),
            &["source"],
        )?;
        registry.register(Box::new(verification_lookups.clone()))?;
        let password_verifications = IntCounter::new(
            "password_verifications_total",
            "Passwords verified with argon2id, logins with an unknown user number included \
             (they are checked against a dummy hash, at the same cost)",
        )?;
        registry.register(Box::new(password_verifications.clone()))?;
        let webhook_deliveries = IntCounterVec::new(
            Opts::new(
                "webhook_deliveries_total",
                "Webhook attempts by outcome (`delivered`, `failed_attempt`, `gone`), and \
                 deliveries that ended (`succeeded`, `failed`), counted by this instance",
            ),
            &["outcome"],
        )?;
        let webhook_oldest_pending = prometheus::Gauge::new(
            "webhook_oldest_undelivered_seconds",
            "Age of the oldest webhook event not yet delivered (0 when none waits)",
        )?;
        registry.register(Box::new(webhook_deliveries.clone()))?;
        registry.register(Box::new(webhook_oldest_pending.clone()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                in_flight,
                pool,
                outbox,
                hashing,
                verification_records,
                verification_record_write_failures,
                verification_lookups,
                password_verifications,
                webhook_deliveries,
                webhook_oldest_pending,
                catching_up: std::sync::Mutex::new(()),
            }),
        })
    }

    fn observe(&self, method: &str, route: &str, status: &str, started: Instant) {
        self.inner
            .requests
            .with_label_values(&[method, route, status])
            .inc();
        self.inner
            .latency
            .with_label_values(&[method, route])
            .observe(started.elapsed().as_secs_f64());
    }

    /// Counts a webhook attempt or a delivery's end.
    pub fn webhook_attempt(&self, outcome: &str) {
        self.inner
            .webhook_deliveries
            .with_label_values(&[outcome])
            .inc();
    }

    /// Reads the gauges and renders everything in the text format.
    async fn render(&self, state: &AppState) -> String {
        let pool = state.db.pool().state();
        let inner = &self.inner;
        inner
            .pool
            .with_label_values(&["size"])
            .set(i64::from(state.db.pool().max_size()));
        inner
            .pool
            .with_label_values(&["open"])
            .set(i64::from(pool.connections));
        inner
            .pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle_connections));
        inner
            .hashing
            .with_label_values(&["waiting"])
            .set(to_i64(state.hashing.waiting()));
        inner
            .hashing
            .with_label_values(&["threads"])
            .set(to_i64(state.config.hashing_threads));
        inner
            .hashing
            .with_label_values(&["queue_capacity"])
            .set(to_i64(state.config.hashing_queue));
        inner
            .verification_records
            .set(to_i64(state.verifications.queued()));
        {
            let _guard = inner
                .catching_up
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            catch_up(&inner.password_verifications, state.hashing.verified());
            catch_up(
                &inner.verification_record_write_failures,
                u64::try_from(state.verifications.failed_writes()).unwrap_or(u64::MAX),
            );
            let (memory, database) = state.lookups.counts();
            for (source, total) in [("memory", memory), ("database", database)] {
                catch_up(
                    &inner.verification_lookups.with_label_values(&[source]),
                    total,
                );
            }
        }
        let counts = state.db.read(outbox::count_by_status).await;
        match counts {
            Ok(counts) => {
                for status in ["pending", "failed"] {
                    let n = counts.iter().find(|(s, _)| s == status).map_or(0, |c| c.1);
                    inner.outbox.with_label_values(&[status]).set(n);
                }
            }
            Err(error) => tracing::warn!(%error, "cannot count the outbox for metrics"),
        }
        match state
            .db
            .read(|conn| Ok::<_, crate::db::DbError>(webhooks::oldest_pending(conn)?))
            .await
        {
            Ok(oldest) => inner.webhook_oldest_pending.set(oldest.map_or(0.0, |at| {
                (crate::db::now() - at).num_milliseconds().max(0) as f64 / 1000.0
            })),
            Err(error) => tracing::warn!(%error, "cannot read the webhook deliveries for metrics"),
        }
        let mut text = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&inner.registry.gather(), &mut text) {
            tracing::error!(%error, "cannot encode metrics");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

/// Adds to `counter` what `total` (a count kept elsewhere since the start) has gained since.
fn catch_up(counter: &IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Middleware: counts and times every request under its route pattern
/// (`/v1/verifications/{declaration_id}`), never under its raw path.
pub async fn track(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let Some(metrics) = metrics else {
        return next.call(request).await;
    };
    let started = Instant::now();
    let method = request.method().clone();
    metrics.inner.in_flight.inc();
    let result = next.call(request).await;
    metrics.inner.in_flight.dec();
    if let Ok(response) = &result {
        let route = response.request().match_pattern();
        let route = route.as_deref().unwrap_or(UNMATCHED);
        metrics.observe(method.as_str(), route, response.status().as_str(), started);
    }
    result
}

async fn serve_metrics(state: web::Data<AppState>) -> HttpResponse {
    let text = state.metrics.render(&state).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}

/// The metrics listener: `GET /metrics` and nothing else, on its own address and one worker.
pub fn server(state: AppState, listener: TcpListener) -> std::io::Result<(Server, SocketAddr)> {
    let bound = listener.local_addr()?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .route("/metrics", web::get().to(serve_metrics))
    })
    .listen(listener)?
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    Ok((server, bound))
}
