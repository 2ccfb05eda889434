//! Declarations: applying, reading, and every change the declarer makes (contact person,
//! policy disclosure, step-up, withdrawal), plus the printable completion notice.

pub mod apply;
pub mod changes;
pub mod forms;
pub mod notice;
pub mod read;

use chrono::NaiveDateTime;

use crate::auth::extract::User;
use crate::db::models::{Account, Declaration, Declarer, NewDeclarationEvent};
use crate::db::{DbConnection, DbError, accounts, declarations, declarers};
use crate::domain::declaration::{Star, Status, Transition};
use crate::domain::identifiers::DeclarationId;
use crate::error::{ApiError, Message};

/// A declaration as the lifecycle knows it.
pub fn status_of(declaration: &Declaration) -> Result<Status, ApiError> {
    Status::from_code(&declaration.status).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("unknown status {:?}", declaration.status))
    })
}

pub fn star_of(declaration: &Declaration) -> Result<Star, ApiError> {
    Star::from_code(&declaration.star_level).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("unknown star {:?}", declaration.star_level))
    })
}

pub fn declaration_not_found() -> ApiError {
    ApiError::not_found(Message::new(
        "自己宣言が見つかりません",
        "No such declaration.",
    ))
}

/// The caller's account and declarer rows. An account without a declarer (an operator) or one
/// that no longer exists is 404.
pub fn load_account(conn: &mut DbConnection, user: &User) -> Result<(Account, Declarer), ApiError> {
    let account = accounts::by_user_number(conn, user.user_number.as_str())
        .map_err(DbError::from)?
        .ok_or_else(declaration_not_found)?;
    let declarer = declarers::by_account(conn, account.id)
        .map_err(DbError::from)?
        .ok_or_else(declaration_not_found)?;
    Ok((account, declarer))
}

/// A declaration the caller owns; anything else (malformed, unknown, another declarer's) is
/// 404, so that no one learns whether someone else's declaration exists.
pub fn load_owned(
    conn: &mut DbConnection,
    user: &User,
    declaration_id: &str,
) -> Result<(Account, Declarer, Declaration), ApiError> {
    DeclarationId::parse(declaration_id).map_err(|_| declaration_not_found())?;
    let (account, declarer) = load_account(conn, user)?;
    let declaration = declarations::by_public_id(conn, declaration_id)
        .map_err(DbError::from)?
        .filter(|d| d.declarer_id == declarer.id)
        .ok_or_else(declaration_not_found)?;
    Ok((account, declarer, declaration))
}

/// 409 for a change the lifecycle does not allow now.
pub fn transition_not_allowed(from: Status, what: &str) -> ApiError {
    ApiError::conflict(
        "transition_not_allowed",
        Message::new(
            format!(
                "現在の状態({})ではこの操作({what})はできません",
                from.code()
            ),
            format!(
                "A declaration that is {} cannot be changed this way ({what}).",
                from.code()
            ),
        ),
    )
}

/// Checks a transition against the lifecycle.
pub fn apply_transition(
    declaration: &Declaration,
    transition: Transition,
    what: &str,
) -> Result<Status, ApiError> {
    let from = status_of(declaration)?;
    from.apply(transition)
        .map_err(|_| transition_not_allowed(from, what))
}

/// 409 unless the declaration is live (declared or accepted).
pub fn require_live(declaration: &Declaration, what: &str) -> Result<Status, ApiError> {
    let status = status_of(declaration)?;
    if status.is_live() {
        Ok(status)
    } else {
        Err(transition_not_allowed(status, what))
    }
}

/// One entry of a declaration's history.
pub struct HistoryEntry<'a> {
    pub kind: &'a str,
    pub from_status: Status,
    pub to_status: Status,
    pub from_star: Star,
    pub to_star: Star,
    pub actor_kind: &'a str,
    pub actor_account_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub fn record_history(
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
            from_status: Some(entry.from_status.code()),
            to_status: entry.to_status.code(),
            from_star: Some(entry.from_star.code()),
            to_star: entry.to_star.code(),
            actor_kind: entry.actor_kind,
            actor_account_id: entry.actor_account_id,
            reason: entry.reason,
            note: entry.note,
            occurred_at: now,
        },
    )
    .map_err(|e| DbError::from(e).into())
}
