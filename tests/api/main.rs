//! The API, driven over HTTP against the real application, every test on SQLite and on
//! PostgreSQL.

mod helpers;

mod apply;
mod cli;
mod errors;
mod health;
mod openapi;
mod reference;
