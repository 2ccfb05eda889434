//! What the running process keeps in memory for every request: rate limits and timed caches.
//! Both are per instance; what must hold across instances lives in the database. And how the
//! process gives back memory it no longer needs.

pub mod cache;
pub mod memory;
pub mod rate_limit;
