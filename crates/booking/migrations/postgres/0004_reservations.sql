-- Reservations of every kind. Dated kinds keep their local dates (stays) or instants
-- (slots, sessions, trips); `unit_key` names the countable inventory they hold.
CREATE TABLE reservations (
    id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    guest_id UUID NOT NULL,
    host_id UUID NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    check_in DATE,
    check_out DATE,
    unit_key TEXT,
    quantity BIGINT NOT NULL,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    currency TEXT NOT NULL,
    timezone TEXT NOT NULL,
    total BIGINT NOT NULL,
    quote JSONB NOT NULL,
    coupon_id UUID,
    instant_book BOOLEAN NOT NULL,
    cancellation_policy TEXT NOT NULL,
    hold_expires_at TIMESTAMPTZ,
    respond_by TIMESTAMPTZ,
    paid BIGINT NOT NULL DEFAULT 0,
    refunded BIGINT NOT NULL DEFAULT 0,
    payment_id TEXT,
    cancelled_by TEXT,
    cancel_reason TEXT,
    refund JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX reservations_guest ON reservations (guest_id, created_at);
CREATE INDEX reservations_host ON reservations (host_id, created_at);
-- What the scheduler looks for; partial, so a reservation sits in at most one of them.
CREATE INDEX reservations_due_hold ON reservations (hold_expires_at) WHERE status = 'pending_payment';
CREATE INDEX reservations_due_request ON reservations (respond_by) WHERE status = 'awaiting_host';
CREATE INDEX reservations_due_end ON reservations (ends_at) WHERE status = 'confirmed';

-- Idempotency-Key of reservation requests, per guest: the same key answers the same
-- reservation; another request under a used key is refused.
CREATE TABLE reservation_keys (
    guest_id UUID NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    reservation_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guest_id, idem_key)
);

-- Coupons: global (owner NULL, made by an administrator) or a provider's, for some or all of
-- their listings. `uses` is counted with a conditional UPDATE.
CREATE TABLE coupons (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL,
    owner_id UUID,
    listing_ids JSONB NOT NULL,
    discount_kind TEXT NOT NULL,
    discount_value BIGINT NOT NULL,
    currency TEXT,
    valid_from TIMESTAMPTZ,
    valid_until TIMESTAMPTZ,
    min_nights BIGINT,
    max_uses BIGINT,
    max_uses_per_user BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX coupons_code_key ON coupons (code);

CREATE TABLE coupon_redemptions (
    reservation_id UUID PRIMARY KEY,
    coupon_id UUID NOT NULL,
    user_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX coupon_redemptions_user ON coupon_redemptions (coupon_id, user_id);
