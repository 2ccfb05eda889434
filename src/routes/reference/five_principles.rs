//! `GET /v1/five-principles`: 情報セキュリティ5か条, what every declarer declares to work on.

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::five_principles::{FIVE_PRINCIPLES, FIVE_PRINCIPLES_VERSION};
use crate::domain::language::Language;
use crate::extract::AcceptLanguage;

/// The five principles in one language.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "version": "2026-12",
    "language": "ja",
    "title": "情報セキュリティ5か条",
    "principles": [
        {"principle": 1, "title": "OSやソフトウェアは常に最新の状態にしよう！",
         "explanation": "古いOSやソフトウェアの弱点（脆弱性）を突く攻撃は後を絶ちません。更新プログラムはすぐに適用し、サポートが終了した製品は使い続けないようにしましょう。"},
        {"principle": 2, "title": "ウイルス対策ソフトを導入しよう！", "explanation": "…"}
    ]
}))]
pub struct FivePrinciplesView {
    /// The version of these texts.
    pub version: &'static str,
    /// The language of the texts: `ja` or `en`.
    pub language: Language,
    /// 情報セキュリティ5か条, or its English name.
    pub title: &'static str,
    /// The five principles, in the scheme's order.
    pub principles: Vec<PrincipleView>,
}

/// One principle with its short explanation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"principle": 3, "title": "Use strong passwords",
    "explanation": "Make passwords long and complex, never reuse them, and turn on multi-factor authentication wherever a service offers it."}))]
pub struct PrincipleView {
    /// 1 to 5.
    pub principle: u8,
    pub title: &'static str,
    /// Why it matters and what to do.
    pub explanation: &'static str,
}

impl FivePrinciplesView {
    pub fn new(language: Language) -> Self {
        Self {
            version: FIVE_PRINCIPLES_VERSION,
            language,
            title: language.pick(
                "情報セキュリティ5か条",
                "The five principles of information security",
            ),
            principles: FIVE_PRINCIPLES
                .iter()
                .map(|p| PrincipleView {
                    principle: p.number,
                    title: p.title.get(language),
                    explanation: p.explanation.get(language),
                })
                .collect(),
        }
    }
}

/// The five principles of information security
///
/// 情報セキュリティ5か条: what a One Star declarer declares to work on (and every Two Stars
/// declarer too), each with a short explanation, versioned like the questionnaire. Texts
/// follow `Accept-Language` (`ja` by default, or `en`).
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "The five principles, in order", body = FivePrinciplesView,
               headers(("Content-Language" = String, description = "`ja` or `en`"))))
)]
#[get("/five-principles")]
pub async fn get_five_principles(AcceptLanguage(language): AcceptLanguage) -> HttpResponse {
    super::cacheable_json(&FivePrinciplesView::new(language), Some(language))
}
