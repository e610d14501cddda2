-- Hamnvakt schema 25 for postgres: imported versions of the catalogue of controls. Keep in step
-- with schema/sqlite/0025_catalogues.sql.
--
-- The catalogue shipped with the binary is not stored; an imported catalogue is kept whole
-- (JSON, as GET /api/v1/assessments/catalogue gives it) under its version, which is never
-- reused: a version once imported stays as it was, so an assessment made against it can
-- always be read against it. The catalogue in force is the one imported last.

CREATE TABLE catalogues (
    version TEXT PRIMARY KEY,
    published TEXT NOT NULL,
    imported_ms BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    controls BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX catalogues_by_import ON catalogues (imported_ms);
