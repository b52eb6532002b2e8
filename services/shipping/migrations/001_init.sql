-- One shipment per order (UNIQUE order_id): the consumer and POST /api/shipments both insert with
-- ON CONFLICT, so whichever comes second creates nothing.
CREATE TABLE shipments (
  shipment_id         uuid PRIMARY KEY,
  order_id            uuid NOT NULL UNIQUE,
  customer_id         text NOT NULL,
  carrier             text NOT NULL,
  tracking_number     text NOT NULL UNIQUE,
  status              text NOT NULL
                      CHECK (status IN ('CREATED', 'PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED')),
  -- Last known location; null until the first status update.
  location            text,
  estimated_delivery  date NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_created_idx ON shipments (created_at DESC, shipment_id);

-- Every status the shipment went through, with where and when (GET /api/shipments/:id history).
CREATE TABLE shipment_history (
  id           bigserial PRIMARY KEY,
  shipment_id  uuid NOT NULL REFERENCES shipments (shipment_id),
  status       text NOT NULL,
  location     text,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipment_history_shipment_idx ON shipment_history (shipment_id, id);

-- What shipping knows of an order besides its shipment: whether it was cancelled, so a later
-- CONFIRMED (or a manual POST) ships nothing. The row is also the per-order lock that serializes
-- the consumer and the HTTP routes working on the same order.
CREATE TABLE order_signals (
  order_id          uuid PRIMARY KEY,
  cancelled_reason  text,
  cancelled_at      timestamptz
);
