-- Dead letters of the orders' flows: every record on ecom.dlq whose flow is an order of this service
-- (its ce_correlationid, else its ce_subject, else its key), one row per dead letter, keyed by its
-- position on the dead-letter topic. GET /api/orders/:orderId shows the open ones, ?stuck=true lists
-- the orders that have any. A dead letter closes (resolved_at) when its event was processed after
-- all (PROCESSED: the failed group published an answer to it, or this service's own group handled
-- it), or when its replay failed again (FAILED_AGAIN: the new dead letter is the open one now).
CREATE TABLE order_dead_letters (
  dlq_topic      text NOT NULL,
  dlq_partition  integer NOT NULL,
  dlq_offset     bigint NOT NULL,
  order_id       uuid NOT NULL REFERENCES orders (order_id),
  ce_id          text,
  ce_type        text,
  original_topic text,
  consumer_group text,
  error_class    text,
  error_message  text,
  failed_at      timestamptz NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  resolved_at    timestamptz,
  resolution     text CHECK (resolution IN ('PROCESSED', 'FAILED_AGAIN')),
  PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset),
  CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);

-- The open dead letters of an order (GET, ?stuck=true) and of an event (closing them on its answer).
CREATE INDEX order_dead_letters_open_order ON order_dead_letters (order_id) WHERE resolved_at IS NULL;
CREATE INDEX order_dead_letters_open_event ON order_dead_letters (ce_id) WHERE resolved_at IS NULL;
