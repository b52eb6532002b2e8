-- An order whose payment captured an amount or currency other than its total is cancelled with the
-- new reason PAYMENT_AMOUNT_MISMATCH (and the capture refunded), never confirmed.
ALTER TABLE orders DROP CONSTRAINT orders_cancellation_reason_check;
ALTER TABLE orders ADD CONSTRAINT orders_cancellation_reason_check
  CHECK (cancellation_reason IN ('PAYMENT_FAILED', 'OUT_OF_STOCK', 'CUSTOMER_REQUEST', 'SAGA_TIMEOUT',
    'PAYMENT_AMOUNT_MISMATCH'));
