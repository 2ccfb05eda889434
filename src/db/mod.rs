//! Persistence on SQLite or PostgreSQL, chosen at run time by `DATABASE_URL`: one set of
//! diesel queries over a [`DbConnection`] that is either backend, an r2d2 pool, and embedded
//! migrations for each backend.

pub mod accounts;
pub mod api_clients;
pub mod audit;
pub mod bulk;
pub mod change_log;
pub mod declarations;
pub mod declarers;
pub mod diagnoses;
pub mod idempotency;
pub mod models;
pub mod oidc;
pub mod outbox;
pub mod receipts;
pub mod schema;
pub mod search;
pub mod stats;
pub mod throttles;
pub mod tokens;
pub mod types;
pub mod verifications;
pub mod webhooks;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

/// Text from a request as both backends can take it. PostgreSQL's `text` cannot hold U+0000
/// (a query binding it fails), so it becomes U+FFFD, which no stored key or identifier
/// contains: a look-up simply finds nothing, as it does on SQLite.
pub fn text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('\0') {
        std::borrow::Cow::Owned(value.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision), so
/// that both backends return exactly what was written.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored time as UTC.
pub fn utc(time: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    time.and_utc()
}

/// Whether a query failed on a unique constraint whose name or message mentions `what`.
pub fn is_unique_violation(error: &diesel::result::Error, what: &str) -> bool {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => {
            info.constraint_name().is_some_and(|c| c.contains(what))
                || info.message().contains(what)
        }
        _ => false,
    }
}

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Per-connection SQLite settings: foreign keys enforced, WAL so that readers never wait for the
/// writer, a busy timeout instead of immediate "database is locked" errors, and NORMAL
/// synchronisation (durable at each checkpoint, safe against corruption in WAL mode).
/// Per connection: foreign keys on, wait up to 5 s for a lock, write-ahead log, and an 8 MiB
/// page cache. No memory mapping: the file grows with every batch of verification records,
/// and each growth would make every connection unmap and fault in its mapping again.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192;";

/// Per PostgreSQL connection: no parallel plans. The service's queries are keyed look-ups and
/// newest-first walks that stop after a page; for them, starting parallel workers costs more
/// than it saves (a registry page of a name in one prefecture: 33 ms with two workers, 4–6 ms
/// without, at a million declarations on 2 cores). The statistics, which read whole tables,
/// allow them again for their own transaction (`db::stats::with_parallel_plans`).
const POSTGRES_SETTINGS: &str = "SET max_parallel_workers_per_gather = 0";

/// Opens connections for the pool, each set up for its backend.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(POSTGRES_SETTINGS)
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    diesel::ConnectionError::BadConnection("the SQLite path is not UTF-8".into())
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    /// A connection is broken when its transaction was left open or failed to end (diesel
    /// knows), or when it is returned while a panic unwinds (a `Db::write` closure panicked
    /// mid-transaction). Handing such a connection to the next caller would make its "commits"
    /// only release savepoints (PostgreSQL) or keep SQLite's write lock for good.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// A database failure, or the pool giving no connection in time.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("the database task was cancelled")]
    Cancelled,
    #[error("{0}")]
    Setup(String),
}

/// The pool, plus the single-writer lock that SQLite needs.
///
/// SQLite allows one writer at a time. Two connections that both start a deferred transaction
/// and then write can fail at once with `SQLITE_BUSY` (the busy timeout does not help when a
/// reader must be upgraded), so on SQLite every unit of write work takes an in-process lock
/// first; readers never take it and, in WAL mode, never wait. PostgreSQL needs no such lock.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    write_lock: Option<Arc<Mutex<()>>>,
    backend: &'static str,
}

impl Db {
    /// Builds the pool and opens one connection to prove the URL; the others are opened on
    /// demand.
    pub fn connect(url: &DatabaseUrl, size: u32) -> Result<Db, DbError> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder)
                .map_err(|e| DbError::Setup(format!("cannot create {}: {e}", folder.display())))?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(size)
            // No background connecting: a process may exit while r2d2 would be opening one.
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(5))
            .test_on_check_out(false)
            .build(ConnectionManager { url: url.clone() })?;
        // Prove the URL now, with one connection, rather than at the first request.
        drop(pool.get()?);
        Ok(Db {
            pool,
            write_lock: matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(()))),
            backend: url.backend_name(),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Applies every pending migration of the connection's backend; returns their versions.
    pub fn run_migrations(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.pool.get()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    /// Refreshes the query planner's statistics where they are stale, so that it knows, say,
    /// that "every live status" is most of the table and not a selective filter. On SQLite
    /// this is `PRAGMA optimize` (cheap: it analyses only the tables that changed enough);
    /// `thorough` (after bulk loading) analyses everything on both backends. PostgreSQL's
    /// autovacuum keeps the statistics otherwise.
    pub fn refresh_statistics(&self, thorough: bool) -> Result<(), DbError> {
        let mut conn = self.pool.get()?;
        let sql = match (&*conn, thorough) {
            (DbConnection::Sqlite(_), true) => "ANALYZE",
            (DbConnection::Sqlite(_), false) => "PRAGMA optimize = 0x10002",
            (DbConnection::Postgres(_), true) => "ANALYZE",
            (DbConnection::Postgres(_), false) => return Ok(()),
        };
        conn.batch_execute(sql)?;
        Ok(())
    }

    /// Runs read-only work on a pooled connection, off the async workers.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Cancelled))?
    }

    /// Runs a unit of write work in one transaction, off the async workers: everything it does
    /// is committed together, or nothing is.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(work))
            .await
            .map_err(|_| E::from(DbError::Cancelled))?
    }

    /// [`Db::write`] for callers already off the async workers (the command line).
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DbError> + From<diesel::result::Error>,
    {
        // A poisoned lock only means another writer panicked; the database itself is consistent.
        let _guard = self
            .write_lock
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|p| p.into_inner()));
        let mut pooled = self.pool.get().map_err(DbError::from)?;
        in_write_transaction(&mut pooled, work)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok::<_, DbError>(())
        })
        .await
    }
}

/// Runs `work` in a transaction meant to write.
///
/// On SQLite it begins with `BEGIN IMMEDIATE`: the write lock is taken first, waiting up to the
/// busy timeout for another process (the command line beside the service, or a second service)
/// to finish. A plain `BEGIN` takes it only at the first write; when another connection has
/// committed since this transaction's first read, SQLite then refuses at once with "database is
/// locked" (its snapshot is stale, and waiting cannot help), without using the busy timeout.
/// PostgreSQL's rows are locked as they are written, so it keeps the plain `BEGIN`.
fn in_write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}
