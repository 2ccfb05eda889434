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
