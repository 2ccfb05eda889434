DROP TABLE receipt_signing_keys;
DROP INDEX verification_records_by_receipt;
ALTER TABLE verification_records DROP COLUMN receipt;
ALTER TABLE verification_records DROP COLUMN answer;
ALTER TABLE verification_records DROP COLUMN receipt_id;
