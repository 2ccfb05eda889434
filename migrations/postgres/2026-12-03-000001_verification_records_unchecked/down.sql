ALTER TABLE verification_records
    ADD CONSTRAINT verification_records_api_client_id_fkey
    FOREIGN KEY (api_client_id) REFERENCES api_clients (id);
ALTER TABLE verification_records
    ADD CONSTRAINT verification_records_declaration_id_fkey
    FOREIGN KEY (declaration_id) REFERENCES declarations (id);
