-- One payment per order (unique order_id): a redelivered or duplicate OrderCreated, or a manual
-- charge racing the automatic one, can never charge twice. A row is inserted as PENDING to claim
-- the order and settled to COMPLETED or FAILED in the same transaction, so PENDING is never
-- visible outside it. Money is NUMERIC(14,2) next to its currency.
CREATE TABLE payments (
  payment_id      uuid PRIMARY KEY,
  order_id        uuid NOT NULL UNIQUE,
  customer_id     text NOT NULL,
  amount          numeric(14, 2) NOT NULL CHECK (amount >= 0),
  currency        char(3) NOT NULL,
  payment_method  text NOT NULL,
  status          text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
  transaction_id  text,
  failure_reason  text,
  refunded_amount numeric(14, 2) NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
  source          text NOT NULL CHECK (source IN ('ORDER_CREATED', 'API')),
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX payments_created ON payments (created_at DESC, payment_id DESC);

CREATE TABLE refunds (
  refund_id      uuid PRIMARY KEY,
  payment_id     uuid NOT NULL REFERENCES payments (payment_id),
  order_id       uuid NOT NULL,
  amount         numeric(14, 2) NOT NULL CHECK (amount > 0),
  currency       char(3) NOT NULL,
  reason         text NOT NULL,
  transaction_id text,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
