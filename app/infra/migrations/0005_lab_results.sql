-- One row per `tutor lab check` (CLI or the Labs page): the lab, the roadmap nodes it exercises, the verdict and
-- its reason. Mastery reads "labs passed per roadmap node" from here (app/infra/labresults.py).
CREATE TABLE lab_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    profile TEXT NOT NULL DEFAULT 'default',
    lab_id TEXT NOT NULL,
    nodes TEXT NOT NULL,              -- JSON list of roadmap node ids
    passed INTEGER NOT NULL,          -- 1 passed, 0 failed
    reason TEXT NOT NULL
);
CREATE INDEX lab_results_profile_lab ON lab_results (profile, lab_id);
