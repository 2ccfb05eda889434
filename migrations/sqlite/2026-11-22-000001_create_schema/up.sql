-- The whole domain's data model. Times are UTC, stored without a zone, truncated to microseconds.

-- Login identities: declarers (宣言事業者) and secretariat operators (事務局).
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    user_number TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('declarer', 'secretariat')),
    display_name TEXT,
    password_hash TEXT NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- The declaring organisation and its contact person (担当者), one per declarer account.
CREATE TABLE declarers (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id),
    organization_name TEXT NOT NULL,
    organization_name_kana TEXT,
    -- The name normalised for matching and search (width, spaces, legal-form abbreviations).
    organization_name_key TEXT NOT NULL,
    organization_type TEXT NOT NULL
        CHECK (organization_type IN ('corporation', 'sole_proprietor', 'association', 'other')),
    corporate_number TEXT,
    prefecture TEXT NOT NULL,
    address TEXT NOT NULL,
    industry TEXT NOT NULL,
    employees BIGINT NOT NULL CHECK (employees >= 0),
    capital_yen BIGINT CHECK (capital_yen >= 0),
    website TEXT,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT,
    contact_department TEXT,
    revision BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Self-diagnoses (自社診断): 25 answers, scored.
CREATE TABLE diagnoses (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    declarer_id BIGINT NOT NULL REFERENCES declarers (id),
    questionnaire_version TEXT NOT NULL,
    -- The 25 answer codes in question order, comma-separated.
    answers TEXT NOT NULL,
    total_score INTEGER NOT NULL CHECK (total_score BETWEEN -25 AND 100),
    band TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX diagnoses_by_declarer ON diagnoses (declarer_id, created_at DESC, id DESC);

-- Declarations (自己宣言): the level, the lifecycle state and its dates.
CREATE TABLE declarations (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    declarer_id BIGINT NOT NULL REFERENCES declarers (id),
    star TEXT NOT NULL CHECK (star IN ('one_star', 'two_star')),
    status TEXT NOT NULL CHECK (status IN ('declared', 'accepted', 'withdrawn', 'revoked')),
    -- A copy of the declarer's corporate number, kept in step with it, for the rule below.
    corporate_number TEXT,
    agreed_terms_version TEXT NOT NULL,
    pledge_five_principles BOOLEAN NOT NULL,
    diagnosis_id BIGINT REFERENCES diagnoses (id),
    declared_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    star_since TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT,
    end_note TEXT,
    revision BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
-- One live declaration per corporation, enforced by the database itself.
CREATE UNIQUE INDEX declarations_one_live_per_corporate_number ON declarations (corporate_number)
    WHERE corporate_number IS NOT NULL AND status IN ('declared', 'accepted');
CREATE INDEX declarations_by_declarer ON declarations (declarer_id);
CREATE INDEX declarations_by_status_star ON declarations (status, star);

CREATE TABLE declaration_purposes (
    declaration_id BIGINT NOT NULL REFERENCES declarations (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL
        CHECK (purpose IN ('subsidy_application', 'improve_security', 'customer_trust',
                           'business_partner_request', 'other')),
    PRIMARY KEY (declaration_id, purpose)
);

-- The declaration's history: every change of status or star, and contact changes.
CREATE TABLE declaration_events (
    id INTEGER PRIMARY KEY,
    declaration_id BIGINT NOT NULL REFERENCES declarations (id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    from_star TEXT,
    to_star TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('declarer', 'secretariat', 'system')),
    actor_account_id BIGINT REFERENCES accounts (id),
    reason TEXT,
    note TEXT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX declaration_events_by_declaration ON declaration_events (declaration_id, id);

-- The basic policy's disclosure (基本方針の外部公開) of a declaration.
CREATE TABLE policy_disclosures (
    id INTEGER PRIMARY KEY,
    declaration_id BIGINT NOT NULL UNIQUE REFERENCES declarations (id),
    -- Method codes, comma-separated, sorted.
    methods TEXT NOT NULL,
    url TEXT,
    other_description TEXT,
    affirmed_information_security_policy BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Subsidy portals and partner companies (OAuth 2.0 client credentials).
CREATE TABLE api_clients (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    -- Scopes, space-separated.
    scopes TEXT NOT NULL,
    created_by_account_id BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    last_used_at TIMESTAMP
);

-- Refresh tokens, stored hashed; a family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_account ON refresh_tokens (account_id);

-- Single-use tokens (password resets, logo downloads), stored hashed.
CREATE TABLE one_time_tokens (
    id INTEGER PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'logo_download')),
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    declaration_id BIGINT REFERENCES declarations (id),
    star TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- The append-only audit trail: who did what to what, when, before and after (secrets masked).
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT,
    before_state TEXT,
    after_state TEXT,
    request_id TEXT,
    client_address TEXT
);
CREATE INDEX audit_events_by_target ON audit_events (target_kind, target_id, id);

-- E-mails, written in the same transaction as the change that causes them.
CREATE TABLE outbox_messages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    declaration_id BIGINT REFERENCES declarations (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);

-- Answers to POSTs sent with an Idempotency-Key, kept 24 hours.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);

-- Who verified which declaration, when, with what result (written in batches).
CREATE TABLE verification_records (
    id INTEGER PRIMARY KEY,
    api_client_id BIGINT NOT NULL REFERENCES api_clients (id),
    declaration_id BIGINT REFERENCES declarations (id),
    requested_id TEXT NOT NULL,
    result TEXT NOT NULL,
    verified_at TIMESTAMP NOT NULL
);
CREATE INDEX verification_records_by_declaration
    ON verification_records (declaration_id, verified_at DESC);

-- Counters of failed attempts that must survive restarts (logins, client secrets).
CREATE TABLE throttles (
    throttle_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP
);
