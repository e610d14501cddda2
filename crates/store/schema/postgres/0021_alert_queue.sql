-- Hamnvakt schema 21 for PostgreSQL: the alert queue of a 24/7 centre. Keep in step with
-- schema/sqlite/0021_alert_queue.sql.
--
-- Repeats of one finding fold into one alert: `fold_key` names the finding (the detector's
-- kind, the owner and the subjects that make it the same finding, see
-- hamnvakt_core::alert::fold_key), `occurrences` counts how often it was seen and
-- `last_seen_ms` when last (the time of the event, as `created_ms` is the first's).
ALTER TABLE alerts ADD COLUMN occurrences BIGINT NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN last_seen_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN fold_key TEXT;
UPDATE alerts SET last_seen_ms = created_ms;
CREATE INDEX alerts_by_fold_key ON alerts (fold_key) WHERE fold_key IS NOT NULL;
-- The queue's order: severity, then the time the finding was last seen.
CREATE INDEX alerts_by_severity ON alerts (severity_rank, last_seen_ms, id);

-- Findings waiting to be raised: written in the transaction that commits what they were
-- found in (a group of gate decisions, a batch of AIS), raised (and deleted, in the raising
-- transaction) right after, and at start-up whatever a crash left.
CREATE TABLE alert_outbox (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    at_ms BIGINT,
    draft TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
