-- Career centres, staff roles granted by one-time invites, and the indexes the
-- centres' aggregate statistics need.
CREATE TABLE centres (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    code        TEXT    NOT NULL UNIQUE,       -- the students' deep-link payload: random, unguessable
    created_by  INTEGER NOT NULL,              -- the admin's Telegram id
    created_at  TEXT    NOT NULL,
    archived_at TEXT                           -- archived: the link no longer adds students
);

-- The centre a student arrived through (first touch, like `source`).
ALTER TABLE users ADD COLUMN centre_id INTEGER REFERENCES centres (id);
CREATE INDEX users_centre ON users (centre_id) WHERE centre_id IS NOT NULL;

-- One-time invite links. Only a hash of the link's secret is kept: a copy of the
-- database does not hand out working invites.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,       -- sha256 hex of the secret in the link
    role        TEXT    NOT NULL CHECK (role IN ('manager', 'operator')),
    centre_id   INTEGER REFERENCES centres (id) ON DELETE CASCADE,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    used_at     TEXT,
    CHECK ((role = 'manager') = (centre_id IS NOT NULL))
);

-- Staff granted in the bot (admins come from ADMIN_IDS). A manager row per centre.
CREATE TABLE staff (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           TEXT    NOT NULL CHECK (role IN ('manager', 'operator')),
    centre_id      INTEGER REFERENCES centres (id) ON DELETE CASCADE,
    granted_at     TEXT    NOT NULL,
    invite_id      INTEGER REFERENCES invites (id) ON DELETE SET NULL,
    digest         INTEGER NOT NULL DEFAULT 1,  -- managers: the weekly digest is wanted
    digest_week    TEXT,                        -- when the last week's digest fell due (UTC): that week is done
    digest_sending INTEGER NOT NULL DEFAULT 0,  -- claimed right before sending; a crash leaves 1
    digest_sent_at TEXT,                        -- when the last digest went out
    CHECK ((role = 'manager') = (centre_id IS NOT NULL))
);

CREATE UNIQUE INDEX staff_one_role ON staff (user_id, role, IFNULL(centre_id, 0));
CREATE INDEX staff_centre ON staff (centre_id) WHERE centre_id IS NOT NULL;

-- Statistics read every attempt of a period and every answer of those attempts.
CREATE INDEX attempts_quiz_started ON attempts (quiz_id, started_at);
CREATE INDEX answers_attempt_node ON answers (attempt_id, node_id);
