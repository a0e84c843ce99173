-- The facts insights keeps from other contexts' events: one row per listing, reservation,
-- money movement and user, in the state the latest event described. Rollups and dashboards
-- are computed from these, so they can always be rebuilt (`sojourn insights rebuild`).

-- Listings as catalog's `listing.*` events describe them. `timezone` decides which local day
-- a night, a booking or a view falls on.
CREATE TABLE insights_listings (
    id UUID PRIMARY KEY,
    host_id UUID NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    city TEXT,
    country TEXT,
    timezone TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ,
    version BIGINT NOT NULL
);
CREATE INDEX insights_listings_host ON insights_listings (host_id);
CREATE INDEX insights_listings_created ON insights_listings (created_at);

-- Reservations as booking's `booking.*` events describe them (amounts in minor units of
-- `currency`). `check_in`/`check_out` are the stay's local dates (null for other kinds);
-- `nights` is 1 for other kinds.
CREATE TABLE insights_reservations (
    id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    host_id UUID,
    guest_id UUID,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    timezone TEXT NOT NULL,
    destination TEXT,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    check_in DATE,
    check_out DATE,
    nights BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    base BIGINT NOT NULL,
    guest_total BIGINT NOT NULL,
    guest_service_fee BIGINT NOT NULL,
    host_fee BIGINT NOT NULL,
    taxes BIGINT NOT NULL,
    host_payout BIGINT NOT NULL,
    platform_revenue BIGINT NOT NULL,
    paid BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    booked_at TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX insights_reservations_host ON insights_reservations (host_id, booked_at);
CREATE INDEX insights_reservations_listing ON insights_reservations (listing_id, starts_at);
CREATE INDEX insights_reservations_booked ON insights_reservations (booked_at);

-- Money as payments' events tell it, one row per movement: `capture` (payment.succeeded),
-- `failure` (payment.failed), `refund` (refund.completed), `payout` (payout.paid),
-- `payout_failed` (payout.failed). `id` is `<kind>:<the movement's id>`, so a redelivered
-- event changes nothing.
CREATE TABLE insights_money (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    reservation_id UUID,
    user_id UUID,
    host_id UUID,
    amount BIGINT NOT NULL,
    -- What the movement did to the host's account in payments' ledger, when it says (a
    -- capture: the payout earned; a refund: the share taken back; a payout: what was paid).
    host_amount BIGINT,
    currency TEXT NOT NULL,
    reference TEXT,
    method TEXT,
    status TEXT
);
CREATE INDEX insights_money_kind ON insights_money (kind, at);
CREATE INDEX insights_money_host ON insights_money (host_id, at);
CREATE INDEX insights_money_reservation ON insights_money (reservation_id);

-- Users as identity's `user.*` events describe them; `deleted_at` once erased.
CREATE TABLE insights_users (
    id UUID PRIMARY KEY,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX insights_users_created ON insights_users (created_at);

-- The UTC days a user was active (signed in, booked, paid, tracked while signed in): DAU, WAU
-- and MAU count distinct users over these.
CREATE TABLE insights_user_days (
    user_id UUID NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (day, user_id)
);
