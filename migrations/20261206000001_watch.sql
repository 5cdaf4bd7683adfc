-- Watching (`/watch`, `echoterra-bot watch`): what is watched, the results, the changes
-- announced, and the alerts on their way to Discord. Same rules as the first file: one
-- file for SQLite and PostgreSQL, only types both know, expand-only. Times are
-- milliseconds since the epoch; flags are 0 or 1.

-- One row per watch. `target` is what staff typed, as it reads again (with `kind`);
-- `target_key` the one written form of it, unique. `state` is the last announced
-- state (JSON, written by the scheduler; NULL until the first result, the silent
-- baseline); `pending` a change seen but not yet confirmed, `pending_count` how many
-- results in a row have shown it. A claim sets `lease_owner` and `lease_until_ms`:
-- whoever holds an unexpired lease checks the watch, and a crashed claimant's lease
-- runs out.
CREATE TABLE IF NOT EXISTS watches (
    id BIGINT NOT NULL PRIMARY KEY,
    target_key TEXT NOT NULL UNIQUE,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    channel_id BIGINT,
    interval_ms BIGINT NOT NULL,
    paused BIGINT NOT NULL DEFAULT 0,
    muted_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    next_due_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    last_checked_ms BIGINT,
    verdict TEXT,
    summary TEXT,
    state TEXT,
    pending TEXT,
    pending_count BIGINT NOT NULL DEFAULT 0,
    bad_since_ms BIGINT,
    last_alert_ms BIGINT,
    acknowledged_by TEXT
);
CREATE INDEX IF NOT EXISTS watches_by_due ON watches (next_due_ms);

-- Where alerts go: one row per channel that was set (`is_default` = 1 for the
-- default one, with the role to mention), and what Discord last said when a
-- message there was refused. `resolver_down_ms` on the default row: since when the
-- blocklists cannot be checked because the resolver fails (one notice each way).
CREATE TABLE IF NOT EXISTS watch_channels (
    channel_id BIGINT NOT NULL PRIMARY KEY,
    is_default BIGINT NOT NULL DEFAULT 0,
    role_id BIGINT,
    set_ms BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    problem TEXT,
    problem_ms BIGINT
);

-- Blocklist resolver trouble, shared by every watcher: one row, `scope` 'resolver'.
CREATE TABLE IF NOT EXISTS watch_flags (
    scope TEXT NOT NULL PRIMARY KEY,
    since_ms BIGINT NOT NULL
);

-- The changes announced (and the reminders, acknowledgements and mutes), kept a year.
CREATE TABLE IF NOT EXISTS watch_events (
    id BIGINT NOT NULL PRIMARY KEY,
    watch_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    event TEXT NOT NULL,
    verdict TEXT NOT NULL,
    text TEXT NOT NULL,
    before_text TEXT,
    after_text TEXT
);
CREATE INDEX IF NOT EXISTS watch_events_by_watch ON watch_events (watch_id, at_ms);
CREATE INDEX IF NOT EXISTS watch_events_by_at ON watch_events (at_ms);

-- Every result, kept 90 days: the verdict, the summary and the observed state.
CREATE TABLE IF NOT EXISTS watch_results (
    watch_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (watch_id, at_ms)
);
CREATE INDEX IF NOT EXISTS watch_results_by_at ON watch_results (at_ms);

-- An alert waiting to be grouped into a message: written in the same transaction as
-- the state change it tells of. `outbox_id` is set when a message takes it.
CREATE TABLE IF NOT EXISTS watch_alerts (
    id BIGINT NOT NULL PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    watch_id BIGINT,
    created_ms BIGINT NOT NULL,
    body TEXT NOT NULL,
    outbox_id BIGINT
);
CREATE INDEX IF NOT EXISTS watch_alerts_waiting ON watch_alerts (channel_id, outbox_id, created_ms);

-- A message to post, grouped or not: written before it is sent, with its own nonce
-- (Discord's `enforce_nonce` makes a resend within minutes the same message).
CREATE TABLE IF NOT EXISTS watch_outbox (
    id BIGINT NOT NULL PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT NOT NULL DEFAULT 0,
    sent_ms BIGINT,
    message_id BIGINT,
    failed_ms BIGINT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS watch_outbox_waiting ON watch_outbox (sent_ms, failed_ms, next_attempt_ms);
