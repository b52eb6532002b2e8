-- One row per customer-facing source event: unique(source_event_id) is what makes a notification
-- stored (and announced) once, whatever redelivers or replays the event.
CREATE TABLE notifications (
  notification_id uuid PRIMARY KEY,
  source_event_id text NOT NULL UNIQUE,
  source_event_type text NOT NULL,
  customer_id text NOT NULL,
  order_id uuid,
  channel text NOT NULL CHECK (channel IN ('LOG', 'WEBHOOK', 'EMAIL')),
  template text NOT NULL,
  message text NOT NULL,
  -- PENDING while the handler's transaction sends it; only SENT rows are ever committed today
  -- (see handlers.ts), the state is kept so an out-of-transaction dispatcher can be added later.
  status text NOT NULL CHECK (status IN ('PENDING', 'SENT')),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at timestamptz
);

-- GET /api/notifications?customerId=[&orderId=] newest first.
CREATE INDEX notifications_by_customer ON notifications (customer_id, created_at DESC, notification_id DESC);
CREATE INDEX notifications_by_order ON notifications (order_id, created_at DESC);
