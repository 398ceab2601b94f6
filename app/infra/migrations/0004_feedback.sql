-- Learner feedback (issue 15). A turn gets a public id that clients and the UI may quote back (the server's
-- completion id, chatcmpl-...), and the passages it was answered from, so a maintainer can promote the turn
-- to an eval case with the retrieval it actually had.
ALTER TABLE turns ADD COLUMN uid TEXT;
ALTER TABLE turns ADD COLUMN passages TEXT;      -- JSON list: chunk_id, doc_id, source of every retrieved passage
ALTER TABLE turns ADD COLUMN graph_nodes TEXT;   -- JSON list: the roadmap nodes the answer was about
CREATE UNIQUE INDEX turns_uid ON turns (uid);

-- One rating per turn: the latest thumbs and comment win (a learner may change their mind).
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_uid TEXT NOT NULL UNIQUE REFERENCES turns (uid),
    ts TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,            -- ui | cli | api
    client TEXT,                      -- the API key's name (tutor serve)
    promoted_case TEXT                -- the eval case id once `tutor eval promote` made one
);
CREATE INDEX feedback_ts ON feedback (ts);
