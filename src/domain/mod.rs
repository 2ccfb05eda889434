//! The rules of the SECURITY ACTION scheme, free of HTTP and SQL: identifiers, codes, the
//! questionnaire and its scoring, policy disclosure, the declaration's lifecycle.

pub mod codes;
pub mod corporate_number;
pub mod declaration;
pub mod disclosure;
pub mod five_principles;
pub mod identifiers;
pub mod language;
pub mod name;
pub mod notice_code;
pub mod organization;
pub mod password;
pub mod questionnaire;
pub mod receipt;
pub mod scoring;
pub mod terms;
pub mod validation;
