//! Writing drawn declarations as SQL: multi-row `INSERT` statements built as text, with
//! explicit ids following each table's `MAX(id)`, and the change log's entries.

use std::fmt::Write as _;

use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::generate::Plan;
use crate::bulk_row as row;
use crate::db::DbConnection;
use crate::db::bulk::Table;
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::declaration::{ChangeKind, Star};
use crate::domain::name;
use crate::domain::organization::OrganizationType;
use crate::domain::questionnaire::QUESTIONNAIRE_VERSION;

/// The tables the seeding gives ids to.
const IDENTITY_TABLES: [&str; 6] = [
    "accounts",
    "declarers",
    "diagnoses",
    "declarations",
    "declaration_events",
    "policy_disclosures",
];

/// Writes one batch in the caller's transaction; answers how many were two stars.
pub(super) fn write_batch(
    conn: &mut DbConnection,
    plans: &[Plan],
    password_hash: &str,
) -> anyhow::Result<u64> {
    let postgres = match conn {
        DbConnection::Postgres(_) => true,
        DbConnection::Sqlite(_) => false,
    };
    if postgres {
        // Concurrent writers wait (readers do not), so MAX(id) stays ours until the commit.
        conn.batch_execute(&format!(
            "SET LOCAL synchronous_commit = off; \
             LOCK TABLE {}, declaration_purposes, declaration_changes, change_log_head \
             IN SHARE ROW EXCLUSIVE MODE",
            IDENTITY_TABLES.join(", ")
        ))?;
    }
    let ids = diesel::sql_query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM accounts) AS account, \
         (SELECT COALESCE(MAX(id), 0) FROM declarers) AS declarer, \
         (SELECT COALESCE(MAX(id), 0) FROM diagnoses) AS diagnosis, \
         (SELECT COALESCE(MAX(id), 0) FROM declarations) AS declaration, \
         (SELECT COALESCE(MAX(id), 0) FROM declaration_events) AS event, \
         (SELECT COALESCE(MAX(id), 0) FROM policy_disclosures) AS disclosure, \
         (SELECT last_position FROM change_log_head WHERE id = 1) AS position",
    )
    .get_result::<Ids>(conn)?;
    let mut sql = Sql::new(postgres, ids);
    let mut two_star = 0;
    for plan in plans {
        two_star += u64::from(plan.star == Star::TwoStar);
        sql.add(plan, password_hash);
    }
    conn.batch_execute(&sql.finish())?;
    // The log's head moves past the entries written, as `declarations::change_log` would.
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
                 (SELECT MAX(id) FROM {table}));"
            )?;
        }
        conn.batch_execute(&setval)?;
    }
    Ok(two_star)
}

/// The last id used in each table.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
pub(super) struct Ids {
    #[diesel(sql_type = BigInt)]
    account: i64,
    #[diesel(sql_type = BigInt)]
    declarer: i64,
    #[diesel(sql_type = BigInt)]
    diagnosis: i64,
    #[diesel(sql_type = BigInt)]
    declaration: i64,
    #[diesel(sql_type = BigInt)]
    event: i64,
    #[diesel(sql_type = BigInt)]
    disclosure: i64,
    /// The change log's last position.
    #[diesel(sql_type = BigInt)]
    position: i64,
}

/// The tables written, parents before children, with their columns.
const COLUMNS: [(&str, &str); 9] = [
    (
        "accounts",
        "id, user_number, role, password_hash, password_changed_at, created_at",
    ),
    (
        "declarers",
        "id, account_id, organization_name, organization_name_kana, organization_name_key, \
         organization_type, corporate_number, prefecture, address, industry, employees, \
         capital_yen, website, contact_name, contact_email, contact_phone, contact_department, \
         revision, created_at, updated_at",
    ),
    ("name_grams", "gram, declarer_id"),
    (
        "diagnoses",
        "id, public_id, declarer_id, questionnaire_version, answers, total_score, band, created_at",
    ),
    (
        "declarations",
        "id, public_id, declarer_id, star, status, corporate_number, agreed_terms_version, \
         pledge_five_principles, diagnosis_id, declared_at, accepted_at, star_since, ended_at, \
         end_reason, end_note, revision, updated_at, prefecture",
    ),
    ("declaration_purposes", "declaration_id, purpose"),
    (
        "declaration_events",
        "id, declaration_id, kind, from_status, to_status, from_star, to_star, actor_kind, \
         actor_account_id, reason, note, occurred_at",
    ),
    (
        "policy_disclosures",
        "id, declaration_id, methods, url, other_description, \
         affirmed_information_security_policy, created_at, updated_at",
    ),
    (
        "declaration_changes",
        "position, declaration_id, public_id, kind, occurred_at, status, star, \
         organization_name, declared_at, accepted_at, star_since",
    ),
];

/// One batch's statements, table by table, with the ids given so far.
pub(super) struct Sql {
    ids: Ids,
    tables: [Table; 9],
}

impl Sql {
    /// On PostgreSQL, explicit values for identity columns need `OVERRIDING SYSTEM VALUE`.
    pub(super) fn new(postgres: bool, ids: Ids) -> Sql {
        let tables = COLUMNS.map(|(name, columns)| {
            let overriding = postgres && IDENTITY_TABLES.contains(&name);
            let overriding = if overriding {
                " OVERRIDING SYSTEM VALUE"
            } else {
                ""
            };
            Table::new(format!(
                "INSERT INTO {name} ({columns}){overriding} VALUES\n"
            ))
        });
        Sql { ids, tables }
    }

    /// Adds one declaration's rows.
    pub(super) fn add(&mut self, plan: &Plan, password_hash: &str) {
        let Sql { ids, tables } = self;
        let [
            accounts,
            declarers,
            grams,
            diagnoses,
            declarations,
            purposes,
            events,
            disclosures,
            changes,
        ] = tables;
        let o = &plan.organization;
        ids.account += 1;
        ids.declarer += 1;
        ids.declaration += 1;
        let (account, declarer, declaration) = (ids.account, ids.declarer, ids.declaration);
        let host = match o.kind {
            OrganizationType::Corporation => format!("c{declarer}.example.co.jp"),
            OrganizationType::Association => format!("a{declarer}.example.or.jp"),
            _ => format!("s{declarer}.example.jp"),
        };
        let website = o.website.then(|| format!("https://{host}/"));
        let email = match o.website {
            true => format!("{}@{host}", o.email_local),
            false => format!("{}{declarer}@example.jp", o.email_local),
        };
        let number = plan.corporate_number.as_ref().map(CorporateNumber::as_str);
        let created = plan.declared_at;
        row!(accounts; account, plan.user_number.as_str(), "declarer", password_hash, created,
            created);
        row!(declarers; declarer, account, o.name.as_str(), o.kana.as_deref(),
            plan.name_key.as_str(), o.kind.code(), number, o.prefecture.as_str(),
            o.address.as_str(), o.industry.as_str(), o.employees, o.capital_yen,
            website.as_deref(), o.contact_name.as_str(), email.as_str(), o.phone.as_deref(),
            o.department, 1i64, created, created);
        for gram in name::grams(&plan.name_key) {
            row!(grams; gram.as_str(), declarer);
        }
        let diagnosis = match &plan.diagnosis {
            Some(d) => {
                ids.diagnosis += 1;
                row!(diagnoses; ids.diagnosis, d.public_id.to_string().as_str(), declarer,
                    QUESTIONNAIRE_VERSION, d.answers.as_str(), i64::from(d.total), d.band, d.at);
                Some(ids.diagnosis)
            }
            None => None,
        };
        let end = plan.events.last().filter(|e| e.reason.is_some());
        let updated = plan.events.last().map_or(created, |e| e.at);
        let revision = i64::try_from(plan.events.len()).unwrap_or(i64::MAX);
        row!(declarations; declaration, plan.declaration_id.as_str(), declarer, plan.star.code(),
            plan.status.code(), number, plan.terms_version, true, diagnosis, created,
            plan.accepted_at, plan.star_since, end.map(|e| e.at), end.and_then(|e| e.reason),
            end.and_then(|e| e.note), revision, updated, o.prefecture.as_str());
        for purpose in &plan.purposes {
            row!(purposes; declaration, purpose.code());
        }
        // The change log holds what verifiers saw after each event, in the order written.
        let mut since = created;
        for e in &plan.events {
            let Some(kind) = change_kind(e.kind) else {
                continue;
            };
            if kind == ChangeKind::StarChanged {
                since = e.at;
            }
            let accepted = plan.accepted_at.filter(|at| *at <= e.at);
            ids.position += 1;
            row!(changes; ids.position, declaration, plan.declaration_id.as_str(), kind.code(),
                e.at, e.to_status.code(), e.to_star.code(), o.name.as_str(), created, accepted,
                since);
        }
        for e in &plan.events {
            ids.event += 1;
            let actor = if e.by_declarer {
                "declarer"
            } else {
                "secretariat"
            };
            row!(events; ids.event, declaration, e.kind, e.from.map(|f| f.0.code()),
                e.to_status.code(), e.from.map(|f| f.1.code()), e.to_star.code(), actor,
                e.by_declarer.then_some(account), e.reason, e.note, e.at);
        }
        if let Some(d) = &plan.disclosure {
            ids.disclosure += 1;
            let url = d.url_path.map(|path| format!("https://{host}/{path}"));
            row!(disclosures; ids.disclosure, declaration, d.methods.as_str(), url.as_deref(),
                d.other, true, d.at, d.at);
        }
    }

    /// The statements, parents before children.
    pub(super) fn finish(self) -> String {
        let mut sql = String::with_capacity(self.tables.iter().map(|t| t.sql.len() + 2).sum());
        for table in self.tables.iter().filter(|t| t.rows > 0) {
            sql.push_str(&table.sql);
            sql.push_str(";\n");
        }
        sql
    }
}

/// The change-log kind of a history event, if verifiers see it.
fn change_kind(event: &str) -> Option<ChangeKind> {
    match event {
        "stepped_up" | "stepped_down" => Some(ChangeKind::StarChanged),
        other => ChangeKind::from_code(other),
    }
}
