-- Hamnvakt schema 13: sharing. Every shareable object is kept STIX-shaped, one row per version
-- (STIX versions an object by its id and modified time); the marking and audience decided at
-- creation sit beside the body so that every read applies the visibility rule in SQL. seq is
-- the order objects were added in (TAXII's date-added order and its paging cursor).
-- Keep the SQLite and PostgreSQL files in step.
CREATE TABLE shared_objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stix_id TEXT NOT NULL,
    modified_ms INTEGER NOT NULL,
    stix_type TEXT NOT NULL,
    owner_org TEXT NOT NULL,
    tlp TEXT NOT NULL,
    audience TEXT NOT NULL,
    -- Named recipients as ',id,id,' (empty unless the audience is named).
    recipients TEXT NOT NULL,
    -- Where it came from: 'local', 'import:<actor>', 'taxii:<organisation>', 'feed:<feed id>'.
    source TEXT NOT NULL,
    revoked INTEGER NOT NULL,
    -- 1 on the newest version of its id.
    latest INTEGER NOT NULL,
    -- What a sighting is of (its sighting_of_ref).
    ref_id TEXT,
    added_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (stix_id, modified_ms)
);
CREATE INDEX shared_objects_latest ON shared_objects (stix_id, latest);
CREATE INDEX shared_objects_type ON shared_objects (stix_type, latest);
CREATE INDEX shared_objects_ref ON shared_objects (ref_id);

-- Partner collections (TAXII 2.1) we pull from or push to, each with its cursor: for a pull the
-- date-added of the last object taken, so a pull never downloads again what it has; for a push
-- the position (seq) of the last object sent.
CREATE TABLE sharing_feeds (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    partner_org TEXT NOT NULL,
    -- pull: take the partner collection's objects; push: send ours that may leave for the partner.
    direction TEXT NOT NULL,
    objects_url TEXT NOT NULL,
    -- With a user name, HTTP Basic (user name, token as password); without, a bearer token.
    username TEXT,
    token TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    cursor TEXT,
    last_run_ms INTEGER,
    last_ok_ms INTEGER,
    last_error TEXT,
    objects_total INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);

-- TAXII status resources of the POSTs we accepted.
CREATE TABLE taxii_statuses (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
