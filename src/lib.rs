//! The registry service behind SECURITY ACTION (セキュリティ対策自己宣言): applications,
//! declarations, the self-diagnosis, verification for subsidy portals, and the secretariat's
//! tools, as a REST/JSON API on SQLite or PostgreSQL.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod logo;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod notice;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod secretariat;
pub mod security_headers;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod transport;
pub mod verification_log;
pub mod verification_lookup;
