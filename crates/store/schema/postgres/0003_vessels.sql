-- Hamnvakt schema 3 for PostgreSQL: the maritime picture's durable part. Keep in step with
-- schema/sqlite/0003_vessels.sql.
--
-- Tracks are stored downsampled (the server keeps a point when enough time has passed or the
-- vessel turned or changed speed) and pruned after the retention period.

CREATE TABLE vessel_positions (
    mmsi BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    speed_kn DOUBLE PRECISION,
    course_deg DOUBLE PRECISION,
    PRIMARY KEY (mmsi, at_ms)
);
CREATE INDEX vessel_positions_by_time ON vessel_positions (at_ms);

-- Port visits in the manner of Global Fishing Watch: one row per visit, updated as it gains a
-- stop or a gap and when it ends.
CREATE TABLE port_calls (
    mmsi BIGINT NOT NULL,
    port TEXT NOT NULL,
    port_name TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT,
    entered BIGINT NOT NULL,
    exited BIGINT NOT NULL,
    stop_ms BIGINT,
    gap BIGINT NOT NULL,
    confidence BIGINT NOT NULL,
    PRIMARY KEY (mmsi, port, start_ms)
);
CREATE INDEX port_calls_by_port ON port_calls (port, start_ms);

-- Flags vessels declare (pre-arrival notifications, registries), checked against the MMSI.
CREATE TABLE vessel_flags (
    mmsi BIGINT PRIMARY KEY,
    flag TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_ms BIGINT NOT NULL
);
