//! Writing one chunk of checked rows in one transaction: what is stored already is compared,
//! the scheme's rules are checked against the database, and the new rows go in as multi-row
//! `INSERT` statements with explicit ids (as the seeding does, `src/seed/sql.rs`).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::row::{ImportRow, Rejection};
use crate::auth::hashing::NO_PASSWORD;
use crate::auth::tokens::{new_opaque_token, token_digest};
use crate::bulk_row as row;
use crate::db::bulk::Table;
use crate::db::schema::{accounts, declarations, declarers, one_time_tokens};
use crate::db::{DbConnection, text};
use crate::domain::declaration::{ChangeKind, Status};
use crate::domain::name;
use crate::mail::templates::{self, Recipient};

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Imported,
    /// The same declaration is stored already (imported before): nothing written.
    AlreadyThere,
    Rejected(Rejection),
}

/// How activation e-mails are queued (`--invite`).
#[derive(Debug, Clone)]
pub struct Invitations {
    /// How long an activation link works.
    pub valid_for: TimeDelta,
    /// The time between two activation e-mails (the pace of the mail server).
    pub interval: TimeDelta,
    /// When the next one may go: after every one queued before.
    pub next_at: NaiveDateTime,
    /// The declarer site's page that sets a password with the token.
    pub page: String,
}

/// What the checks keep across chunks when nothing is committed (`--dry-run`): the numbers
/// the file has given so far, so that a repeat later in the file is found as it would be.
#[derive(Debug, Default)]
pub struct Seen {
    /// Declaration ID → (the row's fingerprint, its line).
    declarations: HashMap<u64, (u64, u64)>,
    /// User number → the declarer's fingerprint and whether it has a live declaration.
    accounts: HashMap<u64, (u64, bool)>,
    /// Corporate numbers of live declarations.
    live_corporate_numbers: HashSet<u64>,
}

/// A declaration as stored, for comparing with a row.
#[derive(Debug, Clone, Queryable)]
struct StoredDeclaration {
    public_id: String,
    star: String,
    status: String,
    corporate_number: Option<String>,
    declared_at: NaiveDateTime,
    accepted_at: Option<NaiveDateTime>,
    ended_at: Option<NaiveDateTime>,
    organization_name: String,
    prefecture: String,
    contact_email: String,
    user_number: String,
}

/// An account as stored, with its declarer if it has one.
#[derive(Debug, Clone, Queryable)]
struct StoredAccount {
    user_number: String,
    declarer_id: Option<i64>,
    organization_name: Option<String>,
    organization_type: Option<String>,
    corporate_number: Option<String>,
    contact_email: Option<String>,
}

/// The last id used in each table, and the change log's last position.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
struct Ids {
    #[diesel(sql_type = BigInt)]
    account: i64,
    #[diesel(sql_type = BigInt)]
    declarer: i64,
    #[diesel(sql_type = BigInt)]
    declaration: i64,
    #[diesel(sql_type = BigInt)]
    event: i64,
    #[diesel(sql_type = BigInt)]
    position: i64,
}

const IDENTITY_TABLES: [&str; 4] = [
    "accounts",
    "declarers",
    "declarations",
    "declaration_events",
];

fn digits(s: &str) -> u64 {
    // Numbers of 11–13 digits: an 11-digit declaration ID never equals a 12-digit one.
    s.bytes()
        .fold(0u64, |n, b| {
            n.wrapping_mul(10)
                .wrapping_add(u64::from(b.wrapping_sub(b'0')))
        })
        .wrapping_add(if s.len() == 11 { 1 << 63 } else { 0 })
}

fn fingerprint(parts: &[&dyn std::fmt::Debug]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for part in parts {
        format!("{part:?}").hash(&mut hasher);
    }
    hasher.finish()
}

/// The values by which a row and a stored declaration are the same.
fn declaration_fields(row: &ImportRow) -> [(&'static str, String); 11] {
    [
        ("declaration_id", row.declaration_id.as_str().to_owned()),
        ("user_number", row.user_number.as_str().to_owned()),
        ("star", row.star.code().to_owned()),
        ("status", row.status.code().to_owned()),
        ("organization_name", row.organization_name.clone()),
        (
            "corporate_number",
            row.corporate_number.clone().unwrap_or_default(),
        ),
        ("prefecture", row.prefecture.as_str().to_owned()),
        ("contact_email", row.contact_email.clone()),
        ("declared_at", row.declared_at.to_string()),
        (
            "accepted_at",
            row.accepted_at.map(|t| t.to_string()).unwrap_or_default(),
        ),
        (
            "ended_at",
            row.ended_at.map(|t| t.to_string()).unwrap_or_default(),
        ),
    ]
}

fn stored_fields(d: &StoredDeclaration) -> [(&'static str, String); 11] {
    let micros = |t: NaiveDateTime| chrono::SubsecRound::trunc_subsecs(t, 6).to_string();
    [
        ("declaration_id", d.public_id.clone()),
        ("user_number", d.user_number.clone()),
        ("star", d.star.clone()),
        ("status", d.status.clone()),
        ("organization_name", d.organization_name.clone()),
        (
            "corporate_number",
            d.corporate_number.clone().unwrap_or_default(),
        ),
        ("prefecture", d.prefecture.clone()),
        ("contact_email", d.contact_email.clone()),
        ("declared_at", micros(d.declared_at)),
        ("accepted_at", d.accepted_at.map(micros).unwrap_or_default()),
        ("ended_at", d.ended_at.map(micros).unwrap_or_default()),
    ]
}

/// The declarer's identity: rows sharing a user number must agree on it.
fn declarer_fingerprint(row: &ImportRow) -> u64 {
    fingerprint(&[
        &row.organization_name,
        &row.organization_type.code(),
        &row.corporate_number,
        &row.contact_email,
    ])
}

fn stored_declarer_fingerprint(a: &StoredAccount) -> Option<u64> {
    a.declarer_id?;
    Some(fingerprint(&[
        a.organization_name.as_ref()?,
        &a.organization_type.as_deref()?,
        &a.corporate_number,
        a.contact_email.as_ref()?,
    ]))
}

/// Checks and writes `rows` (each with its line) in the caller's transaction, or only checks
/// them when `seen` is given (a dry run, rolled back by the caller). Answers each row's outcome
/// in order.
#[allow(clippy::too_many_lines)]
pub fn write_chunk(
    conn: &mut DbConnection,
    rows: &[(u64, ImportRow)],
    now: NaiveDateTime,
    invitations: Option<&mut Invitations>,
    seen: Option<&mut Seen>,
) -> anyhow::Result<Vec<(u64, Outcome)>> {
    let postgres = matches!(conn, DbConnection::Postgres(_));
    let dry = seen.is_some();
    if !dry {
        // Take the write lock first (SQLite: a waiting writer, not a failing upgrade; both:
        // the change log's positions are ours until the commit).
        conn.batch_execute(
            "UPDATE change_log_head SET last_position = last_position WHERE id = 1",
        )?;
        if !postgres {
            // The name index takes a dozen rows per declaration at random places: a page cache
            // of 128 MiB (instead of the service's 8) keeps its B-tree's inner pages at hand
            // as it grows. A bound of its own, whatever the file's size.
            conn.batch_execute("PRAGMA cache_size = -131072")?;
        }
        if postgres {
            conn.batch_execute(&format!(
                "SET LOCAL synchronous_commit = off; \
                 LOCK TABLE {}, declaration_changes, outbox_messages, one_time_tokens \
                 IN SHARE ROW EXCLUSIVE MODE",
                IDENTITY_TABLES.join(", ")
            ))?;
        }
    }
    let ids: Vec<&str> = rows
        .iter()
        .map(|(_, r)| r.declaration_id.as_str())
        .collect();
    let numbers: Vec<&str> = rows.iter().map(|(_, r)| r.user_number.as_str()).collect();
    let corporate: Vec<&str> = rows
        .iter()
        .filter_map(|(_, r)| r.corporate_number.as_deref())
        .collect();
    let stored: HashMap<String, StoredDeclaration> = declarations::table
        .inner_join(declarers::table.inner_join(accounts::table))
        .filter(declarations::public_id.eq_any(&ids))
        .select((
            declarations::public_id,
            declarations::star_level,
            declarations::status,
            declarations::corporate_number,
            declarations::declared_at,
            declarations::accepted_at,
            declarations::ended_at,
            declarers::organization_name,
            declarers::prefecture,
            declarers::contact_email,
            accounts::user_number,
        ))
        .load::<StoredDeclaration>(conn)?
        .into_iter()
        .map(|d| (d.public_id.clone(), d))
        .collect();
    let stored_accounts: HashMap<String, StoredAccount> = accounts::table
        .left_join(declarers::table)
        .filter(accounts::user_number.eq_any(&numbers))
        .select((
            accounts::user_number,
            declarers::id.nullable(),
            declarers::organization_name.nullable(),
            declarers::organization_type.nullable(),
            declarers::corporate_number
                .nullable()
                .assume_not_null()
                .nullable(),
            declarers::contact_email.nullable(),
        ))
        .load::<StoredAccount>(conn)?
        .into_iter()
        .map(|a| (a.user_number.clone(), a))
        .collect();
    let declarer_ids: Vec<i64> = stored_accounts
        .values()
        .filter_map(|a| a.declarer_id)
        .collect();
    let live = [Status::Declared.code(), Status::Accepted.code()];
    let live_declarers: HashSet<i64> = declarations::table
        .filter(declarations::declarer_id.eq_any(&declarer_ids))
        .filter(declarations::status.eq_any(live))
        .select(declarations::declarer_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let live_corporate: HashSet<String> = declarations::table
        .filter(declarations::corporate_number.eq_any(&corporate))
        .filter(declarations::status.eq_any(live))
        .select(declarations::corporate_number.assume_not_null())
        .load::<String>(conn)?
        .into_iter()
        .collect();

    // What this chunk (and, in a dry run, the file so far) adds.
    let mut local = Seen::default();
    let seen_now = seen.unwrap_or(&mut local);
    let mut outcomes = Vec::with_capacity(rows.len());
    // Rows to write: (row, the declarer's id if it is stored or added in this chunk).
    let mut written: Vec<(&ImportRow, Target)> = Vec::new();
    let mut new_accounts: HashMap<u64, usize> = HashMap::new();
    let mut invite: Vec<&ImportRow> = Vec::new();
    for (line, row) in rows {
        let key = digits(row.declaration_id.as_str());
        let print = fingerprint(
            &declaration_fields(row)
                .iter()
                .map(|(_, v)| v as &dyn std::fmt::Debug)
                .collect::<Vec<_>>(),
        );
        if let Some(stored) = stored.get(row.declaration_id.as_str()) {
            let theirs = stored_fields(stored);
            let differs = declaration_fields(row)
                .into_iter()
                .zip(theirs)
                .find(|(a, b)| a.1 != b.1);
            outcomes.push((*line, match differs {
                None => {
                    invite.push(row);
                    Outcome::AlreadyThere
                }
                Some(((column, ours), (_, theirs))) => Outcome::Rejected(Rejection::new(
                    Some(column),
                    "conflict",
                    format!("declaration {} is stored with {column} {theirs:?}, not {ours:?}; nothing was changed", row.declaration_id),
                )),
            }));
            continue;
        }
        if let Some(&(other, first_line)) = seen_now.declarations.get(&key) {
            outcomes.push((
                *line,
                if other == print {
                    Outcome::AlreadyThere
                } else {
                    Outcome::Rejected(Rejection::new(
                        Some("declaration_id"),
                        "conflict",
                        format!("line {first_line} has this declaration ID with other values"),
                    ))
                },
            ));
            continue;
        }
        let number = digits(row.user_number.as_str());
        let declarer = declarer_fingerprint(row);
        let is_live = row.status.is_live();
        // The account: stored, added earlier in this chunk (or file), or new.
        let target = if let Some(account) = stored_accounts.get(row.user_number.as_str()) {
            match (stored_declarer_fingerprint(account), account.declarer_id) {
                (Some(print), Some(declarer_id)) if print == declarer => {
                    if is_live && live_declarers.contains(&declarer_id)
                        || seen_now
                            .accounts
                            .get(&number)
                            .is_some_and(|(_, l)| *l && is_live)
                    {
                        outcomes.push((*line, second_live(row)));
                        continue;
                    }
                    Target::Stored(declarer_id)
                }
                _ => {
                    outcomes.push((*line, Outcome::Rejected(Rejection::new(
                        Some("user_number"),
                        "user_number_taken",
                        "this user number belongs to another organisation or contact (rows of one user number must agree on the organisation's name, type, corporate number and contact e-mail)",
                    ))));
                    continue;
                }
            }
        } else if let Some(&(print, has_live)) = seen_now.accounts.get(&number) {
            if print != declarer {
                outcomes.push((
                    *line,
                    Outcome::Rejected(Rejection::new(
                        Some("user_number"),
                        "user_number_taken",
                        "an earlier row gives this user number to another organisation or contact",
                    )),
                ));
                continue;
            }
            if has_live && is_live {
                outcomes.push((*line, second_live(row)));
                continue;
            }
            match new_accounts.get(&number) {
                Some(&i) => Target::Chunk(i),
                // Added by an earlier chunk of a dry run: nothing to attach to.
                None => Target::New,
            }
        } else {
            Target::New
        };
        if is_live && let Some(corporate_number) = &row.corporate_number {
            let taken = live_corporate.contains(corporate_number)
                || seen_now
                    .live_corporate_numbers
                    .contains(&digits(corporate_number));
            if taken {
                outcomes.push((*line, Outcome::Rejected(Rejection::new(
                    Some("corporate_number"),
                    "corporate_number_taken",
                    "another live declaration has this corporate number (one live declaration per corporation)",
                ))));
                continue;
            }
            seen_now
                .live_corporate_numbers
                .insert(digits(corporate_number));
        }
        seen_now.declarations.insert(key, (print, *line));
        let entry = seen_now.accounts.entry(number).or_insert((declarer, false));
        entry.1 |= is_live;
        if matches!(target, Target::New) {
            new_accounts.insert(number, written.len());
        }
        written.push((row, target));
        invite.push(row);
        outcomes.push((*line, Outcome::Imported));
    }
    if dry {
        return Ok(outcomes);
    }
    if !written.is_empty() {
        write_rows(conn, postgres, &written, now)?;
    }
    if let Some(invitations) = invitations
        && !invite.is_empty()
    {
        queue_invitations(conn, &invite, invitations, now)?;
    }
    Ok(outcomes)
}

fn second_live(row: &ImportRow) -> Outcome {
    Outcome::Rejected(Rejection::new(
        Some("status"),
        "second_live_declaration",
        format!(
            "user number {} has a live declaration already (one live declaration per declarer)",
            row.user_number
        ),
    ))
}

/// Where a row's declaration goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A new account and declarer.
    New,
    /// The declarer made for the row at this index of the chunk's written rows.
    Chunk(usize),
    /// A stored declarer (row id).
    Stored(i64),
}

const COLUMNS: [(&str, &str); 7] = [
    (
        "accounts",
        "id, user_number, role, password_hash, password_changed_at, created_at",
    ),
    (
        "declarers",
        "id, account_id, organization_name, organization_name_kana, organization_name_key, \
         organization_type, corporate_number, prefecture, address, industry, employees, \
         contact_name, contact_email, revision, created_at, updated_at",
    ),
    ("name_grams", "gram, declarer_id"),
    (
        "declarations",
        "id, public_id, declarer_id, star, status, corporate_number, agreed_terms_version, \
         pledge_five_principles, declared_at, accepted_at, star_since, ended_at, end_reason, \
         revision, updated_at, prefecture",
    ),
    ("declaration_purposes", "declaration_id, purpose"),
    (
        "declaration_events",
        "id, declaration_id, kind, from_status, to_status, from_star, to_star, actor_kind, \
         reason, note, occurred_at",
    ),
    (
        "declaration_changes",
        "position, declaration_id, public_id, kind, occurred_at, status, star, \
         organization_name, declared_at, accepted_at, star_since",
    ),
];

/// The note on an imported declaration's history.
pub const IMPORT_NOTE: &str = "旧システムから移行";

fn write_rows(
    conn: &mut DbConnection,
    postgres: bool,
    written: &[(&ImportRow, Target)],
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let mut ids = diesel::sql_query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM accounts) AS account, \
         (SELECT COALESCE(MAX(id), 0) FROM declarers) AS declarer, \
         (SELECT COALESCE(MAX(id), 0) FROM declarations) AS declaration, \
         (SELECT COALESCE(MAX(id), 0) FROM declaration_events) AS event, \
         (SELECT last_position FROM change_log_head WHERE id = 1) AS position",
    )
    .get_result::<Ids>(conn)?;
    let mut tables = COLUMNS.map(|(name, columns)| {
        let overriding = if postgres && IDENTITY_TABLES.contains(&name) {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        Table::new(format!(
            "INSERT INTO {name} ({columns}){overriding} VALUES\n"
        ))
    });
    let [
        accounts_t,
        declarers_t,
        grams_t,
        declarations_t,
        purposes_t,
        events_t,
        changes_t,
    ] = &mut tables;
    let mut declarer_of: Vec<i64> = Vec::with_capacity(written.len());
    for (row, target) in written {
        let declarer = match *target {
            Target::Stored(id) => id,
            Target::Chunk(i) => declarer_of[i],
            Target::New => {
                ids.account += 1;
                ids.declarer += 1;
                row!(accounts_t; ids.account, row.user_number.as_str(), "declarer", NO_PASSWORD, now, now);
                row!(declarers_t; ids.declarer, ids.account, text(&row.organization_name).as_ref(),
                    row.organization_name_kana.as_deref(), row.organization_name_key.as_str(),
                    row.organization_type.code(), row.corporate_number.as_deref(),
                    row.prefecture.as_str(), row.address.as_str(), row.industry.as_str(),
                    row.employees, row.contact_name.as_str(), row.contact_email.as_str(), 1i64,
                    now, now);
                for gram in name::grams(&row.organization_name_key) {
                    row!(grams_t; gram.as_str(), ids.declarer);
                }
                ids.declarer
            }
        };
        declarer_of.push(declarer);
        ids.declaration += 1;
        let declaration = ids.declaration;
        // The history as far as the old system tells it: applied, accepted, ended.
        let mut events = vec![(
            ChangeKind::Applied,
            None,
            Status::Declared,
            row.declared_at,
            None,
        )];
        if let Some(at) = row.accepted_at {
            events.push((
                ChangeKind::Accepted,
                Some(Status::Declared),
                Status::Accepted,
                at,
                None,
            ));
        }
        if let Some(at) = row.ended_at {
            let from = if row.accepted_at.is_some() {
                Status::Accepted
            } else {
                Status::Declared
            };
            let kind = if row.status == Status::Revoked {
                ChangeKind::Revoked
            } else {
                ChangeKind::Withdrawn
            };
            events.push((kind, Some(from), row.status, at, row.end_reason.as_deref()));
        }
        let updated = events.last().map_or(row.declared_at, |e| e.3);
        let revision = i64::try_from(events.len()).unwrap_or(1);
        row!(declarations_t; declaration, row.declaration_id.as_str(), declarer, row.star.code(),
            row.status.code(), row.corporate_number.as_deref(), row.agreed_terms_version, true,
            row.declared_at, row.accepted_at, row.declared_at, row.ended_at,
            row.end_reason.as_deref(), revision, updated, row.prefecture.as_str());
        for purpose in &row.purposes {
            row!(purposes_t; declaration, purpose.code());
        }
        for (kind, from, to, at, reason) in events {
            ids.event += 1;
            row!(events_t; ids.event, declaration, kind.code(), from.map(Status::code), to.code(),
                from.map(|_| row.star.code()), row.star.code(), "system", reason, IMPORT_NOTE, at);
            ids.position += 1;
            let accepted = row.accepted_at.filter(|a| *a <= at);
            row!(changes_t; ids.position, declaration, row.declaration_id.as_str(), kind.code(), at,
                to.code(), row.star.code(), text(&row.organization_name).as_ref(),
                row.declared_at, accepted, row.declared_at);
        }
    }
    let mut sql = String::new();
    for table in tables.iter().filter(|t| t.rows > 0) {
        sql.push_str(&table.sql);
        sql.push_str(";\n");
    }
    conn.batch_execute(&sql)?;
    conn.batch_execute(
        "UPDATE change_log_head SET last_position = \
         (SELECT COALESCE(MAX(position), 0) FROM declaration_changes) WHERE id = 1",
    )?;
    if postgres {
        let mut setval = String::new();
        for table in IDENTITY_TABLES {
            writeln!(
                setval,
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT MAX(id) FROM {table}), 1));"
            )?;
        }
        conn.batch_execute(&setval)?;
    }
    Ok(())
}

/// Queues an activation e-mail for each account among `rows` that has no password yet and
/// was not invited before, paced by `invitations.interval`.
fn queue_invitations(
    conn: &mut DbConnection,
    rows: &[&ImportRow],
    invitations: &mut Invitations,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let numbers: Vec<&str> = rows.iter().map(|r| r.user_number.as_str()).collect();
    let waiting: Vec<(i64, String)> = accounts::table
        .filter(accounts::user_number.eq_any(&numbers))
        .filter(accounts::password_hash.eq(NO_PASSWORD))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            one_time_tokens::table
                .filter(one_time_tokens::account_id.eq(accounts::id))
                .filter(one_time_tokens::purpose.eq("password_reset")),
        )))
        .select((accounts::id, accounts::user_number))
        .load(conn)?;
    let waiting: HashMap<String, i64> = waiting.into_iter().map(|(id, n)| (n, id)).collect();
    let mut done = HashSet::new();
    let mut tokens_t = Table::new(
        "INSERT INTO one_time_tokens (purpose, token_hash, account_id, created_at, expires_at) VALUES\n".into(),
    );
    let mut mails_t = Table::new(
        "INSERT INTO outbox_messages (kind, recipient, subject, body, status, attempts, \
         next_attempt_at, created_at) VALUES\n"
            .into(),
    );
    for row in rows {
        let Some(&account) = waiting.get(row.user_number.as_str()) else {
            continue;
        };
        if !done.insert(account) {
            continue;
        }
        let token = new_opaque_token();
        let at = invitations.next_at.max(now);
        let expires_at = at + invitations.valid_for;
        row!(tokens_t; "password_reset", token_digest(&token).as_str(), account, now, expires_at);
        let email = templates::activation(
            &Recipient {
                organization_name: &row.organization_name,
                contact_name: &row.contact_name,
                email: &row.contact_email,
            },
            row.user_number.as_str(),
            row.declaration_id.as_str(),
            &format!("{}#token={token}", invitations.page),
            crate::db::utc(expires_at),
        );
        row!(mails_t; email.kind.code(), email.to.as_str(), email.subject.as_str(),
            email.body.as_str(), "pending", 0i64, at, now);
        invitations.next_at = at + invitations.interval;
    }
    if tokens_t.rows > 0 {
        conn.batch_execute(&format!("{};\n{};", tokens_t.sql, mails_t.sql))?;
    }
    Ok(())
}
