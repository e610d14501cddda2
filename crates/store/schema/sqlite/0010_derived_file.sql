-- Hamnvakt schema 10 for SQLite: the tables derived from the event log move to their own file.
-- Keep in step with schema/postgres/0010_derived_file.sql (a no-op there).
--
-- gate_decisions, occupancy and the projection marks now live in `<database>.derived`, a
-- second SQLite file with its own writer (schema in schema/sqlite/derived.sql), attached to
-- every connection as `derived`, so unqualified names resolve to it once these copies are gone.
-- Only chain appends and register changes hold the main file's writer. The new file starts
-- empty with its mark at 0 and is rebuilt from the access.decision events at start-up.

DROP TABLE main.gate_decisions;
DROP TABLE main.occupancy;
DROP TABLE main.projections;
