-- Quiz attempts and their answers. The attempt's state is derived by replaying its
-- answers through the quiz engine; `step` (the number of live answers) guards every
-- change, so a stale or doubled button press can never be recorded twice.
CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    quiz_id      TEXT    NOT NULL,
    quiz_version INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'finished', 'abandoned', 'outdated')),
    current_node TEXT    NOT NULL,
    step         INTEGER NOT NULL DEFAULT 0,
    message_id   INTEGER,                      -- the message that shows the current node
    started_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    finished_at  TEXT,
    profile      TEXT                          -- JSON snapshot of the profile when finished
);

-- At most one attempt in progress per student and quiz.
CREATE UNIQUE INDEX attempts_one_active ON attempts (user_id, quiz_id) WHERE status = 'active';
CREATE INDEX attempts_user ON attempts (user_id, status, finished_at);

CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    attempt_id  INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,              -- 0-based order within the attempt
    node_id     TEXT    NOT NULL,
    option_id   TEXT    NOT NULL,
    answered_at TEXT    NOT NULL,
    undone_at   TEXT                           -- set by "Back"; undone answers are kept for analysis
);

CREATE UNIQUE INDEX answers_live_position ON answers (attempt_id, position) WHERE undone_at IS NULL;
