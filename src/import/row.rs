//! One row of an import file, read and checked by the scheme's rules: no database work here.
//! What a row may hold is documented in the README ("Moving from the old system") and shown by
//! `docs/import-sample.csv`.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use crate::domain::codes::{IndustryCode, PrefectureCode};
use crate::domain::declaration::{Purpose, RevocationReason, Star, Status};
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::name::name_key;
use crate::domain::organization::{OrganizationType, check_corporate_number, check_email};
use crate::domain::terms::TERMS_VERSIONS;

/// The columns a file must have.
pub const REQUIRED: [&str; 11] = [
    "declaration_id",
    "user_number",
    "star",
    "status",
    "organization_name",
    "organization_type",
    "corporate_number",
    "prefecture",
    "contact_name",
    "contact_email",
    "declared_at",
];

/// The columns a file may have.
pub const OPTIONAL: [&str; 9] = [
    "organization_name_kana",
    "industry",
    "address",
    "employees",
    "purposes",
    "agreed_terms_version",
    "accepted_at",
    "ended_at",
    "end_reason",
];

/// Where each column is in the file's rows.
#[derive(Debug, Clone)]
pub struct Columns {
    at: HashMap<&'static str, usize>,
    width: usize,
}

/// Why a header cannot be used (the file is then unusable as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    Missing(Vec<&'static str>),
    Unknown(String),
    Repeated(String),
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::Missing(columns) => {
                write!(f, "the header lacks the column(s) {}", columns.join(", "))
            }
            HeaderError::Unknown(column) => write!(
                f,
                "the header names an unknown column {column:?} (the columns are {}, {})",
                REQUIRED.join(", "),
                OPTIONAL.join(", ")
            ),
            HeaderError::Repeated(column) => write!(f, "the header names {column:?} twice"),
        }
    }
}

impl Columns {
    /// Reads the header row: every required column, any optional one, nothing else, in any
    /// order (names in any case, a byte-order mark and spaces around them ignored).
    pub fn from_header<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Columns, HeaderError> {
        let mut at = HashMap::new();
        let mut width = 0;
        for (i, name) in names.into_iter().enumerate() {
            width = i + 1;
            let name = name
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            let Some(known) = REQUIRED.iter().chain(&OPTIONAL).find(|c| **c == name) else {
                return Err(HeaderError::Unknown(name));
            };
            if at.insert(*known, i).is_some() {
                return Err(HeaderError::Repeated(name));
            }
        }
        let missing: Vec<&'static str> = REQUIRED
            .into_iter()
            .filter(|c| !at.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(HeaderError::Missing(missing));
        }
        Ok(Columns { at, width })
    }

    /// The number of fields a row must have.
    pub fn width(&self) -> usize {
        self.width
    }
}

/// Why a row is not imported: the column (if one is to blame), a stable code, a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub column: Option<&'static str>,
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(
        column: Option<&'static str>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Rejection {
            column,
            code,
            message: message.into(),
        }
    }
}

/// A row that holds by the scheme's rules, ready to be compared with what is stored or
/// written. Times are UTC, truncated to microseconds (what both databases keep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub declaration_id: DeclarationId,
    pub user_number: UserNumber,
    pub star: Star,
    pub status: Status,
    pub organization_name: String,
    pub organization_name_key: String,
    pub organization_name_kana: Option<String>,
    pub organization_type: OrganizationType,
    pub corporate_number: Option<String>,
    pub prefecture: PrefectureCode,
    /// Empty when the old system did not collect it.
    pub address: String,
    /// Empty when the old system did not collect it.
    pub industry: String,
    /// [`UNKNOWN_EMPLOYEES`] when the old system did not collect it.
    pub employees: i64,
    pub contact_name: String,
    pub contact_email: String,
    pub purposes: Vec<Purpose>,
    pub agreed_terms_version: &'static str,
    pub declared_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    /// A revocation's reason code, or a withdrawal's reason in the declarer's words.
    pub end_reason: Option<String>,
}

/// The number of employees stored when the old system did not collect it (the column holds a
/// count, never a mark of "unknown"; the README says so).
pub const UNKNOWN_EMPLOYEES: i64 = 0;

/// Japan's offset from UTC: a time written without one is Japan time.
const JST: i32 = 9 * 3600;

/// Reads one row's fields (`fields[i]` for column position `i`), at `now` (no time may be
/// later).
pub fn read(
    columns: &Columns,
    fields: &[&str],
    now: NaiveDateTime,
) -> Result<ImportRow, Rejection> {
    if fields.len() != columns.width {
        return Err(Rejection::new(
            None,
            "wrong_field_count",
            format!(
                "{} fields where the header has {}",
                fields.len(),
                columns.width
            ),
        ));
    }
    let get = |column: &'static str| -> &str {
        columns
            .at
            .get(column)
            .and_then(|&i| fields.get(i))
            .map_or("", |v| v.trim())
    };
    let required = |column: &'static str| -> Result<&str, Rejection> {
        let value = get(column);
        if value.is_empty() {
            Err(Rejection::new(
                Some(column),
                "missing_value",
                "this column needs a value",
            ))
        } else {
            Ok(value)
        }
    };
    let text = |column: &'static str, value: &str, max: usize| -> Result<String, Rejection> {
        if value.chars().any(|c| c.is_control()) {
            return Err(Rejection::new(
                Some(column),
                "invalid_text",
                "control characters are not allowed",
            ));
        }
        if value.chars().count() > max {
            return Err(Rejection::new(
                Some(column),
                "too_long",
                format!("at most {max} characters"),
            ));
        }
        Ok(value.to_owned())
    };

    let id_text = required("declaration_id")?;
    let declaration_id = DeclarationId::stored(id_text).map_err(|_| {
        Rejection::new(
            Some("declaration_id"),
            "invalid_declaration_id",
            "a declaration ID is 12 digits (or the older 11) starting with 4",
        )
    })?;
    let user_number = UserNumber::imported(required("user_number")?).map_err(|_| {
        Rejection::new(
            Some("user_number"),
            "invalid_user_number",
            "a user number is 12 digits",
        )
    })?;
    let star = read_star(required("star")?).ok_or_else(|| {
        Rejection::new(
            Some("star"),
            "invalid_star",
            "one_star or two_star (or the Japanese labels)",
        )
    })?;
    let status = read_status(required("status")?).ok_or_else(|| {
        Rejection::new(
            Some("status"),
            "invalid_status",
            "declared, accepted, withdrawn or revoked",
        )
    })?;
    let organization_name = text("organization_name", required("organization_name")?, 200)?;
    let organization_name_key = name_key(&organization_name);
    if organization_name_key.is_empty() {
        return Err(Rejection::new(
            Some("organization_name"),
            "invalid_text",
            "a name needs letters or digits",
        ));
    }
    let kana = get("organization_name_kana");
    let organization_name_kana = if kana.is_empty() {
        None
    } else {
        Some(text("organization_name_kana", kana, 200)?)
    };
    let organization_type = OrganizationType::from_code(required("organization_type")?)
        .ok_or_else(|| {
            Rejection::new(
                Some("organization_type"),
                "invalid_organization_type",
                "corporation, sole_proprietor, association or other",
            )
        })?;
    let corporate_number = check_corporate_number(
        "corporate_number",
        organization_type,
        Some(get("corporate_number")),
    )
    .map_err(|v| {
        Rejection::new(
            Some("corporate_number"),
            "invalid_corporate_number",
            v.message(crate::domain::language::Language::En).to_owned(),
        )
    })?
    .map(|n| n.as_str().to_owned());
    let prefecture = read_prefecture(required("prefecture")?).ok_or_else(|| {
        Rejection::new(
            Some("prefecture"),
            "invalid_prefecture",
            "a JIS code (01–47) or a prefecture's name such as 東京都",
        )
    })?;
    let address = text("address", get("address"), 300)?;
    let industry = match get("industry") {
        "" => String::new(),
        code => IndustryCode::parse(code)
            .map_err(|_| {
                Rejection::new(
                    Some("industry"),
                    "invalid_industry",
                    "a JSIC division letter, A–T",
                )
            })?
            .as_str()
            .to_owned(),
    };
    let employees = match get("employees") {
        "" => UNKNOWN_EMPLOYEES,
        n => n
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=10_000_000).contains(n))
            .ok_or_else(|| {
                Rejection::new(
                    Some("employees"),
                    "invalid_number",
                    "a whole number, 0–10,000,000",
                )
            })?,
    };
    let contact_name = text("contact_name", required("contact_name")?, 100)?;
    let contact_email = required("contact_email")?.to_owned();
    check_email("contact_email", &contact_email).map_err(|_| {
        Rejection::new(
            Some("contact_email"),
            "invalid_email",
            "not a valid e-mail address",
        )
    })?;
    let mut purposes = Vec::new();
    for code in get("purposes")
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let purpose = Purpose::from_code(code).ok_or_else(|| {
            Rejection::new(
                Some("purposes"),
                "invalid_purpose",
                format!("unknown purpose {code:?}"),
            )
        })?;
        if !purposes.contains(&purpose) {
            purposes.push(purpose);
        }
    }
    let at = |column: &'static str| -> Result<Option<NaiveDateTime>, Rejection> {
        match get(column) {
            "" => Ok(None),
            value => {
                let time = read_time(value).ok_or_else(|| {
                    Rejection::new(
                        Some(column),
                        "invalid_date",
                        "YYYY-MM-DD or RFC 3339 (without an offset: Japan time)",
                    )
                })?;
                if time > now {
                    return Err(Rejection::new(
                        Some(column),
                        "in_the_future",
                        "later than now",
                    ));
                }
                Ok(Some(time))
            }
        }
    };
    let declared_at = at("declared_at")?.ok_or_else(|| {
        Rejection::new(
            Some("declared_at"),
            "missing_value",
            "this column needs a value",
        )
    })?;
    let accepted_at = at("accepted_at")?;
    let ended_at = at("ended_at")?;
    for (column, time) in [("accepted_at", accepted_at), ("ended_at", ended_at)] {
        if time.is_some_and(|t| t < declared_at) {
            return Err(Rejection::new(
                Some(column),
                "inconsistent_dates",
                "earlier than declared_at",
            ));
        }
    }
    if let (Some(accepted), Some(ended)) = (accepted_at, ended_at)
        && ended < accepted
    {
        return Err(Rejection::new(
            Some("ended_at"),
            "inconsistent_dates",
            "earlier than accepted_at",
        ));
    }
    let end_reason = get("end_reason");
    let end_reason = match status {
        Status::Declared | Status::Accepted => {
            if ended_at.is_some() {
                return Err(Rejection::new(
                    Some("ended_at"),
                    "not_allowed",
                    "a live declaration has not ended",
                ));
            }
            if !end_reason.is_empty() {
                return Err(Rejection::new(
                    Some("end_reason"),
                    "not_allowed",
                    "a live declaration has not ended",
                ));
            }
            if status == Status::Declared && accepted_at.is_some() {
                return Err(Rejection::new(
                    Some("accepted_at"),
                    "not_allowed",
                    "a declaration not yet accepted has no acceptance date",
                ));
            }
            None
        }
        Status::Withdrawn | Status::Revoked => {
            if ended_at.is_none() {
                return Err(Rejection::new(
                    Some("ended_at"),
                    "missing_value",
                    "a withdrawn or revoked declaration needs the date it ended",
                ));
            }
            match (status, end_reason) {
                (Status::Revoked, "") => Some(RevocationReason::Other.code().to_owned()),
                (Status::Revoked, code) => Some(
                    RevocationReason::from_code(code)
                        .ok_or_else(|| {
                            Rejection::new(
                                Some("end_reason"),
                                "invalid_reason",
                                "false_declaration, misleading_claims, declarer_request or other",
                            )
                        })?
                        .code()
                        .to_owned(),
                ),
                (_, "") => None,
                (_, words) => Some(text("end_reason", words, 500)?),
            }
        }
    };
    let agreed_terms_version = match get("agreed_terms_version") {
        "" => terms_in_force(declared_at),
        version => TERMS_VERSIONS
            .iter()
            .find(|t| t.version == version)
            .map(|t| t.version)
            .ok_or_else(|| {
                Rejection::new(
                    Some("agreed_terms_version"),
                    "unknown_terms_version",
                    format!(
                        "one of {}",
                        TERMS_VERSIONS
                            .iter()
                            .map(|t| t.version)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
    };
    Ok(ImportRow {
        declaration_id,
        user_number,
        star,
        status,
        organization_name,
        organization_name_key,
        organization_name_kana,
        organization_type,
        corporate_number,
        prefecture,
        address,
        industry,
        employees,
        contact_name,
        contact_email,
        purposes,
        agreed_terms_version,
        declared_at,
        accepted_at,
        ended_at,
        end_reason,
    })
}

fn read_star(s: &str) -> Option<Star> {
    match s {
        "一つ星" | "★" => Some(Star::OneStar),
        "二つ星" | "★★" => Some(Star::TwoStar),
        code => Star::from_code(code),
    }
}

fn read_status(s: &str) -> Option<Status> {
    Status::from_code(s).or_else(|| {
        Status::ALL
            .into_iter()
            .find(|status| status.label().ja == s)
    })
}

/// A JIS code (`13`, or `1` for `01`) or a name (東京都, or Tokyo in any case).
fn read_prefecture(s: &str) -> Option<PrefectureCode> {
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() && s.len() <= 2 {
        return s
            .parse::<u8>()
            .ok()
            .and_then(|n| PrefectureCode::from_number(n).ok());
    }
    PrefectureCode::all().find(|p| {
        let name = p.name();
        name.ja == s || name.en.eq_ignore_ascii_case(s)
    })
}

/// `YYYY-MM-DD` (midnight, Japan time), or RFC 3339 with or without an offset (without:
/// Japan time; a space may stand for the `T`), in UTC truncated to microseconds.
pub fn read_time(s: &str) -> Option<NaiveDateTime> {
    let utc = if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        date.and_time(NaiveTime::MIN) - TimeDelta::seconds(i64::from(JST))
    } else if let Ok(time) = DateTime::<FixedOffset>::parse_from_rfc3339(s) {
        time.naive_utc()
    } else {
        let local = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(s, format).ok())?;
        local - TimeDelta::seconds(i64::from(JST))
    };
    let micros = utc.and_utc().timestamp_micros();
    DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

/// The version of the logo terms in force at `at` (the first one for anything before it).
fn terms_in_force(at: NaiveDateTime) -> &'static str {
    let day = (at + TimeDelta::seconds(i64::from(JST))).date();
    TERMS_VERSIONS
        .iter()
        .rev()
        .find(|t| t.effective_date().is_some_and(|d| d <= day))
        .unwrap_or(&TERMS_VERSIONS[0])
        .version
}

#[cfg(test)]
mod tests;
