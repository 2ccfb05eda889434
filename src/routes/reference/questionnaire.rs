//! `GET /v1/diagnosis/questionnaire`: the 25-item self-diagnosis (5分でできる!情報セキュリティ自社診断).

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::language::Language;
use crate::domain::questionnaire::{
    Answer, Band, ITEMS, MAX_SCORE, MIN_SCORE, NOTES, PARTS, QUESTIONNAIRE_VERSION,
    SCORE_BANDS_SOURCE,
};
use crate::extract::AcceptLanguage;

/// The questionnaire in one language.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireView {
    /// The questionnaire's version; stored with every diagnosis.
    pub version: &'static str,
    /// The language of the texts: `ja` or `en`.
    pub language: Language,
    pub max_score: i32,
    pub min_score: i32,
    pub parts: Vec<PartView>,
    /// The 25 items, in order.
    pub items: Vec<ItemView>,
    /// The four answers and their points.
    pub answer_choices: Vec<AnswerChoice>,
    /// How a total reads.
    pub score_bands: Vec<BandView>,
    /// Where the score bands come from.
    pub score_bands_source: &'static str,
    /// The footnotes (※1, ※2) that items refer to; show them wherever the items are shown.
    pub notes: Vec<NoteView>,
}

/// A footnote of the questionnaire.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"note": 1, "mark": "※1", "term": "ウイルス定義ファイル", "text": "ウイルス定義ファイルは、パターンファイルとも呼ばれます。"}))]
pub struct NoteView {
    pub note: u8,
    /// How the texts point to it: ※1, ※2.
    pub mark: String,
    pub term: &'static str,
    pub text: &'static str,
}

/// One of the three parts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"part": 1, "title": "基本的対策", "first_question": 1, "last_question": 5, "max_score": 20}))]
pub struct PartView {
    pub part: u8,
    pub title: &'static str,
    pub first_question: u8,
    pub last_question: u8,
    pub max_score: i32,
}

/// One question, with our advice for when it is not fully implemented.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "question": 1, "part": 1,
    "text": "パソコンやスマホなど情報機器のOSやソフトウェアは常に最新の状態にしていますか?",
    "advice": "…", "notes": []
}))]
pub struct ItemView {
    pub question: u8,
    pub part: u8,
    pub text: &'static str,
    pub advice: &'static str,
    /// The footnotes (`notes[].note`) this item relies on.
    pub notes: Vec<u8>,
}

/// An answer code, its label and its points.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"answer": "implemented", "label": "実施している", "points": 4}))]
pub struct AnswerChoice {
    pub answer: Answer,
    pub label: &'static str,
    pub points: i32,
}

/// A score band: the totals it covers and what it means.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"band": "partially_insufficient", "min_score": 70, "max_score": 99, "description": "…"}))]
pub struct BandView {
    pub band: Band,
    pub min_score: i32,
    pub max_score: i32,
    pub description: &'static str,
}

impl QuestionnaireView {
    pub fn new(language: Language) -> Self {
        Self {
            version: QUESTIONNAIRE_VERSION,
            language,
            max_score: MAX_SCORE,
            min_score: MIN_SCORE,
            parts: PARTS
                .iter()
                .map(|p| PartView {
                    part: p.number,
                    title: p.title.get(language),
                    first_question: *p.questions.start(),
                    last_question: *p.questions.end(),
                    max_score: i32::from(p.questions.end() - p.questions.start() + 1) * 4,
                })
                .collect(),
            items: ITEMS
                .iter()
                .map(|i| ItemView {
                    question: i.number,
                    part: i.part,
                    text: i.text.get(language),
                    advice: i.advice.get(language),
                    notes: i.notes.to_vec(),
                })
                .collect(),
            answer_choices: Answer::ALL
                .iter()
                .map(|&a| AnswerChoice {
                    answer: a,
                    label: a.label().get(language),
                    points: a.points(),
                })
                .collect(),
            score_bands: Band::ALL
                .iter()
                .map(|&b| BandView {
                    band: b,
                    min_score: b.range().0,
                    max_score: b.range().1,
                    description: b.description().get(language),
                })
                .collect(),
            score_bands_source: SCORE_BANDS_SOURCE.get(language),
            notes: NOTES
                .iter()
                .map(|n| NoteView {
                    note: n.number,
                    mark: format!("※{}", n.number),
                    term: n.term.get(language),
                    text: n.text.get(language),
                })
                .collect(),
        }
    }
}

/// The questionnaire: 25 items with part, text and advice, the answer choices and their
/// points, the score bands, and the version. Texts follow `Accept-Language` (`ja` by default,
/// or `en`; anything else falls back to Japanese).
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "The questionnaire", body = QuestionnaireView,
               headers(("Content-Language" = String, description = "`ja` or `en`"))))
)]
#[get("/diagnosis/questionnaire")]
pub async fn get_questionnaire(AcceptLanguage(language): AcceptLanguage) -> HttpResponse {
    super::cacheable_json(&QuestionnaireView::new(language), Some(language))
}
