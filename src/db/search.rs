//! Listing declarations with their declarers: the secretariat's list and the public registry.
//!
//! Optional filters are written as "neutral" ones (every status, every prefecture, `LIKE '%'`)
//! because boxed, dynamically built queries do not run across both backends here; the query
//! planner treats the neutral forms as cheap.

use diesel::prelude::*;

use super::DbConnection;
use super::models::{Declaration, Declarer};
use super::schema::{declarations, declarers};

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
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::status.eq_any(filter.statuses))
        .filter(declarations::star_level.eq_any(filter.stars))
        .filter(declarers::prefecture.eq_any(filter.prefectures))
        .filter(
            declarers::organization_name_key
                .like(filter.name_pattern)
                .escape('\\'),
        )
        .filter(declarations::id.lt(filter.before))
        .order(declarations::id.desc())
        .limit(filter.limit)
        .select((Declaration::as_select(), Declarer::as_select()))
        .load(conn)
}

/// Declarations with this corporate number, within the filter's statuses, newest first.
pub fn by_corporate_number(
    conn: &mut DbConnection,
    number: &str,
    filter: &Filter<'_>,
) -> QueryResult<Vec<(Declaration, Declarer)>> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::corporate_number.eq(number))
        .filter(declarations::status.eq_any(filter.statuses))
        .filter(declarations::star_level.eq_any(filter.stars))
        .filter(declarers::prefecture.eq_any(filter.prefectures))
        .filter(
            declarers::organization_name_key
                .like(filter.name_pattern)
                .escape('\\'),
        )
        .filter(declarations::id.lt(filter.before))
        .order(declarations::id.desc())
        .limit(filter.limit)
        .select((Declaration::as_select(), Declarer::as_select()))
        .load(conn)
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
