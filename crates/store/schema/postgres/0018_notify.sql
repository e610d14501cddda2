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
