-- Signed verification receipts: every verification answer's receipt ID, what was asked and
-- answered (JSON, written with the record), the signed receipt once first asked for, and the
-- public keys that sign receipts (a retired key stays published so that old receipts verify).
ALTER TABLE verification_records ADD COLUMN receipt_id TEXT;
ALTER TABLE verification_records ADD COLUMN answer TEXT;
ALTER TABLE verification_records ADD COLUMN receipt TEXT;
CREATE UNIQUE INDEX verification_records_by_receipt ON verification_records (receipt_id);

CREATE TABLE receipt_signing_keys (
    -- The RFC 7638 thumbprint of the public JWK.
    kid TEXT PRIMARY KEY,
    -- The Ed25519 public key, base64url (the JWK's x).
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Since when it signs no new receipts (it stays published).
    retired_at TIMESTAMP
);
