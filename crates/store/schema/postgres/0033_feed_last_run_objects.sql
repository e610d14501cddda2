-- Hamnvakt schema 33 for postgres: a partner feed keeps how many objects crossed the wire on its
-- last run (received by a pull, sent by a push), beside the total it filed — so that a pull that
-- downloads nothing new can be told from one that downloads everything again and files nothing.
-- Keep in step with schema/sqlite/0033_feed_last_run_objects.sql.

ALTER TABLE sharing_feeds ADD COLUMN last_run_objects BIGINT NOT NULL DEFAULT 0;
