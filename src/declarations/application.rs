//! Applying (申込み): a new account, declarer and declaration, with its numbers, history,
//! audit event, completion e-mail and change-log entries.

use chrono::{DateTime, Utc};

use crate::auth::tokens::TokenKeys;
use crate::config::AcceptanceMode;
use crate::db::declarations::DeclarationChange;
use crate::db::models::{ContactRow, NewAccount, NewDeclaration, OrganizationRow};
use crate::db::{self, DbConnection, accounts, audit, declarations, declarers, diagnoses};
use crate::domain::declaration::{ChangeKind, Purpose, Star, Status};
use crate::domain::disclosure::PolicyDisclosure;
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::scoring::AnswerSheet;
use crate::domain::terms;
use crate::error::ApiError;
use crate::mail::templates::Email;
use crate::mail::{self, templates};

use super::{
    Context, HistoryEntry, change_log, corporate_number_taken, or_corporate_number_taken,
    record_history,
};

/// An application whose every rule of form holds (checked where it was parsed).
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub organization: OrganizationRow,
    pub contact: ContactRow,
    pub star: Star,
    pub purposes: Vec<Purpose>,
    /// Two stars only: the 25 answers.
    pub sheet: Option<AnswerSheet>,
    /// Two stars only: how the basic policy is disclosed.
    pub disclosure: Option<PolicyDisclosure>,
}

/// What applying produced.
#[derive(Debug, Clone)]
pub struct Applied {
    pub user_number: UserNumber,
    pub declaration_id: DeclarationId,
    pub star: Star,
    pub status: Status,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The completion e-mail, as sent.
    pub completion: Email,
    /// The completion notice's verification code (確認コード) and where it is checked.
    pub verification_code: String,
    pub verification_url: String,
}

/// 409 when a live declaration holds this corporate number. Checked before the password is
/// hashed, so that a duplicate costs no hash; [`apply`] checks again in its transaction.
pub fn check_corporate_number_free(
    conn: &mut DbConnection,
    corporate_number: &str,
) -> Result<(), ApiError> {
    if declarations::live_with_corporate_number(conn, corporate_number, None)? {
        return Err(corporate_number_taken());
    }
    Ok(())
}

/// Fresh numbers: random, unused, and a user number the password does not contain.
fn fresh_numbers(
    conn: &mut DbConnection,
    password: &str,
) -> Result<(UserNumber, DeclarationId), ApiError> {
    let mut rng = rand::rng();
    for _ in 0..20 {
        let user_number = UserNumber::generate(&mut rng);
        let declaration_id = DeclarationId::generate(&mut rng);
        if password.contains(user_number.as_str())
            || accounts::user_number_taken(conn, user_number.as_str())?
            || declarations::public_id_taken(conn, declaration_id.as_str())?
        {
            continue;
        }
        return Ok((user_number, declaration_id));
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no free number after 20 draws"
    )))
}

/// Writes the account, the declarer, the diagnosis, the declaration with its purposes,
/// disclosure and history, the audit event, the e-mails and the change-log entries (`applied`,
/// and `accepted` when acceptance is automatic): all in the caller's transaction.
pub fn apply(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    application: &NewApplication,
    password: &str,
    password_hash: &str,
    acceptance: AcceptanceMode,
    keys: &TokenKeys,
) -> Result<Applied, ApiError> {
    let now = db::now();
    if let Some(number) = &application.organization.corporate_number {
        check_corporate_number_free(conn, number)?;
    }
    let (user_number, declaration_id) = fresh_numbers(conn, password)?;
    let account_id = accounts::insert(
        conn,
        &NewAccount {
            user_number: user_number.as_str(),
            role: "declarer",
            display_name: None,
            password_hash,
            password_changed_at: now,
            created_at: now,
        },
    )?;
    let declarer_id = declarers::insert(
        conn,
        account_id,
        &application.organization,
        &application.contact,
        now,
    )?;
    let diagnosis_id = match &application.sheet {
        Some(sheet) => Some(diagnoses::store(conn, declarer_id, sheet, now)?.0),
        None => None,
    };
    let id = declarations::insert(
        conn,
        &NewDeclaration {
            public_id: declaration_id.as_str(),
            declarer_id,
            star_level: application.star.code(),
            status: Status::Declared.code(),
            corporate_number: application.organization.corporate_number.as_deref(),
            agreed_terms_version: terms::current().version,
            pledge_five_principles: true,
            diagnosis_id,
            declared_at: now,
            accepted_at: None,
            star_since: now,
            updated_at: now,
            prefecture: &application.organization.prefecture,
        },
    )
    .map_err(or_corporate_number_taken)?;
    let purposes: Vec<&str> = application.purposes.iter().map(|p| p.code()).collect();
    declarations::insert_purposes(conn, id, &purposes)?;
    if let Some(disclosure) = &application.disclosure {
        declarations::put_disclosure(conn, id, disclosure, now)?;
    }
    record_history(
        conn,
        id,
        &HistoryEntry {
            kind: ChangeKind::Applied.code(),
            from_status: None,
            to_status: Status::Declared,
            from_star: None,
            to_star: application.star,
            actor_kind: "declarer",
            actor_account_id: Some(account_id),
            reason: None,
            note: None,
        },
        now,
    )?;
    let auto = acceptance == AcceptanceMode::Auto;
    let status = if auto {
        Status::Accepted
    } else {
        Status::Declared
    };
    audit::record(
        conn,
        ctx.actor,
        "declaration.applied",
        "declaration",
        Some(declaration_id.as_str()),
        None,
        Some(&serde_json::json!({
            "declaration_id": declaration_id.as_str(),
            "user_number": user_number.as_str(),
            "star": application.star.code(),
            "status": status.code(),
            "organization": {"name": application.organization.organization_name, "corporate_number": application.organization.corporate_number},
            "purposes": purposes,
        })),
        now,
    )?;

    let base = ctx.base_url;
    let code = keys.notice_code(&declaration_id);
    let verification_url = format!("{base}/v1/notice-verifications/{code}");
    let recipient = templates::Recipient {
        organization_name: &application.organization.organization_name,
        contact_name: &application.contact.contact_name,
        email: &application.contact.contact_email,
    };
    let declared_at = db::utc(now);
    let completion = templates::declaration_completed(
        &recipient,
        user_number.as_str(),
        declaration_id.as_str(),
        application.star,
        declared_at,
        auto,
        &format!(
            "{base}/v1/declarations/{}/completion-notice",
            declaration_id.as_str()
        ),
        base,
    );
    mail::enqueue(conn, &completion, Some(id), now)?;
    change_log::record(conn, id, ChangeKind::Applied, now)?;
    if auto {
        // Accepted at once: the same change as the secretariat's, by the system.
        declarations::update(
            conn,
            id,
            &DeclarationChange {
                status: Some(Status::Accepted.code()),
                accepted_at: Some(Some(now)),
                ..Default::default()
            },
            now,
        )?;
        record_history(
            conn,
            id,
            &HistoryEntry {
                kind: ChangeKind::Accepted.code(),
                from_status: Some(Status::Declared),
                to_status: Status::Accepted,
                from_star: None,
                to_star: application.star,
                actor_kind: "system",
                actor_account_id: None,
                reason: None,
                note: None,
            },
            now,
        )?;
        let accepted = templates::accepted(
            &recipient,
            declaration_id.as_str(),
            application.star,
            declared_at,
            base,
        );
        mail::enqueue(conn, &accepted, Some(id), now)?;
        change_log::record(conn, id, ChangeKind::Accepted, now)?;
    }
    Ok(Applied {
        user_number,
        declaration_id,
        star: application.star,
        status,
        declared_at,
        accepted_at: auto.then_some(declared_at),
        completion,
        verification_code: code,
        verification_url,
    })
}
