-- Students' personal data (152-ФЗ): consent records, the notice texts they agreed to,
-- and what the generic deletion and the retention job need.
--
-- Convention every table follows (bot/db/privacy.py relies on it, and a test scans
-- the whole database after a deletion): a column that holds a person's Telegram id
-- is named `user_id` or references users (id). Deleting a student deletes the rows
-- whose `user_id` or reference names them (a reference declared ON DELETE SET NULL
-- is set to NULL instead), then their `users` row; rows below those go by cascade.

-- The exact notice texts, once per version and language (not personal data: kept).
CREATE TABLE consent_notices (
    version    TEXT    NOT NULL,              -- hash of the notice in every language
    locale     TEXT    NOT NULL,
    text       TEXT    NOT NULL,              -- the notice exactly as shown
    created_at TEXT    NOT NULL,              -- when this version was first shown
    PRIMARY KEY (version, locale)
) WITHOUT ROWID;

-- Each consent a student gave: when, to which version, in which language.
CREATE TABLE consents (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version   TEXT    NOT NULL,
    locale    TEXT    NOT NULL,
    agreed_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, version)
) WITHOUT ROWID;

-- aiogram's FSM rows name their user inside the key ('bot:chat:user:destiny'); a
-- column of its own lets deletion find them like any other row about the user.
ALTER TABLE fsm_states ADD COLUMN user_id INTEGER;
UPDATE fsm_states
   SET user_id = CAST(
       substr(substr(substr(key, instr(key, ':') + 1),
                     instr(substr(key, instr(key, ':') + 1), ':') + 1),
              1,
              instr(substr(substr(key, instr(key, ':') + 1),
                           instr(substr(key, instr(key, ':') + 1), ':') + 1), ':') - 1)
       AS INTEGER);
CREATE INDEX fsm_states_user ON fsm_states (user_id);

-- The retention job looks for students inactive for longer than DATA_RETENTION.
CREATE INDEX users_last_seen ON users (last_seen_at);

-- Deletion finds a student's rows by user_id in every table.
CREATE INDEX broadcast_outbox_user ON broadcast_outbox (user_id);
CREATE INDEX invites_used_by ON invites (used_by) WHERE used_by IS NOT NULL;
