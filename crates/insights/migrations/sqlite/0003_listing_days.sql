-- Listing rollups and what host dashboards need beside them: one row per listing, LOCAL day
-- (the listing's time zone) and currency, recomputed from the facts by the rollup hooks and by
-- `sojourn insights rebuild`. Rows are sparse: a day with nothing booked, made, cancelled or
-- rated has none. Nights available are not stored: they follow from the listing's
-- publication (`insights_listings.published_at`, `deleted_at`) and are computed at read time.
CREATE TABLE insights_listing_days (
    listing_id BLOB NOT NULL,
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    host_id BLOB,
    -- Stay nights of confirmed/completed reservations on this date (0 for other kinds).
    nights_booked BIGINT NOT NULL,
    -- The reservation's base, guest total, fees (guest service fee + host fee) and host payout,
    -- spread evenly over its nights (the remainder cents on the first night); other kinds on
    -- the day they start.
    room_revenue BIGINT NOT NULL,
    gross BIGINT NOT NULL,
    fees BIGINT NOT NULL,
    net BIGINT NOT NULL,
    -- Reservations made this day that are or were confirmed; of them, stays; of them, those
    -- cancelled since; their lead times (days from booking to start) and stay lengths.
    bookings BIGINT NOT NULL,
    stay_bookings BIGINT NOT NULL,
    bookings_cancelled BIGINT NOT NULL,
    lead_time_days_sum BIGINT NOT NULL,
    length_sum BIGINT NOT NULL,
    -- Reservations cancelled this day after a confirmation.
    cancellations BIGINT NOT NULL,
    -- Every reservation made this day, confirmed or not.
    requests BIGINT NOT NULL,
    -- Guests' reviews published this day (not hidden) and the sum of their overall ratings.
    ratings BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    PRIMARY KEY (listing_id, day, currency)
);
CREATE INDEX insights_listing_days_host ON insights_listing_days (host_id, day);

-- Messages of guest ↔ host conversations about a listing (`message.sent`), to time replies.
CREATE TABLE insights_messages (
    id BLOB NOT NULL PRIMARY KEY,
    conversation_id BLOB NOT NULL,
    listing_id BLOB,
    host_id BLOB,
    from_host BOOLEAN NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX insights_messages_conversation ON insights_messages (conversation_id, at);

-- One row per conversation where a guest wrote: the guest's first message (`asked_at`, and
-- its local `day`) and the host's next message after it (`answered_at`).
CREATE TABLE insights_conversations (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    host_id BLOB NOT NULL,
    day TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    answered_at TEXT,
    response_seconds BIGINT
);
CREATE INDEX insights_conversations_host ON insights_conversations (host_id, day);
CREATE INDEX insights_conversations_listing ON insights_conversations (listing_id);

-- Guests' reviews of listings (`review.published`; `review.moderated` hides and restores).
CREATE TABLE insights_reviews (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    rating BIGINT NOT NULL,
    published_at TEXT NOT NULL,
    hidden BOOLEAN NOT NULL
);
CREATE INDEX insights_reviews_listing ON insights_reviews (listing_id, published_at);

-- (Money: payments' `payout.recovery_recorded` adds `recovery` rows to insights_money: a
-- refund's host share taken from a later payout because the host was already paid.)

-- Listing views per local hour, kept by tracking (migration 2 creates it the same way).
CREATE TABLE IF NOT EXISTS insights_views_hourly (
    listing_id BLOB NOT NULL,
    day TEXT NOT NULL,
    hour BIGINT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (listing_id, day, hour)
);
