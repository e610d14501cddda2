-- Hamnvakt schema 11: throttled sign-in attempts counted per key and window, so that one
-- audit event stands for a window's refusals (with their count) instead of one event each.
-- Keep the SQLite and PostgreSQL files in step.
--
-- key: `account:<username>` or `address:<client address>`; started_ms: when this window's
-- first refusal was recorded (as an `auth.login_throttled` event); attempts: refusals in the
-- window so far, the first included. Housekeeping records `auth.login_throttled_window` with
-- the count and deletes the row once the window has passed.
CREATE TABLE login_throttle_windows (
    key TEXT PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL
);
