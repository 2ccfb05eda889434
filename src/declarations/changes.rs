//! The declarer's changes: the contact person (担当者変更), the organisation's registration
//! information, the basic policy's disclosure, stepping up (二つ星への変更) and down (一つ星への
//! 変更), and withdrawal (取下げ).

use serde_json::{Value, json};

use crate::db::declarations::{self, DeclarationChange};
use crate::db::models::{ContactRow, Declaration, Declarer, OrganizationRow, PolicyDisclosureRow};
use crate::db::{self, DbConnection, audit, declarers, diagnoses};
use crate::domain::declaration::{ChangeKind, Star, Transition};
use crate::domain::disclosure::PolicyDisclosure;
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::language::Localized;
use crate::domain::validation::{FieldCode, Violation, check_text};
use crate::error::{ApiError, Message};
use crate::mail::{self, recipient, templates};

use super::{
    Changed, Context, HistoryEntry, apply_transition, change_log, corporate_number_taken,
    load_account, load_live_owned, load_owned, or_corporate_number_taken, record_history, reload,
};

fn contact_json(declarer: &Declarer) -> Value {
    json!({
        "name": declarer.contact_name, "email": declarer.contact_email,
        "phone": declarer.contact_phone, "department": declarer.contact_department,
    })
}

fn disclosure_json(row: Option<&PolicyDisclosureRow>) -> Option<Value> {
    row.map(
        |d| json!({"methods": d.methods, "url": d.url, "other_description": d.other_description}),
    )
}

/// Changes the contact person (担当者変更). Both the new and the previous contact are told.
/// Verifiers never see the contact, so the change log has no entry for it.
pub fn change_contact(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
    contact: &ContactRow,
) -> Result<Changed, ApiError> {
    let (account, before, declaration) = load_owned(conn, user_number, declaration_id)?;
    let now = db::now();
    declarers::update_contact(conn, before.id, contact, now)?;
    declarations::touch(conn, declaration.id, now)?;
    let status = declaration.status;
    let star = declaration.star_level;
    record_history(
        conn,
        declaration.id,
        &HistoryEntry::by_declarer(
            "contact_changed",
            account.id,
            (status, status),
            (star, star),
            None,
        ),
        now,
    )?;
    let changed = reload(conn, declaration.id)?;
    audit::record(
        conn,
        ctx.actor,
        "declaration.contact_changed",
        "declaration",
        Some(&declaration.public_id),
        Some(&contact_json(&before)),
        Some(&contact_json(&changed.declarer)),
        now,
    )?;
    let at = db::utc(now);
    let public_id = &declaration.public_id;
    let email = templates::contact_changed(&recipient(&changed.declarer), public_id, at);
    mail::enqueue(conn, &email, Some(declaration.id), now)?;
    if before.contact_email != changed.declarer.contact_email {
        let email = templates::contact_changed(&recipient(&before), public_id, at);
        mail::enqueue(conn, &email, Some(declaration.id), now)?;
    }
    Ok(changed)
}

/// Sets or changes the basic policy's disclosure of a live declaration. The star does not
/// change, so neither does anything a verifier sees.
pub fn set_policy_disclosure(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
    disclosure: &PolicyDisclosure,
) -> Result<PolicyDisclosureRow, ApiError> {
    let what = Localized {
        ja: "基本方針の公開方法の変更",
        en: "setting the policy disclosure",
    };
    let (_, _, declaration, _) = load_live_owned(conn, user_number, declaration_id, what)?;
    let now = db::now();
    let before = declarations::disclosure(conn, declaration.id)?;
    declarations::put_disclosure(conn, declaration.id, disclosure, now)?;
    declarations::touch(conn, declaration.id, now)?;
    let after = declarations::disclosure(conn, declaration.id)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("disclosure vanished")))?;
    audit::record(
        conn,
        ctx.actor,
        "declaration.policy_disclosure_set",
        "declaration",
        Some(&declaration.public_id),
        disclosure_json(before.as_ref()).as_ref(),
        disclosure_json(Some(&after)).as_ref(),
        now,
    )?;
    Ok(after)
}

/// Removes the disclosure. A two-star declaration without a disclosed policy steps down to one
/// star (一つ星への変更): in its history, in the change log, and by e-mail.
pub fn remove_policy_disclosure(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
) -> Result<Changed, ApiError> {
    let what = Localized {
        ja: "基本方針の公開の取りやめ",
        en: "removing the policy disclosure",
    };
    let (account, declarer, declaration, status) =
        load_live_owned(conn, user_number, declaration_id, what)?;
    let now = db::now();
    let before = declarations::disclosure(conn, declaration.id)?;
    if !declarations::delete_disclosure(conn, declaration.id)? {
        return Err(ApiError::not_found(Message::new(
            "公開されている基本方針はありません",
            "This declaration has no policy disclosure.",
        )));
    }
    let star = declaration.star_level;
    let star_after = if star == Star::TwoStar {
        let change = DeclarationChange {
            star_level: Some(Star::OneStar.code()),
            star_since: Some(now),
            ..Default::default()
        };
        declarations::update(conn, declaration.id, &change, now)?;
        record_history(
            conn,
            declaration.id,
            &HistoryEntry::by_declarer(
                "stepped_down",
                account.id,
                (status, status),
                (Star::TwoStar, Star::OneStar),
                Some("policy_disclosure_removed"),
            ),
            now,
        )?;
        let email = templates::star_changed(
            &recipient(&declarer),
            &declaration.public_id,
            Star::TwoStar,
            Star::OneStar,
            db::utc(now),
        );
        mail::enqueue(conn, &email, Some(declaration.id), now)?;
        Star::OneStar
    } else {
        declarations::touch(conn, declaration.id, now)?;
        star
    };
    audit::record(
        conn,
        ctx.actor,
        "declaration.policy_disclosure_removed",
        "declaration",
        Some(&declaration.public_id),
        disclosure_json(before.as_ref()).as_ref(),
        Some(&json!({"star": star_after.code()})),
        now,
    )?;
    if star_after != star {
        change_log::record(conn, declaration.id, ChangeKind::StarChanged, now)?;
    }
    reload(conn, declaration.id)
}

/// Steps a live one-star declaration up to two stars (二つ星への変更) with a diagnosis of the
/// declarer's own and a disclosed basic policy. The declaration ID stays the same.
pub fn step_up(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
    diagnosis_id: &str,
    disclosure: &PolicyDisclosure,
) -> Result<Changed, ApiError> {
    let what = Localized {
        ja: "二つ星への変更",
        en: "step-up",
    };
    let (account, declarer, declaration, status) =
        load_live_owned(conn, user_number, declaration_id, what)?;
    if declaration.star_level == Star::TwoStar {
        return Err(ApiError::conflict(
            "already_two_star",
            Message::new(
                "すでに二つ星を宣言しています",
                "The declaration is already two stars.",
            ),
        ));
    }
    let diagnosis = diagnoses::owned(conn, declarer.id, diagnosis_id)?.ok_or_else(|| {
        ApiError::invalid_field(Violation::new(
            "diagnosis_id",
            FieldCode::UnknownDiagnosis,
            "この自社診断は見つかりません。ご自身で受けた自社診断のIDを指定してください",
            "no diagnosis of yours has this ID",
        ))
    })?;
    let now = db::now();
    declarations::put_disclosure(conn, declaration.id, disclosure, now)?;
    let change = DeclarationChange {
        star_level: Some(Star::TwoStar.code()),
        diagnosis_id: Some(Some(diagnosis.id)),
        star_since: Some(now),
        ..Default::default()
    };
    declarations::update(conn, declaration.id, &change, now)?;
    record_history(
        conn,
        declaration.id,
        &HistoryEntry::by_declarer(
            "stepped_up",
            account.id,
            (status, status),
            (Star::OneStar, Star::TwoStar),
            None,
        ),
        now,
    )?;
    audit::record(
        conn,
        ctx.actor,
        "declaration.stepped_up",
        "declaration",
        Some(&declaration.public_id),
        Some(&json!({"star": "one_star"})),
        Some(
            &json!({"star": "two_star", "diagnosis_id": diagnosis.public_id, "total_score": diagnosis.total_score}),
        ),
        now,
    )?;
    let email = templates::star_changed(
        &recipient(&declarer),
        &declaration.public_id,
        Star::OneStar,
        Star::TwoStar,
        db::utc(now),
    );
    mail::enqueue(conn, &email, Some(declaration.id), now)?;
    change_log::record(conn, declaration.id, ChangeKind::StarChanged, now)?;
    reload(conn, declaration.id)
}

/// A withdrawal reason: trimmed, 1–500 characters.
pub fn checked_withdrawal_reason(reason: &str) -> Result<String, ApiError> {
    check_text("reason", reason, 1, 500).map_err(ApiError::invalid_field)?;
    Ok(reason.trim().to_owned())
}

/// Withdraws the declaration (取下げ). This is final: it is no longer valid for verification,
/// its logo-download tokens are dead, and a new declaration needs a new application.
pub fn withdraw(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    user_number: &UserNumber,
    declaration_id: &DeclarationId,
    reason: &str,
) -> Result<Changed, ApiError> {
    let reason = checked_withdrawal_reason(reason)?;
    let (account, declarer, declaration) = load_owned(conn, user_number, declaration_id)?;
    let (from, to) = apply_transition(
        &declaration,
        Transition::Withdraw,
        Localized {
            ja: "取下げ",
            en: "withdrawal",
        },
    )?;
    let now = db::now();
    let change = DeclarationChange {
        status: Some(to.code()),
        ended_at: Some(Some(now)),
        end_reason: Some(Some(&reason)),
        ..Default::default()
    };
    declarations::update(conn, declaration.id, &change, now)?;
    let star = declaration.star_level;
    record_history(
        conn,
        declaration.id,
        &HistoryEntry::by_declarer(
            ChangeKind::Withdrawn.code(),
            account.id,
            (from, to),
            (star, star),
            Some(&reason),
        ),
        now,
    )?;
    audit::record(
        conn,
        ctx.actor,
        "declaration.withdrawn",
        "declaration",
        Some(&declaration.public_id),
        Some(&json!({"status": from.code()})),
        Some(&json!({"status": to.code(), "reason": reason})),
        now,
    )?;
    let email = templates::withdrawn(&recipient(&declarer), &declaration.public_id, db::utc(now));
    mail::enqueue(conn, &email, Some(declaration.id), now)?;
    change_log::record(conn, declaration.id, ChangeKind::Withdrawn, now)?;
    reload(conn, declaration.id)
}

fn organization_json(o: &OrganizationRow) -> Value {
    json!({
        "name": o.organization_name, "name_kana": o.organization_name_kana,
        "organization_type": o.organization_type, "corporate_number": o.corporate_number,
        "prefecture": o.prefecture, "address": o.address, "industry": o.industry,
        "employees": o.employees, "capital_yen": o.capital_yen, "website": o.website,
    })
}

fn organization_of(d: &Declarer) -> OrganizationRow {
    OrganizationRow {
        organization_name: d.organization_name.clone(),
        organization_name_kana: d.organization_name_kana.clone(),
        organization_name_key: d.organization_name_key.clone(),
        organization_type: d.organization_type.clone(),
        corporate_number: d.corporate_number.clone(),
        prefecture: d.prefecture.clone(),
        address: d.address.clone(),
        industry: d.industry.clone(),
        employees: d.employees,
        capital_yen: d.capital_yen,
        website: d.website.clone(),
    }
}

/// The declarer after a change of its organisation, with its newest declaration.
#[derive(Debug, Clone)]
pub struct OrganizationChanged {
    pub declarer: Declarer,
    pub declaration: Option<Declaration>,
}

/// Changes the organisation's registration information (登録情報の変更). `revise` sees the
/// stored declarer and its newest declaration, and answers the new organisation (checked by the
/// caller's rules of form, and any precondition such as `If-Match`). The corporate number
/// follows onto a live declaration, within the one-per-corporation rule (409). A change of the
/// name, corporate number or prefecture is in the change log; other fields are not seen by
/// verifiers or the registry.
pub fn change_organization(
    conn: &mut DbConnection,
    ctx: &Context<'_>,
    user_number: &UserNumber,
    revise: impl FnOnce(&Declarer, Option<&Declaration>) -> Result<OrganizationRow, ApiError>,
) -> Result<OrganizationChanged, ApiError> {
    let (_, declarer) = load_account(conn, user_number)?;
    let declaration = declarations::current_for_declarer(conn, declarer.id)?;
    let row = revise(&declarer, declaration.as_ref())?;
    let before = organization_of(&declarer);
    let now = db::now();
    if let Some(declaration) = &declaration
        && declaration.corporate_number != row.corporate_number
    {
        if declaration.status.is_live()
            && let Some(number) = &row.corporate_number
            && declarations::live_with_corporate_number(conn, number, Some(declaration.id))?
        {
            return Err(corporate_number_taken());
        }
        let change = DeclarationChange {
            corporate_number: Some(row.corporate_number.as_deref()),
            ..Default::default()
        };
        declarations::update(conn, declaration.id, &change, now)
            .map_err(or_corporate_number_taken)?;
    }
    declarers::update_organization(conn, declarer.id, &row, now)?;
    if declarer.prefecture != row.prefecture {
        declarations::set_prefecture(conn, declarer.id, &row.prefecture)?;
    }
    audit::record(
        conn,
        ctx.actor,
        "account.organization_changed",
        "declarer",
        declaration.as_ref().map(|d| d.public_id.as_str()),
        Some(&organization_json(&before)),
        Some(&organization_json(&row)),
        now,
    )?;
    let seen_outside = before.organization_name != row.organization_name
        || before.corporate_number != row.corporate_number
        || before.prefecture != row.prefecture;
    if seen_outside && let Some(declaration) = &declaration {
        change_log::record(conn, declaration.id, ChangeKind::OrganizationChanged, now)?;
    }
    let declarer = declarers::by_id(conn, declarer.id)?;
    let declaration = declarations::current_for_declarer(conn, declarer.id)?;
    Ok(OrganizationChanged {
        declarer,
        declaration,
    })
}
