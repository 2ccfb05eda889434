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
//! - a name is first looked for in the name index (`name_grams`: each pair of neighbouring
//!   characters of every name key, see [`few_matching_declarers`]), up to [`FEW_NAMES`]
//!   declarers: when fewer match (a rare name), the page is fetched by their IDs; when more
//!   match (a common one), walking newest first meets a page of them quickly.

use diesel::prelude::*;

use super::DbConnection;
use super::models::{Declaration, Declarer};
use super::schema::{declarations, declarers, name_grams};
use crate::domain::codes::ALL_PREFECTURE_CODES;
use crate::domain::declaration::{Star, Status};
use crate::domain::name;

/// Filters of a listing.
#[derive(Debug, Clone)]
pub struct Filter<'a> {
    pub statuses: &'a [&'a str],
    pub stars: &'a [&'a str],
    pub prefectures: &'a [&'a str],
    /// The search key of a name (`domain::name::search_key`) that name keys must contain;
    /// empty for any name.
    pub name: &'a str,
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

/// A gram held by this many declarers or more is common: it narrows nothing worth reading.
pub const COMMON_GRAM: usize = 20_000;

/// The bounds of a look-up in the name index.
#[derive(Debug, Clone, Copy)]
pub struct NameLimits {
    /// From this many matching declarers on, the look-up gives up ([`FEW_NAMES`]).
    pub few_names: usize,
    /// From this many holders on, a gram is not read further ([`COMMON_GRAM`]).
    pub common_gram: usize,
}

impl NameLimits {
    pub const DEFAULT: NameLimits = NameLimits {
        few_names: FEW_NAMES,
        common_gram: COMMON_GRAM,
    };
}

/// The declarers whose name key contains the search key `key`, unless there are
/// `limits.few_names` or more (then `None`: walking newest first meets a page of them sooner).
///
/// A key of exactly two characters is one gram: its holders in the name index are the answer,
/// read up to `limits.few_names`. A longer key is looked up in the name index too: the
/// declarers holding each of its grams, read up to `limits.common_gram` per gram; those holding
/// every gram that is not common are the candidates, whose keys are then compared whole. When
/// every gram is common, so is the name, most likely (`None`). A shorter key is compared with
/// every name key in their index.
pub fn few_matching_declarers(
    conn: &mut DbConnection,
    key: &str,
    limits: NameLimits,
) -> QueryResult<Option<Vec<i64>>> {
    let pattern = contains_pattern(key);
    let pattern = pattern.as_str();
    let (few_names, common_gram) = (limits.few_names, limits.common_gram);
    let text = super::text(key);
    if text.chars().count() == name::GRAM_CHARS {
        // The key is its own gram: its holders are exactly the declarers whose key contains
        // it, and reading a few of them tells whether they are few.
        let holders: Vec<i64> = name_grams::table
            .filter(name_grams::gram.eq(text.as_ref()))
            .select(name_grams::declarer_id)
            .order(name_grams::declarer_id)
            .limit(few_names as i64)
            .load(conn)?;
        return Ok((holders.len() < few_names).then_some(holders));
    }
    let grams = name::grams(&text);
    if grams.is_empty() {
        let ids: Vec<i64> = declarers::table
            .filter(declarers::organization_name_key.like(pattern).escape('\\'))
            .select(declarers::id)
            .limit(few_names as i64)
            .load(conn)?;
        return Ok((ids.len() < few_names).then_some(ids));
    }
    let mut candidates: Option<Vec<i64>> = None;
    for gram in &grams {
        let holders: Vec<i64> = name_grams::table
            .filter(name_grams::gram.eq(gram))
            .select(name_grams::declarer_id)
            .order(name_grams::declarer_id)
            .limit(common_gram as i64)
            .load(conn)?;
        if holders.len() == common_gram {
            continue;
        }
        candidates = Some(match candidates {
            None => holders,
            Some(before) => sorted_intersection(&before, &holders),
        });
        match candidates.as_ref().map(Vec::len) {
            Some(0) => return Ok(Some(Vec::new())),
            // Few enough to compare whole: the other grams would narrow them no further
            // than the comparison does.
            Some(n) if n <= FEW_CANDIDATES => break,
            _ => {}
        }
    }
    let Some(candidates) = candidates else {
        return Ok(None);
    };
    let mut ids = Vec::with_capacity(candidates.len().min(few_names));
    for chunk in candidates.chunks(CANDIDATES_PER_QUERY) {
        let matching: Vec<i64> = declarers::table
            .filter(declarers::id.eq_any(chunk))
            .filter(declarers::organization_name_key.like(pattern).escape('\\'))
            .select(declarers::id)
            .load(conn)?;
        ids.extend(matching);
        if ids.len() >= few_names {
            return Ok(None);
        }
    }
    Ok(Some(ids))
}

/// Candidates few enough to compare their keys at once, without reading further grams.
const FEW_CANDIDATES: usize = 200;

/// Candidates compared in one query (SQLite binds each one as a parameter).
const CANDIDATES_PER_QUERY: usize = 5_000;

/// The IDs in both ascending lists.
fn sorted_intersection(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (mut i, mut j, mut both) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    both
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
    ($conn:expr, $backend:ty, $filter:expr, $corporate:expr, $declarers:expr, $pattern:expr) => {{
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
        } else if let Some(pattern) = $pattern {
            query = query.filter(declarers::organization_name_key.like(pattern).escape('\\'));
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
    let pattern = (!filter.name.is_empty()).then(|| contains_pattern(filter.name));
    let declarers = match (&pattern, corporate_number) {
        (Some(_), None) => few_matching_declarers(conn, filter.name, NameLimits::DEFAULT)?,
        _ => None,
    };
    let pattern = pattern.as_deref();
    match conn {
        DbConnection::Sqlite(c) => {
            listing!(
                c,
                diesel::sqlite::Sqlite,
                filter,
                corporate_number,
                declarers,
                pattern
            )
        }
        DbConnection::Postgres(c) => {
            listing!(
                c,
                diesel::pg::Pg,
                filter,
                corporate_number,
                declarers,
                pattern
            )
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
