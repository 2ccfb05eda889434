//! E-mail: the texts, the outbox they are queued in (in the same transaction as the change
//! that causes them), and the background sender that delivers them.

pub mod sender;
pub mod templates;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::models::Declarer;
use crate::db::{DbConnection, outbox};
use templates::{Email, Recipient};

/// The contact person of a declarer, as the addressee of an e-mail.
pub fn recipient(declarer: &Declarer) -> Recipient<'_> {
    Recipient {
        organization_name: &declarer.organization_name,
        contact_name: &declarer.contact_name,
        email: &declarer.contact_email,
    }
}

/// Queues an e-mail as part of the caller's transaction.
pub fn enqueue(
    conn: &mut DbConnection,
    email: &Email,
    declaration_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    outbox::enqueue(
        conn,
        email.kind.code(),
        &email.to,
        &email.subject,
        &email.body,
        declaration_id,
        now,
    )
}
