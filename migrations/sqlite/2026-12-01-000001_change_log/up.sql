-- The change log: one entry for every committed change that alters what a verifier or the
-- public registry sees, ordered by commit (see src/declarations/change_log.rs for how).

-- The log's head: the last position handed out, and the last one no longer kept. Every writer
-- of the log updates this one row, so writers take their turn and positions follow commits.
CREATE TABLE change_log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_position BIGINT NOT NULL,
    pruned_through BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE declaration_changes (
    position INTEGER PRIMARY KEY,
    declaration_id BIGINT NOT NULL REFERENCES declarations (id),
    public_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('applied', 'accepted', 'revoked', 'reinstated',
                                       'withdrawn', 'star_changed', 'organization_changed')),
    occurred_at TIMESTAMP NOT NULL,
    -- The declaration's verification answer after the change.
    status TEXT NOT NULL CHECK (status IN ('declared', 'accepted', 'withdrawn', 'revoked')),
    star TEXT NOT NULL CHECK (star IN ('one_star', 'two_star')),
    organization_name TEXT NOT NULL,
    declared_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    star_since TIMESTAMP NOT NULL
);
CREATE INDEX declaration_changes_by_declaration ON declaration_changes (declaration_id, position);

-- The history so far, in the order it was written. The organisation's name is today's; the
-- acceptance and star dates are those of the history up to each entry.
INSERT INTO declaration_changes (position, declaration_id, public_id, kind, occurred_at, status,
                                 star, organization_name, declared_at, accepted_at, star_since)
SELECT ROW_NUMBER() OVER (ORDER BY e.id), e.declaration_id, d.public_id,
       CASE WHEN e.kind IN ('stepped_up', 'stepped_down') THEN 'star_changed' ELSE e.kind END,
       e.occurred_at, e.to_status, e.to_star, r.organization_name, d.declared_at,
       (SELECT MIN(a.occurred_at) FROM declaration_events a
         WHERE a.declaration_id = e.declaration_id AND a.kind = 'accepted' AND a.id <= e.id),
       COALESCE((SELECT MAX(s.occurred_at) FROM declaration_events s
                  WHERE s.declaration_id = e.declaration_id
                    AND s.kind IN ('stepped_up', 'stepped_down') AND s.id <= e.id),
                d.declared_at)
FROM declaration_events e
JOIN declarations d ON d.id = e.declaration_id
JOIN declarers r ON r.id = d.declarer_id
WHERE e.kind IN ('applied', 'accepted', 'revoked', 'reinstated', 'withdrawn', 'stepped_up',
                 'stepped_down');

INSERT INTO change_log_head (id, last_position)
SELECT 1, COALESCE(MAX(position), 0) FROM declaration_changes;
