-- The store's first tables. One file for SQLite and PostgreSQL alike: only types and
-- statements both know. Expand-only: a later migration may add a table, a column
-- (nullable or with a default) or an index, never drop, rename or narrow one, so an
-- older binary keeps working against a newer schema (rolling updates, rollbacks).

-- Each user's network-check starts within the current window, oldest first, as
-- milliseconds since the epoch separated by commas; the /blacklist runs of everyone
-- together under the scope 'blacklist_budget' and user 0. `version` makes a claim
-- an optimistic compare-and-set, so replicas never both take the last place.
CREATE TABLE IF NOT EXISTS rate_limits (
    scope TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    starts TEXT NOT NULL,
    last_ms BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (scope, user_id)
);
CREATE INDEX IF NOT EXISTS rate_limits_by_last ON rate_limits (last_ms);

-- Each user's last checked domains, for autocomplete: the domain as typed, keyed
-- by its lower-case form.
CREATE TABLE IF NOT EXISTS suggestions (
    user_id BIGINT NOT NULL,
    domain_key TEXT NOT NULL,
    domain TEXT NOT NULL,
    used_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, domain_key)
);
CREATE INDEX IF NOT EXISTS suggestions_by_used ON suggestions (used_ms);

-- Interaction ids `serve` has taken, for the replay guard.
CREATE TABLE IF NOT EXISTS seen_interactions (
    id BIGINT NOT NULL PRIMARY KEY,
    seen_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_interactions_by_seen ON seen_interactions (seen_ms);

-- Every staff check: who ran which command against what, where, when, and the verdict.
CREATE TABLE IF NOT EXISTS audit_log (
    interaction_id BIGINT NOT NULL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    guild_id BIGINT,
    command TEXT NOT NULL,
    target TEXT NOT NULL,
    verdict TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_by_at ON audit_log (at_ms);
