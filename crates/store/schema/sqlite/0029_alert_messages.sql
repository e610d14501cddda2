-- Hamnvakt schema 29 for sqlite: what a detector or rule said about its finding, as a message
-- code with parameters (JSON, `{"code": "alert.ais.gap", "params": {...}}`), so the console
-- shows each reader the alert's title in their language; `title` keeps the English text for
-- API and STIX consumers. NULL for alerts people raised (their title is theirs) and for
-- alerts stored before this schema. Keep in step with schema/postgres/0029_alert_messages.sql.

ALTER TABLE alerts ADD COLUMN message TEXT;
