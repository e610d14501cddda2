-- Hamnvakt schema 5 for PostgreSQL: risk profiles, every version kept. Keep in step with
-- schema/sqlite/0005_risk_profiles.sql.

CREATE TABLE risk_profiles (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL,
    author TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);
