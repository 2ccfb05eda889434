//! The table of routes and their methods, from the OpenAPI document (which lists every route),
//! for telling a wrong method (405 with `Allow`) from an unknown path (404).

use std::sync::OnceLock;

use actix_router::ResourceDef;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::routes::openapi::document;

/// The methods each documented path allows, for telling 405 from 404.
fn route_table() -> &'static [(ResourceDef, Vec<&'static str>)] {
    static TABLE: OnceLock<Vec<(ResourceDef, Vec<&'static str>)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Vec<(ResourceDef, Vec<&'static str>)> = document()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        table.push((ResourceDef::new("/openapi.json"), vec!["GET"]));
        table
    })
}

/// The methods allowed on a concrete path; empty when no route has that path. As in OpenAPI, a
/// path without parameters is matched before templated ones: `/v1/verifications/batch` is the
/// batch operation's path (POST) only, not also a declaration ID.
pub fn methods_for_path(path: &str) -> Vec<&'static str> {
    let matching = || route_table().iter().filter(|(def, _)| def.is_match(path));
    let exact = matching().find(|(def, _)| !def.is_prefix() && def.pattern() == Some(path));
    match exact {
        Some((_, methods)) => methods.clone(),
        None => matching()
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect(),
    }
}

/// The answer for a request that matched no route: 405 with `Allow` when the path exists with
/// other methods (per the OpenAPI document, the list of every route), 404 otherwise.
pub async fn no_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let mut allowed = methods_for_path(req.path());
    // Every GET route answers HEAD too (`transport::head_as_get`).
    if let Some(get) = allowed.iter().position(|m| *m == "GET") {
        allowed.insert(get + 1, "HEAD");
    }
    if allowed.is_empty() {
        Err(ApiError::route_not_found())
    } else {
        Err(ApiError::method_not_allowed(&allowed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_have_their_methods() {
        assert_eq!(methods_for_path("/v1/diagnosis/score"), vec!["POST"]);
        assert_eq!(methods_for_path("/healthz"), vec!["GET"]);
        assert!(methods_for_path("/v1/nothing-here").is_empty());
        assert_eq!(methods_for_path("/v1/verifications/batch"), vec!["POST"]);
        assert_eq!(
            methods_for_path("/v1/verifications/407731820954"),
            vec!["GET"]
        );
    }
}
