//! Who is calling: password hashing on its own bounded pool, signed tokens, and the extractors
//! that turn a bearer token into a declarer, an operator or an API client.

pub mod client_address;
pub mod clients;
pub mod extract;
pub mod hashing;
pub mod oidc;
pub mod session_ends;
pub mod throttle;
pub mod tokens;
