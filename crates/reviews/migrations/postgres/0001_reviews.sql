-- Reservations as booking's `booking.*` events tell them: who may review whom, and, once
-- completed, the review window (opens at completion, closes 14 days later). `published_at` is
-- the instant its reviews were published (both written, or the window closed): set once, by
-- whoever claims it.
CREATE TABLE stays (
    id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    kind TEXT NOT NULL,
    guest_id UUID,
    host_id UUID,
    listing_title TEXT,
    -- The listing's IANA zone: deadlines are told on the listing's clock.
    timezone TEXT,
    status TEXT NOT NULL,
    completed_at TIMESTAMPTZ,
    closes_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    first_reminder_at TIMESTAMPTZ,
    last_reminder_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX stays_open ON stays (closes_at) WHERE published_at IS NULL;
CREATE INDEX stays_guest ON stays (guest_id);
CREATE INDEX stays_host ON stays (host_id);

-- One review per reservation and side. Hidden from everyone but its author (and administrators)
-- until `published_at`; `hidden_at` is a moderator's decision (the review leaves the aggregates).
CREATE TABLE reviews (
    id UUID PRIMARY KEY,
    reservation_id UUID NOT NULL,
    listing_id UUID NOT NULL,
    kind TEXT NOT NULL,
    author_id UUID NOT NULL,
    author_role TEXT NOT NULL,
    subject_id UUID NOT NULL,
    rating BIGINT NOT NULL,
    categories TEXT NOT NULL,
    comment TEXT NOT NULL,
    private_note TEXT,
    response TEXT,
    responded_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    hidden_at TIMESTAMPTZ,
    hidden_reason TEXT,
    author_erased BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT reviews_once UNIQUE (reservation_id, author_role)
);
CREATE INDEX reviews_listing ON reviews (listing_id, published_at);
CREATE INDEX reviews_subject ON reviews (subject_id, published_at);
CREATE INDEX reviews_author ON reviews (author_id, created_at);

-- Category ratings, one row each, so averages are computed by the database.
CREATE TABLE review_scores (
    review_id UUID NOT NULL,
    category TEXT NOT NULL,
    score BIGINT NOT NULL,
    PRIMARY KEY (review_id, category)
);

-- Flags raised by users (one open flag per review and reporter), resolved by a moderator.
CREATE TABLE review_flags (
    id UUID PRIMARY KEY,
    review_id UUID NOT NULL,
    reporter_id UUID NOT NULL,
    reason TEXT NOT NULL,
    details TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    resolution TEXT,
    CONSTRAINT review_flags_once UNIQUE (review_id, reporter_id)
);
CREATE INDEX review_flags_open ON review_flags (review_id) WHERE resolved_at IS NULL;

-- What moderators did, and why.
CREATE TABLE review_moderation (
    id UUID PRIMARY KEY,
    review_id UUID NOT NULL,
    moderator_id UUID NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_moderation_review ON review_moderation (review_id, created_at);

-- Each listing's aggregate as last published (`review.summary_changed`), with its version.
CREATE TABLE listing_summaries (
    listing_id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    summary TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Authors' names as identity's `user.*` events give them; erased on `user.deleted`.
CREATE TABLE people (
    user_id UUID PRIMARY KEY,
    first_name TEXT,
    last_name TEXT,
    erased BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
