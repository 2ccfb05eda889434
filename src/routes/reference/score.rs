//! `POST /v1/diagnosis/score`: scores 25 answers without storing them.

use actix_web::http::header;
use actix_web::{HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::language::Language;
use crate::domain::questionnaire::{self, Answer, Band, PARTS, QUESTIONNAIRE_VERSION};
use crate::domain::scoring::{self, AnswerSheet, Score};
use crate::domain::validation::Violation;
use crate::error::ApiError;
use crate::extract::{AcceptLanguage, Json};

/// The answers to the 25 questions, each question exactly once, in any order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answers": [
    {"question": 1, "answer": "implemented"}, {"question": 2, "answer": "unknown"},
    {"question": 3, "answer": "partially_implemented"}, {"question": 4, "answer": "not_implemented"},
    {"question": 5, "answer": "implemented"}, {"question": 6, "answer": "implemented"},
    {"question": 7, "answer": "implemented"}, {"question": 8, "answer": "implemented"},
    {"question": 9, "answer": "implemented"}, {"question": 10, "answer": "implemented"},
    {"question": 11, "answer": "implemented"}, {"question": 12, "answer": "implemented"},
    {"question": 13, "answer": "implemented"}, {"question": 14, "answer": "implemented"},
    {"question": 15, "answer": "implemented"}, {"question": 16, "answer": "implemented"},
    {"question": 17, "answer": "implemented"}, {"question": 18, "answer": "implemented"},
    {"question": 19, "answer": "implemented"}, {"question": 20, "answer": "implemented"},
    {"question": 21, "answer": "implemented"}, {"question": 22, "answer": "implemented"},
    {"question": 23, "answer": "implemented"}, {"question": 24, "answer": "implemented"},
    {"question": 25, "answer": "implemented"}
]}))]
pub struct AnswersInput {
    #[schema(min_items = 25, max_items = 25)]
    pub answers: Vec<AnswerInput>,
}

/// One answer.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// The question's number, 1–25.
    #[serde(deserialize_with = "crate::extract::whole_number")]
    #[schema(minimum = 1, maximum = 25)]
    pub question: i64,
    pub answer: Answer,
}

impl AnswersInput {
    /// Checks the sheet: 25 answers, each question once. Field paths are relative to the body
    /// (`answers[3].question`); callers nesting it prefix them.
    pub fn to_sheet(&self) -> Result<AnswerSheet, Vec<Violation>> {
        let entries: Vec<(i64, Answer)> = self
            .answers
            .iter()
            .map(|a| (a.question, a.answer))
            .collect();
        scoring::parse(&entries).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let (ja, en) = (e.code.message(Language::Ja), e.code.message(Language::En));
                    match e.question {
                        Some(q) => Violation::new(
                            e.field,
                            e.code.code(),
                            format!("{ja}（設問{q}）"),
                            format!("{en} (question {q})"),
                        ),
                        None => Violation::new(e.field, e.code.code(), ja, en),
                    }
                })
                .collect()
        })
    }
}

/// A scored diagnosis.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "total_score": 86, "max_score": 100, "band": "partially_insufficient",
    "band_description": "…",
    "parts": [{"part": 1, "title": "基本的対策", "score": 18, "max_score": 20}],
    "items_needing_action": [{"question": 2, "answer": "unknown", "advice": "…"}],
    "unknown_items": [2], "questionnaire_version": "2026-12"
}))]
pub struct ScoredDiagnosis {
    /// −25 to 100.
    pub total_score: i32,
    pub max_score: i32,
    pub band: Band,
    /// What the band means, in the language asked for.
    pub band_description: &'static str,
    pub parts: Vec<PartScoreView>,
    /// Every item not answered `implemented`, in question order, with our advice.
    pub items_needing_action: Vec<ItemNeedingActionView>,
    /// The questions answered `unknown`: to be followed up.
    pub unknown_items: Vec<u8>,
    pub questionnaire_version: &'static str,
}

/// The subtotal of one part.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartScoreView {
    pub part: u8,
    pub title: &'static str,
    pub score: i32,
    pub max_score: i32,
}

/// An item that needs action, with advice.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemNeedingActionView {
    pub question: u8,
    pub answer: Answer,
    pub advice: &'static str,
}

impl ScoredDiagnosis {
    pub fn new(score: &Score, language: Language) -> Self {
        Self {
            total_score: score.total,
            max_score: score.max,
            band: score.band,
            band_description: score.band.description().get(language),
            parts: score
                .parts
                .iter()
                .map(|p| PartScoreView {
                    part: p.part,
                    title: PARTS
                        .iter()
                        .find(|d| d.number == p.part)
                        .map_or("", |d| d.title.get(language)),
                    score: p.score,
                    max_score: p.max,
                })
                .collect(),
            items_needing_action: score
                .items_needing_action
                .iter()
                .map(|i| ItemNeedingActionView {
                    question: i.question,
                    answer: i.answer,
                    advice: questionnaire::item(i.question).map_or("", |d| d.advice.get(language)),
                })
                .collect(),
            unknown_items: score.unknown_items.clone(),
            questionnaire_version: QUESTIONNAIRE_VERSION,
        }
    }
}

/// Scores 25 answers without storing them (for partners' own tools): the total, the part
/// subtotals, the band, the items needing action with advice, and the unknown items.
#[utoipa::path(
    tag = "reference",
    request_body = AnswersInput,
    responses((status = 200, description = "The scored answers", body = ScoredDiagnosis))
)]
#[post("/diagnosis/score")]
#[tracing::instrument(skip_all)]
pub async fn score_diagnosis(
    AcceptLanguage(language): AcceptLanguage,
    Json(input): Json<AnswersInput>,
) -> Result<HttpResponse, ApiError> {
    let sheet = input.to_sheet().map_err(ApiError::validation)?;
    let scored = ScoredDiagnosis::new(&scoring::score(&sheet), language);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, language.tag()))
        .json(scored))
}
