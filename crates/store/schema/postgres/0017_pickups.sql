-- Hamnvakt schema 17 for postgres: the gate's pick-ups. Keep in step with
-- schema/sqlite/derived.sql (where SQLite keeps it).
--
-- Every gate decision that named a container, granted, referred or refused, with its
-- reasons: what the terminal and the security centre see of the day's pick-ups. Derived from
-- the access.decision events by the same projector, in the same transaction, as
-- gate_decisions. Decisions projected before this migration are not in it (the release
-- chain is recent enough that a database holding pick-ups from before it is a test one).

CREATE TABLE gate_pickups (
    decision_id TEXT PRIMARY KEY,
    event_seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    facility_id TEXT,
    gate_id TEXT,
    container TEXT NOT NULL,
    release_id TEXT,
    outcome TEXT NOT NULL,
    verdict TEXT,
    person_id TEXT,
    plate TEXT,
    reasons TEXT NOT NULL
);
CREATE INDEX gate_pickups_by_time ON gate_pickups (at_ms, decision_id);
