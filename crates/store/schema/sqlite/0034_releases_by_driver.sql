-- Hamnvakt schema 34 for sqlite: a driver's releases found by an index. The gate's committer
-- reads them for the stack detector whenever a decision lets someone into a sensitive zone
-- (`Store::releases_of_driver`), and without it that read scanned every release ever issued.
-- Keep in step with schema/postgres/0034_releases_by_driver.sql.

CREATE INDEX releases_by_driver ON releases (driver, issued_ms DESC, id);
