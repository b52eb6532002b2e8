-- Stock per product. The CHECKs are the last line of defence for "stock never goes negative and
-- never promises more than is on hand"; the code checks first so callers get a 409, not a 500.
CREATE TABLE products (
  product_id  text PRIMARY KEY CHECK (length(product_id) BETWEEN 1 AND 100),
  on_hand     bigint NOT NULL CHECK (on_hand >= 0),
  reserved    bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- GET /api/inventory lists newest first.
CREATE INDEX products_updated_idx ON products (updated_at DESC, product_id);

-- What inventory knows of each order, whatever arrived first: the payment outcome (ecom.payments)
-- may come before the OrderCreated (ecom.orders). The row is also the per-order lock that
-- serializes the handlers of one order running on different topics' partitions.
CREATE TABLE order_signals (
  order_id          uuid PRIMARY KEY,
  payment_status    text CHECK (payment_status IN ('COMPLETED', 'FAILED')),
  cancelled_reason  text,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- At most one reservation per order (the primary key), whatever the redeliveries.
CREATE TABLE reservations (
  order_id        uuid PRIMARY KEY,
  reservation_id  uuid NOT NULL UNIQUE,
  status          text NOT NULL CHECK (status IN ('HELD', 'COMMITTED', 'RELEASED', 'FAILED')),
  -- [{productId, quantity}] one per product, sorted by productId (the lock order).
  items           jsonb NOT NULL,
  release_reason  text CHECK (release_reason IN ('PAYMENT_FAILED', 'ORDER_CANCELLED')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
