-- Name keys in an index of their own: a search for a rare name reads this small index instead
-- of every declarer row (see src/db/search.rs).
CREATE INDEX declarers_by_name_key ON declarers (organization_name_key);
