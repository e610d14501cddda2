-- Hamnvakt schema 9 for PostgreSQL: how far each projection of the event log has got. Keep in step
-- with schema/sqlite/0009_projections.sql.
--
-- Gate decisions are made durable as events alone (the commit a controller waits for); the
-- gate_decisions and occupancy tables are then derived from those events in larger groups,
-- and 'access.decisions' names the last event they reflect. Every decision already stored
-- when this schema is applied was written with its rows, so the mark starts at the head.

CREATE TABLE projections (
    name TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO projections (name, seq) SELECT 'access.decisions', seq FROM chain_head WHERE id = 1;
