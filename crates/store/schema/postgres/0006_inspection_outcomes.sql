-- Hamnvakt schema 6 for PostgreSQL: what inspections found, per consignment. Keep in step with
-- schema/sqlite/0006_inspection_outcomes.sql.

CREATE TABLE inspection_outcomes (
    declaration_id TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    data TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_ms BIGINT NOT NULL
);
