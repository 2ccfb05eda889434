//! The declaration lifecycle (自己宣言のライフサイクル): every change of a declaration, in one
//! place. The HTTP handlers and the command line call these functions inside their own
//! transaction; each one checks the rules of the change, then writes the rows, the history, the
//! audit event, the e-mails and the change-log entry together, and answers a typed result.
//! Nothing else in the service changes a declaration.

pub mod application;
pub mod change_log;
pub mod changes;
pub mod decisions;
pub mod feed;
pub mod watch;

use chrono::NaiveDateTime;

use crate::db::audit::Actor;
use crate::db::models::{Account, Declaration, Declarer, NewDeclarationEvent};
use crate::db::{DbConnection, accounts, declarations, declarers};
use crate::domain::declaration::{Star, Status, Transition};
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::language::Localized;
use crate::error::{ApiError, Message};
use crate::texts::messages;

pub use decisions::{Decision, accept, decide, reinstate, revoke};

/// Who makes a change, and where the e-mails point.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The caller as the audit trail records it.
    pub actor: &'a Actor,
    /// The caller's account, for the declaration's history (`None` for the command line).
    pub account_id: Option<i64>,
    /// The public base URL, without a trailing slash.
    pub base_url: &'a str,
}

/// A declaration after a change, with its declarer.
#[derive(Debug, Clone)]
pub struct Changed {
    pub declarer: Declarer,
    pub declaration: Declaration,
}

/// 404 for a declaration that does not exist, or is not the caller's to see.
pub fn not_found() -> ApiError {
    ApiError::not_found(Message::new(
        "自己宣言が見つかりません",
        "No such declaration.",
    ))
}

/// 409: the one-live-declaration-per-corporation rule, wherever it is met (an application, a
/// change of the corporate number, a reinstatement).
pub fn corporate_number_taken() -> ApiError {
    ApiError::conflict(
        "corporate_number_already_declared",
        messages::corporate_number_held_by_another(),
    )
}

/// Maps the database's own guard of that rule (a unique index over live declarations) to the
/// same 409.
fn or_corporate_number_taken(error: diesel::result::Error) -> ApiError {
    if crate::db::is_unique_violation(&error, "corporate_number") {
        corporate_number_taken()
    } else {
        ApiError::from(error)
    }
}

/// A declaration by its ID; an unknown ID is 404.
pub fn load(
    conn: &mut DbConnection,
    declaration_id: &DeclarationId,
) -> Result<Declaration, ApiError> {
    declarations::by_public_id(conn, declaration_id.as_str())?.ok_or_else(not_found)
}

/// The account and declarer of a user number. An account without a declarer (an operator) or
/// one that no longer exists is 404.
pub fn load_account(
    conn: &mut DbConnection,
    user_number: &UserNumber,
) -> Result<(Account, Declarer), ApiError> {
    let account = accounts::by_user_number(conn, user_number.as_str())?.ok_or_else(not_found)?;
    let declarer = declarers::by_account(conn, account.id)?.ok_or_else(not_found)?;
    Ok((account, declarer))
}

/// A declaration the caller owns, with the caller's account and declarer. Anything else
/// (unknown, another declarer's) is 404, so that no one learns whether someone
/// else's declaration exists.
pub fn load_owned(
    conn: &mut DbConnection,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
) -> Result<(Account, Declarer, Declaration), ApiError> {
    let (account, declarer) = load_account(conn, user_number)?;
    let declaration = declarations::by_public_id(conn, declaration_id.as_str())?
        .filter(|d| d.declarer_id == declarer.id)
        .ok_or_else(not_found)?;
    Ok((account, declarer, declaration))
}

/// 409 for a change the lifecycle does not allow now. `what` names the change in words.
fn transition_not_allowed(from: Status, what: Localized) -> ApiError {
    ApiError::conflict(
        "transition_not_allowed",
        messages::not_allowed_in_state(from, what),
    )
}

/// The status after a transition, or 409.
fn apply_transition(
    declaration: &Declaration,
    transition: Transition,
    what: Localized,
) -> Result<(Status, Status), ApiError> {
    let from = declaration.status;
    let to = from
        .apply(transition)
        .map_err(|_| transition_not_allowed(from, what))?;
    Ok((from, to))
}

/// The status, or 409 unless the declaration is live (declared or accepted).
fn require_live(declaration: &Declaration, what: Localized) -> Result<Status, ApiError> {
    let status = declaration.status;
    if status.is_live() {
        Ok(status)
    } else {
        Err(transition_not_allowed(status, what))
    }
}

/// One entry of a declaration's history.
struct HistoryEntry<'a> {
    kind: &'a str,
    from_status: Option<Status>,
    to_status: Status,
    from_star: Option<Star>,
    to_star: Star,
    actor_kind: &'a str,
    actor_account_id: Option<i64>,
    reason: Option<&'a str>,
    note: Option<&'a str>,
}

impl<'a> HistoryEntry<'a> {
    /// A change the declarer made (from its account), between these statuses and stars.
    fn by_declarer(
        kind: &'a str,
        account_id: i64,
        (from_status, to_status): (Status, Status),
        (from_star, to_star): (Star, Star),
        reason: Option<&'a str>,
    ) -> Self {
        HistoryEntry {
            kind,
            from_status: Some(from_status),
            to_status,
            from_star: Some(from_star),
            to_star,
            actor_kind: "declarer",
            actor_account_id: Some(account_id),
            reason,
            note: None,
        }
    }
}

/// A declaration of the caller's that must be live for `what`: the caller's account, its
/// declarer, the declaration and its status (404 or 409 otherwise).
fn load_live_owned(
    conn: &mut DbConnection,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
    what: Localized,
) -> Result<(Account, Declarer, Declaration, Status), ApiError> {
    let (account, declarer, declaration) = load_owned(conn, user_number, declaration_id)?;
    let status = require_live(&declaration, what)?;
    Ok((account, declarer, declaration, status))
}

fn record_history(
    conn: &mut DbConnection,
    declaration_id: i64,
    entry: &HistoryEntry<'_>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    declarations::insert_event(
        conn,
        &NewDeclarationEvent {
            declaration_id,
            kind: entry.kind,
            from_status: entry.from_status.map(Status::code),
            to_status: entry.to_status.code(),
            from_star: entry.from_star.map(Star::code),
            to_star: entry.to_star.code(),
            actor_kind: entry.actor_kind,
            actor_account_id: entry.actor_account_id,
            reason: entry.reason,
            note: entry.note,
            occurred_at: now,
        },
    )?;
    Ok(())
}

/// The declaration and its declarer as they are now (after a change, in the same transaction).
fn reload(conn: &mut DbConnection, declaration_id: i64) -> Result<Changed, ApiError> {
    let declaration = declarations::by_row_id(conn, Some(declaration_id))?.ok_or_else(not_found)?;
    let declarer = declarers::by_id(conn, declaration.declarer_id)?;
    Ok(Changed {
        declarer,
        declaration,
    })
}
