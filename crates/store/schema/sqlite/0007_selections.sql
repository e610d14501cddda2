-- Hamnvakt schema 7 for SQLite: the lane each consignment was put in, and why. Keep in step
-- with schema/postgres/0007_selections.sql. Every selection and re-route is also an event in
-- the audit chain, written in the same transaction.

CREATE TABLE selections (
    declaration_id TEXT PRIMARY KEY,
    day INTEGER NOT NULL,
    lane TEXT NOT NULL,
    why TEXT NOT NULL,
    risk REAL NOT NULL,
    reasons TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_ms INTEGER NOT NULL
);
CREATE INDEX selections_by_day ON selections (day, lane);
