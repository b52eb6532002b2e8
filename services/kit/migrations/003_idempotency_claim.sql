-- Which request holds a pending Idempotency-Key: a fresh id per claim (and per takeover), so a
-- request's completion or release acts only on its own claim, never on the one that took over.
ALTER TABLE idempotency_keys ADD COLUMN claim uuid;
