-- The name index: every pair of neighbouring characters of each declarer's name key
-- (`domain::name::grams`), so that a search for a name, even of two characters, reads the
-- declarers that hold its rarest pair instead of every key (see src/db/search.rs).
CREATE TABLE name_grams (
    gram TEXT NOT NULL,
    declarer_id BIGINT NOT NULL REFERENCES declarers (id),
    PRIMARY KEY (gram, declarer_id)
) WITHOUT ROWID;
CREATE INDEX name_grams_by_declarer ON name_grams (declarer_id);
-- The declarers already there: the same pairs, as SQLite counts characters.
WITH RECURSIVE windows (declarer_id, name_key, position) AS (
    SELECT id, organization_name_key, 1 FROM declarers WHERE length(organization_name_key) >= 2
    UNION ALL
    SELECT declarer_id, name_key, position + 1 FROM windows WHERE position + 2 <= length(name_key)
)
INSERT OR IGNORE INTO name_grams (gram, declarer_id)
SELECT substr(name_key, position, 2), declarer_id FROM windows;
