-- Idempotency-Keys are scoped per caller (the token's subject): two callers who happen to pick the
-- same key name two operations, and neither can replay, or learn about, the other's response.
-- Keys stored before authentication existed belong to the empty caller.
ALTER TABLE idempotency_keys ADD COLUMN caller text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (caller, route, key);
