-- Hamnvakt schema 36 for SQLite: the table PostgreSQL's gate committer makes its groups durable
-- with (see the PostgreSQL migration). SQLite has one writer and commits durably in place; the
-- table is kept only so that both backends have the same schema.
CREATE TABLE commit_marks (
    slot INTEGER PRIMARY KEY,
    n INTEGER NOT NULL
);
