-- The kit's own tables, in every service's schema.

-- Events committed with the state change that caused them, waiting for the relay to publish them.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  key text,
  value bytea NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- ce_ids of consumed events, written in the transaction of the handler's writes.
CREATE TABLE inbox (
  ce_id text PRIMARY KEY,
  topic text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_processed_at ON inbox (processed_at);

-- First responses of POSTs sent with an Idempotency-Key, replayed to retries.
CREATE TABLE idempotency_keys (
  key text NOT NULL,
  route text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  status_code int,
  response_headers jsonb,
  response_body bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (route, key)
);
