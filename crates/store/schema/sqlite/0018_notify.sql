-- Hamnvakt schema 18 for SQLite. On PostgreSQL every append to the event log also notifies
-- the other instances (LISTEN/NOTIFY); an embedded database has one instance, so only the
-- table is the same.

-- The vessel picture's latest state per MMSI (identity, voyage, position) as JSON, written
-- with the track points: an instance starts with it instead of an empty map (and on
-- PostgreSQL the instances that do not read the feeds follow it, by `written_ms`).
CREATE TABLE vessels (
    mmsi INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    last_ms INTEGER NOT NULL,
    written_ms INTEGER NOT NULL
);
CREATE INDEX vessels_by_written ON vessels (written_ms);
