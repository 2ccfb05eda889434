//! The secretariat's decisions on a declaration: acceptance (申込み受理), revocation (取消し)
//! and reinstatement (取消しの撤回). The same functions serve the admin API and
//! `security-action admin …`.

use crate::db::declarations::{self, DeclarationChange};
use crate::db::{self, DbConnection, audit};
use crate::domain::declaration::{ChangeKind, RevocationReason, Transition};
use crate::domain::identifiers::DeclarationId;
use crate::domain::language::Localized;
use crate::domain::validation::check_text;
use crate::error::ApiError;
use crate::mail::{self, templates};

use super::{
    Changed, Context, HistoryEntry, apply_transition, change_log, corporate_number_taken, load,
    or_corporate_number_taken, record_history, reload,
};

/// A decision on a declaration, as asked for.
#[derive(Debug, Clone)]
pub enum Decision {
    /// 申込み受理.
    Accept,
    /// 取消し, with a reason and an optional note (quoted in the e-mail to the declarer).
    Revoke {
        reason: RevocationReason,
        note: Option<String>,
    },
    /// 取消しの撤回, with an optional note for the history.
    Reinstate { note: Option<String> },
}

impl Decision {
    fn transition(&self) -> Transition {
        match self {
            Decision::Accept => Transition::Accept,
            Decision::Revoke { .. } => Transition::Revoke,
            Decision::Reinstate { .. } => Transition::Reinstate,
        }
    }

    fn label(&self) -> Localized {
        match self {
            Decision::Accept => Localized {
                ja: "申込み受理",
                en: "acceptance",
            },
            Decision::Revoke { .. } => Localized {
                ja: "取消し",
                en: "revocation",
            },
            Decision::Reinstate { .. } => Localized {
                ja: "取消しの撤回",
                en: "reinstatement",
            },
        }
    }
}

/// A decision's note: empty is no note; white space alone is a blank note, refused as such;
/// otherwise trimmed, 1–1,000 characters.
pub fn checked_note(note: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(note) = note.filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    check_text("note", note, 1, 1000).map_err(ApiError::invalid_field)?;
    Ok(Some(note.trim().to_owned()))
}

/// Accepts a declared declaration: logo downloads open and 「申込み受理のご連絡」 goes out.
pub fn accept(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    declaration_id: &DeclarationId,
) -> Result<Changed, ApiError> {
    decide(conn, ctx, declaration_id, &Decision::Accept)
}

/// Revokes a live declaration: it stops being valid at once (logo-download tokens issued before
/// are dead for good, see `routes/logo.rs`), and the declarer is told.
pub fn revoke(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    declaration_id: &DeclarationId,
    reason: RevocationReason,
    note: Option<&str>,
) -> Result<Changed, ApiError> {
    let note = note.map(str::to_owned);
    decide(
        conn,
        ctx,
        declaration_id,
        &Decision::Revoke { reason, note },
    )
}

/// Reinstates a revoked declaration (accepted again), unless another live declaration has
/// taken its corporate number meanwhile (409).
pub fn reinstate(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    declaration_id: &DeclarationId,
    note: Option<&str>,
) -> Result<Changed, ApiError> {
    let note = note.map(str::to_owned);
    decide(conn, ctx, declaration_id, &Decision::Reinstate { note })
}

/// Applies a decision as asked for: its note is checked first, then the lifecycle (409), then
/// the declaration, its history, the audit trail, the e-mail and the change log are written.
pub fn decide(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    declaration_id: &DeclarationId,
    decision: &Decision,
) -> Result<Changed, ApiError> {
    let decision = &match decision {
        Decision::Accept => Decision::Accept,
        Decision::Revoke { reason, note } => Decision::Revoke {
            reason: *reason,
            note: checked_note(note.as_deref())?,
        },
        Decision::Reinstate { note } => Decision::Reinstate {
            note: checked_note(note.as_deref())?,
        },
    };
    let declaration = load(conn, declaration_id)?;
    let (from, to) = apply_transition(&declaration, decision.transition(), decision.label())?;
    let star = declaration.star_level;
    let kind = ChangeKind::of_transition(decision.transition());
    let now = db::now();
    let (reason, note) = match decision {
        Decision::Accept => (None, None),
        Decision::Revoke { reason, note } => (Some(reason.code()), note.as_deref()),
        Decision::Reinstate { note } => (None, note.as_deref()),
    };
    let change = match decision {
        Decision::Accept => DeclarationChange {
            status: Some(to.code()),
            accepted_at: Some(Some(now)),
            ..Default::default()
        },
        Decision::Revoke { .. } => DeclarationChange {
            status: Some(to.code()),
            ended_at: Some(Some(now)),
            end_reason: Some(reason),
            end_note: Some(note),
            ..Default::default()
        },
        Decision::Reinstate { .. } => DeclarationChange {
            status: Some(to.code()),
            accepted_at: Some(Some(declaration.accepted_at.unwrap_or(now))),
            ended_at: Some(None),
            end_reason: Some(None),
            end_note: Some(None),
            ..Default::default()
        },
    };
    if matches!(decision, Decision::Reinstate { .. })
        && let Some(number) = &declaration.corporate_number
        && declarations::live_with_corporate_number(conn, number, Some(declaration.id))?
    {
        return Err(corporate_number_taken());
    }
    declarations::update(conn, declaration.id, &change, now).map_err(or_corporate_number_taken)?;
    record_history(
        conn,
        declaration.id,
        &HistoryEntry {
            kind: kind.code(),
            from_status: Some(from),
            to_status: to,
            from_star: Some(star),
            to_star: star,
            actor_kind: "secretariat",
            actor_account_id: ctx.account_id,
            reason,
            note,
        },
        now,
    )?;
    audit::record(
        conn,
        ctx.actor,
        &format!("declaration.{}", kind.code()),
        "declaration",
        Some(&declaration.public_id),
        Some(&serde_json::json!({"status": from.code()})),
        Some(&serde_json::json!({"status": to.code(), "reason": reason, "note": note})),
        now,
    )?;
    let changed = reload(conn, declaration.id)?;
    let recipient = mail::recipient(&changed.declarer);
    let at = db::utc(now);
    let public_id = declaration.public_id.as_str();
    let email = match decision {
        Decision::Accept => templates::accepted(&recipient, public_id, star, at, ctx.base_url),
        Decision::Revoke { reason, note } => {
            templates::revoked(&recipient, public_id, reason.code(), note.as_deref(), at)
        }
        Decision::Reinstate { .. } => templates::reinstated(&recipient, public_id, star, at),
    };
    mail::enqueue(conn, &email, Some(declaration.id), now)?;
    change_log::record(conn, declaration.id, kind, now)?;
    Ok(changed)
}
