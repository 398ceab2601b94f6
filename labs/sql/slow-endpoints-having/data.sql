-- A day of an inference gateway's request log.
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL
);
INSERT INTO requests (ts, endpoint, status, latency_ms) VALUES
 ('2026-11-02T08:00:01Z', '/v1/predict', 200, 120), ('2026-11-02T08:00:02Z', '/v1/predict', 500, 2100),
 ('2026-11-02T08:00:03Z', '/v1/predict', 503, 3000), ('2026-11-02T08:00:04Z', '/v1/predict', 502, 2900),
 ('2026-11-02T08:00:05Z', '/v1/predict', 200, 140), ('2026-11-02T08:01:00Z', '/v1/embed', 200, 40),
 ('2026-11-02T08:01:01Z', '/v1/embed', 500, 60), ('2026-11-02T08:01:02Z', '/v1/embed', 200, 35),
 ('2026-11-02T08:02:00Z', '/v1/chat', 504, 30000), ('2026-11-02T08:02:01Z', '/v1/chat', 500, 1800),
 ('2026-11-02T08:02:02Z', '/v1/chat', 200, 900), ('2026-11-02T08:02:03Z', '/v1/chat', 503, 1500),
 ('2026-11-02T08:02:04Z', '/v1/chat', 429, 5), ('2026-11-02T08:02:05Z', '/v1/chat', 429, 4),
 ('2026-11-02T08:03:00Z', '/healthz', 200, 1), ('2026-11-02T08:03:01Z', '/healthz', 200, 1),
 ('2026-11-02T08:03:02Z', '/healthz', 200, 2), ('2026-11-02T08:03:03Z', '/healthz', 200, 1),
 ('2026-11-02T08:04:00Z', '/v1/models', 404, 3), ('2026-11-02T08:04:01Z', '/v1/models', 404, 3),
 ('2026-11-02T08:04:02Z', '/v1/models', 404, 2), ('2026-11-02T08:04:03Z', '/v1/models', 500, 9);
