//! Which account a verified GビズID identity signs in to. The provider account (issuer and
//! subject) is linked at its first sign-in to the declarer whose live declaration carries the
//! corporate number the provider vouches for; later sign-ins follow the link. Runs inside the
//! caller's transaction.

use serde_json::json;

use super::Identity;
use crate::config::OidcSettings;
use crate::db::models::Account;
use crate::db::{self, DbConnection, accounts, audit, oidc};
use crate::domain::corporate_number::CorporateNumber;

/// Why a verified identity may not sign in. Each is sent to the front end as `?error=CODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The account kind is one the scheme refuses (GビズID エントリー).
    AccountKindRefused,
    /// The provider account carries no (valid) corporate number: a sole proprietor's account,
    /// for instance.
    CorporateNumberMissing,
    /// No live declaration has this corporate number: the front end may offer to apply.
    NoDeclaration,
    /// The linked declarer's declaration was withdrawn or revoked.
    DeclarationNotLive,
    /// The linked account is disabled.
    AccountDisabled,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::AccountKindRefused => "account_kind_refused",
            Refusal::CorporateNumberMissing => "corporate_number_missing",
            Refusal::NoDeclaration => "no_declaration",
            Refusal::DeclarationNotLive => "declaration_not_live",
            Refusal::AccountDisabled => "account_disabled",
        }
    }
}

/// How the sign-in found its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Through an existing link.
    Followed,
    /// Linked now, from the corporate number.
    Made,
    /// The linked declaration ended and the corporation declared again: the link now leads to
    /// the new declarer. Holds the account it led to before.
    Moved(i64),
}

/// The account `identity` signs in to, linking it on the first sign-in (audited); or why not
/// (also audited, so that the secretariat can answer a declarer who cannot sign in).
pub fn account_for(
    conn: &mut DbConnection,
    settings: &OidcSettings,
    identity: &Identity,
    actor: &audit::Actor,
) -> Result<Result<Account, Refusal>, diesel::result::Error> {
    let now = db::now();
    let outcome = decide(conn, settings, identity, now)?;
    let who = json!({
        "issuer": identity.issuer,
        "subject": identity.subject,
        "corporate_number": identity.corporate_number,
        "account_kind": identity.account_kind,
    });
    match &outcome {
        Ok((_, Link::Followed)) => {}
        Ok((account, Link::Made)) => audit::record(
            conn,
            actor,
            "auth.oidc_linked",
            "account",
            Some(&account.user_number),
            None,
            Some(&who),
            now,
        )?,
        Ok((account, Link::Moved(from))) => {
            let before = json!({"user_number": accounts::by_id(conn, *from)?.user_number});
            audit::record(
                conn,
                actor,
                "auth.oidc_relinked",
                "account",
                Some(&account.user_number),
                Some(&before),
                Some(&who),
                now,
            )?;
        }
        Err(refusal) => {
            let mut after = who;
            after["refused"] = json!(refusal.code());
            audit::record(
                conn,
                actor,
                "auth.oidc_refused",
                "account",
                None,
                None,
                Some(&after),
                now,
            )?;
        }
    }
    Ok(outcome.map(|(account, _)| account))
}

/// The account, and how it was found.
fn decide(
    conn: &mut DbConnection,
    settings: &OidcSettings,
    identity: &Identity,
    now: chrono::NaiveDateTime,
) -> Result<Result<(Account, Link), Refusal>, diesel::result::Error> {
    if identity
        .account_kind
        .as_ref()
        .is_some_and(|kind| settings.refused_account_kinds.iter().any(|r| r == kind))
    {
        return Ok(Err(Refusal::AccountKindRefused));
    }
    let number = identity
        .corporate_number
        .as_deref()
        .and_then(|n| CorporateNumber::parse(n).ok());
    if let Some((link_id, account)) =
        oidc::linked_account(conn, &identity.issuer, &identity.subject)?
    {
        if account.disabled_at.is_some() {
            return Ok(Err(Refusal::AccountDisabled));
        }
        if oidc::has_live_declaration(conn, account.id)? {
            oidc::touch_link(conn, link_id, now)?;
            return Ok(Ok((account, Link::Followed)));
        }
        // The linked declaration ended. If the corporation has declared again (a new declarer),
        // the link follows it; otherwise the sign-in is refused.
        let renewed = match &number {
            Some(number) => oidc::account_with_live_declaration(conn, number.as_str())?,
            None => None,
        };
        return Ok(match (renewed, number) {
            (Some(renewed), Some(number)) if renewed.disabled_at.is_none() => {
                oidc::move_link(conn, link_id, renewed.id, number.as_str(), now)?;
                Ok((renewed, Link::Moved(account.id)))
            }
            _ => Err(Refusal::DeclarationNotLive),
        });
    }
    let Some(number) = number else {
        return Ok(Err(Refusal::CorporateNumberMissing));
    };
    let Some(account) = oidc::account_with_live_declaration(conn, number.as_str())? else {
        return Ok(Err(Refusal::NoDeclaration));
    };
    if account.disabled_at.is_some() {
        return Ok(Err(Refusal::AccountDisabled));
    }
    let made = oidc::insert_link(
        conn,
        &identity.issuer,
        &identity.subject,
        account.id,
        number.as_str(),
        now,
    )?;
    // Two first sign-ins at once: the one that linked first audits the link.
    Ok(Ok((
        account,
        if made { Link::Made } else { Link::Followed },
    )))
}
