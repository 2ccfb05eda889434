DROP INDEX declarers_name_key_trigrams;
DROP INDEX audit_events_by_action;
DROP INDEX outbox_messages_by_status;
DROP INDEX one_time_tokens_by_account;
DROP INDEX declarers_by_contact_email;
DROP INDEX declarers_by_prefecture;
DROP INDEX declarations_by_corporate_number;
DROP INDEX declarations_by_status;
