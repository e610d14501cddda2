-- Hamnvakt schema 18 for SQLite: nothing to do. On PostgreSQL every append to the event log
-- notifies the other instances (LISTEN/NOTIFY); an embedded database has one instance.
SELECT 1;
