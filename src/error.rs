//! The one API error type, answered as RFC 9457 problem details (`application/problem+json`).
//!
//! Handlers and extractors return [`ApiError`]; the `problem_details` middleware renders it in
//! the caller's language with the request's path and ID, and turns any other error answer
//! (actix's own, for instance) into problem details too, so that no error is ever HTML or
//! plain text.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;
use crate::domain::language::Language;
use crate::domain::validation::Violation;

/// The most field errors one answer lists.
pub const MAX_FIELD_ERRORS: usize = 50;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A text in both languages, static or built at run time.
#[derive(Debug, Clone)]
pub struct Message {
    ja: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Message {
    pub fn new(ja: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            ja: ja.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, language: Language) -> &str {
        language.pick(&self.ja, &self.en)
    }
}

/// An error answer: status, stable machine code, title and detail in both languages, field
/// errors for validation failures, and extra headers (`Retry-After`, `Allow`, …). Boxed, so
/// that `Result<_, ApiError>` stays small.
pub struct ApiError(Box<Inner>);

struct Inner {
    status: StatusCode,
    code: &'static str,
    title: Message,
    detail: Message,
    errors: Vec<Violation>,
    headers: Vec<(HeaderName, HeaderValue)>,
    cause: Option<anyhow::Error>,
    /// Rendered as an OAuth 2.0 error (RFC 6749 §5.2) instead of problem details.
    oauth: bool,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.0.status)
            .field("code", &self.0.code)
            .field("detail", &self.0.detail.en)
            .field("cause", &self.0.cause)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.status.as_u16(),
            self.0.code,
            self.0.detail.en
        )?;
        if let Some(cause) = &self.0.cause {
            write!(f, " ({cause:#})")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// An error with the standard title for its status.
    pub fn new(status: StatusCode, code: &'static str, detail: Message) -> Self {
        Self(Box::new(Inner {
            status,
            code,
            title: standard_title(status),
            detail,
            errors: Vec::new(),
            headers: Vec::new(),
            cause: None,
            oauth: false,
        }))
    }

    pub fn with_header(mut self, name: HeaderName, value: impl TryInto<HeaderValue>) -> Self {
        if let Ok(value) = value.try_into() {
            self.0.headers.push((name, value));
        }
        self
    }

    pub fn with_cause(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.0.cause = Some(cause.into());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn code(&self) -> &'static str {
        self.0.code
    }

    pub fn errors(&self) -> &[Violation] {
        &self.0.errors
    }

    /// An OAuth 2.0 error of the token endpoint (RFC 6749 §5.2): `{"error", "error_description"}`
    /// as OAuth clients expect; `error` is also the `code`.
    pub fn oauth(status: StatusCode, error: &'static str, description: Message) -> Self {
        let mut e = Self::new(status, error, description);
        e.0.oauth = true;
        e
    }

    /// 400: the request could not be read.
    pub fn bad_request(code: &'static str, detail: Message) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 404 for a resource that does not exist or that the caller may not know of.
    pub fn not_found(detail: Message) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 404 for a path the service does not have.
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            Message::new(
                "このURLに該当する操作はありません。利用できる操作は、このサービスのAPI仕様書をご覧ください",
                "There is no such path. See /swagger-ui/ for the API.",
            ),
        )
    }

    /// 405, with the methods the path does allow.
    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        let allow = allowed.join(", ");
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            Message::new(
                format!("このパスで使えるメソッドは {allow} です"),
                format!("This path allows {allow}."),
            ),
        )
        .with_header(header::ALLOW, allow)
    }

    /// 413 for a body over the configured limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            Message::new(
                format!("リクエストの本文が大きすぎます（上限{limit}バイト）"),
                format!("The request body is larger than the limit of {limit} bytes."),
            ),
        )
    }

    /// 408 for a request whose body did not arrive in time.
    pub fn request_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            Message::new(
                "リクエストの本文が時間内に届きませんでした",
                "The request body did not arrive in time.",
            ),
        )
    }

    /// 415 for a body that is not JSON.
    pub fn unsupported_media_type(expected: &'static str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            Message::new(
                format!("送信形式（Content-Type）は {expected} を指定してください"),
                format!("The request body must be sent as {expected}."),
            ),
        )
    }

    /// 422 with one entry per broken rule.
    pub fn validation(errors: Vec<Violation>) -> Self {
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            Message::new(
                "入力内容に誤りがあります。項目ごとの指摘をご確認ください",
                "Some fields are invalid; see errors.",
            ),
        );
        // A hostile body can break the same rule thousands of times; the first ones suffice.
        error.0.errors = errors.into_iter().take(MAX_FIELD_ERRORS).collect();
        error
    }

    /// The same error listing these broken rules.
    pub fn with_errors(mut self, errors: Vec<Violation>) -> Self {
        self.0.errors = errors.into_iter().take(MAX_FIELD_ERRORS).collect();
        self
    }

    /// 422 for one broken rule.
    pub fn invalid_field(violation: Violation) -> Self {
        Self::validation(vec![violation])
    }

    /// 409 for a duplicate or a change the current state does not allow.
    pub fn conflict(code: &'static str, detail: Message) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 503: the service cannot answer now; try again after `retry_after_seconds`.
    pub fn unavailable(code: &'static str, detail: Message, retry_after_seconds: u64) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
            .with_header(header::RETRY_AFTER, retry_after_seconds.to_string())
    }

    /// 500 with an opaque answer; the cause is logged, never sent.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            Message::new(
                "サーバー内部でエラーが発生しました。時間をおいて再度お試しください",
                "Something went wrong on our side. Please try again later.",
            ),
        )
        .with_cause(cause)
    }

    /// The problem-details body in a language, for a request path and ID.
    pub fn to_problem(
        &self,
        language: Language,
        instance: Option<&str>,
        request_id: Option<&str>,
    ) -> ProblemDetails {
        ProblemDetails {
            problem_type: format!("/problems/{}", self.0.code),
            title: self.0.title.get(language).to_owned(),
            status: self.0.status.as_u16(),
            detail: self.0.detail.get(language).to_owned(),
            instance: instance.map(str::to_owned),
            code: self.0.code.to_owned(),
            errors: (!self.0.errors.is_empty()).then(|| {
                self.0
                    .errors
                    .iter()
                    .map(|v| FieldError {
                        field: v.field.clone(),
                        code: v.code.as_str().to_owned(),
                        message: v.message(language).to_owned(),
                    })
                    .collect()
            }),
            request_id: request_id.map(str::to_owned),
        }
    }

    /// The full answer in a language.
    pub fn render(
        &self,
        language: Language,
        instance: Option<&str>,
        request_id: Option<&str>,
    ) -> HttpResponse {
        if self.0.oauth {
            return self.render_oauth(language);
        }
        let mut response = HttpResponse::build(self.0.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        response.insert_header((header::CONTENT_LANGUAGE, language.tag()));
        if self.0.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        for (name, value) in &self.0.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        let body = serde_json::to_string(&self.to_problem(language, instance, request_id))
            .unwrap_or_else(|_| String::from("{}"));
        response.body(body)
    }
}

impl ApiError {
    fn render_oauth(&self, language: Language) -> HttpResponse {
        let mut response = HttpResponse::build(self.0.status);
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        response.insert_header((header::PRAGMA, "no-cache"));
        response.insert_header((header::CONTENT_LANGUAGE, language.tag()));
        if self.0.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"security-action\""));
        }
        for (name, value) in &self.0.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(serde_json::json!({
            "error": self.0.code,
            "error_description": self.0.detail.get(language),
        }))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Language::Ja, None, None)
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Pool(_) => ApiError::unavailable(
                "database_unavailable",
                Message::new(
                    "データベースに接続できません。時間をおいて再度お試しください",
                    "The database cannot be reached now. Please try again shortly.",
                ),
                2,
            )
            .with_cause(error),
            other => ApiError::internal(other),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::internal(error)
    }
}

/// The title of a status, as in RFC 9110, in both languages.
fn standard_title(status: StatusCode) -> Message {
    let (ja, en) = match status.as_u16() {
        400 => ("リクエストの形式が正しくありません", "Bad Request"),
        401 => ("認証が必要です", "Unauthorized"),
        403 => ("権限がありません", "Forbidden"),
        404 => ("見つかりません", "Not Found"),
        405 => ("メソッドが許可されていません", "Method Not Allowed"),
        409 => ("現在の状態と競合します", "Conflict"),
        410 => ("利用できなくなりました", "Gone"),
        412 => ("前提条件が満たされていません", "Precondition Failed"),
        413 => ("リクエストが大きすぎます", "Content Too Large"),
        415 => ("サポートされていない形式です", "Unsupported Media Type"),
        422 => ("入力内容に誤りがあります", "Unprocessable Content"),
        429 => ("リクエストが多すぎます", "Too Many Requests"),
        503 => ("一時的に利用できません", "Service Unavailable"),
        500 => ("サーバー内部エラー", "Internal Server Error"),
        _ => {
            return Message::new(
                status.canonical_reason().unwrap_or("Error"),
                status.canonical_reason().unwrap_or("Error"),
            );
        }
    };
    Message::new(ja, en)
}

/// An RFC 9457 problem-details body.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "Some fields are invalid; see errors.",
    "instance": "/v1/diagnosis/score",
    "code": "validation_failed",
    "errors": [{"field": "answers", "code": "wrong_count", "message": "exactly 25 answers are needed"}],
    "request_id": "5f0c1f6e-7d0b-4f0e-9a55-2f4f3b1d9c11"
}))]
pub struct ProblemDetails {
    /// A URI reference naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case, for people.
    pub detail: String,
    /// The path of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub instance: Option<String>,
    /// A stable snake_case machine code: one of `ProblemCode`, or a newer one.
    #[schema(schema_with = problem_code_schema)]
    pub code: String,
    /// For validation failures: one entry per broken rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub errors: Option<Vec<FieldError>>,
    /// The request's ID (also in the `X-Request-Id` header), for support requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub request_id: Option<String>,
}

/// The machine codes of problems known when this version was built. New codes may come, so a
/// problem's `code` is any string; clients should treat an unknown one by its status.
#[derive(ToSchema)]
#[schema(as = ProblemCode, rename_all = "snake_case")]
pub enum ProblemCodeSchema {
    BadRequest,
    MalformedJson,
    UnreadableBody,
    ClientError,
    RouteNotFound,
    MethodNotAllowed,
    RequestTimeout,
    PayloadTooLarge,
    UnsupportedMediaType,
    HeadersTooLarge,
    ValidationFailed,
    InvalidFormat,
    InvalidCursor,
    CursorExpired,
    InvalidIfMatch,
    PreconditionFailed,
    IdempotencyKeyReused,
    MissingToken,
    InvalidToken,
    SessionEnded,
    ExpiredToken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    InvalidState,
    InvalidSignInCode,
    ReturnToNotAllowed,
    OidcNotConfigured,
    OidcProviderUnavailable,
    Forbidden,
    InsufficientScope,
    NotFound,
    Conflict,
    CorporateNumberAlreadyDeclared,
    AlreadyTwoStar,
    NotAccepted,
    TransitionNotAllowed,
    Gone,
    TokenUsed,
    TokenExpired,
    LogoAccessRevoked,
    TooManyAttempts,
    RateLimited,
    Busy,
    NotReady,
    DatabaseUnavailable,
    InternalError,
}

/// `code`: one of the known codes or another string (an open-ended enum).
fn problem_code_schema() -> utoipa::openapi::schema::Schema {
    open_enum(
        "ProblemCode",
        "A stable snake_case machine code: one of `ProblemCode`, or a newer one.",
    )
}

/// A field error's `code`: one of the known codes or another string (an open-ended enum).
fn field_code_schema() -> utoipa::openapi::schema::Schema {
    open_enum(
        "FieldCode",
        "Which rule: a stable snake_case code, one of `FieldCode` or a newer one.",
    )
}

/// One of the values of the named enum schema, or any other string: clients get the known
/// values as types and stay valid when a new one comes.
fn open_enum(known: &str, description: &str) -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::AnyOfBuilder::new()
        .description(Some(description))
        .item(utoipa::openapi::Ref::from_schema_name(known))
        .item(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String),
        )
        .build()
        .into()
}

/// One broken rule of a validation failure.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// Where: a dotted path such as `organization.corporate_number` or `answers[3].question`.
    pub field: String,
    /// Which rule: a stable snake_case code, one of `FieldCode` or a newer one.
    #[schema(schema_with = field_code_schema)]
    pub code: String,
    /// For people, in the language asked for.
    pub message: String,
}
