//! Rows as they are stored. Never serialised to clients: handlers map them to their own
//! response types.

use chrono::NaiveDateTime;

use crate::domain::declaration::{Star, Status};
use diesel::prelude::*;

use super::schema::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Account {
    pub id: i64,
    pub user_number: String,
    pub role: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub user_number: &'a str,
    pub role: &'a str,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = declarers)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Declarer {
    pub id: i64,
    pub account_id: i64,
    pub organization_name: String,
    pub organization_name_kana: Option<String>,
    pub organization_name_key: String,
    pub organization_type: String,
    pub corporate_number: Option<String>,
    pub prefecture: String,
    pub address: String,
    pub industry: String,
    pub employees: i64,
    pub capital_yen: Option<i64>,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub contact_department: Option<String>,
    pub revision: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The organisation's registration information, for inserts and updates.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = declarers)]
#[diesel(treat_none_as_null = true)]
pub struct OrganizationRow {
    pub organization_name: String,
    pub organization_name_kana: Option<String>,
    pub organization_name_key: String,
    pub organization_type: String,
    pub corporate_number: Option<String>,
    pub prefecture: String,
    pub address: String,
    pub industry: String,
    pub employees: i64,
    pub capital_yen: Option<i64>,
    pub website: Option<String>,
}

/// The contact person (担当者), for inserts and updates.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = declarers)]
#[diesel(treat_none_as_null = true)]
pub struct ContactRow {
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub contact_department: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = declarations)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Declaration {
    pub id: i64,
    pub public_id: String,
    pub declarer_id: i64,
    pub star_level: Star,
    pub status: Status,
    pub corporate_number: Option<String>,
    pub agreed_terms_version: String,
    pub pledge_five_principles: bool,
    pub diagnosis_id: Option<i64>,
    pub declared_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub star_since: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    pub end_note: Option<String>,
    pub revision: i64,
    pub updated_at: NaiveDateTime,
    pub prefecture: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = declarations)]
pub struct NewDeclaration<'a> {
    pub public_id: &'a str,
    pub declarer_id: i64,
    pub star_level: &'a str,
    pub status: &'a str,
    pub corporate_number: Option<&'a str>,
    pub agreed_terms_version: &'a str,
    pub pledge_five_principles: bool,
    pub diagnosis_id: Option<i64>,
    pub declared_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub star_since: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The declarer's prefecture (a copy, kept in step by `declarations::set_prefecture`).
    pub prefecture: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = declaration_events)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeclarationEvent {
    pub id: i64,
    pub declaration_id: i64,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub from_star: Option<String>,
    pub to_star: String,
    pub actor_kind: String,
    pub actor_account_id: Option<i64>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub occurred_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = declaration_events)]
pub struct NewDeclarationEvent<'a> {
    pub declaration_id: i64,
    pub kind: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub from_star: Option<&'a str>,
    pub to_star: &'a str,
    pub actor_kind: &'a str,
    pub actor_account_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub occurred_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_disclosures)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PolicyDisclosureRow {
    pub id: i64,
    pub declaration_id: i64,
    pub methods: String,
    pub url: Option<String>,
    pub other_description: Option<String>,
    pub affirmed_information_security_policy: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = diagnoses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Diagnosis {
    pub id: i64,
    pub public_id: String,
    pub declarer_id: i64,
    pub questionnaire_version: String,
    pub answers: String,
    pub total_score: i32,
    pub band: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = diagnoses)]
pub struct NewDiagnosis<'a> {
    pub public_id: &'a str,
    pub declarer_id: i64,
    pub questionnaire_version: &'a str,
    pub answers: &'a str,
    pub total_score: i32,
    pub band: &'a str,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RefreshToken {
    pub id: i64,
    pub account_id: i64,
    pub family_id: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = one_time_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OneTimeToken {
    pub id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub account_id: i64,
    pub declaration_id: Option<i64>,
    pub star_level: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = outbox_messages)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub declaration_id: Option<i64>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub claimed_until: Option<NaiveDateTime>,
}
