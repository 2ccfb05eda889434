DROP INDEX declarations_by_prefecture_star;
DROP INDEX declarations_by_prefecture;
ALTER TABLE declarations DROP COLUMN prefecture;
