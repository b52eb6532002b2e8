-- The saga deadline: an order still CREATED after ORDER_SAGA_TIMEOUT_MS is cancelled with the new
-- reason SAGA_TIMEOUT. The deadline scan (status = 'CREATED' AND created_at < cutoff, oldest first)
-- is served by orders_status_created from 001, so it needs no index of its own.
ALTER TABLE orders DROP CONSTRAINT orders_cancellation_reason_check;
ALTER TABLE orders ADD CONSTRAINT orders_cancellation_reason_check
  CHECK (cancellation_reason IN ('PAYMENT_FAILED', 'OUT_OF_STOCK', 'CUSTOMER_REQUEST', 'SAGA_TIMEOUT'));
