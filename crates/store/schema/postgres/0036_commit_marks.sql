-- Hamnvakt schema 36 for PostgreSQL: where the gate's committer makes its group durable
-- outside the chain head's lock. Its transaction commits without waiting for the disk
-- (`synchronous_commit = off`, so the lock is released at once), and in the same round trip a
-- second transaction of one row's update commits durably: its flush carries the group's commit
-- record, which the log holds before it. One row per slot of backend process ids, so two
-- instances' committers seldom touch the same row.
CREATE TABLE commit_marks (
    slot INTEGER PRIMARY KEY,
    n BIGINT NOT NULL
);
