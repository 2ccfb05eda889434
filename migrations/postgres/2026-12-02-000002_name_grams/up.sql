-- The name index: every pair of neighbouring characters of each declarer's name key
-- (`domain::name::grams`), so that a search for a name, even of two characters, reads the
-- declarers that hold its rarest pair instead of every key (see src/db/search.rs).
CREATE TABLE name_grams (
    gram TEXT NOT NULL,
    declarer_id BIGINT NOT NULL REFERENCES declarers (id),
    PRIMARY KEY (gram, declarer_id)
);
CREATE INDEX name_grams_by_declarer ON name_grams (declarer_id);
-- The declarers already there: the same pairs, as PostgreSQL counts characters.
INSERT INTO name_grams (gram, declarer_id)
SELECT substr(organization_name_key, position, 2), id
FROM declarers, generate_series(1, char_length(organization_name_key) - 1) AS position
ON CONFLICT DO NOTHING;
