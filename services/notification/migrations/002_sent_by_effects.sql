-- Sends now happen after the claiming transaction commits (kit effects): a row is PENDING from
-- its claim until the channel accepted it, then SENT. Nothing to change in the table itself;
-- this index serves an operator looking for sends that are stuck.
CREATE INDEX notifications_pending ON notifications (created_at) WHERE status = 'PENDING';
