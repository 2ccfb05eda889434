//! The pool never hands out a connection left in an unfinished transaction: a write that
//! panics half-way leaves nothing behind, and the writes after it are committed for real.

use security_action::db::Db;
use security_action::error::ApiError;
use security_action::secretariat::create_client;

use crate::both_backends;

fn clients_named(db: &Db, name: &str) -> i64 {
    use diesel::prelude::*;
    use security_action::db::schema::api_clients;
    let mut conn = db.pool().get().unwrap();
    api_clients::table
        .filter(api_clients::name.eq(name))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

fn a_bug_half_way_through() -> Result<(), ApiError> {
    panic!("a bug half-way through a write")
}

both_backends! {
    async fn a_write_that_panics_mid_transaction_does_not_poison_the_pool(app) {
        let url = app.state.config.database.clone();
        let actor = security_action::db::audit::Actor::system();
        // One connection, so that a returned broken one would be the next one handed out.
        let db = Db::connect(&url, 1).unwrap();
        let panicking = {
            let (db, actor) = (db.clone(), actor.clone());
            tokio::task::spawn_blocking(move || {
                db.write_blocking(|conn| {
                    create_client(conn, "panicked", &["declarations:verify".to_owned()], None, None, &actor)?;
                    a_bug_half_way_through()
                })
            })
            .await
        };
        assert!(panicking.is_err(), "the write panicked");
        let after = {
            let (db, actor) = (db.clone(), actor.clone());
            tokio::task::spawn_blocking(move || {
                db.write_blocking(|conn| {
                    create_client(conn, "after", &["declarations:verify".to_owned()], None, None, &actor)
                })
            })
            .await
            .unwrap()
        };
        assert!(after.is_ok(), "{:?}", after.err());
        // Another pool sees what the second write committed, and nothing of the first.
        let fresh = Db::connect(&url, 1).unwrap();
        let counts = tokio::task::spawn_blocking(move || {
            (clients_named(&fresh, "after"), clients_named(&fresh, "panicked"))
        })
        .await
        .unwrap();
        assert_eq!(counts, (1, 0));
    }
}

/// What `name` is set to on this connection.
fn setting(conn: &mut security_action::db::DbConnection, name: &str) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
        .get_result::<Setting>(conn)
        .unwrap()
        .value
}

#[tokio::test]
async fn postgresql_plans_in_parallel_only_for_the_statistics() {
    let Some(app) = crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let db = Db::connect(&app.state.config.database, 1).unwrap();
    let (outside, inside, after) = tokio::task::spawn_blocking(move || {
        let mut conn = db.pool().get().unwrap();
        let outside = setting(&mut conn, "max_parallel_workers_per_gather");
        let inside = security_action::db::stats::with_parallel_plans(&mut conn, |conn| {
            Ok::<_, diesel::result::Error>(setting(conn, "max_parallel_workers_per_gather"))
        })
        .unwrap();
        let after = setting(&mut conn, "max_parallel_workers_per_gather");
        (outside, inside, after)
    })
    .await
    .unwrap();
    // The server's default (2 unless configured otherwise) inside, none outside.
    assert_eq!((outside.as_str(), after.as_str()), ("0", "0"));
    assert_ne!(inside, "0");
}

/// Two processes writing one SQLite file (the command line beside the service): a write
/// transaction that read first, while the other committed, still commits. It waits for the
/// other's write lock instead of failing with "database is locked" (a stale snapshot, which
/// the busy timeout does not cover).
#[tokio::test]
async fn sqlite_writers_in_two_processes_wait_for_each_other() {
    let Some(app) = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let url = app.state.config.database.clone();
    // Two pools, each with its own in-process write lock: as two processes would have.
    let (service, command_line) = (Db::connect(&url, 1).unwrap(), Db::connect(&url, 1).unwrap());
    let actor = security_action::db::audit::Actor::system();
    let (read_done, wait_for_read) = std::sync::mpsc::channel::<()>();
    let (other_done, wait_for_other) = std::sync::mpsc::channel::<Result<(), String>>();
    let other = {
        let actor = actor.clone();
        std::thread::spawn(move || {
            wait_for_read.recv().unwrap();
            let written = command_line
                .write_blocking(|conn| {
                    create_client(
                        conn,
                        "beside",
                        &["declarations:verify".to_owned()],
                        None,
                        None,
                        &actor,
                    )
                })
                .map(|_| ())
                .map_err(|e| format!("{e:?}"));
            let _ = other_done.send(written.clone());
            written
        })
    };
    let first = tokio::task::spawn_blocking(move || {
        service.write_blocking(|conn| {
            use diesel::prelude::*;
            use security_action::db::schema::api_clients;
            let before: i64 = api_clients::table.count().get_result(conn)?;
            read_done.send(()).unwrap();
            // The other process writes now, unless this transaction holds the write lock (then
            // it waits for this one's commit and this wait runs out).
            let _ = wait_for_other.recv_timeout(std::time::Duration::from_millis(500));
            create_client(
                conn,
                "first",
                &["declarations:verify".to_owned()],
                None,
                None,
                &actor,
            )?;
            Ok::<_, ApiError>(before)
        })
    })
    .await
    .unwrap();
    assert!(
        first.is_ok(),
        "the write that read first: {:?}",
        first.err()
    );
    let other = other.join().unwrap();
    assert!(other.is_ok(), "the other process's write: {other:?}");
    let fresh = Db::connect(&url, 1).unwrap();
    let counts = tokio::task::spawn_blocking(move || {
        (
            clients_named(&fresh, "first"),
            clients_named(&fresh, "beside"),
        )
    })
    .await
    .unwrap();
    assert_eq!(counts, (1, 1));
}
