-- Learning tips: one subscription per student, an outbox of planned tips, feedback.
-- APScheduler only wakes the delivery job; everything it needs to know is here.
CREATE TABLE tip_subscriptions (
    user_id          INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status           TEXT    NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'paused', 'stopped')),
    timezone         TEXT    NOT NULL,            -- IANA name, the student's local time
    window_start     INTEGER NOT NULL,            -- local hours [start, end)
    window_end       INTEGER NOT NULL,
    interval_seconds INTEGER NOT NULL,            -- time between two tips
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE tip_outbox (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tip_id      TEXT    NOT NULL,
    position    INTEGER NOT NULL,                 -- order within the student's plan
    due_at      TEXT    NOT NULL,                 -- UTC
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'cancelled', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     TEXT,
    message_id  INTEGER,
    created_at  TEXT    NOT NULL
);

CREATE INDEX tip_outbox_due ON tip_outbox (status, due_at);
CREATE INDEX tip_outbox_user ON tip_outbox (user_id, status);

CREATE TABLE tip_feedback (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tip_id     TEXT    NOT NULL,
    verdict    TEXT    NOT NULL CHECK (verdict IN ('useful', 'not_for_me')),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, tip_id)
);

-- The one-time nudge to students who left the quiz unfinished.
ALTER TABLE attempts ADD COLUMN reminded_at TEXT;
CREATE INDEX attempts_stalled ON attempts (updated_at)
    WHERE status = 'active' AND reminded_at IS NULL;
