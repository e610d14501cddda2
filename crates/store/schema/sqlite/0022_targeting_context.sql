-- Hamnvakt schema 22 for SQLite: the targeting context kept as running counts, so scoring a
-- consignment or a day reads a few rows, not every stored consignment. Keep in step with
-- schema/postgres/0022_targeting_context.sql.
--
-- Each consignment row also keeps the two things it adds to the counts (its importer's key and
-- its value per kg), so that replacing it takes its old contribution away first. Counts only
-- hold consignments with a date. Values per kg are counted in buckets of 2 % (bucket
-- floor(50 · ln(value per kg))): a heading's median is read from them to within 1 %.

ALTER TABLE consignments ADD COLUMN importer_key TEXT;
ALTER TABLE consignments ADD COLUMN value_per_kg REAL;

-- Consignments per importer and day.
CREATE TABLE consignment_importer_days (
    importer TEXT NOT NULL,
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (importer, day)
);

-- Values per kg per HS heading, day and bucket…
CREATE TABLE consignment_value_days (
    heading TEXT NOT NULL,
    day INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (heading, day, bucket)
);

-- …and over all days (the norm before a day is this less the days from it on).
CREATE TABLE consignment_value_totals (
    heading TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (heading, bucket)
);

-- `context_built`: 1 once the counts hold the consignments stored before this schema.
CREATE TABLE targeting_state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO targeting_state (key, value) VALUES ('context_built', 0);
