-- The listing's public view as last applied (null when it is not in the index): the index can
-- then be rebuilt from this database alone (new schema version, lost directory).
ALTER TABLE indexed_listings ADD COLUMN doc JSONB;

-- Booking's `availability.changed` payload per listing, newest version only.
CREATE TABLE listing_availability (
    listing_id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    data JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Reviews' `review.summary_changed` per listing, newest version only.
CREATE TABLE listing_ratings (
    listing_id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    rating DOUBLE PRECISION NOT NULL,
    review_count BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Listings changed here whose index commit is not confirmed yet (the writer commits at most
-- every 250 ms, after this database's transaction): replayed from this database at start-up,
-- so a crash in between loses nothing. `token` names the change; the row is deleted only when
-- that same change is committed.
CREATE TABLE index_pending (
    listing_id UUID PRIMARY KEY,
    token UUID NOT NULL
);
