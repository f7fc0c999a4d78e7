-- Each attempt shows the options of its questions in an order of its own (issue 12), so
-- that no position is the "good" one. The order is drawn from this seed and the node id,
-- so resuming, going back and replaying show the same order. NULL (attempts begun
-- before this migration): the order of the quiz file.
ALTER TABLE attempts ADD COLUMN option_seed INTEGER;
