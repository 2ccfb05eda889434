//! What the public sees: the registry of declarers and the scheme's statistics.

pub mod registry;
pub mod stats;
