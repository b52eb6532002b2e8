-- Fact tables, one per entity, each written by one topic's events and merged commutatively
-- (see src/domain/facts.ts); the summary joins them at read time, so arrival order across topics
-- never matters.

-- Orders (ecom.orders): current status by lifecycle rank, totals, and the two saga timestamps.
CREATE TABLE order_facts (
  order_id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  status_rank int NOT NULL,
  total_amount numeric(14, 2) NOT NULL,
  currency char(3) NOT NULL,
  created_at timestamptz,
  confirmed_at timestamptz,
  reached_confirmed boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_facts_confirmed ON order_facts (currency) WHERE reached_confirmed;

-- Payment attempts (ecom.payments).
CREATE TABLE payment_facts (
  payment_id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('COMPLETED', 'FAILED'))
);

-- Refunds (ecom.payments).
CREATE TABLE refund_facts (
  refund_id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  amount numeric(14, 2) NOT NULL,
  currency char(3) NOT NULL
);
CREATE INDEX refund_facts_order ON refund_facts (order_id);

-- Latest stock-level state per product (ecom.inventory), by event time.
CREATE TABLE stock_level_facts (
  product_id text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('warning', 'depleted', 'normalized')),
  available int NOT NULL,
  state_at timestamptz NOT NULL
);

-- Shipments (ecom.shipments): created and delivered times, whichever arrives first.
CREATE TABLE shipment_facts (
  shipment_id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  created_at timestamptz,
  delivered_at timestamptz
);

-- Notifications sent (ecom.notifications).
CREATE TABLE notification_facts (
  notification_id uuid PRIMARY KEY,
  template text NOT NULL
);
