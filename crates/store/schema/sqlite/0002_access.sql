-- Hamnvakt schema 2 for SQLite: perimeter and access control. Keep in step with
-- schema/postgres/0002_access.sql.
--
-- The register (facilities, zones, gates, people, credentials, vehicles, permits, visits,
-- bans) is kept as one JSON document per record: the server holds it in memory, indexed for
-- decisions, and the database is its durable copy. Keys that must be unique across records
-- (credential numbers, gate and zone codes, plates) are claimed in access_keys.

CREATE TABLE access_records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE TABLE access_keys (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX access_keys_by_id ON access_keys (kind, id);

-- Bumped with every register change, so other instances know to reload.
CREATE TABLE access_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO access_version (id, version) VALUES (1, 0);

CREATE TABLE access_policies (
    version INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE gate_decisions (
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
CREATE INDEX gate_decisions_by_time ON gate_decisions (at_ms, id);
CREATE INDEX gate_decisions_by_person ON gate_decisions (person_id, at_ms);
CREATE INDEX gate_decisions_by_facility ON gate_decisions (facility_id, at_ms);

CREATE TABLE occupancy (
    person_id TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL,
    zone_id TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    since_ms INTEGER NOT NULL
);
CREATE INDEX occupancy_by_facility ON occupancy (facility_id);
