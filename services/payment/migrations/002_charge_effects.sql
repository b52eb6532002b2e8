-- The gateway is called after the claiming transaction commits (kit effects), so PENDING is now
-- visible while a charge is in flight. An OrderCancelled that arrives meanwhile is remembered
-- here and refunded as soon as the charge completes.
ALTER TABLE payments ADD COLUMN cancel_reason text;
