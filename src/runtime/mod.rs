//! What the running process keeps in memory for every request: rate limits and timed caches.
//! Both are per instance; what must hold across instances lives in the database.

pub mod cache;
pub mod rate_limit;
