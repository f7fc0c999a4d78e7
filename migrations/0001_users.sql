-- Students and staff who have talked to the bot. Times are UTC, 'YYYY-MM-DD HH:MM:SS'.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,          -- Telegram user id
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,                         -- as Telegram reports it
    locale        TEXT,                         -- chosen with /language; NULL = from language_code
    source        TEXT,                         -- first-touch deep-link payload
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    blocked_at    TEXT                          -- when the user blocked the bot; NULL = reachable
);

CREATE INDEX users_source ON users (source) WHERE source IS NOT NULL;

-- aiogram FSM state and data, so that a restart keeps every conversation where it was.
CREATE TABLE fsm_states (
    key        TEXT PRIMARY KEY,                -- StorageKey joined by ':'
    state      TEXT,
    data       TEXT    NOT NULL DEFAULT '{}',   -- JSON object
    updated_at TEXT    NOT NULL
);
