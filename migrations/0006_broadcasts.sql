-- Operators' broadcasts: one row per broadcast, one outbox row per recipient, and the
-- students' wish not to get news.
ALTER TABLE users ADD COLUMN news_off_at TEXT;   -- the student turned news off; NULL = wanted

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER NOT NULL,      -- the operator's (or admin's) Telegram id
    kind                TEXT    NOT NULL CHECK (kind IN ('copy', 'tip')),
    source_chat_id      INTEGER,               -- copy: the operator's message to copy
    source_message_id   INTEGER,
    tip_id              TEXT,                  -- tip: a tip of the catalogue
    buttons             TEXT    NOT NULL DEFAULT '[]',  -- JSON [[text, url], ...]: URL buttons, one per row
    audience            TEXT    NOT NULL DEFAULT '{}',  -- JSON of the segment (see bot/broadcasts/segment.py)
    status              TEXT    NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'cancelled', 'done')),
    scheduled_at        TEXT,                  -- UTC; when it starts (NULL: at once)
    started_at          TEXT,
    finished_at         TEXT,
    total               INTEGER NOT NULL DEFAULT 0,  -- recipients, fixed when it starts
    progress_message_id INTEGER,               -- the operator's live progress message
    reported_at         TEXT,                  -- the final report was sent to the operator
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    CHECK ((kind = 'copy') = (source_message_id IS NOT NULL)),
    CHECK ((kind = 'tip') = (tip_id IS NOT NULL))
);

CREATE INDEX broadcasts_due ON broadcasts (status, scheduled_at);

-- 'sending' is claimed right before the request. A crash leaves it: start-up queues it
-- again and marks it uncertain (it may have arrived before the crash, then twice).
CREATE TABLE broadcast_outbox (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped')),
    uncertain    INTEGER NOT NULL DEFAULT 0,  -- interrupted by a crash once: may arrive twice
    message_id   INTEGER,
    error        TEXT,
    sent_at      TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;

CREATE INDEX broadcast_outbox_status ON broadcast_outbox (broadcast_id, status);
