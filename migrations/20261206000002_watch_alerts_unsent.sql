-- The alerts waiting to be grouped, found without reading every alert ever sent: the
-- sender asks for them every second (`outbox_id IS NULL`), and the first index does not
-- start with `outbox_id`. Expand-only, like every migration.
CREATE INDEX IF NOT EXISTS watch_alerts_unsent ON watch_alerts (outbox_id, channel_id, created_ms);
