-- Hamnvakt schema 3 for SQLite: the maritime picture's durable part. Keep in step with
-- schema/postgres/0003_vessels.sql.
--
-- Tracks are stored downsampled (the server keeps a point when enough time has passed or the
-- vessel turned or changed speed) and pruned after the retention period.

CREATE TABLE vessel_positions (
    mmsi INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    speed_kn REAL,
    course_deg REAL,
    PRIMARY KEY (mmsi, at_ms)
);
CREATE INDEX vessel_positions_by_time ON vessel_positions (at_ms);

-- Port visits in the manner of Global Fishing Watch: one row per visit, updated as it gains a
-- stop or a gap and when it ends.
CREATE TABLE port_calls (
    mmsi INTEGER NOT NULL,
    port TEXT NOT NULL,
    port_name TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER,
    entered INTEGER NOT NULL,
    exited INTEGER NOT NULL,
    stop_ms INTEGER,
    gap INTEGER NOT NULL,
    confidence INTEGER NOT NULL,
    PRIMARY KEY (mmsi, port, start_ms)
);
CREATE INDEX port_calls_by_port ON port_calls (port, start_ms);

-- Flags vessels declare (pre-arrival notifications, registries), checked against the MMSI.
CREATE TABLE vessel_flags (
    mmsi INTEGER PRIMARY KEY,
    flag TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_ms INTEGER NOT NULL
);
