ALTER TABLE outbox_messages DROP COLUMN claimed_until;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_dispatch;
DROP TABLE watchlist_entries;
DROP TABLE webhook_endpoints;
ALTER TABLE api_clients DROP COLUMN contact_email;
