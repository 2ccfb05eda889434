-- The declarer's prefecture on each of its declarations, kept in step with it (as the corporate
-- number is), so that the registry walks one index newest first for "in this prefecture" and
-- "this star in this prefecture" instead of filtering a walk of every declaration.
ALTER TABLE declarations ADD COLUMN prefecture TEXT NOT NULL DEFAULT '';
UPDATE declarations SET prefecture = (
    SELECT declarers.prefecture FROM declarers WHERE declarers.id = declarations.declarer_id
);
CREATE INDEX declarations_by_prefecture ON declarations (prefecture, id);
CREATE INDEX declarations_by_prefecture_star ON declarations (prefecture, star, id);
