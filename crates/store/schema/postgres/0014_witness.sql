-- Witnessed checkpoints of the audit chain (see hamnvakt_core::witness): the ones this
-- installation signed, and the ones its partners sent it of their chains. Both are kept as
-- signed and never changed: the triggers refuse updates, deletes and truncation, as on `events`.

CREATE TABLE witness_signed (
    seq BIGINT PRIMARY KEY,
    installation TEXT NOT NULL,
    head_hash TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TABLE witness_received (
    installation TEXT NOT NULL,
    seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (installation, seq)
);

CREATE FUNCTION witness_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'witness checkpoints are append-only';
END;
$$;
CREATE TRIGGER witness_signed_append_only BEFORE UPDATE OR DELETE ON witness_signed
FOR EACH ROW EXECUTE FUNCTION witness_append_only();
CREATE TRIGGER witness_signed_append_only_truncate BEFORE TRUNCATE ON witness_signed
FOR EACH STATEMENT EXECUTE FUNCTION witness_append_only();
CREATE TRIGGER witness_received_append_only BEFORE UPDATE OR DELETE ON witness_received
FOR EACH ROW EXECUTE FUNCTION witness_append_only();
CREATE TRIGGER witness_received_append_only_truncate BEFORE TRUNCATE ON witness_received
FOR EACH STATEMENT EXECUTE FUNCTION witness_append_only();
