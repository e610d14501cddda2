-- Hamnvakt schema 26 for postgres: what the AIS detectors and the port-visit tracker remember, so
-- that an instance that starts, or takes an AIS feed over from one that died, goes on where
-- the last reader stopped. Keep in step with schema/sqlite/0026_maritime_state.sql.
--
-- One row per kind of state (`detectors`), the whole state as JSON, replaced by the reader
-- of the feeds every few seconds in the same transaction as the track points it goes with.

CREATE TABLE maritime_state (
    name TEXT PRIMARY KEY,
    written_ms BIGINT NOT NULL,
    data TEXT NOT NULL
);
