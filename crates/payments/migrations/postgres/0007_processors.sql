-- Payments at a remote processor (Stripe, PayPal): the processor's id of each payment (webhooks
-- find it by that), and what later calls need remembered (PayPal's authorisation and capture).
ALTER TABLE payment_intents ADD COLUMN provider_ref TEXT;
ALTER TABLE payment_intents ADD COLUMN provider_data JSONB NOT NULL DEFAULT '{}';
UPDATE payment_intents SET provider_ref = id;
CREATE INDEX payment_intents_provider_ref ON payment_intents (provider_ref);

-- Calls to the processor decided inside a transaction (capture when a host accepts, release,
-- refunds, payout transfers), made after it commits and retried with the same idempotency key
-- until the processor answers for good.
CREATE TABLE processor_ops (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    intent_id TEXT,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX processor_ops_due ON processor_ops (next_attempt_at) WHERE status = 'pending';

-- A refund is `pending` until the processor made it, then `succeeded` (or `failed`).
ALTER TABLE refunds ADD COLUMN status TEXT NOT NULL DEFAULT 'succeeded';
ALTER TABLE refunds ADD COLUMN provider_ref TEXT;
ALTER TABLE refunds ADD COLUMN split_host BIGINT;
ALTER TABLE refunds ADD COLUMN split_taxes BIGINT;

-- Payouts are `pending` until the transfer to the host's account went through.
ALTER TABLE payouts ADD COLUMN destination TEXT;
ALTER TABLE payouts ADD COLUMN transfer_ref TEXT;

-- Where hosts are paid: a Stripe Connect account (acct_…) or a PayPal e-mail address.
CREATE TABLE payout_accounts (
    host_id UUID NOT NULL PRIMARY KEY,
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Refunds made after the host was paid: taken from their next payouts.
CREATE TABLE host_recoveries (
    id TEXT NOT NULL PRIMARY KEY,
    host_id UUID NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    reservation_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    payout_id TEXT
);
CREATE INDEX host_recoveries_open ON host_recoveries (host_id, currency) WHERE payout_id IS NULL;
