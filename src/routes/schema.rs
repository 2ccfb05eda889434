//! Schemas of request fields whose rules a derive cannot state by itself: the patterns shared
//! with the domain's checks, booleans that must be true, lists without repeats. Each is a
//! schema-only type, used as `#[schema(value_type = schema::Text200, inline)]` (or
//! `Option<…>` for an optional field) so that the field keeps its own description.

use utoipa::PartialSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{KnownFormat, RefOr, Schema, SchemaFormat};

use crate::domain::declaration::{Purpose, Status};
use crate::domain::disclosure::DisclosureMethod;
use crate::domain::organization::{EMAIL_PATTERN, MAX_EMAIL_BYTES, PHONE_PATTERN};
use crate::domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::domain::validation::{
    MAX_URL_BYTES, WEB_URL_PATTERN, optional_text_pattern, text_pattern,
};
use crate::domain::{corporate_number, terms};
use crate::secretariat::KNOWN_SCOPES;

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::new(Type::String))
}

/// A pattern without its anchors, to be combined into another.
fn unanchored(pattern: &str) -> &str {
    pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or(pattern)
}

/// Declares schema-only types: `#[schema(value_type = schema::Text200, inline)]` keeps the
/// field's own description, which `schema_with` would drop.
macro_rules! schema_types {
    ($($(#[$meta:meta])* $name:ident => $schema:expr;)*) => {
        $(
            $(#[$meta])*
            pub struct $name;

            impl PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    $schema.into()
                }
            }

            impl utoipa::ToSchema for $name {}
        )*
    };
}

// Texts are stored trimmed; their limit counts what is sent, white space included (`maxLength`),
// as the service counts it (`check_text`).
fn text(max: usize) -> ObjectBuilder {
    string()
        .pattern(Some(text_pattern(max)))
        .min_length(Some(1))
        .max_length(Some(max))
}

fn optional_text(max: usize) -> ObjectBuilder {
    string()
        .pattern(Some(optional_text_pattern(max)))
        .max_length(Some(max))
}

/// One or more of `count` allowed values, none twice: so at most `count` of them.
fn unique_list(items: RefOr<Schema>, count: usize) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(items)
        .min_items(Some(1))
        .max_items(Some(count))
        .unique_items(true)
}

schema_types! {
    /// A text of 1–100 characters as sent, something besides the white space around it (which
    /// is trimmed), no control characters.
    Text100 => text(100);
    /// A text of 1–200 characters.
    Text200 => text(200);
    /// A text of 1–300 characters.
    Text300 => text(300);
    /// A text of 1–500 characters.
    Text500 => text(500);
    /// An optional text of up to 100 characters: empty when absent.
    OptionalText100 => optional_text(100);
    /// An optional text of up to 200 characters: empty when absent.
    OptionalText200 => optional_text(200);
    /// An optional text of up to 1,000 characters: empty when absent.
    OptionalText1000 => optional_text(1000);
    /// An e-mail address.
    Email => string()
        .pattern(Some(EMAIL_PATTERN))
        .max_length(Some(MAX_EMAIL_BYTES))
        .examples(["taro@example.co.jp"]);
    /// A phone number such as `03-1234-5678`, or empty.
    OptionalPhone => string()
        .pattern(Some(PHONE_PATTERN))
        .max_length(Some(20))
        .examples(["03-1234-5678"]);
    /// An http(s) URL, or empty.
    OptionalWebUrl => string()
        .pattern(Some(format!("^(?:{})?$", unanchored(WEB_URL_PATTERN))))
        .max_length(Some(MAX_URL_BYTES))
        .examples(["https://example.co.jp/policy"]);
    /// A corporate number, or empty.
    OptionalCorporateNumber => string()
        .pattern(Some(format!(
            "^(?:{})?$",
            unanchored(corporate_number::CORPORATE_NUMBER_PATTERN)
        )))
        .max_length(Some(13))
        .examples(["7000012050002"]);
    /// A new password: 12–128 characters. (Neither one character repeated, nor a common
    /// password, nor containing the user number: rules beyond a schema.)
    NewPassword => string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .min_length(Some(MIN_PASSWORD_CHARS))
        .max_length(Some(MAX_PASSWORD_CHARS));
    /// A boolean that must be true (an affirmation).
    MustBeTrue => ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Boolean))
        .enum_values(Some([true]));
    /// The current version of the logo terms, the only one an application may agree to.
    CurrentTermsVersion => string().enum_values(Some([terms::current().version]));
    /// One or more purposes, none twice.
    Purposes => unique_list(Purpose::schema(), Purpose::ALL.len());
    /// One or more disclosure methods, none twice.
    DisclosureMethods => unique_list(DisclosureMethod::schema(), DisclosureMethod::ALL.len());
    /// One or more of the known scopes, none twice.
    Scopes => unique_list(
        string().enum_values(Some(KNOWN_SCOPES)).into(),
        KNOWN_SCOPES.len(),
    );
    /// One or more webhook event types, none twice.
    EventTypes => unique_list(
        string()
            .enum_values(Some(crate::webhooks::endpoints::event_types()))
            .into(),
        crate::domain::declaration::ChangeKind::ALL.len(),
    );
    /// A live status: `declared` or `accepted`.
    LiveStatus => string().enum_values(Some(
        [Status::Declared, Status::Accepted].map(Status::code),
    ));
    /// An e-mail's delivery state.
    OutboxStatus => string().enum_values(Some(["pending", "sent", "failed"]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn patterns_combine_without_their_anchors() {
        let url = json::<OptionalWebUrl>();
        let pattern = url["pattern"].as_str().unwrap();
        assert!(pattern.starts_with("^(?:[Hh]") && pattern.ends_with(")?$"));
        let text = json::<Text200>();
        assert_eq!(text["minLength"], 1);
        assert_eq!(text["maxLength"], 200, "what is sent is counted");
        assert!(text["pattern"].as_str().unwrap().contains("{0,198}"));
        assert!(json::<OptionalText200>().get("minLength").is_none());
        assert_eq!(json::<MustBeTrue>()["enum"], serde_json::json!([true]));
        assert_eq!(json::<Purposes>()["uniqueItems"], true);
    }
}
