-- Hamnvakt schema 18 for PostgreSQL: every transaction that appends to the event log notifies
-- `hamnvakt_events` once (a statement trigger; PostgreSQL folds equal notifications of one
-- transaction into one and delivers them at commit), so other instances follow the chain,
-- the register and the policies as soon as they move instead of at their next poll.
CREATE FUNCTION hamnvakt_notify_events() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('hamnvakt_events', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION hamnvakt_notify_events();

-- The vessel picture's latest state per MMSI (identity, voyage, position) as JSON, written by
-- the instance that reads the feeds with its track points: other instances follow it
-- (`written_ms`), and every instance starts with it instead of an empty map.
CREATE TABLE vessels (
    mmsi BIGINT PRIMARY KEY,
    data TEXT NOT NULL,
    last_ms BIGINT NOT NULL,
    written_ms BIGINT NOT NULL
);
CREATE INDEX vessels_by_written ON vessels (written_ms);
