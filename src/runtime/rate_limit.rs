//! In-memory rate limits (GCRA, `governor`): per API client on the verification API, per client
//! address on the public endpoints, and a stricter budget of unknown IDs per client that slows
//! down anyone probing for valid declaration IDs. Limits that must survive a restart (failed
//! logins and client secrets) live in the database instead (`auth::throttle`).

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, RETRY_AFTER};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::config::Config;
use crate::error::{ApiError, Message};

type Limiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF draft).
pub static LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub static REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
pub static RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// What a check allowed: the headers to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the whole burst is available again.
    pub reset: u64,
}

impl Allowance {
    /// The rate-limit headers of an allowed request.
    pub fn headers(self) -> [(HeaderName, String); 3] {
        [
            (LIMIT.clone(), self.limit.to_string()),
            (REMAINING.clone(), self.remaining.to_string()),
            (RESET.clone(), self.reset.to_string()),
        ]
    }
}

/// A limiter with the size of its burst.
pub struct Bucket {
    limiter: Limiter,
    burst: u32,
    /// How long one request of the burst takes to come back.
    replenish: Duration,
    what: &'static str,
}

impl Bucket {
    fn new(per_minute: u32, burst: u32, what: &'static str) -> Self {
        let burst = burst.max(1);
        let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota =
            Quota::per_minute(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            burst,
            replenish: quota.replenish_interval(),
            what,
        }
    }

    /// Takes one request from `key`'s budget, or answers 429 with `Retry-After`.
    pub fn check(&self, key: &str) -> Result<Allowance, ApiError> {
        match self.limiter.check_key(&key.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let spent = self.replenish * self.burst.saturating_sub(remaining);
                Ok(Allowance {
                    limit: self.burst,
                    remaining,
                    reset: spent.as_secs() + u64::from(spent.subsec_nanos() > 0),
                })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Err(too_many_requests(self.what, wait, self.burst))
            }
        }
    }

    /// Takes `n` units from `key`'s budget at once, or answers 429.
    pub fn check_n(&self, key: &str, n: u32) -> Result<(), ApiError> {
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        match self.limiter.check_key_n(&key.to_owned(), n) {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(not_until)) => Err(too_many_requests(
                self.what,
                not_until.wait_time_from(self.limiter.clock().now()),
                self.burst,
            )),
            Err(_) => Err(too_many_requests(
                self.what,
                Duration::from_secs(60),
                self.burst,
            )),
        }
    }

    /// Forgets keys whose budget is full again (keeps memory bounded).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}

/// 429 with `Retry-After` and the rate-limit headers.
pub fn too_many_requests(what: &'static str, wait: Duration, limit: u32) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    // Which limit was reached is for the log, not for the message a person reads.
    tracing::debug!(limit = what, seconds, "rate limited");
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        Message::new(
            format!("リクエストが多すぎます。{seconds}秒後に再度お試しください"),
            format!("Too many requests; please try again in {seconds} seconds."),
        ),
    )
    .with_header(RETRY_AFTER, seconds.to_string())
    .with_header(LIMIT.clone(), limit.to_string())
    .with_header(REMAINING.clone(), "0")
    .with_header(RESET.clone(), seconds.to_string())
}

/// Every limit of the service.
pub struct Limits {
    /// Verification requests per API client.
    pub per_client: Bucket,
    /// Requests to public endpoints per client address.
    pub per_address: Bucket,
    /// Unknown declaration IDs per API client: a client that asks for many IDs that do not
    /// exist is probing, and is slowed down.
    pub unknown_ids: Bucket,
}

impl Limits {
    pub fn from_config(config: &Config) -> Self {
        Self {
            per_client: Bucket::new(
                config.client_rate_per_minute,
                config.client_rate_burst,
                "API client",
            ),
            per_address: Bucket::new(
                config.public_rate_per_minute,
                config.public_rate_burst,
                "address",
            ),
            unknown_ids: Bucket::new(
                config.unknown_ids_per_minute,
                config.unknown_ids_per_minute,
                "unknown IDs",
            ),
        }
    }

    pub fn forget_idle(&self) {
        self.per_client.forget_idle();
        self.per_address.forget_idle();
        self.unknown_ids.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_429_with_retry_after() {
        let bucket = Bucket::new(60, 3, "test");
        assert_eq!(
            bucket.check("a").unwrap(),
            Allowance {
                limit: 3,
                remaining: 2,
                reset: 1
            }
        );
        assert_eq!(bucket.check("a").unwrap().remaining, 1);
        assert_eq!(bucket.check("a").unwrap().remaining, 0);
        let error = bucket.check("a").unwrap_err();
        assert_eq!(error.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(bucket.check("b").is_ok(), "keys are separate");
    }
}
