-- Refunds: full or several partial, never more than was captured (guarded by the conditional
-- UPDATE on `amount_refunded`).
ALTER TABLE payment_intents ADD COLUMN amount_refunded BIGINT NOT NULL DEFAULT 0;

CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    intent_id TEXT NOT NULL,
    reservation_id UUID NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_intent ON refunds (intent_id);
