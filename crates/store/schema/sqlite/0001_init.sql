-- Hamnvakt schema 1 for SQLite. Keep in step with schema/postgres/0001_init.sql: the same
-- tables, columns and constraints, only the types and trigger syntax differ.

CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    org_id TEXT,
    subject TEXT,
    request_id TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_by_kind ON events (kind, seq);
CREATE INDEX events_by_subject ON events (subject, seq);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    roles TEXT NOT NULL,
    locale TEXT NOT NULL,
    disabled INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    address TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at_ms);
CREATE INDEX login_failures_by_address ON login_failures (address, at_ms);

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    locode TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    owner_org TEXT NOT NULL REFERENCES organisations (id),
    tlp TEXT NOT NULL,
    evidence TEXT NOT NULL,
    assignee TEXT REFERENCES users (id),
    outcome TEXT,
    closing_note TEXT,
    raised_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (created_ms, id);
CREATE INDEX alerts_by_state ON alerts (state, created_ms);

CREATE TABLE alert_subjects (
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    ord INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    label TEXT,
    PRIMARY KEY (alert_id, ord)
);
CREATE INDEX alert_subjects_by_ref ON alert_subjects (kind, reference);

CREATE TABLE alert_shares (
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (alert_id, org_id)
);
CREATE INDEX alert_shares_by_org ON alert_shares (org_id);
