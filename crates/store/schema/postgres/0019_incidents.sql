-- Hamnvakt schema 19 for postgres: incidents, cases, merged alerts and the shift log. Keep in
-- step with schema/sqlite/0019_incidents.sql.
--
-- An incident and a case are each one JSON document with the fields reads need as columns;
-- `version` is bumped by every step and a step is written only over the version it was made
-- from. The marking and audience decided at creation sit beside the document (recipients as
-- ',id,id,', as in shared_objects) so every read applies the visibility rule in SQL, and the
-- store checks each row again before returning it. Every step is also an event in the audit
-- chain, written in the same transaction.

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL,
    tlp TEXT NOT NULL,
    audience TEXT NOT NULL,
    recipients TEXT NOT NULL,
    state TEXT NOT NULL,
    severity BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX incidents_by_updated ON incidents (updated_ms);

-- An alert is in at most one incident.
CREATE TABLE incident_alerts (
    alert_id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL
);
CREATE INDEX incident_alerts_by_incident ON incident_alerts (incident_id);

-- What happened and what was done, in order (n counts from 1 per incident).
CREATE TABLE incident_timeline (
    incident_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (incident_id, n)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL,
    tlp TEXT NOT NULL,
    audience TEXT NOT NULL,
    recipients TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX cases_by_updated ON cases (updated_ms);

CREATE TABLE case_incidents (
    case_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (case_id, incident_id)
);

-- A duplicate alert, closed, and the alert it duplicates (the link is kept).
CREATE TABLE alert_duplicates (
    alert_id TEXT PRIMARY KEY,
    duplicate_of TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);

-- The shift log: an organisation's own, never shared.
CREATE TABLE shift_entries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    author TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX shift_entries_by_org ON shift_entries (org_id, at_ms);

CREATE TABLE handovers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    since_ms BIGINT,
    -- What was handed over, as the outgoing operator saw it (JSON).
    summary TEXT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_ms BIGINT
);
CREATE INDEX handovers_by_org ON handovers (org_id, at_ms);
