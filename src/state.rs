//! What every handler can reach: configuration and the database.

use std::sync::Arc;

use crate::auth::clients::ClientDirectory;
use crate::auth::hashing::PasswordHashing;
use crate::auth::session_ends::SessionEnds;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::declarations::watch::ChangeWatch;
use crate::metrics::Metrics;
use crate::receipts::keys::ReceiptKey;
use crate::runtime::cache::TimedCache;
use crate::runtime::rate_limit::Limits;
use crate::verification::log::VerificationRecorder;
use crate::verification::lookup::VerificationLookups;
use crate::webhooks::delivery::Deliverer;

/// Shared state, cloned into every worker.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub tokens: Arc<TokenKeys>,
    pub hashing: PasswordHashing,
    /// Wakes the e-mail sender when a change has queued mail.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
    /// Whether API clients are enabled, remembered briefly.
    pub clients: Arc<ClientDirectory>,
    /// In-memory rate limits.
    pub limits: Arc<Limits>,
    /// Buffers verification records and writes them in batches.
    pub verifications: VerificationRecorder,
    /// Single verifications' look-ups, answered together under load.
    pub lookups: VerificationLookups,
    /// `GET /v1/stats` as rendered JSON, computed at most once per `STATS_CACHE_SECONDS`.
    pub stats_cache: Arc<TimedCache<actix_web::web::Bytes>>,
    /// Request counts and latencies, served on the metrics listener.
    pub metrics: Metrics,
    /// The change log's committed head, for requests that wait on changes.
    pub changes: ChangeWatch,
    /// Login sessions known to have ended.
    pub sessions: Arc<SessionEnds>,
    /// The key that signs verification receipts.
    pub receipt_key: Arc<ReceiptKey>,
    /// Delivers webhooks; handlers wake it when a delivery is queued again.
    pub webhooks: Deliverer,
    /// Signing in with GビズID (OpenID Connect), when configured.
    pub oidc: Option<Arc<crate::auth::oidc::RelyingParty>>,
}

impl AppState {
    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.config
            .public_base_url
            .as_ref()
            .map(|u| u.as_str().trim_end_matches('/').to_owned())
            .unwrap_or_default()
    }
}
