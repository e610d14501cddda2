-- Hamnvakt schema 5 for SQLite: risk profiles, every version kept. Keep in step with
-- schema/postgres/0005_risk_profiles.sql.

CREATE TABLE risk_profiles (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    author TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);
