//! Listing declarations with their declarers: the secretariat's list and the public registry.
//!
//! Every listing is newest first, a page at a time. The query is built from the filters that
//! actually narrow the result, for each backend (boxed queries are backend-specific), so that
//! the database walks the primary key newest first and stops after one page:
//!
//! - a filter that lets everything through (every status, both stars, all 47 prefectures, any
//!   name) is left out;
//! - a wide status filter (most statuses) is written as `NOT IN` the others, which no index
//!   serves, so the planner never picks the status index and then sorts most of the table;
//! - one prefecture is found in the declarations' own copy of it, whose indexes `(prefecture,
//!   id)` and `(prefecture, star, id)` hold each prefecture's declarations newest first; several
//!   are compared as `prefecture || ''`, for the same reason as the statuses: walking newest
//!   first meets a page of them sooner than sorting all their rows;
//! - a name is first looked for in the name-key index alone, up to [`FEW_NAMES`] declarers:
//!   when fewer match (a rare name), the page is fetched by their IDs; when more match (a
//!   common one), walking newest first meets a page of them quickly.

use diesel::prelude::*;

use super::DbConnection;
use super::models::{Declaration, Declarer};
use super::schema::{declarations, declarers};
use crate::domain::codes::ALL_PREFECTURE_CODES;
use crate::domain::declaration::{Star, Status};

/// Filters of a listing.
#[derive(Debug, Clone)]
pub struct Filter<'a> {
    pub statuses: &'a [&'a str],
    pub stars: &'a [&'a str],
    pub prefectures: &'a [&'a str],
    /// A `LIKE` pattern over the name key (escaped with `\`), `%` for any.
    pub name_pattern: &'a str,
    /// Only rows with a smaller ID (keyset pagination); `i64::MAX` for the first page.
    pub before: i64,
    pub limit: i64,
}

/// A page of declarations, newest first.
pub fn page(
    conn: &mut DbConnection,
    filter: &Filter<'_>,
) -> QueryResult<Vec<(Declaration, Declarer)>> {
    list(conn, filter, None)
}

/// Declarations with this corporate number, within the filter, newest first.
pub fn by_corporate_number(
    conn: &mut DbConnection,
    number: &str,
    filter: &Filter<'_>,
) -> QueryResult<Vec<(Declaration, Declarer)>> {
    list(conn, filter, Some(number))
}

/// Below this many declarers matching a name, a listing fetches them by ID.
pub const FEW_NAMES: usize = 2000;

/// The declarers whose name key matches, unless there are [`FEW_NAMES`] or more.
fn few_matching_declarers(conn: &mut DbConnection, pattern: &str) -> QueryResult<Option<Vec<i64>>> {
    let ids: Vec<i64> = declarers::table
        .filter(declarers::organization_name_key.like(pattern).escape('\\'))
        .select(declarers::id)
        .limit(FEW_NAMES as i64)
        .load(conn)?;
    Ok((ids.len() < FEW_NAMES).then_some(ids))
}

/// The statuses a filter leaves out, when it lets most of them through.
fn excluded_statuses<'a>(statuses: &[&str]) -> Option<Vec<&'a str>> {
    let excluded: Vec<&str> = Status::ALL
        .iter()
        .map(|s| s.code())
        .filter(|code| !statuses.contains(code))
        .collect();
    (excluded.len() < Status::ALL.len() - excluded.len()).then_some(excluded)
}

macro_rules! listing {
    ($conn:expr, $backend:ty, $filter:expr, $corporate:expr, $declarers:expr) => {{
        let filter: &Filter<'_> = $filter;
        let mut query = declarations::table
            .inner_join(declarers::table)
            .select((Declaration::as_select(), Declarer::as_select()))
            .order(declarations::id.desc())
            .limit(filter.limit)
            .into_boxed::<$backend>();
        if let Some(number) = $corporate {
            query = query.filter(declarations::corporate_number.eq(number));
        }
        if filter.statuses.len() < Status::ALL.len() {
            query = match excluded_statuses(filter.statuses) {
                Some(excluded) => query.filter(declarations::status.ne_all(excluded)),
                None => query.filter(declarations::status.eq_any(filter.statuses)),
            };
        }
        if filter.stars.len() < Star::ALL.len() {
            query = query.filter(declarations::star_level.eq_any(filter.stars));
        }
        match filter.prefectures {
            [one] => query = query.filter(declarations::prefecture.eq(*one)),
            several if several.len() < ALL_PREFECTURE_CODES => {
                query = query.filter(declarations::prefecture.concat("").eq_any(several));
            }
            _ => {}
        }
        if let Some(ids) = $declarers {
            query = query.filter(declarations::declarer_id.eq_any(ids));
        } else if !filter.name_pattern.chars().all(|c| c == '%') {
            query = query.filter(
                declarers::organization_name_key
                    .like(filter.name_pattern)
                    .escape('\\'),
            );
        }
        if filter.before != i64::MAX {
            query = query.filter(declarations::id.lt(filter.before));
        }
        query.load($conn)
    }};
}

fn list(
    conn: &mut DbConnection,
    filter: &Filter<'_>,
    corporate_number: Option<&str>,
) -> QueryResult<Vec<(Declaration, Declarer)>> {
    let any_name = filter.name_pattern.chars().all(|c| c == '%');
    let declarers = match corporate_number {
        None if !any_name => few_matching_declarers(conn, filter.name_pattern)?,
        _ => None,
    };
    match conn {
        DbConnection::Sqlite(c) => {
            listing!(
                c,
                diesel::sqlite::Sqlite,
                filter,
                corporate_number,
                declarers
            )
        }
        DbConnection::Postgres(c) => {
            listing!(c, diesel::pg::Pg, filter, corporate_number, declarers)
        }
    }
}

/// The declaration with this public ID and its declarer.
pub fn by_public_id(
    conn: &mut DbConnection,
    public_id: &str,
) -> QueryResult<Vec<(Declaration, Declarer)>> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::public_id.eq(public_id))
        .select((Declaration::as_select(), Declarer::as_select()))
        .load(conn)
}

/// A `LIKE` pattern matching keys that contain `key`.
pub fn contains_pattern(key: &str) -> String {
    let escaped = super::text(key)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
