-- Training runs logged by the experiment tracker.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    started_at TEXT NOT NULL,
    accuracy REAL NOT NULL,
    status TEXT NOT NULL
);
INSERT INTO runs (model, started_at, accuracy, status) VALUES
 ('fraud-xgb', '2026-10-01T09:00', 0.91, 'finished'), ('fraud-xgb', '2026-10-08T09:00', 0.93, 'finished'),
 ('fraud-xgb', '2026-10-15T09:00', 0.92, 'finished'), ('churn-lr', '2026-09-20T14:00', 0.78, 'finished'),
 ('churn-lr', '2026-10-02T14:00', 0.81, 'finished'), ('ranker-v3', '2026-10-11T08:30', 0.66, 'finished'),
 ('ranker-v3', '2026-10-12T08:30', 0.71, 'finished'), ('ranker-v3', '2026-10-13T08:30', 0.69, 'finished'),
 ('ranker-v3', '2026-10-10T08:30', 0.60, 'finished'), ('sentiment-bert', '2026-10-05T11:00', 0.88, 'finished');
