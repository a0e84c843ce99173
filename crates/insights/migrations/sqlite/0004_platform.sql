-- Platform rollups: what administrators' KPIs read. One row per UTC day and currency for
-- money and bookings, one row per UTC day for counts that have no currency. Rows are
-- recomputed from the facts (never incremented), so a hook applied twice or a rebuild gives
-- the same rows; a row whose figures are all zero is not kept.

-- Amounts in minor units of `currency`.
CREATE TABLE insights_platform_days (
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    -- Reservations booked that day that are or were confirmed: count, guest totals, platform
    -- fees (guest service fee + host fee), platform revenue.
    bookings BIGINT NOT NULL,
    gmv BIGINT NOT NULL,
    take BIGINT NOT NULL,
    net_revenue BIGINT NOT NULL,
    -- Confirmed reservations cancelled that day.
    cancellations BIGINT NOT NULL,
    -- Money movements that day: captures, refunds, failed payments, payouts paid.
    captures BIGINT NOT NULL,
    captured BIGINT NOT NULL,
    refunds BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    failed_payments BIGINT NOT NULL,
    payouts BIGINT NOT NULL,
    paid_out BIGINT NOT NULL,
    -- Host earnings captured that day and the host share of refunds that day (pending payouts
    -- = earned - refunded share - paid out, summed up to a day).
    host_earned BIGINT NOT NULL,
    host_refunded BIGINT NOT NULL,
    PRIMARY KEY (day, currency)
);

-- Counts without a currency: accounts created, new hosts (users whose first listing was
-- created that day), listings created, listings first published that day.
CREATE TABLE insights_platform_day_counts (
    day TEXT NOT NULL PRIMARY KEY,
    new_users BIGINT NOT NULL,
    new_hosts BIGINT NOT NULL,
    new_listings BIGINT NOT NULL,
    published_listings BIGINT NOT NULL
);

-- Top lists by host and by destination read these instead of the reservations: per UTC day
-- and currency, each host's (destination's) reservations booked that day that are or were
-- confirmed, and their guest totals. Recomputed with the day's `insights_platform_days` row.
CREATE TABLE insights_platform_host_days (
    currency TEXT NOT NULL,
    day TEXT NOT NULL,
    host_id BLOB NOT NULL,
    bookings BIGINT NOT NULL,
    gmv BIGINT NOT NULL,
    PRIMARY KEY (currency, day, host_id)
);

CREATE TABLE insights_platform_destination_days (
    currency TEXT NOT NULL,
    day TEXT NOT NULL,
    destination TEXT NOT NULL,
    bookings BIGINT NOT NULL,
    gmv BIGINT NOT NULL,
    PRIMARY KEY (currency, day, destination)
);

-- What the recomputations and the top lists look up by instant.
CREATE INDEX insights_reservations_cancelled ON insights_reservations (cancelled_at);
CREATE INDEX insights_reservations_top ON insights_reservations (booked_at, currency, listing_id, host_id, destination, guest_total, confirmed_at);
CREATE INDEX insights_listings_host_created ON insights_listings (host_id, created_at);
CREATE INDEX insights_listings_published ON insights_listings (published_at);
