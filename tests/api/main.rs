//! The API, driven over HTTP against the real application, every test on SQLite and on
//! PostgreSQL.

mod helpers;

mod account;
mod apply;
mod attacks;
mod auth;
mod changes;
mod cli;
mod durability;
mod errors;
mod health;
mod import;
mod lifecycle;
mod limits;
mod logo;
mod mail;
mod metrics;
mod notice_print;
mod oidc;
mod openapi;
mod pool;
mod public;
mod receipts;
mod reference;
mod secretariat;
mod transport;
mod verification;
mod verification_cache;
mod webhooks;
