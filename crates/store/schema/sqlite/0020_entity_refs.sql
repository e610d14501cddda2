-- Hamnvakt schema 20 for sqlite: one identity for each thing. Keep in step with
-- schema/postgres/0020_entity_refs.sql.
--
-- Alert subjects are typed entity references (hamnvakt_core::entity): a person is its id,
-- not `person:<id>`; a vessel is `mmsi:<nine digits>`, not a bare number. The stored forms of
-- before are rewritten here; the events in the audit chain keep what was raised, and the
-- read path still understands the old forms (EntityRef::from_subject).
UPDATE alert_subjects SET reference = substr(reference, 8)
 WHERE kind = 'person' AND reference LIKE 'person:%';
UPDATE alert_subjects SET reference = substr(reference, 5)
 WHERE kind = 'organisation' AND reference LIKE 'org:%';
UPDATE alert_subjects SET reference = 'mmsi:' || reference
 WHERE kind = 'vessel' AND length(reference) = 9
   AND reference GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]';

-- Correlation rules, versioned like risk profiles: a version is never changed or deleted;
-- the newest version of an id is the rule in force. Built-in rules live in the code as
-- version 0 under their code; a stored version of the same id replaces them.
CREATE TABLE correlation_rules (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    author TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);
