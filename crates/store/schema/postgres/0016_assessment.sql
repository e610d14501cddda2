-- Hamnvakt schema 16 for postgres: vulnerability assessment. Keep in step with
-- schema/sqlite/0016_assessment.sql.
--
-- `assessments`: one row per assessment of a facility, the whole assessment (assets,
-- scenarios, answers, actions) as JSON; `version` is bumped by every edit and an edit is
-- written only over the version it was made from. A reassessment is a new row naming the
-- one it follows (`previous`), so every round stays as it was: that is the history a trend
-- is drawn from. Every edit is also an event in the audit chain, in the same transaction.
--
-- `practices`: the best-practice library, each with its owner and its marking (TLP and
-- audience, JSON) fixed at creation; never updated.
--
-- `control_scores`: each port's answer per control as it shares it for comparison (a
-- status only); `comparison_shown`: per reader and control the comparison last shown, so
-- that a set of ports changed by one or two is not shown anew (docs/SECURITY.md).

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    facility TEXT NOT NULL,
    previous TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX assessments_by_org ON assessments (org_id, facility, created_ms);

CREATE TABLE practices (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL,
    marking TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX practices_by_created ON practices (created_ms);

CREATE TABLE control_scores (
    org_id TEXT NOT NULL,
    control TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (org_id, control)
);

CREATE TABLE comparison_shown (
    reader_org TEXT NOT NULL,
    control TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (reader_org, control)
);
