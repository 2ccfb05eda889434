ALTER TABLE declarers ALTER COLUMN organization_name_key SET STATISTICS -1;
ANALYZE declarers;
