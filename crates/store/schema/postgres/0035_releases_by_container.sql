-- Hamnvakt schema 35 for postgres: a container's releases indexed by what never changes. Schema 15
-- indexed them on (container, state), so every step that changed a release's state moved its
-- entry, and a granted pick-up, which collects the release, wrote a page of that index
-- besides the release's own. Nothing reads releases by state: the reads by container
-- (`Store::releases_of_container`, the gate's version check) want the newest first, which
-- this index gives in order, and no step ever changes its key.
-- Keep in step with schema/sqlite/0035_releases_by_container.sql.

DROP INDEX releases_by_container;
CREATE INDEX releases_by_container ON releases (container, issued_ms DESC, id);
