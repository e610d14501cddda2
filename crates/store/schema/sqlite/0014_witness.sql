-- Witnessed checkpoints of the audit chain (see hamnvakt_core::witness): the ones this
-- installation signed, and the ones its partners sent it of their chains. Both are kept as
-- signed and never changed: the triggers refuse updates and deletes, as on `events`.

CREATE TABLE witness_signed (
    seq INTEGER PRIMARY KEY,
    installation TEXT NOT NULL,
    head_hash TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER witness_signed_append_only_update BEFORE UPDATE ON witness_signed
BEGIN SELECT RAISE(ABORT, 'witness checkpoints are append-only'); END;
CREATE TRIGGER witness_signed_append_only_delete BEFORE DELETE ON witness_signed
BEGIN SELECT RAISE(ABORT, 'witness checkpoints are append-only'); END;

CREATE TABLE witness_received (
    installation TEXT NOT NULL,
    seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (installation, seq)
);
CREATE TRIGGER witness_received_append_only_update BEFORE UPDATE ON witness_received
BEGIN SELECT RAISE(ABORT, 'witness checkpoints are append-only'); END;
CREATE TRIGGER witness_received_append_only_delete BEFORE DELETE ON witness_received
BEGIN SELECT RAISE(ABORT, 'witness checkpoints are append-only'); END;
