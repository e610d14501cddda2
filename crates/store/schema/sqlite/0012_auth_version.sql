-- Hamnvakt schema 12: a version of the accounts' authority, moved by every token revocation,
-- role change and account disabling in the same transaction, so that an instance that caches
-- verified tokens sees another instance's change at the very next request. Keep the SQLite
-- and PostgreSQL files in step.
CREATE TABLE auth_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO auth_version (id, version) VALUES (1, 0);
