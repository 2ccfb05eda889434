//! `POST /v1/declarations`: applying for one or two stars (申込み).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::forms::{ContactInput, OrganizationInput, PolicyDisclosureInput};
use crate::db::{self, idempotency};
use crate::declarations::Context;
use crate::declarations::application::{self, Applied, NewApplication};
use crate::domain::declaration::{Purpose, Star, Status};
use crate::domain::language::Language;
use crate::domain::password::check_password;
use crate::domain::terms;
use crate::domain::validation::{FieldCode, Violation};
use crate::error::{ApiError, Message};
use crate::extract::DigestedJson;
use crate::routes::common;
use crate::routes::reference::score::AnswersInput;
use crate::state::AppState;
use crate::texts::messages;

/// The declaration to work on the five principles (情報セキュリティ5か条に取り組むことの宣言).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PledgeInput {
    /// Must be true: the declarer declares that it works on the five principles (情報セキュリティ5か条).
    #[schema(value_type = crate::routes::schema::MustBeTrue, inline)]
    pub five_principles: bool,
}

/// An application (申込み) for one or two stars.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization": {
        "name": "株式会社サンプル", "name_kana": "カブシキガイシャサンプル",
        "organization_type": "corporation", "corporate_number": "7000012050002",
        "prefecture": "13", "address": "東京都文京区本駒込2-28-8", "industry": "G",
        "employees": 12, "capital_yen": 10000000, "website": "https://example.co.jp"
    },
    "contact": {"name": "情報 太郎", "email": "taro@example.co.jp", "phone": "03-1234-5678", "department": "総務部"},
    "star": "one_star",
    "pledge": {"five_principles": true},
    "purposes": ["subsidy_application", "improve_security"],
    "agreed_terms_version": "2018-07-03",
    "password": "a long passphrase of the declarer"
}))]
pub struct ApplicationInput {
    pub organization: OrganizationInput,
    pub contact: ContactInput,
    pub star: Star,
    pub pledge: PledgeInput,
    /// At least one, none twice.
    #[schema(value_type = crate::routes::schema::Purposes, inline)]
    pub purposes: Vec<Purpose>,
    /// Must be the current version of the logo terms (`GET /v1/terms`).
    #[schema(value_type = crate::routes::schema::CurrentTermsVersion, inline)]
    pub agreed_terms_version: String,
    /// The account's password: 12–128 characters, neither one character repeated nor a
    /// common password.
    #[schema(value_type = crate::routes::schema::NewPassword, inline)]
    pub password: String,
    /// Required for two stars, absent (or null) for one: the 25 answers of the self-diagnosis.
    #[serde(default)]
    pub diagnosis: Option<AnswersInput>,
    /// Required for two stars, absent (or null) for one: how the basic policy is disclosed.
    #[serde(default)]
    pub policy_disclosure: Option<PolicyDisclosureInput>,
}

/// The completion notice in the answer: the e-mail's text and the notice's verification code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompletionNoticeSummary {
    /// The completion e-mail's subject (「【SECURITY ACTION】一つ星：自己宣言完了のお知らせ」).
    pub subject: String,
    /// The completion e-mail's body, as sent to the contact person.
    pub body: String,
    /// The code printed on the completion notice; anyone can check it.
    pub verification_code: String,
    /// Where the code is checked (`GET /v1/notice-verifications/{code}`).
    pub verification_url: String,
}

/// The answer to an accepted application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "user_number": "318204957365", "declaration_id": "407731820954", "star": "one_star",
    "status": "declared", "declared_at": "2026-11-22T03:04:05Z", "accepted_at": null,
    "completion_notice": {"subject": "【SECURITY ACTION】一つ星：自己宣言完了のお知らせ", "body": "…",
        "verification_code": "407731820954-K3J5-Q2M4-N8P6-R7T1",
        "verification_url": "https://security-action.example.jp/v1/notice-verifications/407731820954-K3J5-Q2M4-N8P6-R7T1"}
}))]
pub struct ApplicationCreated {
    /// 利用者番号: the login name. Keep it safe.
    pub user_number: String,
    /// 自己宣言ID: quoted in subsidy applications.
    pub declaration_id: String,
    pub star: Star,
    pub status: Status,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub completion_notice: CompletionNoticeSummary,
}

impl From<Applied> for ApplicationCreated {
    fn from(applied: Applied) -> Self {
        ApplicationCreated {
            user_number: applied.user_number.as_str().to_owned(),
            declaration_id: applied.declaration_id.as_str().to_owned(),
            star: applied.star,
            status: applied.status,
            declared_at: applied.declared_at,
            accepted_at: applied.accepted_at,
            completion_notice: CompletionNoticeSummary {
                subject: applied.completion.subject,
                body: applied.completion.body,
                verification_code: applied.verification_code,
                verification_url: applied.verification_url,
            },
        }
    }
}

/// A broken rule whose wording is one of the shared messages.
fn violation(field: &str, code: FieldCode, message: Message) -> Violation {
    Violation::new(
        field,
        code,
        message.get(Language::Ja).to_owned(),
        message.get(Language::En).to_owned(),
    )
}

impl ApplicationInput {
    fn validate(&self) -> Result<NewApplication, Vec<Violation>> {
        let mut violations = Vec::new();
        let organization = self
            .organization
            .validate("organization")
            .map_err(|v| violations.extend(v))
            .ok();
        let contact = self
            .contact
            .validate("contact")
            .map_err(|v| violations.extend(v))
            .ok();
        if !self.pledge.five_principles {
            violations.push(violation(
                "pledge.five_principles",
                FieldCode::MustBeTrue,
                messages::five_principles_required(),
            ));
        }
        if self.purposes.is_empty() {
            violations.push(Violation::new(
                "purposes",
                FieldCode::Required,
                "目的を1つ以上選んでください",
                "choose at least one purpose",
            ));
        }
        for (i, p) in self.purposes.iter().enumerate() {
            if self.purposes[..i].contains(p) {
                violations.push(Violation::new(
                    format!("purposes[{i}]"),
                    FieldCode::Duplicate,
                    "同じ目的が重複しています",
                    "listed twice",
                ));
            }
        }
        if !terms::is_current(&self.agreed_terms_version) {
            violations.push(violation(
                "agreed_terms_version",
                FieldCode::NotCurrentTerms,
                messages::current_terms_required(),
            ));
        }
        violations.extend(check_password("password", &self.password, None).err());
        let (sheet, disclosure) = match self.star {
            Star::OneStar => {
                if self.diagnosis.is_some() {
                    violations.push(Violation::new(
                        "diagnosis",
                        FieldCode::NotAllowed,
                        "一つ星の申込みには自社診断は不要です",
                        "only a two-star application carries a diagnosis",
                    ));
                }
                if self.policy_disclosure.is_some() {
                    violations.push(Violation::new(
                        "policy_disclosure",
                        FieldCode::NotAllowed,
                        "一つ星の申込みには基本方針の公開は不要です",
                        "only a two-star application carries a policy disclosure",
                    ));
                }
                (None, None)
            }
            Star::TwoStar => {
                let sheet = match &self.diagnosis {
                    None => {
                        violations.push(violation(
                            "diagnosis",
                            FieldCode::Required,
                            messages::diagnosis_required(),
                        ));
                        None
                    }
                    Some(d) => d
                        .to_sheet()
                        .map_err(|vs| {
                            violations.extend(vs.into_iter().map(|v| v.under("diagnosis")))
                        })
                        .ok(),
                };
                let disclosure = match &self.policy_disclosure {
                    None => {
                        violations.push(Violation::new(
                            "policy_disclosure",
                            FieldCode::Required,
                            "二つ星には基本方針の公開方法が必要です",
                            "a two-star application needs the basic policy's disclosure",
                        ));
                        None
                    }
                    Some(d) => d
                        .validate("policy_disclosure")
                        .map_err(|v| violations.extend(v))
                        .ok(),
                };
                (sheet, disclosure)
            }
        };
        match (organization, contact) {
            (Some(organization), Some(contact)) if violations.is_empty() => Ok(NewApplication {
                organization,
                contact,
                star: self.star,
                purposes: self.purposes.clone(),
                sheet,
                disclosure,
            }),
            _ => Err(violations),
        }
    }
}

const SCOPE: &str = "POST /v1/declarations";

/// Applies for one or two stars. The answer carries the user number (利用者番号), the
/// declaration ID (自己宣言ID) and the completion notice; the completion e-mail goes to the
/// contact person. A corporation holds one live declaration: a second one is a 409. With an
/// `Idempotency-Key`, the same request within 24 hours answers the first answer again.
#[utoipa::path(
    tag = "declarations",
    params(("Idempotency-Key" = Option<String>, Header, max_length = 255, description = "Makes a retry safe: the same key and body within 24 hours replay the first answer; the same key with another body is a 422. 1–255 visible ASCII characters.", pattern = "^[!-~]{1,255}$")),
    request_body = ApplicationInput,
    responses(
        (status = 201, description = "Declared; the numbers and the completion notice", body = ApplicationCreated,
         headers(("Location" = String, description = "The declaration's URL"))),
        (status = 409, description = "A live declaration exists for this corporate number", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing is saturated; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, response = crate::routes::openapi::TooManyRequests),
    )
)]
#[post("/declarations")]
#[tracing::instrument(skip_all)]
pub async fn apply(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: DigestedJson<ApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    common::limit_address(&req, &state)?;
    let key = common::idempotency_key(&req)?;
    if let Some(key) = key.clone() {
        let digest = body.digest.clone();
        let replayed = state
            .db
            .read(move |conn| common::replay(conn, SCOPE, &key, &digest))
            .await?;
        if let Some(replayed) = replayed {
            return Ok(replayed.into_response());
        }
    }
    let input = body.value;
    let application = input.validate().map_err(ApiError::validation)?;
    if let Some(number) = application.organization.corporate_number.clone() {
        state
            .db
            .read(move |conn| application::check_corporate_number_free(conn, &number))
            .await?;
    }
    let password_hash = state
        .hashing
        .hash(input.password.clone())
        .await
        .map_err(crate::routes::auth::hashing_error)?;
    let actor = common::actor(&req, &state, "public", None);
    let base = state.base_url();
    let acceptance = state.config.acceptance_mode;
    let keys = state.tokens.clone();
    let digest = body.digest;
    let password = input.password;
    let created = state
        .db
        .write(move |conn| {
            if let Some(key) = &key
                && let Some(replayed) = common::replay(conn, SCOPE, key, &digest)?
            {
                return Ok(Err(replayed));
            }
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            let applied = application::apply(
                conn,
                &ctx,
                &application,
                &password,
                &password_hash,
                acceptance,
                &keys,
            )?;
            let created = ApplicationCreated::from(applied);
            if let Some(key) = &key {
                let body = serde_json::to_string(&created).map_err(ApiError::internal)?;
                idempotency::store(conn, SCOPE, key, &digest, 201, &body, db::now())?;
            }
            Ok::<_, ApiError>(Ok(created))
        })
        .await?;
    let created = match created {
        Ok(created) => created,
        Err(replayed) => return Ok(replayed.into_response()),
    };
    state.mail_wakeup.notify_one();
    state.changes.poke();
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/declarations/{}", created.declaration_id),
        ))
        .json(created))
}
