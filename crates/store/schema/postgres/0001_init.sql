-- Hamnvakt schema 1 for PostgreSQL. Keep in step with schema/sqlite/0001_init.sql: the same
-- tables, columns and constraints, only the types and trigger syntax differ.

CREATE TABLE chain_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
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
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_append_only_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    roles TEXT NOT NULL,
    locale TEXT NOT NULL,
    disabled BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    address TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at_ms);
CREATE INDEX login_failures_by_address ON login_failures (address, at_ms);

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    locode TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank BIGINT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    owner_org TEXT NOT NULL REFERENCES organisations (id),
    tlp TEXT NOT NULL,
    evidence TEXT NOT NULL,
    assignee TEXT REFERENCES users (id),
    outcome TEXT,
    closing_note TEXT,
    raised_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX alerts_by_time ON alerts (created_ms, id);
CREATE INDEX alerts_by_state ON alerts (state, created_ms);

CREATE TABLE alert_subjects (
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    ord BIGINT NOT NULL,
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
