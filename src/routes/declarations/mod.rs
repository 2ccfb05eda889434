//! Declarations over HTTP: applying, reading, and every change the declarer makes (contact
//! person, policy disclosure, step-up, withdrawal), plus the printable completion notice. The
//! rules of each change live in [`crate::declarations`]; these handlers parse, call and answer.

pub mod apply;
pub mod changes;
pub mod forms;
pub mod notice;
pub mod read;

use actix_web::{HttpRequest, web};

use crate::auth::extract::User;
use crate::db::audit::Actor;
use crate::routes::common;
use crate::state::AppState;

/// The audit actor of a declarer's request.
pub(crate) fn declarer_actor(req: &HttpRequest, state: &web::Data<AppState>, user: &User) -> Actor {
    common::actor(req, state, "declarer", Some(user.user_number.to_string()))
}
