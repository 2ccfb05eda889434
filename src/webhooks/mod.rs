//! Webhooks (Webhook通知): API clients register endpoints and are told of every change of a
//! declaration they watch — one they verified within `WATCH_DAYS`, or one on their watchlist.
//!
//! - [`endpoints`]: the rules of endpoints and watchlists.
//! - [`dispatch`]: follows the change log from a stored position and writes one delivery row
//!   per event and endpoint, in one transaction with the position (nothing acknowledged is
//!   lost, nothing is written twice).
//! - [`delivery`]: claims due deliveries (one worker at a time per row, across instances),
//!   signs them as the Standard Webhooks specification says, sends them with a timeout,
//!   retries with back-off and jitter, disables endpoints that answer 410 or fail for days.
//! - [`address`]: outbound safety (no loopback, private or special addresses).

pub mod address;
pub mod delivery;
pub mod dispatch;
pub mod endpoints;
