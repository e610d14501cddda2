-- Hamnvakt schema 4 for PostgreSQL: consignments for cargo targeting. Keep in step with
-- schema/sqlite/0004_consignments.sql.
--
-- One row per declaration (a re-import of the same declaration id replaces it): the fields
-- the worklist filters on as columns, the whole consignment as JSON.

CREATE TABLE consignments (
    declaration_id TEXT PRIMARY KEY,
    day BIGINT,
    hs_code TEXT NOT NULL,
    importer TEXT,
    container TEXT,
    origin_country TEXT,
    data TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX consignments_by_day ON consignments (day, declaration_id);
CREATE INDEX consignments_by_container ON consignments (container);
