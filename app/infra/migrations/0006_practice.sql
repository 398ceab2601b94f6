-- Practice: learner profiles, one FSRS card per learner and quiz item, and every quiz answer
-- (app/infra/learners.py). Portable SQL: the same file runs on SQLite and, translated, on PostgreSQL.
CREATE TABLE learner_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,        -- a profile name, or "client:name" for a profile of an API key
    created TEXT NOT NULL,            -- ISO-8601 UTC
    fsrs_parameters TEXT              -- JSON list of the learner's own FSRS weights; NULL = the defaults
);
CREATE TABLE learner_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    item_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    node TEXT NOT NULL,
    card TEXT NOT NULL,               -- fsrs Card.to_json()
    due TEXT NOT NULL,                -- ISO-8601 UTC, copied from the card for the due queue
    last_correct INTEGER NOT NULL,    -- 1 when the last answer was right
    reps INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL,
    UNIQUE (profile, item_id)
);
CREATE INDEX learner_reviews_due ON learner_reviews (profile, due);
CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    profile TEXT NOT NULL,
    item_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    node TEXT NOT NULL,
    kind TEXT NOT NULL,
    answer TEXT NOT NULL,
    correct INTEGER NOT NULL,
    rating INTEGER NOT NULL,          -- fsrs Rating: 1 again, 3 good
    card_id INTEGER NOT NULL,         -- fsrs card id (FSRS optimizer input with rating and ts)
    scheduled_days REAL NOT NULL,     -- the interval the answer gave, in days
    channel TEXT NOT NULL DEFAULT 'cli'
);
CREATE INDEX quiz_attempts_profile ON quiz_attempts (profile, ts);
