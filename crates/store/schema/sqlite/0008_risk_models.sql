-- Hamnvakt schema 8 for SQLite: trained risk models, every version kept. Keep in step with
-- schema/postgres/0008_risk_models.sql.

CREATE TABLE risk_models (
    version INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    summary TEXT NOT NULL,
    author TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
