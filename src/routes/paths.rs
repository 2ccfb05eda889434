//! Path parameters parsed once, with their documentation in one place.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::domain::identifiers::DeclarationId;

/// What the `{declaration_id}` of every path is.
const DESCRIPTION: &str = "自己宣言ID (declaration ID): 12 digits led by 4, the last a check digit \
     (an ID taken over from the old system keeps its form: 12 or 11 digits led by 4)";
const PATTERN: &str = crate::domain::identifiers::DECLARATION_ID_PATTERN;

/// The `{declaration_id}` of a path (自己宣言ID), parsed. A malformed ID is answered like an
/// unknown one (404): for a declarer or the secretariat there is no such declaration.
#[derive(Debug, Clone)]
pub struct DeclarationIdPath(pub DeclarationId);

impl FromRequest for DeclarationIdPath {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let text = req.match_info().get("declaration_id").unwrap_or_default();
        ready(
            DeclarationId::stored(text)
                .map(DeclarationIdPath)
                .map_err(|_| crate::declarations::not_found().into()),
        )
    }
}

/// The `{declaration_id}` parameter as documented for every operation that has one.
pub fn declaration_id_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("declaration_id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(DESCRIPTION))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(PATTERN))
                .max_length(Some(12))
                .examples(["407731820954"]),
        ))
        .build()
}

impl utoipa::IntoParams for DeclarationIdPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![declaration_id_parameter()]
    }
}

/// The raw `{declaration_id}` of the verification API, which tells a malformed ID (422
/// `invalid_format`) from an unknown one (404); documented like [`DeclarationIdPath`].
#[derive(Debug, Clone)]
pub struct RequestedDeclarationId(pub String);

impl FromRequest for RequestedDeclarationId {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let text = req.match_info().get("declaration_id").unwrap_or_default();
        ready(Ok(RequestedDeclarationId(text.to_owned())))
    }
}

impl utoipa::IntoParams for RequestedDeclarationId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![declaration_id_parameter()]
    }
}
