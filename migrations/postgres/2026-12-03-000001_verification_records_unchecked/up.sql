-- The verification records no longer reference their declaration and API client by foreign
-- key. PostgreSQL checks a reference with a trigger and a query per row; for the record writer
-- (tens of thousands of rows a second, by COPY) those checks were half the cost of a row
-- (measured: 200,000 rows with the checks 29 µs a row, without 15 µs). They guarded nothing the
-- service can do: declarations and API clients are never deleted (a client is disabled, a
-- declaration withdrawn or revoked), and every record's IDs are read from those rows.
-- SQLite keeps the references: it checks one in the same process with a look-up that costs a
-- tenth of the row, and dropping them would rebuild the table.
ALTER TABLE verification_records DROP CONSTRAINT verification_records_api_client_id_fkey;
ALTER TABLE verification_records DROP CONSTRAINT verification_records_declaration_id_fkey;
