-- The tips outbox grows by five rows per subscriber and keeps every row it sent; only
-- the pending ones are ever looked up by time. Indexing every row by (status, due_at)
-- and (user_id, status) made each status change (pending -> sending -> sent) move an
-- entry in two indexes of the whole table: about 40% of a delivery round's SQLite work.
-- Now the time index holds the pending rows only (a claim moves the row from it to a
-- tiny index of the rows mid-send, found again after a crash; its outcome only takes
-- it out of that one), and a student's rows are found by user alone: a handful each,
-- filtered by status on the row.
DROP INDEX tip_outbox_due;
DROP INDEX tip_outbox_user;
CREATE INDEX tip_outbox_pending_due ON tip_outbox (due_at) WHERE status = 'pending';
CREATE INDEX tip_outbox_sending ON tip_outbox (id) WHERE status = 'sending';
CREATE INDEX tip_outbox_user ON tip_outbox (user_id);
