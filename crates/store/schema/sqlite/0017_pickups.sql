-- Hamnvakt schema 17 for sqlite: the gate's pick-ups. Keep in step with
-- schema/postgres/0017_pickups.sql.
--
-- On SQLite the table is derived (`gate_pickups`, in schema/sqlite/derived.sql, whose version
-- went to 2 with it, so an older derived file is rebuilt from the chain and the pick-ups of
-- every decision already recorded are found). Nothing changes in the main file.
SELECT 1;
