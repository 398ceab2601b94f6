-- A small model registry and its deployment history.
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL
);
CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    model_id INTEGER REFERENCES models (id),  -- NULL: a hand-made deployment nobody registered
    env TEXT NOT NULL,
    deployed_at TEXT NOT NULL
);
INSERT INTO models (id, name, owner) VALUES
 (1, 'fraud-xgb', 'risk'), (2, 'churn-lr', 'growth'), (3, 'ranker-v2', 'search'),
 (4, 'ranker-v3', 'search'), (5, 'sentiment-bert', 'support'), (6, 'forecast-prophet', 'finance');
INSERT INTO deployments (model_id, env, deployed_at) VALUES
 (1, 'staging', '2026-10-01'), (1, 'production', '2026-10-03'), (3, 'production', '2026-09-12'),
 (3, 'staging', '2026-09-10'), (5, 'staging', '2026-10-20'), (NULL, 'production', '2026-10-22');
