-- The derived file of an embedded Hamnvakt database (`<database>.derived`): tables that are a
-- pure function of the event log, written by their projectors on this file's own writer so
-- they never hold the audit chain's writer. Disposable: when this file is missing, or its
-- user_version differs from the binary's, it is recreated empty with every mark at 0 and
-- rebuilt from the chain at start-up. The same tables on PostgreSQL are in
-- schema/postgres/0002_access.sql and 0009_projections.sql.

CREATE TABLE IF NOT EXISTS gate_decisions (
    id TEXT PRIMARY KEY,
    event_seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    gate_id TEXT,
    facility_id TEXT,
    person_id TEXT,
    credential_number TEXT,
    plate TEXT,
    direction TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reasons TEXT NOT NULL,
    policy_version INTEGER NOT NULL,
    security_level INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gate_decisions_by_time ON gate_decisions (at_ms, id);
CREATE INDEX IF NOT EXISTS gate_decisions_by_person ON gate_decisions (person_id, at_ms);
CREATE INDEX IF NOT EXISTS gate_decisions_by_facility ON gate_decisions (facility_id, at_ms);

-- The gate decisions that named a container (pick-ups), from the same events and in the same
-- transactions as gate_decisions (schema 17; on PostgreSQL schema/postgres/0017_pickups.sql).
CREATE TABLE IF NOT EXISTS gate_pickups (
    decision_id TEXT PRIMARY KEY,
    event_seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
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
CREATE INDEX IF NOT EXISTS gate_pickups_by_time ON gate_pickups (at_ms, decision_id);

CREATE TABLE IF NOT EXISTS occupancy (
    person_id TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    since_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS occupancy_by_facility ON occupancy (facility_id);

CREATE TABLE IF NOT EXISTS projections (
    name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);
INSERT INTO projections (name, seq) VALUES ('access.decisions', 0) ON CONFLICT (name) DO NOTHING;

-- Which chain these tables were derived from (the hash of its first event): a derived file
-- found beside a different or restored database is emptied and rebuilt, not trusted.
CREATE TABLE IF NOT EXISTS derived_from (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    first_hash TEXT NOT NULL
);
