//! Verification for subsidy portals and partner companies: is this declaration ID real, live,
//! and this applicant's? One at a time, or up to 1,000 in a batch. The hot path: one indexed
//! look-up (or one `IN` query for a batch), no contact data in any answer, and the record of
//! who verified what written off the request path.

use crate::routes::paths::{DeclarationIdPath, RequestedDeclarationId};
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::clients::ApiCaller;
use crate::auth::extract::Declarer;
use crate::db;
use crate::db::verifications::{self, Lookup, VerificationRecord};
use crate::declarations::load_owned;
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::declaration::{Star, Status};
use crate::domain::identifiers::{IdentifierError, Legacy};
use crate::domain::name::name_key;
use crate::domain::receipt::{Answer, ReceiptId};
use crate::domain::validation::{FieldCode, Violation, check_max_chars};
use crate::error::{ApiError, Message};
use crate::extract::{AcceptLanguage, Json, Query};
use crate::routes::common;
use crate::routes::diagnoses::PageQuery;
use crate::runtime::rate_limit::Allowance;
use crate::state::AppState;

/// The scope every verification needs.
pub const SCOPE: &str = "declarations:verify";

/// What to check besides the ID.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerificationQuery {
    /// The applicant's 法人番号 (13 digits with a check digit): `corporate_number_matches`
    /// says whether it is the declaration's.
    #[param(value_type = Option<CorporateNumber>, inline)]
    pub corporate_number: Option<String>,
    /// The applicant's organisation name (at most 200 characters): `organization_name_matches`
    /// says whether it is the declaration's, insensitive to width, kana, spaces and legal-form
    /// abbreviations.
    #[param(max_length = 200)]
    pub organization_name: Option<String>,
}

/// The answer about one declaration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "declaration_id": "407731820954", "receipt_id": "rcpt_0G7MZ3XK1V9Q4T6D8B2N5R7W3C", "valid": true, "status": "accepted", "star": "two_star",
    "organization_name": "株式会社サンプル", "declared_at": "2026-11-22T03:04:05Z",
    "accepted_at": "2026-11-25T01:00:00Z", "star_since": "2026-11-22T03:04:05Z",
    "corporate_number_matches": true, "organization_name_matches": true
}))]
pub struct Verification {
    pub declaration_id: String,
    /// This answer's receipt: `GET /v1/verification-receipts/{receipt_id}` returns it signed
    /// (to this client only, within 2 seconds).
    #[schema(pattern = "^rcpt_[0-9A-HJKMNP-TV-Z]{26}$", max_length = 31)]
    pub receipt_id: String,
    /// True while the declaration is declared or accepted; false once withdrawn or revoked.
    pub valid: bool,
    pub status: Status,
    pub star: Star,
    pub organization_name: String,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Since when the current star holds.
    pub star_since: DateTime<Utc>,
    /// Null when no corporate number was given.
    pub corporate_number_matches: Option<bool>,
    /// Null when no organisation name was given.
    pub organization_name_matches: Option<bool>,
}

/// Why one ID could not be verified.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemError {
    /// `invalid_format` (not 12 digits, not led by 4, or a wrong check digit — a typo —
    /// unless the ID was taken over from the old system), `not_found` (well-formed but
    /// unknown), or `invalid_corporate_number`.
    #[schema(value_type = ItemErrorCode)]
    pub code: String,
    pub message: String,
}

/// Why a batch item failed, as a machine code.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ItemErrorCode {
    InvalidFormat,
    NotFound,
    InvalidCorporateNumber,
}

/// One result of a batch: a verification, or an error for that item; `outcome` tells which.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "outcome", mapping(
    ("verified" = "#/components/schemas/BatchVerified"),
    ("failed" = "#/components/schemas/BatchItemFailed"),
)))]
pub enum BatchResult {
    Verified(BatchVerified),
    Failed(BatchItemFailed),
}

/// A batch item that could be looked up: the same answer as a single verification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchVerified {
    pub outcome: VerifiedOutcome,
    #[serde(flatten)]
    pub verification: Verification,
}

/// A batch item that could not be verified.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchItemFailed {
    pub outcome: FailedOutcome,
    /// The ID as it was sent.
    pub declaration_id: String,
    pub error: ItemError,
}

/// `verified`: the item is a verification.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifiedOutcome {
    Verified,
}

/// `failed`: the item is an error.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailedOutcome {
    Failed,
}

impl BatchResult {
    fn failed(declaration_id: String, error: ItemError) -> Self {
        Self::Failed(BatchItemFailed {
            outcome: FailedOutcome::Failed,
            declaration_id,
            error,
        })
    }
}

pub(crate) fn invalid_format(field: &str, error: IdentifierError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_format",
        Message::new(
            "自己宣言IDの形式が正しくありません（入力誤りの可能性があります）",
            "The declaration ID is malformed (probably a typo).",
        ),
    )
    .with_errors(vec![malformed_id(field, error)])
}

// The messages of the single verification and of a batch's items come from here, so that both
// speak the caller's language alike.

/// What is wrong with a malformed declaration ID.
fn malformed_id(field: &str, error: IdentifierError) -> Violation {
    Violation::new(
        field,
        error.code(),
        "自己宣言IDは4で始まる12桁の数字です。入力誤りがないか確認してください",
        format!("a declaration ID is 12 digits starting with 4; this one {error}"),
    )
}

/// A batch item's malformed declaration ID.
fn malformed_item(
    error: IdentifierError,
    language: crate::domain::language::Language,
) -> ItemError {
    ItemError {
        code: "invalid_format".into(),
        message: malformed_id("declaration_id", error)
            .message(language)
            .to_owned(),
    }
}

/// A well-formed declaration ID that names no declaration.
fn unknown_id() -> Message {
    Message::new(
        "この自己宣言IDは登録されていません",
        "No declaration has this ID.",
    )
}

fn check_corporate_number(field: &str, value: Option<&str>) -> Result<Option<String>, Violation> {
    match value {
        None => Ok(None),
        Some(v) => CorporateNumber::parse(v)
            .map(|c| Some(c.as_str().to_owned()))
            .map_err(|e| {
                Violation::new(
                    field,
                    e.code(),
                    "法人番号は13桁の数字です（チェックディジット付き）",
                    e.to_string(),
                )
            }),
    }
}

fn check_name(field: &str, value: Option<&str>) -> Result<Option<String>, Violation> {
    match value {
        Some(v) if v.chars().count() > 200 => Err(Violation::new(
            field,
            FieldCode::TooLong,
            "200文字以内で指定してください",
            "at most 200 characters",
        )),
        Some(v) => Ok(Some(name_key(v))),
        None => Ok(None),
    }
}

/// The answer, and what its receipt will state: the same answer with what was asked.
fn verification(
    found: &Lookup,
    corporate_number: Option<&str>,
    name: Option<&str>,
    name_asked: Option<&str>,
) -> Result<(Verification, ReceiptId, Answer), ApiError> {
    let status = Status::from_code(&found.status)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown status")))?;
    let star = Star::from_code(&found.star_level)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown star")))?;
    let receipt_id = ReceiptId::generate();
    let answer = Verification {
        declaration_id: found.public_id.clone(),
        receipt_id: receipt_id.as_str().to_owned(),
        valid: status.is_live(),
        status,
        star,
        organization_name: found.organization_name.clone(),
        declared_at: db::utc(found.declared_at),
        accepted_at: found.accepted_at.map(db::utc),
        star_since: db::utc(found.star_since),
        corporate_number_matches: corporate_number
            .map(|c| found.corporate_number.as_deref() == Some(c)),
        organization_name_matches: name
            .map(|key| !key.is_empty() && key == found.organization_name_key),
    };
    let stated = Answer {
        valid: answer.valid,
        status,
        star,
        organization_name: answer.organization_name.clone(),
        declared_at: answer.declared_at,
        accepted_at: answer.accepted_at,
        star_since: answer.star_since,
        corporate_number_asked: corporate_number.map(str::to_owned),
        corporate_number_matches: answer.corporate_number_matches,
        organization_name_asked: name_asked.map(str::to_owned),
        organization_name_matches: answer.organization_name_matches,
    };
    Ok((answer, receipt_id, stated))
}

async fn record(
    state: &AppState,
    caller: &ApiCaller,
    requested: &str,
    found: Option<&Lookup>,
    result: &'static str,
    receipt: Option<(ReceiptId, Answer)>,
) {
    state
        .verifications
        .record(VerificationRecord {
            api_client_id: caller.client.row_id,
            declaration_id: found.map(|f| f.id),
            requested_id: requested.to_owned(),
            result,
            verified_at: db::now(),
            receipt,
        })
        .await;
}

fn with_allowance(mut response: HttpResponseBuilder, allowance: Allowance) -> HttpResponseBuilder {
    for header in allowance.headers() {
        response.insert_header(header);
    }
    response
}

/// Counts unknown IDs against the client's budget: a client probing random IDs is slowed
/// down (429) and logged.
fn note_unknown(state: &AppState, caller: &ApiCaller, count: u32) -> Result<(), ApiError> {
    state.limits.unknown_ids.check_n(&caller.client.client_id, count).inspect_err(|_| {
        tracing::warn!(client_id = %caller.client.client_id, "many unknown declaration IDs: probing slowed down");
    })
}

/// Verifies one declaration ID. Its format and check digit are checked before any database
/// access (422 `invalid_format`); an unknown well-formed ID is 404 `not_found`. The answer says
/// whether the declaration is valid now, its status, star and dates, and whether the given
/// corporate number and organisation name are the declaration's. Needs the scope
/// `declarations:verify`.
#[utoipa::path(
    tag = "verification",
    security(("client_credentials" = ["declarations:verify"])),
    params(RequestedDeclarationId, VerificationQuery),
    responses(
        (status = 200, description = "The declaration", body = Verification,
         headers(("RateLimit-Limit" = u32), ("RateLimit-Remaining" = u32), ("RateLimit-Reset" = u32))),
        (status = 404, description = "A well-formed ID that does not exist", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "The client's rate limit or its budget of unknown IDs is spent; see Retry-After", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/verifications/{declaration_id}")]
#[tracing::instrument(skip_all)]
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    RequestedDeclarationId(requested): RequestedDeclarationId,
    Query(query): Query<VerificationQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let allowance = state.limits.per_client.check(&caller.client.client_id)?;
    let malformed = |e| {
        // `/v1/verifications/batch` is the batch operation's path, where GET is not allowed.
        let allowed = super::table::methods_for_path(req.path());
        if allowed.contains(&"GET") {
            invalid_format("declaration_id", e)
        } else {
            ApiError::method_not_allowed(&allowed)
        }
    };
    // An ID in the old system's form is valid only if it was imported: the check digit's
    // error is answered otherwise, from the cache when it is current.
    let (id, unless_imported) = match Legacy::read(&requested) {
        Legacy::Ours(id) => (id, None),
        Legacy::Possibly(id, e) => (id, Some(e)),
        Legacy::Malformed(e) => return Err(malformed(e)),
    };
    let mut violations = Vec::new();
    let corporate_number =
        check_corporate_number("corporate_number", query.corporate_number.as_deref())
            .map_err(|v| violations.push(v))
            .ok()
            .flatten();
    let name = check_name("organization_name", query.organization_name.as_deref())
        .map_err(|v| violations.push(v))
        .ok()
        .flatten();
    if !violations.is_empty() {
        return Err(ApiError::validation(violations));
    }
    let found = state.lookups.find(id.as_str()).await?;
    let Some(found) = found else {
        if let Some(e) = unless_imported {
            return Err(malformed(e));
        }
        record(&state, &caller, &requested, None, "not_found", None).await;
        note_unknown(&state, &caller, 1)?;
        return Err(ApiError::not_found(unknown_id()));
    };
    let (answer, receipt_id, stated) = verification(
        &found,
        corporate_number.as_deref(),
        name.as_deref(),
        query.organization_name.as_deref(),
    )?;
    record(
        &state,
        &caller,
        &requested,
        Some(&found),
        if answer.valid { "valid" } else { "invalid" },
        Some((receipt_id, stated)),
    )
    .await;
    Ok(with_allowance(HttpResponse::Ok(), allowance).json(answer))
}

/// The longest `declaration_id` or `corporate_number` of a batch item.
const MAX_ITEM_ID_CHARS: usize = 64;

/// One item of a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// The 自己宣言ID to verify; a malformed one is answered in its result
    /// (`invalid_format`), not as an error of the whole call, unless it is longer than 64
    /// characters.
    #[schema(max_length = 64)]
    pub declaration_id: String,
    /// The applicant's 法人番号; a malformed one is answered in its result
    /// (`invalid_corporate_number`), unless it is longer than 64 characters.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub corporate_number: Option<String>,
    /// The applicant's organisation name, at most 200 characters (a longer one fails the
    /// whole call).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organization_name: Option<String>,
}

/// Up to 1,000 declarations to verify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"declaration_id": "407731820954", "corporate_number": "7000012050002", "organization_name": "(株)サンプル"},
    {"declaration_id": "407731820955"}
]}))]
pub struct BatchInput {
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<BatchItem>,
}

/// The results, in the order of the items.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BatchOutput {
    pub results: Vec<BatchResult>,
}

/// The largest batch.
pub const MAX_BATCH: usize = 1000;

/// Verifies up to 1,000 declarations in one call, answered in order: per item a verification
/// or an error (`invalid_format`, `not_found`, `invalid_corporate_number`). Resolved with one
/// query whatever the number of items.
#[utoipa::path(
    tag = "verification",
    security(("client_credentials" = ["declarations:verify"])),
    request_body = BatchInput,
    responses(
        (status = 200, description = "One result per item, in order", body = BatchOutput,
         headers(("RateLimit-Limit" = u32), ("RateLimit-Remaining" = u32), ("RateLimit-Reset" = u32))),
        (status = 429, description = "Rate limited; see Retry-After", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/verifications/batch")]
#[tracing::instrument(skip_all, fields(items))]
pub async fn verify_batch(
    state: web::Data<AppState>,
    caller: ApiCaller,
    AcceptLanguage(language): AcceptLanguage,
    Json(input): Json<BatchInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let allowance = state.limits.per_client.check(&caller.client.client_id)?;
    tracing::Span::current().record("items", input.items.len());
    if input.items.is_empty() || input.items.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(Violation::new(
            "items",
            if input.items.is_empty() {
                FieldCode::Required
            } else {
                FieldCode::TooManyItems
            },
            "1～1000件を指定してください",
            "give 1 to 1,000 items",
        )));
    }
    enum Plan {
        /// The ID, the corporate number, the name's matching key and the name as asked, and
        /// for an ID in the old system's form the error to answer if it was not imported.
        Lookup(
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<IdentifierError>,
        ),
        Failed(ItemError),
    }
    // A value over its limit fails the whole call, whatever the rest of its item.
    let mut violations = Vec::new();
    let mut names = Vec::with_capacity(input.items.len());
    for (i, item) in input.items.iter().enumerate() {
        let item_path = format!("items[{i}]");
        match check_name("organization_name", item.organization_name.as_deref()) {
            Ok(name) => names.push(name),
            Err(v) => violations.push(v.under(&item_path)),
        }
        for (field, value) in [
            ("declaration_id", Some(item.declaration_id.as_str())),
            ("corporate_number", item.corporate_number.as_deref()),
        ] {
            if let Some(Err(v)) = value.map(|v| check_max_chars(field, v, MAX_ITEM_ID_CHARS)) {
                violations.push(v.under(&item_path));
            }
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::validation(violations));
    }
    let plans: Vec<(String, Plan)> = input
        .items
        .iter()
        .zip(names)
        .map(|(item, name)| {
            let (id, unless_imported) = match Legacy::read(&item.declaration_id) {
                Legacy::Ours(id) => (Ok(id), None),
                Legacy::Possibly(id, e) => (Ok(id), Some(e)),
                Legacy::Malformed(e) => (Err(e), None),
            };
            let plan = match id {
                Err(e) => Plan::Failed(malformed_item(e, language)),
                Ok(id) => match check_corporate_number(
                    "corporate_number",
                    item.corporate_number.as_deref(),
                ) {
                    Err(v) => Plan::Failed(ItemError {
                        code: "invalid_corporate_number".into(),
                        message: v.message(language).to_owned(),
                    }),
                    Ok(number) => Plan::Lookup(
                        id.as_str().to_owned(),
                        number,
                        name,
                        item.organization_name.clone(),
                        unless_imported,
                    ),
                },
            };
            (item.declaration_id.clone(), plan)
        })
        .collect();
    let mut ids: Vec<String> = plans
        .iter()
        .filter_map(|(_, p)| match p {
            Plan::Lookup(id, ..) => Some(id.clone()),
            Plan::Failed(_) => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    let found: HashMap<String, Lookup> = state
        .lookups
        .find_many(ids)
        .await?
        .into_iter()
        .map(|l| (l.public_id.clone(), l))
        .collect();
    let mut unknown = 0u32;
    let mut results = Vec::with_capacity(plans.len());
    for (requested, plan) in plans {
        let result = match plan {
            Plan::Failed(error) => BatchResult::failed(requested, error),
            Plan::Lookup(id, number, name, name_asked, unless_imported) => match found.get(&id) {
                None if unless_imported.is_some() => {
                    let e = unless_imported.unwrap_or(IdentifierError::CheckDigit);
                    BatchResult::failed(requested, malformed_item(e, language))
                }
                None => {
                    unknown += 1;
                    record(&state, &caller, &requested, None, "not_found", None).await;
                    BatchResult::failed(
                        requested,
                        ItemError {
                            code: "not_found".into(),
                            message: unknown_id().get(language).to_owned(),
                        },
                    )
                }
                Some(lookup) => {
                    let (answer, receipt_id, stated) = verification(
                        lookup,
                        number.as_deref(),
                        name.as_deref(),
                        name_asked.as_deref(),
                    )?;
                    record(
                        &state,
                        &caller,
                        &requested,
                        Some(lookup),
                        if answer.valid { "valid" } else { "invalid" },
                        Some((receipt_id, stated)),
                    )
                    .await;
                    BatchResult::Verified(BatchVerified {
                        outcome: VerifiedOutcome::Verified,
                        verification: answer,
                    })
                }
            },
        };
        results.push(result);
    }
    note_unknown(&state, &caller, unknown)?;
    Ok(with_allowance(HttpResponse::Ok(), allowance)
        .insert_header((actix_web::http::header::CONTENT_LANGUAGE, language.tag()))
        .json(BatchOutput { results }))
}

/// Who verified a declaration.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationLogEntry {
    /// The API client's name (a subsidy portal or partner company).
    pub verifier: String,
    pub verified_at: DateTime<Utc>,
    /// `valid` or `invalid` (the declaration's validity at that time).
    pub result: String,
}

/// A page of the verification log.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationLogPage {
    pub items: Vec<VerificationLogEntry>,
    pub next_cursor: Option<String>,
}

/// Which API clients verified this declaration, and when, newest first (the owner only).
/// Records are written in batches a fraction of a second after each verification.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath, PageQuery),
    responses(
        (status = 200, description = "A page of the log", body = VerificationLogPage),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/declarations/{declaration_id}/verification-log")]
#[tracing::instrument(skip_all)]
pub async fn verification_log(
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?.unwrap_or(i64::MAX);
    let rows = state
        .db
        .read(move |conn| {
            let (_, _, declaration) = load_owned(conn, &user.user_number, &id)?;
            let _ = (declaration.status, declaration.star_level);
            Ok::<_, ApiError>(verifications::log_page(
                conn,
                declaration.id,
                before,
                limit + 1,
            )?)
        })
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |r| r.0);
    Ok(HttpResponse::Ok().json(VerificationLogPage {
        items: rows
            .into_iter()
            .map(|(_, verifier, at, result)| VerificationLogEntry {
                verifier,
                verified_at: db::utc(at),
                result,
            })
            .collect(),
        next_cursor,
    }))
}
