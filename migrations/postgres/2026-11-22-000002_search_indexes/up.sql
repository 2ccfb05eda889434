-- Indexes for the registry, the secretariat's list, statistics and look-ups.
CREATE INDEX declarations_by_status ON declarations (status, id);
CREATE INDEX declarations_by_corporate_number ON declarations (corporate_number);
CREATE INDEX declarers_by_prefecture ON declarers (prefecture);
CREATE INDEX declarers_by_contact_email ON declarers (contact_email);
CREATE INDEX one_time_tokens_by_account ON one_time_tokens (account_id, purpose, created_at);
CREATE INDEX outbox_messages_by_status ON outbox_messages (status, id);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
-- Substring search over name keys (LIKE '%…%') through trigrams. pg_trgm ships with
-- PostgreSQL and is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX declarers_name_key_trigrams ON declarers USING gin (organization_name_key gin_trgm_ops);
