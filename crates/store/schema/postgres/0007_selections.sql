-- Hamnvakt schema 7 for PostgreSQL: the lane each consignment was put in, and why. Keep in step
-- with schema/sqlite/0007_selections.sql. Every selection and re-route is also an event in
-- the audit chain, written in the same transaction.

CREATE TABLE selections (
    declaration_id TEXT PRIMARY KEY,
    day BIGINT NOT NULL,
    lane TEXT NOT NULL,
    why TEXT NOT NULL,
    risk DOUBLE PRECISION NOT NULL,
    reasons TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_ms BIGINT NOT NULL
);
CREATE INDEX selections_by_day ON selections (day, lane);
