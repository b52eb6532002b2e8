-- Orders and the joined saga state. Money is NUMERIC(14,2) (12 integer digits, as the event
-- schemas allow) and always sits next to its currency.
CREATE TABLE orders (
  order_id            uuid PRIMARY KEY,
  customer_id         text NOT NULL,
  items               jsonb NOT NULL,            -- [{productId, quantity, price}] with price a decimal string
  total_amount        numeric(14, 2) NOT NULL CHECK (total_amount >= 0),
  currency            char(3) NOT NULL,
  payment_method      text NOT NULL,
  status              text NOT NULL CHECK (status IN ('CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  cancellation_reason text CHECK (cancellation_reason IN ('PAYMENT_FAILED', 'OUT_OF_STOCK', 'CUSTOMER_REQUEST')),
  payment_status      text NOT NULL DEFAULT 'PENDING' CHECK (payment_status IN ('PENDING', 'COMPLETED', 'FAILED')),
  reservation_status  text NOT NULL DEFAULT 'PENDING' CHECK (reservation_status IN ('PENDING', 'RESERVED', 'FAILED')),
  refunded_amount     numeric(14, 2) NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
  created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  confirmed_at        timestamptz,
  shipped_at          timestamptz,
  delivered_at        timestamptz,
  cancelled_at        timestamptz
);

-- GET /api/orders?customerId= newest first; ?status= newest first.
CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC, order_id DESC);
CREATE INDEX orders_status_created ON orders (status, created_at DESC, order_id DESC);
CREATE INDEX orders_created ON orders (created_at DESC, order_id DESC);

-- PaymentRefunded events applied to an order, one row per refund: the refunded amount is
-- added once per refundId even if the same refund were published twice under different ce_ids.
CREATE TABLE order_refunds (
  refund_id   uuid PRIMARY KEY,
  order_id    uuid NOT NULL REFERENCES orders (order_id),
  payment_id  uuid NOT NULL,
  amount      numeric(14, 2) NOT NULL CHECK (amount >= 0),
  currency    char(3) NOT NULL,
  reason      text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_refunds_order ON order_refunds (order_id);
