//! Which login sessions have ended, so that an access token dies with its session at once
//! rather than at its expiry. The database is the truth (a session ends when its refresh-token
//! family is revoked); this instance remembers an ended session for good and a live one for
//! [`LIVE_FOR`], so another instance's logout is seen here within that time, and its own at
//! once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::{Db, DbError, tokens};

/// How long a session found live is believed without asking the database again.
pub const LIVE_FOR: Duration = Duration::from_millis(500);
/// Sessions remembered at most; beyond that the memory starts afresh.
const CAPACITY: usize = 100_000;

/// Remembered answers: ended for good, or live as of an instant.
#[derive(Debug, Default)]
pub struct SessionEnds {
    known: Mutex<HashMap<String, Option<Instant>>>,
}

impl SessionEnds {
    /// Whether the session has ended.
    pub async fn ended(&self, db: &Db, session: &str) -> Result<bool, DbError> {
        if let Some(known) = self.lookup(session) {
            return Ok(known);
        }
        let family = session.to_owned();
        let ended = db
            .read(move |conn| Ok::<_, DbError>(tokens::session_ended(conn, &family)?))
            .await?;
        self.remember(session, ended);
        Ok(ended)
    }

    /// A session this instance has just ended.
    pub fn end(&self, session: &str) {
        self.remember(session, true);
    }

    /// Sessions ended here without knowing which (every other session of an account): forget
    /// every live one, so that the next request asks the database.
    pub fn forget_live(&self) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.retain(|_, live_since| live_since.is_none());
    }

    fn lookup(&self, session: &str) -> Option<bool> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        match known.get(session)? {
            None => Some(true),
            Some(seen) if seen.elapsed() < LIVE_FOR => Some(false),
            Some(_) => None,
        }
    }

    fn remember(&self, session: &str, ended: bool) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= CAPACITY {
            known.clear();
        }
        known.insert(session.to_owned(), (!ended).then(Instant::now));
    }
}
