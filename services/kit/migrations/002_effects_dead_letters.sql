-- External side effects (a gateway charge, a webhook POST), recorded in the transaction that
-- decided them and performed after it committed, outside any transaction, with `key` as the
-- idempotency key the external system sees. A row lives until its outcome is recorded.
CREATE TABLE effects (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  key text NOT NULL UNIQUE,
  payload jsonb NOT NULL,
  -- correlation, causation and trace of the events the outcome will emit
  context jsonb NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  due_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX effects_due_at ON effects (due_at);

-- Records this service's consumer group already dead-lettered, by position: a crash between the
-- dead-letter write and the offset commit redelivers the record, and it must not be sent twice.
-- (A replay is a new record at a new offset, so it is processed normally.)
CREATE TABLE dead_letters (
  topic text NOT NULL,
  partition int NOT NULL,
  "offset" bigint NOT NULL,
  ce_id text,
  dead_lettered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX dead_letters_at ON dead_letters (dead_lettered_at);

-- For the retention purge.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
