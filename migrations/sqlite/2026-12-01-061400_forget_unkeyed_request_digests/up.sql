-- Answers kept for an Idempotency-Key were filed under an unkeyed SHA-256 of the request body,
-- password included. They are dropped: a retry within their 24 hours becomes a new request.
DELETE FROM idempotency_keys;
