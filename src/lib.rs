//! The registry service behind SECURITY ACTION (セキュリティ対策自己宣言): applications,
//! declarations, the self-diagnosis, verification for subsidy portals, and the secretariat's
//! tools, as a REST/JSON API on SQLite or PostgreSQL.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod declarations;
pub mod domain;
pub mod error;
pub mod extract;
pub mod import;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod receipts;
pub mod rendering;
pub mod routes;
pub mod runtime;
pub mod secretariat;
pub mod security_headers;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod texts;
pub mod transport;
pub mod verification;
pub mod webhooks;
