//! What every handler can reach: configuration and the database.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;

/// Shared state, cloned into every worker.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
}
