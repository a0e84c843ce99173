-- Orders placed at the travel supplier for booking's checkouts (and the voyage routes that
-- book directly): what booking keeps as the item's supplier reference is `confirmation`.
CREATE TABLE supplier_orders (
    id UUID PRIMARY KEY,
    supplier TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- What the traveller and booking see (a PNR, a hotel confirmation number).
    confirmation TEXT NOT NULL,
    -- The supplier's id of the order (what cancelling and reading it take).
    supplier_order_id TEXT NOT NULL,
    -- The caller's idempotency key: one order per key, whatever the retries.
    idempotency_key TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    refundable BOOLEAN NOT NULL,
    user_id UUID,
    offer JSONB NOT NULL,
    answer JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ,
    CONSTRAINT supplier_orders_confirmation_key UNIQUE (confirmation),
    CONSTRAINT supplier_orders_idempotency_key UNIQUE (idempotency_key)
);
CREATE INDEX supplier_orders_user ON supplier_orders (user_id, created_at);
