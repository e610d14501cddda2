-- Hamnvakt schema 8 for PostgreSQL: trained risk models, every version kept. Keep in step with
-- schema/sqlite/0008_risk_models.sql.

CREATE TABLE risk_models (
    version BIGINT PRIMARY KEY,
    data TEXT NOT NULL,
    summary TEXT NOT NULL,
    author TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
