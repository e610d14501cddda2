-- Hamnvakt schema 10 for PostgreSQL: nothing to do. On SQLite this moves the tables derived
-- from the event log (gate_decisions, occupancy, projections) into a second file with its own
-- writer; on PostgreSQL every connection writes, so they stay where they are.
SELECT 1;
