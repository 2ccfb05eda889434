//! The secretariat's API (`/v1/admin/*`): only operators reach it; a declarer gets 403.

pub mod api_clients;
pub mod declarations;
pub mod trails;

use crate::domain::codes::PrefectureCode;
use crate::domain::declaration::{Star, Status};
use crate::domain::language::Language;
use crate::domain::validation::{FieldCode, Violation};
use crate::error::ApiError;

/// Every prefecture code, for an unfiltered listing.
pub fn all_prefectures() -> Vec<&'static str> {
    PrefectureCode::all().map(|p| p.as_str()).collect()
}

/// The prefecture filter: one code, or all.
pub fn prefecture_filter(value: Option<&str>) -> Result<Vec<&'static str>, ApiError> {
    match value {
        None => Ok(all_prefectures()),
        Some(code) => PrefectureCode::parse(code)
            .map(|p| vec![p.as_str()])
            .map_err(|e| {
                ApiError::invalid_field(Violation::new(
                    "prefecture",
                    e.code,
                    e.message(Language::Ja),
                    e.message(Language::En),
                ))
            }),
    }
}

/// The star filter: one level, or both.
pub fn star_filter(value: Option<&str>) -> Result<Vec<&'static str>, ApiError> {
    match value {
        None => Ok(Star::ALL.iter().map(|s| s.code()).collect()),
        Some(code) => Star::from_code(code)
            .map(|s| vec![s.code()])
            .ok_or_else(|| {
                ApiError::invalid_field(Violation::new(
                    "star",
                    FieldCode::UnknownValue,
                    "取組み目標には一つ星か二つ星を指定してください",
                    "must be one_star or two_star",
                ))
            }),
    }
}

/// The status filter: one status out of `allowed`, or all of them.
pub fn status_filter(
    value: Option<&str>,
    allowed: &[Status],
) -> Result<Vec<&'static str>, ApiError> {
    match value {
        None => Ok(allowed.iter().map(|s| s.code()).collect()),
        Some(code) => Status::from_code(code)
            .filter(|s| allowed.contains(s))
            .map(|s| vec![s.code()])
            .ok_or_else(|| {
                let codes: Vec<&str> = allowed.iter().map(|s| s.code()).collect();
                let labels: Vec<&str> = allowed.iter().map(|s| s.label().ja).collect();
                ApiError::invalid_field(Violation::new(
                    "status",
                    FieldCode::UnknownValue,
                    format!("状態には{}のいずれかを指定してください", labels.join("、")),
                    format!("must be one of {}", codes.join(", ")),
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::language::Language;

    #[test]
    fn an_unknown_status_is_answered_with_the_statuses_japanese_names() {
        let error = status_filter(Some("sometimes"), &Status::ALL).unwrap_err();
        let ja = error.errors()[0].message(Language::Ja);
        assert_eq!(
            ja,
            "状態には自己宣言完了、申込み受理、取下げ、取消しのいずれかを指定してください"
        );
        assert!(!ja.contains("declared"));
        assert!(status_filter(Some("revoked"), &Status::ALL).is_ok());
    }
}
