-- The planner's guess of how many names contain a search key comes from a sample of the name
-- keys: 100 of them by default. A key in 2 % of a million names (システム, 18,880 declarers)
-- matched none of the 100, so PostgreSQL guessed 97 rows, took every match from the trigram
-- index and sorted them (650 ms), where walking the declarations newest first stops after a
-- page (0.7 ms). With 1,000 the same key is guessed at 22,000 rows and walked; a rare key still
-- matches no sample and still uses the trigram index. Which plan a common name gets no longer
-- depends on the luck of one ANALYZE.
ALTER TABLE declarers ALTER COLUMN organization_name_key SET STATISTICS 1000;
ANALYZE declarers;
