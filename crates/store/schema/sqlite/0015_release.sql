-- Hamnvakt schema 15 for sqlite: secure container releases. Keep in step with
-- schema/postgres/0015_release.sql.
--
-- One row per release: the whole release (chain, lights, assignment) as JSON, with the
-- fields lookups need as columns. `version` is bumped by every step and a step is written
-- only over the version it was made from, so two parties acting at once cannot both win.
-- `release_parties` holds every organisation the release reached: what each party may see.
-- Every step is also an event in the audit chain, written in the same transaction.

CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    container TEXT NOT NULL,
    bill_of_lading TEXT NOT NULL,
    line_org TEXT NOT NULL,
    holder_org TEXT NOT NULL,
    state TEXT NOT NULL,
    driver TEXT,
    issued_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (container, bill_of_lading)
);
CREATE INDEX releases_by_container ON releases (container, state);
CREATE INDEX releases_by_updated ON releases (updated_ms);

CREATE TABLE release_parties (
    release_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    PRIMARY KEY (release_id, org_id)
);
CREATE INDEX release_parties_by_org ON release_parties (org_id, release_id);
