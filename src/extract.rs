//! Request extractors whose failures are problem details with field paths: [`Json`] for
//! bodies and [`Query`] for query strings.

mod objects;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::language::Language;
use crate::domain::validation::{FieldCode, Violation};
use crate::error::{ApiError, Message};

/// The largest body accepted, in bytes (set from configuration).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body. Unlike `actix_web::web::Json`, a body that does not fit its type is a 422
/// naming the field (`organization.employees`), malformed JSON is a 400 with the position, a
/// body that is not JSON is a 415 and one over the limit a 413.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        Box::pin(async move { Ok(Json(parse_json(&body.await?)?)) })
    }
}

/// A JSON body with its keyed digest, secret fields left out, for `Idempotency-Key` checks
/// (see [`crate::auth::tokens::TokenKeys::request_digest`]).
#[derive(Debug)]
pub struct DigestedJson<T> {
    pub value: T,
    pub digest: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for DigestedJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload);
        let state = req.app_data::<web::Data<crate::state::AppState>>().cloned();
        Box::pin(async move {
            let bytes = body.await?;
            let value = parse_json(&bytes)?;
            let state = state.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("the application state is not registered"))
            })?;
            // Parsed as `T` already, so the bytes are JSON.
            let json: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(ApiError::internal)?;
            let digest = state.tokens.request_digest(&json);
            Ok(DigestedJson { value, digest })
        })
    }
}

/// Reads a JSON request's bytes: 415 unless the content type is JSON, 413 over the limit.
fn json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<web::Bytes, ApiError>> {
    let limit = req.app_data::<BodyLimit>().map_or(256 * 1024, |l| l.0);
    if !is_json(req) {
        return Box::pin(async { Err(ApiError::unsupported_media_type("application/json")) });
    }
    let body = web::Bytes::from_request(req, payload);
    Box::pin(async move {
        body.await.map_err(|e| {
            if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
            {
                ApiError::payload_too_large(limit)
            } else if crate::transport::is_body_timeout(&e) {
                ApiError::request_timeout()
            } else {
                ApiError::bad_request(
                    "unreadable_body",
                    Message::new(
                        "リクエストの本文を読み取れません",
                        "The request body could not be read.",
                    ),
                )
            }
        })
    })
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserialises JSON, reporting where it does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value =
        serde_path_to_error::deserialize(objects::Objects(&mut deserializer)).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    ApiError::invalid_field(data_violation(&path, &inner.to_string()))
                }
                _ => malformed_json(&inner),
            }
        })?;
    deserializer.end().map_err(|e| malformed_json(&e))?;
    Ok(value)
}

fn malformed_json(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "malformed_json",
        Message::new(
            format!(
                "JSONとして読み取れません（{}行{}列）",
                error.line(),
                error.column()
            ),
            format!("The body is not valid JSON: {error}"),
        ),
    )
}

/// Deserialises a JSON Schema `integer`: a number without a fractional part, written with or
/// without one (`12` or `12.0`). For `#[serde(deserialize_with = "whole_number")]`.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Whole;

    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer")
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // i64::MIN is exactly representable; i64::MAX rounds up to 2^63, which is out of range.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "whole and in range, checked above"
                )]
                Ok(v as i64)
            } else {
                Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
            }
        }
    }

    deserializer.deserialize_any(Whole)
}

/// An integer as [`whole_number`] reads it.
#[derive(serde::Deserialize)]
struct WholeNumber(#[serde(deserialize_with = "whole_number")] i64);

/// An optional [`whole_number`]; `null` is `None`.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    Ok(Option::<WholeNumber>::deserialize(deserializer)?.map(|n| n.0))
}

/// A [`whole_number`] field of a partial change: absent (the outer `None`, with
/// `#[serde(default)]`), `null` (clear) or a value.
pub fn present_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i64>>, D::Error> {
    optional_whole_number(deserializer).map(Some)
}

/// A query string. A parameter that does not fit its type is a 422 naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        let deserializer = serde_urlencoded::Deserializer::new(pairs);
        std::future::ready(
            serde_path_to_error::deserialize(deserializer)
                .map(Query)
                .map_err(|error| {
                    let path = error.path().to_string();
                    ApiError::invalid_field(data_violation(&path, &error.into_inner().to_string()))
                        .into()
                }),
        )
    }
}

/// Turns serde's message into a field error with a stable code.
fn data_violation(path: &str, message: &str) -> Violation {
    let mut field = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    let (code, ja, en): (FieldCode, &'static str, &'static str) =
        if message.starts_with("unknown field") {
            (
                FieldCode::UnknownField,
                "この項目は指定できません",
                "this field is not accepted",
            )
        } else if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or("");
            field = if field.is_empty() {
                name.to_owned()
            } else {
                format!("{field}.{name}")
            };
            (
                FieldCode::Required,
                "必須の項目です",
                "this field is required",
            )
        } else if message.starts_with("unknown variant") {
            (
                FieldCode::UnknownValue,
                "指定できない値です",
                "this value is not one of those allowed",
            )
        } else if message.starts_with("invalid type") {
            (
                FieldCode::InvalidType,
                "値の種類が正しくありません（数値、文字列、真偽値、配列、オブジェクトの別）",
                "the value is of the wrong kind (number, string, boolean, array or object)",
            )
        } else if message.starts_with("invalid length") {
            (
                FieldCode::InvalidLength,
                "要素の数が正しくありません",
                "the number of elements is wrong",
            )
        } else {
            (
                FieldCode::InvalidValue,
                "値が正しくありません",
                "the value is not valid",
            )
        };
    // serde's own message names Rust types (`expected struct AnswerInput`): it goes to the log,
    // not to the person reading the problem; the field and the code say what is wrong.
    tracing::debug!(field = %field, code = code.as_str(), detail = message, "request body rejected");
    Violation::new(field, code, ja, en)
}

/// The language the caller asked for with `Accept-Language` (Japanese by default).
pub fn language_of(req: &HttpRequest) -> Language {
    Language::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The caller's language as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct AcceptLanguage(pub Language);

impl FromRequest for AcceptLanguage {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(AcceptLanguage(language_of(req))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }

    fn field_error(body: &str) -> (String, &'static str) {
        let error = parse_json::<Outer>(body.as_bytes()).unwrap_err();
        assert_eq!(error.status().as_u16(), 422, "{error}");
        let v = &error.errors()[0];
        (v.field.clone(), v.code.as_str())
    }

    #[test]
    fn data_errors_name_the_field() {
        assert_eq!(
            field_error(r#"{"inner":{"n":"x"},"list":[]}"#),
            ("inner.n".into(), "invalid_type")
        );
        assert_eq!(
            field_error(r#"{"inner":{"n":1},"list":[{"n":1},{"n":300}]}"#),
            ("list[1].n".into(), "invalid_value")
        );
        assert_eq!(
            field_error(r#"{"inner":{},"list":[]}"#),
            ("inner.n".into(), "required")
        );
        assert_eq!(
            field_error(r#"{"inner":{"n":1},"list":[],"status":"x"}"#).1,
            "unknown_field"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Counts {
        #[serde(deserialize_with = "whole_number")]
        n: i64,
        #[serde(default, deserialize_with = "optional_whole_number")]
        m: Option<i64>,
    }

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        let counts: Counts = parse_json(br#"{"n": 12.0, "m": 3}"#).unwrap();
        assert_eq!((counts.n, counts.m), (12, Some(3)));
        let counts: Counts = parse_json(br#"{"n": -4, "m": null}"#).unwrap();
        assert_eq!((counts.n, counts.m), (-4, None));
        let counts: Counts = parse_json(br#"{"n": 1e3}"#).unwrap();
        assert_eq!((counts.n, counts.m), (1000, None));
        for body in [
            r#"{"n": 1.5}"#,
            r#"{"n": "12"}"#,
            r#"{"n": 1e19}"#,
            r#"{"n": 9223372036854775808}"#,
            r#"{"n": 1, "m": 0.5}"#,
        ] {
            let error = parse_json::<Counts>(body.as_bytes()).unwrap_err();
            assert_eq!(error.status().as_u16(), 422, "{body}");
        }
        let error = parse_json::<Counts>(br#"{"n": 1.5}"#).unwrap_err();
        assert_eq!(error.errors()[0].code.as_str(), "invalid_type");
    }

    #[test]
    fn structs_are_objects_only_at_every_depth() {
        let (field, code) = field_error(r#"[{"n":1},[]]"#);
        assert_eq!((field.as_str(), code), ("", "invalid_type"));
        assert_eq!(
            field_error(r#"{"inner":[1],"list":[]}"#),
            ("inner".into(), "invalid_type")
        );
        assert_eq!(
            field_error(r#"{"inner":{"n":1},"list":[{"n":1},[2]]}"#),
            ("list[1]".into(), "invalid_type")
        );
        let ok: Outer = parse_json(br#"{"inner":{"n":1},"list":[{"n":2}]}"#).unwrap();
        assert_eq!(ok.list.len(), 1);
    }

    #[test]
    fn messages_never_name_a_rust_type() {
        for body in [
            r#"[{"n":1},[]]"#,
            r#"{"inner":[1],"list":[]}"#,
            r#"{"inner":{"n":"x"},"list":[]}"#,
            r#"{"inner":{"n":1},"list":[],"status":"x"}"#,
        ] {
            let error = parse_json::<Outer>(body.as_bytes()).unwrap_err();
            for violation in error.errors() {
                for language in [Language::Ja, Language::En] {
                    let message = violation.message(language);
                    for word in ["struct", "Outer", "Inner", "expected", "invalid type", "`"] {
                        assert!(!message.contains(word), "{body}: {message}");
                    }
                }
                let ja = violation.message(Language::Ja);
                assert!(!ja.contains('(') && !ja.is_ascii(), "{body}: {ja}");
            }
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        for body in ["{", "{\"inner\":", "not json", "\u{0}"] {
            let error = parse_json::<Outer>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code(), "malformed_json", "{body}");
        }
        assert_eq!(
            parse_json::<serde_json::Value>(b"{} trailing")
                .unwrap_err()
                .code(),
            "malformed_json"
        );
        let deep = "[".repeat(10_000);
        assert_eq!(
            parse_json::<serde_json::Value>(deep.as_bytes())
                .unwrap_err()
                .code(),
            "malformed_json"
        );
        assert_eq!(
            parse_json::<serde_json::Value>(b"{\"a\":\"\xff\"}")
                .unwrap_err()
                .code(),
            "malformed_json"
        );
    }
}
