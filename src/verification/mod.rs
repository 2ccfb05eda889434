//! Serving verifications: single look-ups answered together under load, and the record of who
//! verified what, buffered and written in batches off the request path.

pub mod cache;
pub mod log;
pub mod lookup;
