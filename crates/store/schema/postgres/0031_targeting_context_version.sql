-- Hamnvakt schema 31 for postgres: the targeting context's version, so that each process can keep
-- the context's counts (schema 22) in memory and read again only what moved. Every upsert of
-- consignments that moves the counts raises the version in its transaction and records the
-- earliest day it moved; a process whose copy is older reads the rows from that day on.
-- Keep in step with schema/sqlite/0031_targeting_context_version.sql.

INSERT INTO targeting_state (key, value) VALUES ('context_version', 0);

CREATE TABLE targeting_context_changes (
    version BIGINT PRIMARY KEY,
    min_day BIGINT NOT NULL
);

-- What a copy reads again: the rows from a day on.
CREATE INDEX consignment_importer_days_by_day ON consignment_importer_days (day);
CREATE INDEX consignment_value_days_by_day ON consignment_value_days (day);
