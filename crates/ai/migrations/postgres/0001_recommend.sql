-- The recommender (docs/ai/recommend.md): travellers' onboarding profiles, the listings catalog
-- publishes, implicit feedback, the precomputed model (item neighbours, popularity per segment)
-- and each user's stored recommendation list, vector and segments.

-- One row per traveller who completed onboarding: crate::profile::Profile as JSON.
CREATE TABLE ai_profiles (
    user_id UUID PRIMARY KEY,
    profile JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Published listings, from catalog's listing.* events. `destination` is the bundled
-- destination whose city the listing is in (NULL: none). `previous_price` is the nightly price
-- before the last decrease (deals), `dropped_at` when it went down.
CREATE TABLE ai_listings (
    id UUID PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    destination TEXT,
    nightly_price DOUBLE PRECISION,
    previous_price DOUBLE PRECISION,
    currency TEXT,
    dropped_at TIMESTAMPTZ,
    tags JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ai_listings_destination ON ai_listings (destination);

-- Implicit feedback: one row per signal. `item_kind` destination | listing | activity | flight
-- | hotel; `destination` the destination it counts for (NULL: none known). `source` + `ref`
-- name where it came from (booking:<reservation id>, favorite, track:<recommendation id>, …)
-- so a cancelled booking removes its rows.
CREATE TABLE ai_interactions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    item_kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    destination TEXT,
    action TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ai_interactions_user ON ai_interactions (user_id, at);
CREATE INDEX ai_interactions_at ON ai_interactions (at);
-- "Travellers who looked at this listing also looked at…": an item's interactions.
CREATE INDEX ai_interactions_item ON ai_interactions (item_kind, item_id);
CREATE INDEX ai_interactions_source ON ai_interactions (source);

-- Item-based collaborative filtering: each destination's nearest neighbours (cosine over
-- users' implicit vectors), rebuilt by the job.
CREATE TABLE ai_neighbours (
    item_id TEXT NOT NULL,
    neighbour_id TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    co_users BIGINT NOT NULL,
    PRIMARY KEY (item_id, neighbour_id)
);

-- Popularity per user segment (`ALL` for everyone): a score 0–1, time-decayed trending,
-- bookings and signals counted.
CREATE TABLE ai_popularity (
    segment TEXT NOT NULL,
    item_id TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    trending DOUBLE PRECISION NOT NULL,
    bookings BIGINT NOT NULL,
    signals BIGINT NOT NULL,
    PRIMARY KEY (segment, item_id)
);

-- Model rebuilds (for /cache/stats and /popularity/refresh).
CREATE TABLE ai_model_runs (
    id UUID PRIMARY KEY,
    trigger TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    users BIGINT NOT NULL,
    interactions BIGINT NOT NULL,
    pairs BIGINT NOT NULL
);

-- A user's 8-dimension vector, how it was made, their segments (JSON list of
-- {segment, score, reasons, assignedAt}) and primary segment.
CREATE TABLE ai_user_vectors (
    user_id UUID PRIMARY KEY,
    vector JSONB NOT NULL,
    source TEXT NOT NULL,
    segments JSONB NOT NULL,
    primary_segment TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- DreamScape's recommendation entity: a user's stored list (active rows), with what the user
-- did with each.
CREATE TABLE ai_recommendations (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    destination_id TEXT NOT NULL,
    destination_name TEXT NOT NULL,
    destination_type TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    reasons JSONB NOT NULL,
    context_type TEXT NOT NULL,
    context_data JSONB,
    status TEXT NOT NULL,
    viewed_at TIMESTAMPTZ,
    clicked_at TIMESTAMPTZ,
    booked_at TIMESTAMPTZ,
    rejected_at TIMESTAMPTZ,
    user_rating BIGINT,
    expires_at TIMESTAMPTZ NOT NULL,
    is_active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ai_recommendations_user ON ai_recommendations (user_id, is_active, score);
CREATE INDEX ai_recommendations_expires ON ai_recommendations (is_active, expires_at);
