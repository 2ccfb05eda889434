-- PostgreSQL samples more name keys for its planner in this migration (see its up.sql). SQLite
-- has no such sample to enlarge: its registry walks the declarations newest first whenever the
-- name index says a name is common (`src/db/search.rs`).
SELECT 1;
