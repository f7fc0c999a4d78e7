-- A paused attempt stays paused until the student asks to go on, so stray messages
-- no longer bring the question back. Each answer remembers the message that showed
-- its question, so "Back" can take that record out of the chat.
ALTER TABLE attempts ADD COLUMN paused_at TEXT;
ALTER TABLE answers ADD COLUMN message_id INTEGER;
