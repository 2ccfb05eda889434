-- Webhooks: endpoints that API clients register, the declarations they watch, and one delivery
-- row per event and endpoint, claimed by one worker at a time.

-- Where the secretariat writes to a client (an endpoint disabled for failing, for example).
ALTER TABLE api_clients ADD COLUMN contact_email TEXT;

CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    api_client_id BIGINT NOT NULL REFERENCES api_clients (id),
    url TEXT NOT NULL,
    -- Event types, space-separated.
    event_types TEXT NOT NULL,
    description TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- Why it was disabled: 'client', 'gone' (the receiver answered 410) or 'failing'.
    disabled_reason TEXT,
    -- The signing secret (whsec_...), and the one it replaced while both sign.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    -- Since when every attempt has failed (NULL after a success).
    failing_since TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_by_client ON webhook_endpoints (api_client_id, id);

CREATE TABLE watchlist_entries (
    api_client_id BIGINT NOT NULL REFERENCES api_clients (id),
    declaration_id BIGINT NOT NULL REFERENCES declarations (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (api_client_id, declaration_id)
);
CREATE INDEX watchlist_entries_by_declaration ON watchlist_entries (declaration_id);

-- How far the change log has been turned into deliveries. Starts at the log's head: changes
-- made before webhooks existed are not sent.
CREATE TABLE webhook_dispatch (
    id INTEGER PRIMARY KEY,
    position BIGINT NOT NULL
);
INSERT INTO webhook_dispatch (id, position) SELECT 1, last_position FROM change_log_head WHERE id = 1;

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event's ID (the webhook-id header), the same on every attempt.
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    position BIGINT NOT NULL,
    declaration_public_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- 'pending', 'succeeded' or 'failed'.
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker holds the delivery until then; another takes it only after.
    claimed_until TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_response_status INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    UNIQUE (endpoint_id, position)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);

-- E-mails are claimed the same way, so that two instances never send one twice.
ALTER TABLE outbox_messages ADD COLUMN claimed_until TIMESTAMP;
