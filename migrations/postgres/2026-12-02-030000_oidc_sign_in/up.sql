-- Signing in with GビズID (OpenID Connect).

-- Sign-ins under way at the provider: kept in the database, not in memory, so that any
-- instance can take the provider's answer; consumed (deleted) by the first answer.
CREATE TABLE oidc_sign_ins (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the state parameter (the state itself travels only in URLs).
    state_hash TEXT NOT NULL UNIQUE,
    -- The nonce the ID token must carry, and the PKCE verifier of the code challenge.
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    -- The allow-listed front-end URL the sign-in returns to.
    return_to TEXT NOT NULL,
    -- SHA-256 of the value of the cookie set in the browser that started the sign-in: the
    -- provider's answer is taken only in that browser (no login CSRF).
    browser_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_sign_ins_by_expiry ON oidc_sign_ins (expires_at);

-- Which provider account (issuer and subject) signs in to which declarer account: made at the
-- first sign-in from the corporate number, used from then on.
CREATE TABLE oidc_links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- The corporate number the provider vouched for when the link was made.
    corporate_number TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX oidc_links_by_account ON oidc_links (account_id);

-- One-time codes that hand a finished sign-in to the front end (exchanged for tokens once).
CREATE TABLE oidc_sign_in_codes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the code; the code itself is never stored.
    code_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX oidc_sign_in_codes_by_expiry ON oidc_sign_in_codes (expires_at);
