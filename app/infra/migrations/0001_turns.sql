-- One row per answered turn. No secrets: no keys, no auth headers, question text is redacted.
CREATE TABLE turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    conversation_id TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,          -- JSON list
    flags TEXT NOT NULL,              -- JSON list: refused, out_of_scope, fallback, unsupported, ...
    prompt_name TEXT,
    prompt_version INTEGER,
    prompt_sha256 TEXT,
    backend TEXT NOT NULL,
    model TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    latency_embed_ms REAL,
    latency_retrieve_ms REAL,
    latency_graph_ms REAL,
    latency_generate_ms REAL,
    latency_ttft_ms REAL,
    latency_total_ms REAL
);
CREATE INDEX turns_ts ON turns (ts);
