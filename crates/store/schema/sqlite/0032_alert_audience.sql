-- Hamnvakt schema 32 for sqlite: the audience an alert's owner chose when raising it
-- (organisation, named, community, alliance), within what its TLP allows; see
-- hamnvakt_core::marking. NULL for alerts raised without one (every detector's, and those
-- stored before this schema): their audience is the one their TLP implies. Never changed
-- after the alert is raised. Keep in step with schema/postgres/0032_alert_audience.sql.

ALTER TABLE alerts ADD COLUMN audience TEXT;
