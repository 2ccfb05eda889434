-- PostgreSQL's verification records drop their foreign keys in this migration (see its
-- up.sql: a trigger and a query per row, half the cost of writing one). SQLite keeps them: it
-- checks a reference in the same process with one look-up, and writing 100,000 rows cost
-- 13–14 µs a row with the checks and 12–16 µs without (no difference beyond the noise), while
-- dropping them would rebuild the table.
SELECT 1;
